/**
 * Matrix products: matmul (with PyTorch's broadcasting rules), mm, bmm, mv,
 * dot, outer. One native batched GEMM (`matmul`) serves them all.
 */
import { meta } from "../addon";
import { DTYPE_CODES, scalarTypeName } from "../dtype";
import { backendFor, commonDevice } from "../dispatch";
import { broadcastShapes, fmtShape, numelOf, shapeEquals } from "../shape";
import { Tensor } from "../tensor";
import { isGradEnabled } from "../autograd/grad_mode";
import { addmmGrad, bmmGrad, dotGrad, mmGrad, mvGrad } from "../autograd/matmul";
import { renameNode } from "../autograd/node";
import { toDtype } from "./copy";
import { implDtype, widenCompact } from "./half";

function checkPair(a: Tensor, b: Tensor, what: string): void {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError(`${what}(): arguments must be Tensors`);
  commonDevice([a, b]);
  if (a.dtype === "bool") throw new TypeError(`"addmm_impl_cpu_" not implemented for 'Bool'`);
  if (a.dtype !== b.dtype)
    throw new TypeError(`expected both ${what === "dot" ? "vectors" : "inputs"} to have same dtype, but found ${scalarTypeName(a.dtype)} and ${scalarTypeName(b.dtype)}`);
}

// Note [16-bit floats] (ops/half.ts): where the GEMM has no 16-bit path (the
// CPU), the product runs in float32 and is rounded once, as PyTorch's
// float-accumulating GEMMs do.
function needsWidening(a: Tensor): boolean {
  return implDtype(a.dtype, a.device, "matmul") !== a.dtype;
}

function viaFloat32(operands: Tensor[], product: (wide: Tensor[]) => Tensor): Tensor {
  const wide = operands.map(widenCompact);
  const r = product(wide);
  for (const w of wide) w.dispose();
  const back = toDtype(r, operands[0].dtype);
  r.dispose();
  return back;
}

/**
 * @internal batched product of [B, M, K] and [B, K, N] views (any strides)
 * into a new contiguous tensor of `outShape` (B*M*N elements), so the caller
 * gets a tensor that owns its storage and dispose() frees it.
 */
function gemm(a: Tensor, b: Tensor, outShape: number[]): Tensor {
  if (needsWidening(a)) return viaFloat32([a, b], ([x, y]) => gemm(x, y, outShape));
  const [B, M, K] = a._shape;
  const N = b._shape[2];
  const out = Tensor._empty(outShape, a.dtype, a.device);
  if (out.numel() === 0) return out;
  let k = 0;
  meta[k++] = B; meta[k++] = M; meta[k++] = N; meta[k++] = K;
  meta[k++] = out._elemOffset; meta[k++] = B === 1 ? 0 : M * N; meta[k++] = M === 1 ? 0 : N; meta[k++] = N === 1 ? 0 : 1;
  for (const t of [a, b]) {
    meta[k++] = t._elemOffset;
    for (let i = 0; i < 3; i++) meta[k++] = t._shape[i] === 1 ? 0 : t._strides[i];
  }
  backendFor(a.device).matmul(DTYPE_CODES[a.dtype], out._live(), a._live(), b._live());
  return out;
}

/**
 * Product of two matrices.
 * @example torch.mm(torch.randn(2, 3), torch.randn(3, 4)).shape // [2, 4]
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkPair(a, b, "mm");
  if (a.dim() !== 2) throw new Error(`self must be a matrix`);
  if (b.dim() !== 2) throw new Error(`mat2 must be a matrix`);
  if (a._shape[1] !== b._shape[0])
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${a._shape[0]}x${a._shape[1]} and ${b._shape[0]}x${b._shape[1]})`);
  if (isGradEnabled() && (a._requiresGrad || b._requiresGrad)) return mmGrad(a, b, () => gemm2d(a, b));
  return gemm2d(a, b);
}

// A single product of two 2-D views, written straight into meta (no batch views).
function gemm2d(a: Tensor, b: Tensor): Tensor {
  if (needsWidening(a)) return viaFloat32([a, b], ([x, y]) => gemm2d(x, y));
  const M = a._shape[0], K = a._shape[1], N = b._shape[1];
  const out = Tensor._empty([M, N], a.dtype, a.device);
  if (M === 0 || N === 0) return out;
  let k = 0;
  meta[k++] = 1; meta[k++] = M; meta[k++] = N; meta[k++] = K;
  meta[k++] = out._elemOffset; meta[k++] = 0; meta[k++] = N; meta[k++] = 1;
  meta[k++] = a._elemOffset; meta[k++] = 0; meta[k++] = M === 1 ? 0 : a._strides[0]; meta[k++] = K === 1 ? 0 : a._strides[1];
  meta[k++] = b._elemOffset; meta[k++] = 0; meta[k++] = K === 1 ? 0 : b._strides[0]; meta[k++] = N === 1 ? 0 : b._strides[1];
  backendFor(a.device).matmul(DTYPE_CODES[a.dtype], out._live(), a._live(), b._live());
  return out;
}

/**
 * Batched matrix product of [B, n, m] and [B, m, p].
 * @example torch.bmm(torch.randn(5, 2, 3), torch.randn(5, 3, 4))
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkPair(a, b, "bmm");
  if (a.dim() !== 3) throw new Error(`batch1 must be a 3D tensor`);
  if (b.dim() !== 3) throw new Error(`batch2 must be a 3D tensor`);
  if (b._shape[0] !== a._shape[0] || b._shape[1] !== a._shape[2])
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${a._shape[0]}, ${a._shape[2]}] but got: [${b._shape[0]}, ${b._shape[1]}].`);
  if (isGradEnabled() && (a._requiresGrad || b._requiresGrad)) return bmmGrad(a, b, () => gemm(a, b, [a._shape[0], a._shape[1], b._shape[2]]));
  return gemm(a, b, [a._shape[0], a._shape[1], b._shape[2]]);
}

/**
 * Matrix-vector product.
 * @example torch.mv(torch.randn(2, 3), torch.randn(3))
 */
export function mv(a: Tensor, v: Tensor): Tensor {
  checkPair(a, v, "mv");
  if (a.dim() !== 2 || v.dim() !== 1)
    throw new Error(`vector + matrix @ vector expected, got ${v.dim()}, ${a.dim()}, ${v.dim()}`);
  if (a._shape[1] !== v._shape[0])
    throw new Error(`size mismatch, got input (${a._shape[0]}), mat (${a._shape[0]}x${a._shape[1]}), vec (${v._shape[0]})`);
  if (isGradEnabled() && (a._requiresGrad || v._requiresGrad)) return mvGrad(a, v, () => gemm(a.unsqueeze(0), v.reshape(1, -1, 1), [a._shape[0]]));
  return gemm(a.unsqueeze(0), v.reshape(1, -1, 1), [a._shape[0]]);
}

/**
 * Inner product of two 1-D tensors (a 0-dim tensor).
 * @example torch.dot(torch.tensor([2, 3]), torch.tensor([2, 1])) // tensor(7)
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkPair(a, b, "dot");
  if (a.dim() !== 1 || b.dim() !== 1)
    throw new Error(`1D tensors expected, but got ${a.dim()}D and ${b.dim()}D tensors`);
  if (a._shape[0] !== b._shape[0])
    throw new Error(`inconsistent tensor size, expected tensor [${a._shape[0]}] and src [${b._shape[0]}] to have the same number of elements, but got ${a._shape[0]} and ${b._shape[0]} elements respectively`);
  if (isGradEnabled() && (a._requiresGrad || b._requiresGrad)) return dotGrad(a, b, () => gemm(a.reshape(1, 1, -1), b.reshape(1, -1, 1), []));
  return gemm(a.reshape(1, 1, -1), b.reshape(1, -1, 1), []);
}

/**
 * Outer product of two 1-D tensors.
 * @example torch.outer(torch.arange(3), torch.arange(2))
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError("outer(): arguments must be Tensors");
  if (a.dim() !== 1 || b.dim() !== 1) throw new Error(`outer: expected 1D tensors, but got ${a.dim()}D and ${b.dim()}D`);
  return a.reshape(-1, 1).mul(b);
}

/**
 * Matrix product with NumPy/PyTorch broadcasting: 1-D operands are promoted
 * (and the added dim removed), batch dims broadcast.
 * @example torch.matmul(torch.randn(10, 3, 4), torch.randn(4, 5)).shape // [10, 3, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkPair(a, b, "matmul");
  const da = a.dim(), db = b.dim();
  if (da === 0 || db === 0) throw new Error(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  if (da === 1 && db === 1) return dot(a, b);
  if (da === 2 && db === 1) return mv(a, b);
  if (da === 1 && db === 2) {
    if (a._shape[0] !== b._shape[0])
      throw new Error(`mat1 and mat2 shapes cannot be multiplied (1x${a._shape[0]} and ${b._shape[0]}x${b._shape[1]})`);
    if (isGradEnabled() && (a._requiresGrad || b._requiresGrad)) return renameNode(mm(a.unsqueeze(0), b).squeeze(0), "SqueezeBackward3");
    return gemm(a.reshape(1, 1, -1), b.unsqueeze(0), [b._shape[1]]);
  }
  if (da === 2 && db === 2) return mm(a, b);
  const a3 = da === 1 ? a.unsqueeze(0) : a;
  const b3 = db === 1 ? b.unsqueeze(1) : b;
  const n = a3._shape[a3.dim() - 2], m = a3._shape[a3.dim() - 1];
  const m2 = b3._shape[b3.dim() - 2], p = b3._shape[b3.dim() - 1];
  if (m !== m2)
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${numelOf(a3._shape.slice(0, -2))}, ${m}] but got: [${numelOf(b3._shape.slice(0, -2))}, ${m2}].`);
  let batch: number[];
  try {
    batch = broadcastShapes(a3._shape.slice(0, -2), b3._shape.slice(0, -2));
  } catch {
    throw new Error(`matmul: batch dimensions ${fmtShape(a3._shape.slice(0, -2))} and ${fmtShape(b3._shape.slice(0, -2))} cannot be broadcast`);
  }
  const B = numelOf(batch);
  const ae = a3.expand([...batch, n, m]).reshape(B, n, m);
  const be = b3.expand([...batch, m, p]).reshape(B, m, p);
  let shape = [...batch, n, p];
  if (da === 1) shape = [...batch, p];
  if (db === 1) shape = da === 1 ? batch : [...batch, n];
  if (isGradEnabled() && (a._requiresGrad || b._requiresGrad)) return renameNode(bmm(ae, be).reshape(shape), "UnsafeViewBackward0");
  return gemm(ae, be, shape);
}

/** Options of {@link addmm}. */
export interface AddmmOptions {
  /** multiplier of input (default 1) */
  beta?: number;
  /** multiplier of mat1 @ mat2 (default 1) */
  alpha?: number;
}

/**
 * `beta * input + alpha * (mat1 @ mat2)`, input broadcast to the product's
 * shape; one graph node (PyTorch's AddmmBackward0), so `nn.Linear` records
 * one op instead of two.
 * @example torch.addmm(bias, x, w.t()) // x @ wᵀ + bias
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options: AddmmOptions = {}): Tensor {
  if (!(input instanceof Tensor)) throw new TypeError("addmm(): argument 'input' must be a Tensor");
  checkPair(mat1, mat2, "addmm");
  if (mat1.dim() !== 2 || mat2.dim() !== 2) throw new Error(`addmm(): mat1 and mat2 must be matrices, got ${mat1.dim()}-D and ${mat2.dim()}-D`);
  if (mat1._shape[1] !== mat2._shape[0])
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${mat1._shape[0]}x${mat1._shape[1]} and ${mat2._shape[0]}x${mat2._shape[1]})`);
  if (input.dtype !== mat1.dtype) throw new TypeError(`addmm(): expected input of dtype ${mat1.dtype}, got ${input.dtype}`);
  const beta = options.beta ?? 1, alpha = options.alpha ?? 1;
  const shape = [mat1._shape[0], mat2._shape[1]];
  if (!shapeEquals(broadcastShapes(input._shape, shape), shape))
    throw new Error(`addmm(): input of shape ${fmtShape(input._shape)} cannot be broadcast to ${fmtShape(shape)}`);
  const compute = (): Tensor => {
    // One rounding for the whole of beta * input + alpha * product, as PyTorch's CPU addmm.
    if (needsWidening(mat1)) return viaFloat32([input, mat1, mat2], ([i, x, y]) => addmm(i, x, y, options));
    const r = gemm2d(mat1, mat2);
    if (alpha !== 1) r.mul_(alpha);
    if (beta === 1) r.add_(input);
    else if (beta !== 0) r.add_(input.mul(beta));
    return r;
  };
  if (isGradEnabled() && (input._requiresGrad || mat1._requiresGrad || mat2._requiresGrad)) return addmmGrad(input, mat1, mat2, beta, alpha, compute);
  return compute();
}

declare module "../tensor" {
  interface Tensor {
    /** @example x.matmul(w) */
    matmul(other: Tensor): Tensor;
    /** @example x.mm(w) */
    mm(other: Tensor): Tensor;
    /** @example x.bmm(w) */
    bmm(other: Tensor): Tensor;
    /** @example m.mv(v) */
    mv(vec: Tensor): Tensor;
    /** @example a.dot(b) */
    dot(other: Tensor): Tensor;
    /** @example a.outer(b) */
    outer(other: Tensor): Tensor;
  }
}

const P = Tensor.prototype;
P.matmul = function (this: Tensor, o: Tensor) { return matmul(this, o); };
P.mm = function (this: Tensor, o: Tensor) { return mm(this, o); };
P.bmm = function (this: Tensor, o: Tensor) { return bmm(this, o); };
P.mv = function (this: Tensor, o: Tensor) { return mv(this, o); };
P.dot = function (this: Tensor, o: Tensor) { return dot(this, o); };
P.outer = function (this: Tensor, o: Tensor) { return outer(this, o); };
