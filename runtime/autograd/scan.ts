/**
 * Gradient formulas of the cumulative ops (derivatives.yaml's cumsum and
 * cumprod), written with recorded ops so second derivatives work.
 */
import { Tensor } from "../tensor";
import { CPU } from "../device";
import { wrapDim } from "../shape";
import { stack, cat } from "../ops/cat";
import { raw, zerosOf } from "./function";
import { record } from "./node";

// w reversed along d, cumulated, reversed back: the sum over positions j >= k.
function reversedCumsum(w: Tensor, d: number): Tensor {
  const n = w._shape[d];
  // The index is written on the host, then moved to w's device (a GPU tensor has no host bytes).
  let rev = Tensor._empty([n], "int64", CPU);
  const a = rev._data() as BigInt64Array;
  for (let i = 0; i < n; i++) a[i] = BigInt(n - 1 - i);
  if (w.device.type !== "cpu") rev = rev.to(w.device);
  return w.indexSelect(d, rev).cumsum(d).indexSelect(d, rev);
}

/** @internal cumsum's gradient: the reversed cumulative sum of g */
export function cumsumBackward(g: Tensor, d: number): Tensor {
  if (g.dim() === 0 || g.numel() <= 1 || g._shape[d] === 1) return g;
  return reversedCumsum(g, d);
}

/**
 * @internal cumprod's gradient. Without zeros in x: reversedCumsum(g * r) / x.
 * With zeros (where that division fails) it is computed exactly as
 * grad_k = prod_{i<k} x_i * S_k with S_k = g_k + x_{k+1} * S_{k+1}, one step
 * per position along d (slower, but still differentiable twice).
 */
export function cumprodBackward(g: Tensor, x: Tensor, d: number, r: Tensor): Tensor {
  if (x.dim() === 0 || x.numel() <= 1 || x._shape[d] === 1) return g;
  if (!(x.eq(0).any().item() as boolean)) return reversedCumsum(g.mul(r), d).div(x);
  const n = x._shape[d];
  const s: Tensor[] = new Array(n);
  s[n - 1] = g.select(d, n - 1);
  for (let k = n - 2; k >= 0; k--) s[k] = g.select(d, k).add(x.select(d, k + 1).mul(s[k + 1]));
  const oneShape = x._shape.slice();
  oneShape[d] = 1;
  const before = cat([zerosOf(oneShape, x).add(1), x.narrow(d, 0, n - 1)], d).cumprod(d);
  return before.mul(stack(s, d));
}

/** @internal cumsum / cumprod when the input requires grad */
export function scanGrad(op: "cumsum" | "cumprod", x: Tensor, dim: number, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const d = wrapDim(dim, x.dim());
  if (op === "cumsum") record("CumsumBackward0", [x], r, ([g]) => [cumsumBackward(g, d)]);
  else record("CumprodBackward0", [x], r, ([g], [xv, rv]) => [cumprodBackward(g, xv, d, rv)], [x, r]);
  return r;
}
