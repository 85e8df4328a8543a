// Autograd of the indexing-style ops (where, clamp, maskedFill, cat, stack,
// gather, indexSelect, scatter, sort, topk, kthvalue, cumsum, cumprod, index,
// indexPut, maskedSelect), checked against PyTorch 1.13 results recorded by
// test/fixtures/gen_autograd_ops.py (see its docstring for the format):
// outputs, the gradients of the inputs' bases (through non-contiguous views),
// the gradFn name; float64 cases also by finite differences (gradcheck), and
// some by second differences (gradgradcheck).
import { readFileSync } from "fs";
import { join } from "path";
import { describe, expect, it } from "@jest/globals";
import * as torch from "../runtime/index";
import type { DType, IndexItem, Tensor } from "../runtime/index";
import { EncodedTensor, ViewStep, applyView, compareTensor, makeTensor } from "./helpers";

interface CaseInput {
  dtype: DType;
  grad: boolean;
  base: { values: number[] | boolean[]; shape: number[] };
  views: ViewStep[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = Record<string, any>;

interface Case {
  name: string;
  op: string;
  inputs: CaseInput[];
  args: Args;
  outputs: EncodedTensor[];
  grads: Array<EncodedTensor | null>;
  gradFn: string | null;
  check: boolean;
  gradgrad: boolean;
}

const cases: Case[] = JSON.parse(readFileSync(join(__dirname, "fixtures", "autograd_ops.json"), "utf8"));

// ---------------------------------------------------------------------------
// op table (keys match PY_OPS in gen_autograd_ops.py)
// ---------------------------------------------------------------------------

type Item = string | number | null | number[] | { t: number };

function items(list: Item[], ins: Tensor[]): IndexItem[] {
  return list.map((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? ins[v.t] : (v as IndexItem)));
}

function value(v: number | { t: number }, ins: Tensor[]): Tensor | number {
  return typeof v === "number" ? v : ins[v.t];
}

const vi = (r: { values: Tensor; indices: Tensor }): Tensor[] => [r.values, r.indices];

const OPS: Record<string, (i: Tensor[], a: Args) => Tensor | Tensor[]> = {
  where: (i) => torch.where(i[0], i[1], i[2]),
  where_scalar_other: (i, a) => torch.where(i[0], i[1], a.s),
  where_scalar_input: (i, a) => torch.where(i[0], a.s, i[1]),
  where_method: (i) => i[1].where(i[0], i[2]),
  clamp: (i, a) => torch.clamp(i[0], { min: a.min, max: a.max }),
  clip: (i, a) => torch.clip(i[0], a.min ?? null, a.max ?? null),
  clamp_tt: (i) => torch.clamp(i[0], i[1], i[2]),
  clamp_t_min: (i) => torch.clamp(i[0], { min: i[1] }),
  clamp_t_max: (i) => i[0].clamp(null, i[1]),
  clamp_min: (i, a) => i[0].clampMin(a.s),
  clamp_max: (i, a) => i[0].clampMax(a.s),
  clamp_min_t: (i) => i[0].clampMin(i[1]),
  clamp_max_t: (i) => i[0].clampMax(i[1]),
  clamp_: (i, a) => i[0].clone().clamp_(a.min ?? null, a.max ?? null),
  clamp_tt_: (i) => i[0].clone().clamp_(i[1], i[2]),
  masked_fill: (i, a) => i[0].maskedFill(i[1], a.s),
  masked_fill_t: (i) => i[0].maskedFill(i[1], i[2]),
  masked_fill_: (i) => i[0].clone().maskedFill_(i[1], i[2]),
  cat: (i, a) => torch.cat(i, a.dim),
  concat: (i, a) => torch.concat(i, a.dim),
  stack: (i, a) => torch.stack(i, a.dim),
  vstack: (i) => torch.vstack(i),
  hstack: (i) => torch.hstack(i),
  gather: (i, a) => torch.gather(i[0], a.dim, i[1]),
  take_along_dim: (i, a) => i[0].takeAlongDim(i[1], a.dim),
  index_select: (i, a) => torch.indexSelect(i[0], a.dim, i[1]),
  scatter: (i, a) => i[0].scatter(a.dim, i[1], i[2]),
  scatter_value: (i, a) => i[0].scatter(a.dim, i[1], a.s),
  scatter_add: (i, a) => i[0].scatterAdd(a.dim, i[1], i[2]),
  scatter_: (i, a) => i[0].clone().scatter_(a.dim, i[1], i[2]),
  scatter_add_: (i, a) => i[0].clone().scatterAdd_(a.dim, i[1], i[2]),
  scatter_view_: (i, a) => {
    const y = i[0].clone();
    y.narrow(0, 1, 2).scatter_(a.dim, i[1], i[2]);
    return y;
  },
  sort: (i, a) => vi(torch.sort(i[0], a.dim, { descending: a.descending })),
  argsort: (i, a) => torch.argsort(i[0], a.dim),
  topk: (i, a) => vi(torch.topk(i[0], a.k, a.dim, { largest: a.largest })),
  kthvalue: (i, a) => vi(torch.kthvalue(i[0], a.k, a.dim, { keepdim: a.keepdim })),
  cumsum: (i, a) => torch.cumsum(i[0], a.dim),
  cumsum_f64: (i, a) => torch.cumsum(i[0], a.dim, { dtype: "float64" }),
  cumprod: (i, a) => torch.cumprod(i[0], a.dim),
  index: (i, a) => i[0].index(...items(a.items, i)),
  index_put: (i, a) => i[0].indexPut(items(a.items, i), value(a.v, i), { accumulate: a.accumulate }),
  index_put_: (i, a) => i[0].clone().indexPut_(items(a.items, i), value(a.v, i), { accumulate: a.accumulate }),
  masked_select: (i) => torch.maskedSelect(i[0], i[1]),
};

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

const isFloat = (t: Tensor): boolean => t.dtype === "float32" || t.dtype === "float64";

function build(inp: CaseInput): { base: Tensor; view: Tensor } {
  const base = makeTensor(inp.base.values, inp.base.shape, inp.dtype).clone();
  if (inp.grad) base.requiresGrad = true;
  let view = base;
  for (const step of inp.views) view = applyView(view, step);
  return { base, view };
}

/** The fixture's output gradient: g_k[i] = (((i * 7 + 3 + 5k) % 11) - 5) / 4. */
function gradFor(t: Tensor, k: number): Tensor {
  const n = t.numel();
  const vals = Array.from({ length: n }, (_, i) => (((i * 7 + 3 + 5 * k) % 11) - 5) / 4);
  return torch.tensor(vals, { dtype: t.dtype }).reshape(t.shape.slice());
}

function asList(r: Tensor | Tensor[]): Tensor[] {
  return r instanceof torch.Tensor ? [r] : r;
}

// Leaves for gradcheck: the same (possibly strided) view, detached; expanded views are copied
// (finite differences on a stride-0 element would move every alias at once).
function checkInputs(c: Case): Tensor[] {
  return c.inputs.map((inp) => {
    const { view } = build(inp);
    if (!inp.grad) return view.detach();
    const d = inp.views.some((s) => s[0] === "expand") ? view.detach().clone() : view.detach();
    return d.requiresGrad_();
  });
}

function fnOf(c: Case): (...xs: Tensor[]) => Tensor[] {
  return (...xs) => asList(OPS[c.op](xs, c.args));
}

// ---------------------------------------------------------------------------
// fixture cases
// ---------------------------------------------------------------------------

describe("autograd of indexing ops vs PyTorch 1.13", () => {
  it("has an op for every fixture case", () => {
    const missing = [...new Set(cases.map((c) => c.op))].filter((op) => !(op in OPS));
    expect(missing).toEqual([]);
  });

  describe.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    it("values, gradients and gradFn", () => {
      const built = c.inputs.map(build);
      const outs = asList(OPS[c.op](built.map((b) => b.view), c.args));
      const problems: string[] = [];
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, k) => problems.push(...compareTensor(o.detach(), c.outputs[k], undefined, `output ${k}`)));
      const gotName = outs[0].gradFn === null ? null : outs[0].gradFn.name();
      if (gotName !== c.gradFn) problems.push(`gradFn ${gotName}, expected ${c.gradFn}`);
      const diff = outs.filter((o) => o.requiresGrad);
      for (const o of outs) if (!isFloat(o)) expect(o.requiresGrad).toBe(false);
      if (diff.length > 0) torch.autograd.backward(diff, diff.map((o, k) => gradFor(o, k)));
      built.forEach((b, i) => {
        const want = c.grads[i];
        const got = b.base.grad;
        if (want === null) {
          if (got !== null) problems.push(`grad ${i}: expected none, got one`);
        } else {
          problems.push(...compareTensor(got, want, undefined, `grad ${i}`));
        }
      });
      expect(problems).toEqual([]);
    });

    if (c.check) {
      it("gradcheck", () => {
        expect(torch.autograd.gradcheck(fnOf(c), checkInputs(c))).toBe(true);
      });
    }

    if (c.gradgrad) {
      it("gradgradcheck", () => {
        const f = fnOf(c);
        const squared = (...xs: Tensor[]): Tensor[] => f(...xs).map((o) => (isFloat(o) ? o.mul(o) : o));
        expect(torch.autograd.gradgradcheck(squared, checkInputs(c))).toBe(true);
      });
    }
  });
});

// ---------------------------------------------------------------------------
// behaviour beyond values
// ---------------------------------------------------------------------------

const f64 = { dtype: "float64" as const, requiresGrad: true };

describe("autograd of indexing ops: errors and bookkeeping", () => {
  it("refuses out= when an input requires grad", () => {
    const x = torch.tensor([1, 2], f64);
    expect(() => torch.cat([x, x], 0, { out: torch.zeros(4, { dtype: "float64" }) })).toThrow(/out=.*automatic differentiation/);
    expect(() => torch.clamp(x, 0, 1, { out: torch.zeros(2, { dtype: "float64" }) })).toThrow(/out=.*automatic differentiation/);
    // without grad, out= still works
    const out = torch.zeros(4, { dtype: "float64" });
    torch.noGrad(() => torch.cat([x, x], 0, { out }));
    expect(out.tolist()).toEqual([1, 2, 1, 2]);
  });

  it("refuses in-place ops on a leaf that requires grad", () => {
    const x = torch.tensor([1, -2, 3], f64);
    expect(() => x.clamp_(0, 1)).toThrow(/leaf Variable that requires grad/);
    expect(() => x.maskedFill_(x.detach().gt(0), 0)).toThrow(/leaf Variable that requires grad/);
    expect(() => x.scatter_(0, torch.tensor([0]), 1)).toThrow(/leaf Variable that requires grad/);
    expect(() => x.indexPut_([torch.tensor([0])], 1)).toThrow(/leaf Variable that requires grad/);
  });

  it("scatter with reduce has no derivative, as in PyTorch", () => {
    const x = torch.tensor([1, 2, 3], f64);
    const y = x.scatter(0, torch.tensor([0, 2]), torch.tensor([5, 6], { dtype: "float64" }), { reduce: "add" });
    expect(y.gradFn!.name()).toBe("NotImplemented");
    expect(() => y.sum().backward()).toThrow("derivative for aten::scatter is not implemented");
  });

  it("checks saved index tensors for in-place changes", () => {
    const x = torch.tensor([[3, 1, 2], [0.5, 2.5, 1.5]], f64);
    const { values, indices } = x.sort(1);
    indices.add_(0);
    expect(() => values.sum().backward()).toThrow(/modified by an inplace operation/);
    const idx = torch.tensor([[0, 2]]);
    const g = x.gather(1, idx);
    idx.zero_();
    expect(() => g.sum().backward()).toThrow(/modified by an inplace operation/);
  });

  it("integer outputs never require grad", () => {
    const x = torch.tensor([[3, 1, 2], [0.5, 2.5, 1.5]], f64);
    expect(x.sort(1).indices.requiresGrad).toBe(false);
    expect(x.topk(2).indices.requiresGrad).toBe(false);
    expect(x.kthvalue(1).indices.requiresGrad).toBe(false);
    expect(x.argsort(1).requiresGrad).toBe(false);
    expect(x.argsort(1).gradFn).toBeNull();
    expect(torch.nonzero(x).requiresGrad).toBe(false);
    expect(x.cumsum(1, { dtype: "int64" }).requiresGrad).toBe(false);
  });

  it("records nothing under noGrad", () => {
    const x = torch.tensor([[3, 1, 2], [0.5, 2.5, 1.5]], f64);
    const m = x.detach().gt(1);
    const r = torch.noGrad(() => [
      torch.where(m, x, 0), x.clamp(0, 2), x.maskedFill(m, 0), torch.cat([x, x]), torch.stack([x, x]),
      x.gather(1, torch.tensor([[0], [1]])), x.indexSelect(0, torch.tensor([1])), x.scatter(1, torch.tensor([[0]]), 0),
      x.sort().values, x.topk(1).values, x.cumsum(0), x.cumprod(1), x.index(m), x.index("..."), x.indexPut([m], 0),
      x.maskedSelect(m),
    ]);
    for (const t of r) {
      expect(t.requiresGrad).toBe(false);
      expect(t.gradFn).toBeNull();
    }
  });

  it("a value written by indexPut_ gets its gradient (target without grad)", () => {
    const v = torch.tensor([1.5, -2], f64);
    const y = torch.zeros(2, 3, { dtype: "float64" });
    y.indexPut_([torch.tensor([1, 0]), torch.tensor([2, 2])], v.mul(2));
    expect(y.gradFn!.name()).toBe("IndexPutBackward0");
    y.backward(torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" }));
    expect(v.grad!.tolist()).toEqual([12, 6]);
  });

  it("stack keeps its own node; vstack and hstack go through cat", () => {
    const a = torch.tensor([1, 2], f64), b = torch.tensor([3, 4], f64);
    expect(torch.stack([a, b]).gradFn!.name()).toBe("StackBackward0");
    expect(torch.vstack([a, b]).gradFn!.name()).toBe("CatBackward0");
    expect(torch.hstack([a, b]).gradFn!.name()).toBe("CatBackward0");
  });
});
