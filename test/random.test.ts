// Random sampling: same seed, same numbers (across runs, thread counts and
// layouts), and the distributions have the right range and moments.
import { describe, expect, test } from "@jest/globals";
import { execFileSync } from "child_process";
import * as path from "path";
import * as torch from "../runtime/index";

const flat = (t: torch.Tensor) => t.reshape(-1).tolist() as number[];

describe("seeding", () => {
  test("manualSeed repeats the sequence", () => {
    torch.manualSeed(5000);
    const a = [flat(torch.randn(4, 1)), flat(torch.rand(3)), flat(torch.randint(0, 10, [5])), flat(torch.randperm(6))];
    torch.manualSeed(5000);
    const b = [flat(torch.randn(4, 1)), flat(torch.rand(3)), flat(torch.randint(0, 10, [5])), flat(torch.randperm(6))];
    expect(b).toEqual(a);
    torch.manualSeed(5001);
    expect(flat(torch.randn(4, 1))).not.toEqual(a[0]);
  });

  test("the same seed gives the same numbers in a fresh process", () => {
    const script = `const t = require(${JSON.stringify(path.join(__dirname, "..", "dist", "runtime", "index.js"))}); t.manualSeed(42); console.log(JSON.stringify(t.randn(5).tolist()));`;
    const run = () => execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
    const first = run();
    expect(run()).toBe(first);
    torch.manualSeed(42);
    // dist/ and runtime/ are the same code: this process agrees with the child.
    expect(JSON.parse(first)).toEqual(flat(torch.randn(5)));
  });

  test("numbers do not depend on the thread count", () => {
    const n = 1 << 18;  // large enough to be split across threads
    torch.manualSeed(7);
    const a = torch.randn(n);
    torch.setNumThreads(1);
    torch.manualSeed(7);
    const b = torch.randn(n);
    torch.setNumThreads(require("os").cpus().length);
    expect(torch.equal(a, b)).toBe(true);
  });

  test("a Generator is independent of the default one", () => {
    const g1 = new torch.Generator().manualSeed(3);
    const x = flat(torch.rand(4, { generator: g1 }));
    torch.rand(10);  // advancing the default generator changes nothing for g
    const g2 = new torch.Generator().manualSeed(3);
    expect(flat(torch.rand(4, { generator: g2 }))).toEqual(x);
    const state = g2.getState();
    const y = flat(torch.rand(2, { generator: g2 }));
    g2.setState(state);
    expect(flat(torch.rand(2, { generator: g2 }))).toEqual(y);
  });

  test("in-place sampling into a non-contiguous view fills exactly that view", () => {
    const base = torch.zeros(4, 6);
    const v = base.t().narrow(0, 1, 2);  // columns 1 and 2
    torch.manualSeed(1);
    v.uniform_(5, 6);
    const cols = base.tolist() as number[][];
    for (const row of cols) {
      expect(row[0]).toBe(0);
      expect(row[1]).toBeGreaterThanOrEqual(5);
      expect(row[2]).toBeLessThan(6);
      expect(row[3]).toBe(0);
    }
  });
});

describe("distributions", () => {
  test("rand is in [0, 1) with mean 1/2 and variance 1/12", () => {
    torch.manualSeed(0);
    const x = torch.rand(200000, { dtype: torch.float64 });
    expect(x.min().item()).toBeGreaterThanOrEqual(0);
    expect(x.max().item()).toBeLessThan(1);
    expect(x.mean().item() as number).toBeCloseTo(0.5, 2);
    expect(x.var().item() as number).toBeCloseTo(1 / 12, 3);
  });

  test("randn has mean 0 and std 1; normal_ scales", () => {
    torch.manualSeed(0);
    const x = torch.randn(200000);
    expect(Math.abs(x.mean().item() as number)).toBeLessThan(0.01);
    expect(x.std().item() as number).toBeCloseTo(1, 1);
    const y = torch.empty(100000, { dtype: torch.float64 }).normal_(3, 0.5);
    expect(y.mean().item() as number).toBeCloseTo(3, 1);
    expect(y.std().item() as number).toBeCloseTo(0.5, 1);
  });

  test("randint covers [low, high) and nothing else", () => {
    torch.manualSeed(0);
    const x = torch.randint(-3, 4, [50000]);
    expect(x.dtype).toBe("int64");
    expect(x.min().item()).toBe(-3);
    expect(x.max().item()).toBe(3);
    const counts = new Map<number, number>();
    for (const v of flat(x)) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (let v = -3; v <= 3; v++) expect(Math.abs(counts.get(v)! / 50000 - 1 / 7)).toBeLessThan(0.01);
    expect(torch.randint(10, [3]).max().item() as number).toBeLessThan(10);
    expect(torch.randint(0, 256, [100], { dtype: torch.uint8 }).dtype).toBe("uint8");
  });

  test("randperm is a permutation", () => {
    torch.manualSeed(0);
    for (const n of [0, 1, 10, 1000]) {
      const p = flat(torch.randperm(n));
      expect([...p].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    }
    expect(flat(torch.randperm(1000))).not.toEqual([...Array(1000).keys()]);
  });
});
