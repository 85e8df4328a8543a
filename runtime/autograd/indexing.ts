/**
 * Gradient formulas of Python-style indexing: advanced reads (IndexBackward0),
 * writes (IndexPutBackward0) and `x[...]` (AliasBackward0).
 * Basic items (ints, slices, new axes) are views and record themselves.
 */
import { Tensor } from "../tensor";
import type { IndexItem, IndexPutOptions } from "../ops/indexing";
import { raw, zerosOf } from "./function";
import { record } from "./node";

/** @internal an alias of x (`x[...]`) that passes the gradient through */
export function aliasGrad(x: Tensor, r: Tensor): Tensor {
  record("AliasBackward0", [x], r, ([g]) => [g]);
  return r;
}

/** @internal one item per dim of a tensor: the index tensor at `dims[i]`, `":"` elsewhere (trailing ones left out) */
export function advancedItems(dims: readonly number[], indices: readonly Tensor[]): IndexItem[] {
  const n = Math.max(...dims) + 1;
  const items: IndexItem[] = new Array(n).fill(":");
  dims.forEach((d, i) => { items[d] = indices[i]; });
  return items;
}

/**
 * @internal the advanced part of x[items] when `view` (x after its basic
 * items) requires grad. `dims[i]` is the dim of `view` that `indices[i]` indexes.
 * The gradient is added into zeros at the indexed positions (duplicates accumulate).
 */
export function indexGrad(view: Tensor, dims: readonly number[], indices: readonly Tensor[], compute: () => Tensor): Tensor {
  const r = raw(compute);
  const shape = view._shape.slice();
  const d = dims.slice();
  record("IndexBackward0", [view], r, ([g], idx) => [zerosOf(shape, g).indexPut(advancedItems(d, idx), g, { accumulate: true })], indices);
  return r;
}

// Tensor items travel as saved tensors (version-checked); the rest stays in the closure.
function splitItems(items: readonly IndexItem[]): { tensors: Tensor[]; rebuild: (saved: Tensor[]) => IndexItem[] } {
  const tensors: Tensor[] = [];
  const at: number[] = [];
  items.forEach((it, i) => {
    if (it instanceof Tensor) {
      tensors.push(it);
      at.push(i);
    }
  });
  const copy = items.slice();
  return {
    tensors,
    rebuild: (saved) => {
      const out = copy.slice();
      at.forEach((i, k) => { out[i] = saved[k]; });
      return out;
    },
  };
}

/**
 * @internal out-of-place x[items] = value (accumulating with `accumulate`)
 * when x or value requires grad: x's gradient is zero where value was
 * written (unless accumulating), value's is the gradient read at the items.
 */
export function indexPutGrad(x: Tensor, items: readonly IndexItem[], value: Tensor | number | boolean, options: IndexPutOptions, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const acc = options.accumulate ?? false;
  const vt = value instanceof Tensor ? value : null;
  const { tensors, rebuild } = splitItems(items);
  record("IndexPutBackward0", [x, vt], r, ([g], saved, needs) => {
    const its = rebuild(saved);
    return [needs[0] ? (acc ? g : g.indexPut(its, 0)) : null, needs[1] ? g.index(...its) : null];
  }, tensors);
  return r;
}
