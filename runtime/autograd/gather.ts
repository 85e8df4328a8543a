/**
 * Gradient formulas of gather and indexSelect: the gradient is added back
 * into zeros at the positions read (scatterAdd, itself recorded, so second
 * derivatives work).
 */
import { Tensor } from "../tensor";
import { wrapDim } from "../shape";
import { raw, zerosOf } from "./function";
import { record } from "./node";

/** @internal gather when the input requires grad */
export function gatherGrad(input: Tensor, dim: number, index: Tensor, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const xs = input._shape.slice();
  const d = wrapDim(dim, xs.length);
  record("GatherBackward0", [input], r, ([g], [idx]) => [zerosOf(xs, g).scatterAdd(d, idx, g)], [index]);
  return r;
}

/** @internal indexSelect when the input requires grad */
export function indexSelectGrad(input: Tensor, dim: number, index: Tensor, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const xs = input._shape.slice();
  const d = wrapDim(dim, xs.length);
  record("IndexSelectBackward0", [input], r, ([g], [idx]) => {
    if (xs.length === 0) return [g.reshape([])];
    const i1 = (idx.dtype === "int64" ? idx : idx.to("int64")).reshape(-1);
    const viewShape = xs.map((_, k) => (k === d ? i1._shape[0] : 1));
    return [zerosOf(xs, g).scatterAdd(d, i1.reshape(viewShape).expand(g._shape.slice()), g)];
  }, [index]);
  return r;
}
