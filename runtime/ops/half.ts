/**
 * Note [16-bit floats]: float16 and bfloat16 tensors hold raw 16-bit
 * patterns. PyTorch computes their ops in float32 and rounds each result
 * back to 16 bits; torchlab does the same in one of two places:
 *
 * - natively: copy, fill, cat and where take the 16-bit dtypes on every
 *   device; on CUDA so do the elementwise unary and binary impls and matmul
 *   (each element widened to float, computed, rounded; matmul accumulates in
 *   float32, through cuBLAS's GemmEx when it is loaded);
 * - here, for everything else (all compute on the CPU; reductions, scans,
 *   sort, gather/scatter, nonzero and random numbers on CUDA): the inputs are
 *   cast to float32, the float32 impl runs, and the result is cast back once.
 *
 * A JavaScript number meeting a 16-bit tensor in a CPU op is first rounded to
 * the tensor's dtype (PyTorch wraps it as a 16-bit 0-dim tensor there), so
 * `x.mul(0.1)` multiplies by float16(0.1) on both devices.
 * @internal
 */
import { DType, isReducedFloat } from "../dtype";
import type { Device } from "../device";
import { roundBfloat16, roundHalf } from "../float16";
import type { Tensor } from "../tensor";
import { toDtype } from "./copy";

/** Which impl an op uses: the elementwise ones, matmul, or any other. */
export type ImplFamily = "elementwise" | "matmul" | "other";

/**
 * The dtype an op's impl runs in when its compute dtype is `dtype` on
 * `device`: float32 where that impl has no 16-bit path, else `dtype`.
 */
export function implDtype(dtype: DType, device: Device, family: ImplFamily): DType {
  if (!isReducedFloat(dtype)) return dtype;
  return device.type === "cuda" && family !== "other" ? dtype : "float32";
}

/** A JS scalar as the value it has once cast to `dtype` (only the 16-bit floats round). */
export function roundScalar<T extends number | boolean>(v: T, dtype: DType): T | number {
  if (typeof v !== "number") return v;
  if (dtype === "float16") return roundHalf(v);
  if (dtype === "bfloat16") return roundBfloat16(v);
  return v;
}

/**
 * t as an operand of an op computing in `compute` whose impl runs in
 * `impl`: cast to `compute` first (the rounding PyTorch's type promotion
 * does), then widened to `impl`. t itself when nothing changes; otherwise a
 * new tensor the caller may dispose.
 */
export function castForImpl(t: Tensor, compute: DType, impl: DType): Tensor {
  if (t.dtype === compute) return toDtype(t, impl);
  if (compute === impl) return toDtype(t, compute);
  const c = toDtype(t, compute);
  const r = toDtype(c, impl);
  if (c !== t) c.dispose();
  return r;
}

/**
 * A float32 copy of the 16-bit tensor t that does not materialize broadcast dims (stride 0):
 * they are cast once and expanded again, so a batch-expanded operand costs
 * what its storage holds, not what its shape says.
 */
export function widenCompact(t: Tensor): Tensor {
  let expanded = false;
  const shape = t._shape.map((s, i) => {
    if (t._strides[i] === 0 && s > 1) {
      expanded = true;
      return 1;
    }
    return s;
  });
  if (!expanded) return toDtype(t, "float32");
  const compact = t._view(shape, t._strides.slice(), t._offset);
  const c = toDtype(compact, "float32");
  compact.dispose();
  const strides = c._strides.map((s, i) => (shape[i] === 1 && t._shape[i] !== 1 ? 0 : s));
  const r = c._view(t._shape.slice(), strides, c._offset);
  c.dispose();
  return r;
}
