// The examples run as tests: the chapter's program (section 1.5) must converge
// and print the chapter's three lines; the classifier must reach 95% accuracy
// in a short run. `torchlab` maps to runtime/index.ts (jest.config.js).
import { describe, expect, test } from "@jest/globals";
import { main as regression } from "../examples/linear-regression";
import { main as classifier, twoSpirals } from "../examples/classifier";
import * as torch from "../runtime/index";
import * as plt from "../runtime/plot/index";

describe("examples", () => {
  test("linear-regression.ts: converges below 1e-3 and prints the chapter's lines", () => {
    const lines: string[] = [];
    const r = regression((l) => lines.push(l));
    expect(r.loss).toBeLessThan(1e-3);
    expect(r.batches).toBeLessThan(5000);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^Loss: 0\.000\d{3} after \d+ batches$/);
    const coef = (l: string): number[] => [...l.matchAll(/([+-]\d+\.\d\d)/g)].map((m) => Number(m[1]));
    expect(lines[1]).toMatch(/^==> Learned function:\ty = [+-]\d+\.\d\d x\^4 [+-]\d+\.\d\d x\^3 [+-]\d+\.\d\d x\^2 [+-]\d+\.\d\d x\^1 [+-]\d+\.\d\d$/);
    expect(lines[2]).toMatch(/^==> Actual function:\ty = /);
    const learned = coef(lines[1]), actual = coef(lines[2]);
    expect(learned).toHaveLength(5);
    learned.forEach((v, i) => expect(Math.abs(v - actual[i])).toBeLessThan(0.15));
    // The chapter's figure: 32 blue points ("real curve") and a red line ("fitting curve").
    const spec = JSON.stringify(plt.gcf().toSpec());
    expect(spec).toContain("real curve");
    expect(spec).toContain("fitting curve");
    expect(spec).toContain("#0000ff");
    expect(spec).toContain("#ff0000");
  });

  test("classifier.ts: two spirals to at least 95% accuracy", () => {
    const lines: string[] = [];
    const r = classifier({ points: 300, epochs: 30, log: (l) => lines.push(l) });
    expect(r.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(lines.some((l) => l.startsWith("accuracy: "))).toBe(true);
    expect(lines[lines.length - 1]).toContain("(0): Linear(in_features=2, out_features=64, bias=True)");
  });

  test("the spirals are not linearly separable (the MLP earns its accuracy)", () => {
    const [x, y] = twoSpirals(300, new torch.Generator().manualSeed(3));
    const model = new torch.nn.Linear(2, 2);
    const opt = new torch.optim.Adam(model.parameters(), { lr: 0.05 });
    for (let i = 0; i < 300; i++) {
      opt.zeroGrad();
      torch.nn.functional.crossEntropy(model.forward(x), y).backward();
      opt.step();
    }
    const acc = torch.noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item() as number);
    expect(acc).toBeLessThan(0.8);
  });
});
