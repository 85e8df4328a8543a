/**
 * Gradient formulas of scatter and scatterAdd: self keeps the gradient
 * except where scatter overwrote it; src reads the gradient back by gather.
 */
import { Tensor } from "../tensor";
import { cat } from "../ops/cat";
import { shapeEquals, wrapDim } from "../shape";
import { applyInplace, raw, zerosOf } from "./function";
import { record } from "./node";

/** Which scatter made the node. */
export type ScatterKind = "scatter" | "scatterAdd" | "reduce";

/** @internal t padded with zeros at the end of each dim up to `shape` (src larger than index) */
function padTo(t: Tensor, shape: readonly number[]): Tensor {
  let r = t;
  for (let k = 0; k < shape.length; k++) {
    const have = r._shape[k];
    if (have === shape[k]) continue;
    const zs = r._shape.slice();
    zs[k] = shape[k] - have;
    r = cat([r, zerosOf(zs, r)], k);
  }
  return r;
}

/**
 * @internal scatter / scatter_ / scatterAdd / scatterAdd_ when self or src
 * requires grad. `compute` runs the out-of-place op.
 */
export function scatterGrad(kind: ScatterKind, self: Tensor, dim: number, index: Tensor, src: Tensor | number, inplace: boolean, compute: () => Tensor): Tensor {
  if (inplace) return applyInplace(self, () => scatterGrad(kind, self, dim, index, src, false, compute));
  const r = raw(compute);
  const st = src instanceof Tensor ? src : null;
  if (kind === "reduce") {
    // PyTorch 1.13 has no derivative for scatter with reduce=.
    record("NotImplemented", [self, st], r, () => {
      throw new Error("derivative for aten::scatter is not implemented");
    });
    return r;
  }
  const d = wrapDim(dim, self.dim());
  const srcShape = st === null ? null : st._shape.slice();
  const srcGrad = (g: Tensor, idx: Tensor): Tensor => {
    const s = g.gather(d, idx);
    return srcShape === null || shapeEquals(s._shape, srcShape) ? s : padTo(s, srcShape);
  };
  if (kind === "scatterAdd") {
    record("ScatterAddBackward0", [self, st], r, ([g], [idx], needs) => [needs[0] ? g : null, needs[1] ? srcGrad(g, idx) : null], [index]);
  } else {
    record(st !== null ? "ScatterBackward0" : "ScatterBackward1", [self, st], r, ([g], [idx], needs) => [
      needs[0] ? g.scatter(d, idx, 0) : null,
      needs[1] ? srcGrad(g, idx) : null,
    ], [index]);
  }
  return r;
}
