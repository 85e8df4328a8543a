// The engine's semantics: leaves, accumulation, graph freeing, grad modes,
// retainGrad, autograd.grad and higher order, in-place checks, the chapter's
// Variable examples (section 1.2), errors.
import { describe, expect, jest, test } from "@jest/globals";
import * as torch from "../runtime/index";
import type { Tensor } from "../runtime/index";

const vals = (t: Tensor | null): number[] => (t === null ? [] : (t.reshape(-1).tolist() as number[]));
const near = (a: number[], b: number[], tol = 1e-5): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]))));
};

describe("chapter 1.2: Variable", () => {
  test("y = x + 2; z = y * y * 3; out = z.mean(); out.backward() gives 4.5", () => {
    const x = torch.autograd.Variable(torch.ones(2, 2), { requiresGrad: true });
    expect(x.isLeaf).toBe(true);
    expect(x.creator).toBeNull();
    const y = x.add(2);
    expect(y.creator!.name()).toBe("AddBackward0");
    expect(y.creator).toBe(y.gradFn);
    const z = y.mul(y).mul(3);
    const out = z.mean();
    expect(out.toString()).toBe("tensor(27., grad_fn=<MeanBackward0>)");
    expect(x.grad).toBeNull();
    out.backward();
    near(vals(x.grad), [4.5, 4.5, 4.5, 4.5]);
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    expect(y.grad).toBeNull();  // not a leaf: PyTorch's UserWarning says so
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/The .grad attribute of a Tensor that is not a leaf Tensor is being accessed/);
    warn.mockRestore();
  });

  test("non-scalar backward needs a gradient, which weights the result", () => {
    const x = torch.tensor([0.5, -1, 2], { requiresGrad: true });
    let y = x.mul(2);
    let k = 1;
    while ((y.data.norm().item() as number) < 1000) { y = y.mul(2); k++; }
    expect(() => y.backward()).toThrow("grad can be implicitly created only for scalar outputs");
    y.backward(torch.tensor([0.1, 1.0, 0.0001]));
    near(vals(x.grad), [0.1, 1, 0.0001].map((g) => g * 2 ** k));
  });
});

describe("graph structure", () => {
  test("gradFn names, nextFunctions and AccumulateGrad", () => {
    const w = torch.randn(3, 2, { requiresGrad: true });
    const b = torch.zeros(2, { requiresGrad: true });
    const x = torch.randn(4, 3);
    const y = x.mm(w).add(b);
    expect(y.gradFn!.name()).toBe("AddBackward0");
    const [mm, acc] = y.gradFn!.nextFunctions;
    expect(mm[0]!.name()).toBe("MmBackward0");
    expect(acc[0]!.name()).toBe("AccumulateGrad");
    expect(acc[0]!.variable).toBe(b);
    expect(mm[0]!.nextFunctions).toEqual([[null, 0], [expect.anything(), 0]]);
    expect(torch.zeros(2).add(1).gradFn).toBeNull();
  });

  test("requiresGrad propagates; integer results never require grad", () => {
    const x = torch.randn(3, { requiresGrad: true });
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(x.gt(0).requiresGrad).toBe(false);
    expect(x.argmax().requiresGrad).toBe(false);
    expect(() => torch.tensor([1, 2]).requiresGrad_()).toThrow("only Tensors of floating point dtype can require gradients");
    expect(() => { x.mul(2).requiresGrad = false; }).toThrow("you can only change requires_grad flags of leaf variables");
  });
});

describe("accumulation and freeing", () => {
  test("grad accumulates over backward calls and zeroes with grad = null", () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(x).sum().backward();
    near(vals(x.grad), [4, 8, 12]);
    x.grad = null;
    x.sum().backward();
    near(vals(x.grad), [1, 1, 1]);
  });

  test("a second backward through a freed graph is refused; retainGraph allows it", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(() => y.backward()).toThrow("Trying to backward through the graph a second time");
    near(vals(x.grad), [2 * Math.E, 2 * Math.exp(2)]);
  });

  test("an assigned grad must match the tensor", () => {
    const w = torch.zeros(2, 3, { requiresGrad: true });
    w.grad = torch.ones(2, 3);
    expect(() => { w.grad = torch.ones(3, 2); }).toThrow("assigned grad has data of a different size ([3, 2], expected [2, 3])");
    expect(() => { w.grad = torch.ones(2, 3, { dtype: "float64" }); }).toThrow("assigned grad has data of a different type");
    expect(() => { w.grad = 1 as unknown as Tensor; }).toThrow("assigned grad expected to be a Tensor or null");
    w.sum().backward();
    near(vals(w.grad), [2, 2, 2, 2, 2, 2]);
  });

  test("the same leaf used twice and a diamond get summed gradients", () => {
    const x = torch.tensor([3], { requiresGrad: true });
    const a = x.mul(2), b = x.mul(x);
    a.add(b).add(x).sum().backward();
    near(vals(x.grad), [2 + 6 + 1]);
  });

  test("gradients are never aliased to each other or to the caller's tensors", () => {
    const a = torch.tensor([1, 2], { requiresGrad: true }), b = torch.tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward();          // add hands one tensor to both inputs
    a.grad!.add_(10);
    near(vals(b.grad), [1, 1]);
    const g = torch.tensor([5, 6]);
    const c = torch.tensor([0, 0], { requiresGrad: true });
    c.clone().backward(g);              // the caller's gradient passes through unchanged
    g.add_(1);
    near(vals(c.grad), [5, 6]);
    const d = torch.tensor([0, 0], { requiresGrad: true });
    d.backward(g);                      // a leaf root
    expect(d.grad).not.toBe(g);
    g.add_(1);
    near(vals(d.grad), [6, 7]);
    const e = torch.tensor([1, 2], { requiresGrad: true });
    const y = e.mul(1);
    y.retainGrad();
    y.clone().sum().backward();
    y.grad!.add_(100);
    near(vals(e.grad), [1, 1]);
  });

  test("a transposed weight (as in nn.Linear) gets a contiguous gradient", () => {
    const w = torch.randn(3, 4, { requiresGrad: true });
    const x = torch.randn(5, 4);
    x.mm(w.t()).sum().backward();
    expect(w.grad!.isContiguous()).toBe(true);
    expect(w.grad!.shape).toEqual([3, 4]);
    near(vals(w.grad), vals(torch.ones(3, 5).mm(x)));
  });

  test("tidy does not free what the graph saved", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const loss = torch.tidy(() => x.exp().mul(x.sin()).sum());
    loss.backward();
    near(vals(x.grad), [1, 2].map((v) => Math.exp(v) * (Math.sin(v) + Math.cos(v))));
  });
});

describe("grad modes", () => {
  test("noGrad, enableGrad, setGradEnabled, using scopes", () => {
    const x = torch.ones(2, { requiresGrad: true });
    expect(torch.noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(torch.noGrad(() => torch.enableGrad(() => x.mul(2))).requiresGrad).toBe(true);
    {
      using _ = torch.noGrad();
      expect(torch.isGradEnabled()).toBe(false);
      expect(x.mul(2).gradFn).toBeNull();
    }
    expect(torch.isGradEnabled()).toBe(true);
    const s = torch.setGradEnabled(false);
    expect(x.add(1).requiresGrad).toBe(false);
    s[Symbol.dispose]();
    expect(x.add(1).requiresGrad).toBe(true);
    expect(() => torch.noGrad(() => { throw new Error("boom"); })).toThrow("boom");
    expect(torch.isGradEnabled()).toBe(true);
  });

  test("detach, detach_, .data", () => {
    const x = torch.ones(2, { requiresGrad: true });
    const y = x.mul(3);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    y.detach_();
    expect(y.isLeaf).toBe(true);
    expect(y.requiresGrad).toBe(false);
    const dt = x.data;
    expect(dt.requiresGrad).toBe(false);
    dt.add_(1);  // not tracked, shares storage
    near(vals(x.detach()), [2, 2]);
  });
});

describe("retainGrad and autograd.grad", () => {
  test("retainGrad keeps a non-leaf's grad", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.retainGrad();
    expect(y.retainsGrad).toBe(true);
    y.mul(y).sum().backward();
    near(vals(y.grad), [4, 8]);
    near(vals(x.grad), [8, 16]);
  });

  test("grad returns gradients without touching .grad; higher order with createGraph", () => {
    const x = torch.tensor([2], { requiresGrad: true, dtype: "float64" });
    const y = x.pow(3);
    const [dx] = torch.autograd.grad(y, x, { createGraph: true });
    near(vals(dx), [12]);
    expect(x.grad).toBeNull();
    const [ddx] = torch.autograd.grad(dx!, x, { createGraph: true });
    near(vals(ddx), [12]);
    const [d3] = torch.autograd.grad(ddx!, x);
    near(vals(d3), [6]);
  });

  test("allowUnused, gradOutputs, errors", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const z = torch.tensor([1], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => torch.autograd.grad(y.sum(), [x, z])).toThrow("appears to not have been used in the graph");
    const [gx, gz] = torch.autograd.grad(y.sum(), [x, z], { allowUnused: true });
    near(vals(gx), [2, 2]);
    expect(gz).toBeNull();
    const [g2] = torch.autograd.grad(y, x, { gradOutputs: torch.tensor([1, 10]) });
    near(vals(g2), [2, 20]);
    expect(() => torch.autograd.grad(y, x, { gradOutputs: torch.ones(3) })).toThrow("Mismatch in shape");
    expect(() => torch.autograd.grad(torch.ones(1), x)).toThrow("does not require grad");
  });

  test("backward with inputs accumulates only there", () => {
    const a = torch.tensor([1], { requiresGrad: true }), b = torch.tensor([2], { requiresGrad: true });
    a.mul(b).sum().backward(null, { inputs: [a] });
    near(vals(a.grad), [2]);
    expect(b.grad).toBeNull();
  });
});

describe("in-place operations", () => {
  test("modifying a saved tensor is caught at backward", () => {
    const a = torch.tensor([1, 2], { requiresGrad: true });
    const b = a.mul(1);
    const c = b.exp();
    const loss = c.mul(b).sum();
    b.add_(1);
    expect(() => loss.backward()).toThrow(/one of the variables needed for gradient computation has been modified by an inplace operation: \[torch.FloatTensor \[2\]\], which is output 0 of AddBackward0, is at version 1; expected version 0 instead/);
  });

  test("in-place on a leaf that requires grad is refused outside noGrad", () => {
    const w = torch.ones(2, { requiresGrad: true });
    expect(() => w.add_(1)).toThrow("a leaf Variable that requires grad is being used in an in-place operation.");
    expect(() => w.narrow(0, 0, 1).mul_(2)).toThrow("a view of a leaf Variable that requires grad is being used in an in-place operation.");
    torch.noGrad(() => w.add_(1));
    near(vals(w.detach()), [2, 2]);
  });

  test("in-place ops on non-leaves get correct gradients", () => {
    const x = torch.tensor([0.5, 1.5], { requiresGrad: true, dtype: "float64" });
    const y = x.mul(2);
    y.mul_(x);      // y = 2x²
    y.exp_();       // y = exp(2x²)
    expect(y.gradFn!.name()).toBe("ExpBackward0");
    y.sum().backward();
    near(vals(x.grad), [0.5, 1.5].map((v) => Math.exp(2 * v * v) * 4 * v));
  });

  test("in-place on a view updates the base's history (CopySlices)", () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true, dtype: "float64" });
    const base = x.mul(1);
    base.narrow(0, 1, 2).mul_(x.narrow(0, 0, 2));  // base = [x0, x1*x0, x2*x1]
    expect(base.gradFn!.name()).toBe("CopySlices");
    base.sum().backward();
    near(vals(x.grad), [1 + 2, 1 + 3, 2]);
    const z = torch.zeros(3, { dtype: "float64" });
    const v = torch.tensor([5, 6], { requiresGrad: true, dtype: "float64" });
    z.narrow(0, 1, 2).copy_(v);
    z.mul(torch.tensor([1, 2, 3], { dtype: "float64" })).sum().backward();
    near(vals(v.grad), [2, 3]);
  });

  test("random in-place fills record a node; on a leaf they are refused", () => {
    const x = torch.ones(3, { requiresGrad: true });
    const y = x.mul(2);
    y.uniform_();
    expect(y.gradFn!.name()).toBe("UniformBackward0");
    y.mul(x).sum().backward();
    near(vals(x.grad), vals(y.detach()));  // only the product's path reaches x
    expect(() => x.normal_()).toThrow("a leaf Variable that requires grad is being used in an in-place operation.");
    torch.noGrad(() => x.normal_());
  });

  test("out= with a tensor that requires grad is refused", () => {
    const x = torch.ones(2, { requiresGrad: true });
    expect(() => torch.add(x, 1, { out: torch.empty(2) })).toThrow("functions with out=... arguments don't support automatic differentiation");
  });
});

describe("deep graphs", () => {
  test("backward and autograd.grad walk a 30000-op chain without recursion", () => {
    const x = torch.tensor([1], { requiresGrad: true, dtype: "float64" });
    let y = x;
    for (let i = 0; i < 30000; i++) y = y.mul(1.0001);
    const [g] = torch.autograd.grad(y.sum(), x, { retainGraph: true });
    near(vals(g), [1.0001 ** 30000], 1e-9);
    y.sum().backward();
    near(vals(x.grad), [1.0001 ** 30000], 1e-9);
  });
});
