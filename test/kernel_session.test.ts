// A long session against the real kernel (the real TypeScript executor, torch
// loaded): 200 varied cells run without a crash, every reply arrives, errors
// stay in their cells, state carries across, and the heartbeat keeps answering.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "child_process";
import * as path from "path";
import { KernelClient, KernelProcess, startKernel } from "./kernel/client";

const root = path.join(__dirname, "..");
let k: KernelProcess;
let c: KernelClient;

beforeAll(async () => {
  try {
    execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", root], { stdio: "pipe" });
  } catch {
    /* type errors elsewhere still emit */
  }
  k = await startKernel();
  c = new KernelClient(k.conn);
  await c.ready(60000);
}, 180000);

afterAll(async () => {
  c?.close();
  await k?.kill();
});

function cell(i: number): { code: string; expect: "ok" | "error" } {
  switch (i % 10) {
    case 0: return { code: `throw new Error("cell ${i}")`, expect: "error" };
    case 1: return { code: `const t${i} = torch.randn(4, 4, { requiresGrad: true }); t${i}.sum().backward(); t${i}.grad!.sum().item()`, expect: "ok" };
    case 2: return { code: `console.log("line ${i}")`, expect: "ok" };
    case 3: return { code: `let v${i}: number = ${i}; v${i} * 2`, expect: "ok" };
    case 4: return { code: `const s${i}: string = ${i};`, expect: "error" };  // a type error
    case 5: return { code: `await new Promise((r) => setTimeout(r, 1)); ${i}`, expect: "ok" };
    case 6: return { code: `display.markdown("**${i}**")`, expect: "ok" };
    case 7: return { code: `torch.arange(${i})`, expect: "ok" };
    case 8: return { code: `v${i - 5} + 1`, expect: "ok" };  // a variable from an earlier cell
    default: return { code: `[${i}, "x", { a: ${i} }]`, expect: "ok" };
  }
}

describe("a 200-cell session with the real executor", () => {
  it("runs every cell, keeps state, and stays alive", async () => {
    const statuses: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { code, expect: want } = cell(i);
      const { reply, iopub } = await c.execute(code, { stop_on_error: false }, 30000);
      statuses.push(reply.content.status as string);
      if (reply.content.status !== want) throw new Error(`cell ${i} (${code}): status ${reply.content.status}, expected ${want}`);
      if (i % 10 === 8) {
        const result = iopub.find((m) => m.header.msg_type === "execute_result");
        expect((result?.content.data as Record<string, string>)["text/plain"]).toBe(String(i - 5 + 1));
      }
    }
    expect(statuses.filter((s) => s === "error")).toHaveLength(40);
    expect(await c.heartbeat()).toBeLessThan(2000);
    const { reply } = await c.execute("v3 + v13", {}, 30000);
    expect(reply.content.status).toBe("ok");
    expect(k.proc.exitCode).toBeNull();
  }, 600000);
});
