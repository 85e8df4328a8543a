// Leak checks in the manner of tfjs: the number of live large storages
// (blocks of the CPU block cache, i.e. tensors of 16 KiB and more:
// torch.memoryStats().liveBlocks) must be the same after a training step as
// before it, once temporaries are released, whether they are released by
// torch.tidy or by the garbage collector.
import { describe, expect, test } from "@jest/globals";
import * as torch from "../runtime/index";

const { nn, optim } = torch;
const F = nn.functional;

function setup() {
  torch.manualSeed(0);
  // Every tensor here is >= 16 KiB, so it is a counted block.
  const model = new nn.Sequential(new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 64));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = torch.randn(64, 128);
  const y = torch.randint(0, 64, [64]);
  return { model, opt, x, y };
}

const collect = async (): Promise<void> => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run the tests with NODE_OPTIONS=--expose-gc (npm test does)");
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("training steps leak no storage", () => {
  test("released by torch.tidy (gradients zeroed in place)", () => {
    const { model, opt, x, y } = setup();
    const step = (): number => torch.tidy(() => {
      opt.zeroGrad({ setToNone: false });
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item() as number;
    });
    step();  // the first step makes the gradients and Adam's state
    const before = torch.memoryStats().liveBlocks;
    expect(before).toBeGreaterThan(0);
    const losses = [step(), step(), step()];
    expect(torch.memoryStats().liveBlocks).toBe(before);
    expect(losses[2]).toBeLessThan(losses[0]);  // it does train
  });

  test("released by the garbage collector (no explicit disposal)", async () => {
    const { model, opt, x, y } = setup();
    const step = (): void => {
      opt.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    };
    step();
    await collect();
    const before = torch.memoryStats().liveBlocks;
    for (let i = 0; i < 5; i++) step();
    await collect();
    expect(torch.memoryStats().liveBlocks).toBe(before);
  });

  test("a graph that is never walked backward is freed too", async () => {
    const { model, x, y } = setup();
    await collect();
    const before = torch.memoryStats().liveBlocks;
    for (let i = 0; i < 5; i++) F.crossEntropy(model.forward(x), y);
    await collect();
    expect(torch.memoryStats().liveBlocks).toBe(before);
  });
});

describe("a synchronous loop that drops its results", () => {
  test("does not grow: the garbage collector frees large blocks without waiting for the event loop", () => {
    const x = torch.ones(512, 512);  // 1 MiB
    const start = process.memoryUsage().arrayBuffers;
    const peaks = [0, 0];  // first and second half of the loop
    for (let i = 0; i < 1500; i++) {  // 1.5 GiB of results in all, no dispose, no await
      x.add(1).mul(2);
      if (i % 50 === 0) {
        const half = i < 750 ? 0 : 1;
        peaks[half] = Math.max(peaks[half], process.memoryUsage().arrayBuffers - start);
      }
    }
    // Freed blocks were never returned before the loop yielded: memory rose linearly to
    // 1.5 GiB and the second half peaked at twice the first. Now the collector bounds it
    // (how high depends on V8's heuristics and on how busy its sweeper thread is: with another
    // process busy on the 2 CPUs the second half once peaked at 1.5x the first + 78 MiB).
    // Linear growth (about 750 then 1500 MiB) still fails both checks.
    expect(Math.max(...peaks)).toBeLessThan(1024 * 1048576);
    expect(peaks[1]).toBeLessThan(1.5 * peaks[0] + 128 * 1048576);
  });
});
