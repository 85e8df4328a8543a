/** Gradient formulas of the matmul family (mm, bmm, mv, dot). */
import { Tensor } from "../tensor";
import { raw } from "./function";
import { record } from "./node";

/** @internal */
export function mmGrad(a: Tensor, b: Tensor, compute: () => Tensor): Tensor {
  const r = raw(compute);
  record("MmBackward0", [a, b], r, ([g], [x, y], needs) => [
    needs[0] ? g.mm(y.t()) : null,
    needs[1] ? mat2Grad(g, x, y) : null,
  ], [a, b]);
  return r;
}

// Note [mat2 gradient layout]: when mat2 is a transposed matrix (as weight.t()
// in nn.Linear), its gradient is computed transposed, (gᵀ x)ᵀ, so that the
// TBackward0 below it hands the leaf a contiguous gradient (PyTorch's
// mm_mat2_backward does the same).
function mat2Grad(g: Tensor, x: Tensor, y: Tensor): Tensor {
  const transposed = y.dim() === 2 && y._strides[0] === 1 && y._strides[1] === y._shape[0] && y._shape[0] > 1;
  return transposed ? g.t().mm(x).t() : x.t().mm(g);
}

/** @internal */
export function bmmGrad(a: Tensor, b: Tensor, compute: () => Tensor): Tensor {
  const r = raw(compute);
  record("BmmBackward0", [a, b], r, ([g], [x, y], needs) => [
    needs[0] ? g.bmm(y.transpose(1, 2)) : null,
    needs[1] ? x.transpose(1, 2).bmm(g) : null,
  ], [a, b]);
  return r;
}

/** @internal */
export function mvGrad(a: Tensor, v: Tensor, compute: () => Tensor): Tensor {
  const r = raw(compute);
  record("MvBackward0", [a, v], r, ([g], [x, y], needs) => [
    needs[0] ? g.unsqueeze(1).mul(y) : null,
    needs[1] ? x.t().mv(g) : null,
  ], [a, v]);
  return r;
}

/** @internal */
export function dotGrad(a: Tensor, b: Tensor, compute: () => Tensor): Tensor {
  const r = raw(compute);
  record("DotBackward0", [a, b], r, ([g], [x, y], needs) => [needs[0] ? y.mul(g) : null, needs[1] ? x.mul(g) : null], [a, b]);
  return r;
}

/** @internal beta * input + alpha * mat1 @ mat2 */
export function addmmGrad(input: Tensor, m1: Tensor, m2: Tensor, beta: number, alpha: number, compute: () => Tensor): Tensor {
  const r = raw(compute);
  record("AddmmBackward0", [input, m1, m2], r, ([g], [x, y], needs) => [
    needs[0] ? (beta === 1 ? g : g.mul(beta)) : null,
    needs[1] ? (alpha === 1 ? g.mm(y.t()) : g.mm(y.t()).mul(alpha)) : null,
    needs[2] ? (alpha === 1 ? mat2Grad(g, x, y) : mat2Grad(g, x, y).mul(alpha)) : null,
  ], [m1, m2]);
  return r;
}
