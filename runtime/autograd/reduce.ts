/**
 * Gradient formulas of the reductions. A reduced gradient is first given
 * back its reduced dims (size 1), then broadcast against the input.
 */
import { Tensor } from "../tensor";
import { wrapDim } from "../shape";
import { normDims } from "../ops/reduce";
import { raw } from "./function";
import { record } from "./node";

function keptShape(shape: readonly number[], rd: number[]): number[] {
  return shape.map((s, i) => (rd.includes(i) ? 1 : s));
}

/** @internal g (reduced without keepdim or with) reshaped to keepdim form */
function unreduce(g: Tensor, xShape: readonly number[], rd: number[], keepdim: boolean): Tensor {
  return keepdim ? g : g.reshape(keptShape(xShape, rd));
}

type Dims = number | readonly number[] | null | undefined;

/** @internal sum / mean */
export function sumGrad(x: Tensor, dims: Dims, keepdim: boolean, compute: () => Tensor, mean: boolean): Tensor {
  const r = raw(compute);
  const xs = x._shape.slice();
  const rd = normDims(dims, xs.length);
  const all = dims === undefined || dims === null;
  let n = 1;
  for (const d of rd) n *= xs[d];
  const name = mean ? (all ? "MeanBackward0" : "MeanBackward1") : all ? "SumBackward0" : "SumBackward1";
  record(name, [x], r, ([g]) => {
    const e = unreduce(g, xs, rd, keepdim).expand(xs);
    return [mean ? e.div(n) : e];
  });
  return r;
}

/** @internal prod over one dim or all */
export function prodGrad(x: Tensor, dim: number | null | undefined, keepdim: boolean, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const xs = x._shape.slice();
  const rd = normDims(dim, xs.length);
  const all = dim === undefined || dim === null;
  record(all ? "ProdBackward0" : "ProdBackward1", [x], r, ([g], [xv, rv]) => {
    const gk = unreduce(g, xs, rd, keepdim);
    const rk = unreduce(rv, xs, rd, keepdim);
    const isZero = xv.eq(0);
    if (!(isZero.any().item() as boolean)) return [gk.mul(rk).div(xv)];
    // Zeros: the product of the others, through a product of the nonzero entries.
    const nz = xv.maskedFill(isZero, 1);
    const pnz = all ? nz.prod().reshape(keptShape(xs, rd)) : nz.prod(rd[0], { keepdim: true });
    const zc = all ? isZero.sum().reshape(keptShape(xs, rd)) : isZero.sum(rd[0], { keepdim: true });
    const noZero = rk.div(xv.maskedFill(isZero, 1)).maskedFill(isZero, 0);
    const oneZero = pnz.mul(isZero).mul(zc.eq(1));
    return [gk.mul(noZero.mul(zc.eq(0)).add(oneZero))];
  }, [x, r]);
  return r;
}

/** @internal amax/amin and full max/min: ties share the gradient evenly */
export function extremaGrad(name: string, x: Tensor, dims: Dims, keepdim: boolean, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const xs = x._shape.slice();
  const rd = normDims(dims, xs.length);
  record(name, [x], r, ([g], [xv, rv]) => {
    const mask = xv.eq(unreduce(rv, xs, rd, keepdim));
    const count = mask.sum(rd, { keepdim: true });
    return [unreduce(g, xs, rd, keepdim).mul(mask).div(count)];
  }, [x, r]);
  return r;
}

/** @internal max/min along a dim: the gradient goes to the selected index */
export function indexedExtremaGrad(name: string, x: Tensor, dim: number, keepdim: boolean, compute: () => { values: Tensor; indices: Tensor }): { values: Tensor; indices: Tensor } {
  const res = raw(compute);
  const xs = x._shape.slice();
  const d = wrapDim(dim, Math.max(xs.length, 1));
  const idx = res.indices;
  record(name, [x], res.values, ([g], [iv]) => {
    if (xs.length === 0) return [g];
    const gk = keepdim ? g : g.unsqueeze(d);
    const ik = keepdim ? iv : iv.unsqueeze(d);
    return [Tensor._empty(xs.slice(), g.dtype, g.device, true).scatter(d, ik, gk)];
  }, [idx]);
  return res;
}

/** @internal var/std */
export function varGrad(x: Tensor, dims: Dims, keepdim: boolean, correction: number, isStd: boolean, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const xs = x._shape.slice();
  const rd = normDims(dims, xs.length);
  let n = 1;
  for (const d of rd) n *= xs[d];
  const denom = Math.max(n - correction, 0);
  record(isStd ? "StdBackward0" : "VarBackward0", [x], r, ([g], [xv, rv]) => {
    const centered = xv.sub(xv.mean(rd, { keepdim: true }));
    const gk = unreduce(g, xs, rd, keepdim);
    if (!isStd) return [gk.mul(centered).mul(2 / denom)];
    const rk = unreduce(rv, xs, rd, keepdim);
    return [gk.mul(centered).div(rk.mul(denom)).maskedFill(rk.eq(0), 0)];
  }, [x, r]);
  return r;
}

/** @internal logsumexp */
export function logsumexpGrad(x: Tensor, dims: Dims, keepdim: boolean, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const xs = x._shape.slice();
  const rd = normDims(dims, xs.length);
  record("LogsumexpBackward0", [x], r, ([g], [xv, rv]) => [unreduce(g, xs, rd, keepdim).mul(xv.sub(unreduce(rv, xs, rd, keepdim)).exp())], [x, r]);
  return r;
}

/** @internal vector p-norm */
export function normGrad(x: Tensor, p: number, dims: Dims, keepdim: boolean, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const xs = x._shape.slice();
  const rd = normDims(dims, xs.length);
  record("NormBackward1", [x], r, ([g], [xv, rv]) => {
    const gk = unreduce(g, xs, rd, keepdim);
    const rk = unreduce(rv, xs, rd, keepdim);
    if (p === 0) return [xv.mul(0)];
    if (p === 1) return [gk.mul(xv.sign())];
    if (p === 2) return [gk.mul(xv).div(rk).maskedFill(rk.eq(0), 0)];
    if (p === Infinity || p === -Infinity) {
      const mask = xv.abs().eq(rk);
      return [gk.mul(xv.sign()).mul(mask).div(mask.sum(rd, { keepdim: true }))];
    }
    const s = xv.abs().pow(p - 2).mul(xv).div(rk.pow(p - 1));
    return [gk.mul(s).maskedFill(rk.eq(0), 0)];
  }, [x, r]);
  return r;
}
