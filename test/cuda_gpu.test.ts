// The op, gradient and behaviour suites on a real GPU, each case compared with
// the CPU's result (bench/gpu/fixtures.js, bench/gpu/extras.js: the same checks
// bench/gpu/check.js runs with plain node on the GPU machine). Without a GPU
// they report themselves skipped, with the reason.
import { describe, expect, it } from "@jest/globals";
import { join } from "path";
import * as torch from "../runtime/index";

/* eslint-disable @typescript-eslint/no-require-imports */
type Check = { suite: string; name: string; run: () => string[] };
const { fixtureChecks, runCheck } = require("../bench/gpu/fixtures.js") as {
  fixtureChecks: (t: typeof torch, root: string, device: string) => Check[];
  runCheck: (c: Check) => string[];
};
const { extraChecks } = require("../bench/gpu/extras.js") as { extraChecks: (t: typeof torch, o?: { mock?: boolean }) => Check[] };
/* eslint-enable @typescript-eslint/no-require-imports */

function noGpuReason(): string {
  if (!torch.backends.cuda.isBuilt()) return "the addon was built without CUDA";
  try {
    torch.cuda.currentDevice();
    return "no CUDA device";
  } catch (e) {
    return (e as Error).message;
  }
}

const gpu = torch.cuda.isAvailable();

if (gpu) {
  describe(`on ${torch.cuda.getDeviceName(0)}`, () => {
    describe("CUDA behaviour", () => {
      it.each(extraChecks(torch).map((c) => [c.name, c] as const))("%s", (_n, c) => {
        expect(runCheck(c)).toEqual([]);
      }, 300_000);
    });
    describe("fixture suites on cuda vs the CPU", () => {
      it.each(fixtureChecks(torch, join(__dirname, ".."), "cuda").map((c) => [`${c.suite}/${c.name}`, c] as const))("%s", (_n, c) => {
        expect(runCheck(c)).toEqual([]);
      });
    });
  });
} else {
  describe.skip(`on cuda (skipped: ${noGpuReason()})`, () => {
    it("CUDA behaviour: placement, copies, .to() gradients, memory, OOM, streams, modules, optimizers", () => undefined);
    it("fixture suites on cuda vs the CPU: ops, autograd, autograd_ops, gradcheck", () => undefined);
  });
}
