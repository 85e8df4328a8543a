/**
 * nonzero and maskedSelect.
 */
import { meta } from "../addon";
import { DTYPE_CODES, isReducedFloat } from "../dtype";
import { toDtype } from "./copy";
import { backendFor } from "../dispatch";
import { broadcastShapes } from "../shape";
import { Tensor } from "../tensor";
import { indexSelect } from "./gather";
import { isGradEnabled } from "../autograd/grad_mode";
import { maskedSelectGrad } from "../autograd/nonzero";

function writeMeta(x: Tensor): void {
  let k = 0;
  meta[k++] = x.dim();
  for (let i = 0; i < x.dim(); i++) meta[k++] = x._shape[i];
  meta[k++] = x._elemOffset;
  for (let i = 0; i < x.dim(); i++) meta[k++] = x._strides[i];
}

/**
 * Coordinates of the nonzero elements: an int64 [count, ndim] tensor, or one
 * 1-D tensor per dim with `asTuple`.
 * @example torch.nonzero(torch.tensor([0, 3, 0, 4])) // [[1], [3]]
 */
export function nonzero(input: Tensor): Tensor;
export function nonzero(input: Tensor, options: { asTuple: true }): Tensor[];
export function nonzero(input: Tensor, options: { asTuple?: boolean } = {}): Tensor | Tensor[] {
  if (!(input instanceof Tensor)) throw new TypeError("nonzero(): argument 'input' must be a Tensor");
  if (isReducedFloat(input.dtype)) {
    // Note [16-bit floats] (ops/half.ts): no nonzero impl takes them; float32 has the same zeros.
    const wide = toDtype(input, "float32");
    try {
      return options.asTuple ? nonzero(wide, { asTuple: true }) : nonzero(wide);
    } finally {
      wide.dispose();
    }
  }
  const be = backendFor(input.device);
  const buf = input._live();
  writeMeta(input);
  const count = be.nonzero(DTYPE_CODES[input.dtype], null, buf);
  const nd = input.dim();
  const out = Tensor._empty([count, nd], "int64", input.device);
  if (count > 0 && nd > 0) {
    writeMeta(input);
    // Native writes from the first byte of the view (CPU) or of the block (a fresh GPU tensor starts there).
    be.nonzero(DTYPE_CODES[input.dtype], input.device.type === "cpu" ? out._data() : out._live(), buf);
  }
  if (!options.asTuple) return out;
  if (nd === 0) return [Tensor._empty([count], "int64", input.device, true)];
  return Array.from({ length: nd }, (_, i) => out.select(1, i));
}

/**
 * The elements where mask is true, as a 1-D tensor (mask broadcasts).
 * @example x.maskedSelect(x.gt(0))
 */
export function maskedSelect(input: Tensor, mask: Tensor): Tensor {
  if (!(mask instanceof Tensor) || mask.dtype !== "bool") throw new TypeError("masked_select: expected BoolTensor for mask");
  const shape = broadcastShapes(input._shape, mask._shape);
  if (input._requiresGrad && isGradEnabled()) return maskedSelectGrad(input, mask, shape, () => maskedSelect(input, mask));
  const x = input.expand(shape).reshape(-1);
  const m = mask.expand(shape).reshape(-1);
  const idx = nonzero(m).reshape(-1);
  return indexSelect(x, 0, idx);
}

/**
 * Indices of nonzero elements as a 1-D int64 tensor per dim (`torch.argwhere` is the 2-D form).
 * @example torch.argwhere(x)
 */
export function argwhere(input: Tensor): Tensor {
  return nonzero(input);
}

declare module "../tensor" {
  interface Tensor {
    /** Coordinates of nonzero elements. @example x.nonzero() */
    nonzero(): Tensor;
    /** Elements where mask is true. @example x.maskedSelect(mask) */
    maskedSelect(mask: Tensor): Tensor;
  }
}

Tensor.prototype.nonzero = function (this: Tensor) { return nonzero(this); };
Tensor.prototype.maskedSelect = function (this: Tensor, m: Tensor) { return maskedSelect(this, m); };
