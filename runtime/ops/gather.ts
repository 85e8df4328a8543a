/**
 * gather and indexSelect (indexSelect is gather with an expanded index).
 */
import { meta } from "../addon";
import { DTYPE_CODES, isReducedFloat } from "../dtype";
import { backendFor, commonDevice } from "../dispatch";
import { writeDimHeader, writeLayout } from "../iter";
import { fmtShape, wrapDim } from "../shape";
import { Tensor } from "../tensor";
import { toDtype } from "./copy";
import { isGradEnabled } from "../autograd/grad_mode";
import { gatherGrad, indexSelectGrad } from "../autograd/gather";

function checkIndex(index: Tensor, what: string, int32Ok = false): void {
  if (!(index instanceof Tensor)) throw new TypeError(`${what}(): argument 'index' must be a Tensor`);
  if (index.dtype !== "int64" && !(int32Ok && index.dtype === "int32"))
    throw new TypeError(`${what}(): Expected dtype ${int32Ok ? "int32 or int64" : "int64"} for index`);
}


/**
 * Picks values along dim by index: out[i][j] = input[index[i][j]][j] for dim 0.
 * @example torch.gather(x, 1, torch.tensor([[0, 0], [1, 0]]))
 */
export function gather(input: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex(index, "gather");
  if (input._requiresGrad && isGradEnabled()) return gatherGrad(input, dim, index, () => gather(input, dim, index));
  commonDevice([input, index]);
  const nd = Math.max(input.dim(), 1);
  if (index.dim() !== input.dim() && !(index.dim() <= 1 && input.dim() <= 1))
    throw new Error("Index tensor must have the same number of dimensions as input tensor");
  const d = wrapDim(dim, input.dim());
  for (let i = 0; i < index.dim(); i++) {
    if (i !== d && index._shape[i] > input._shape[i])
      throw new Error(`Size does not match at dimension ${i} expected index ${fmtShape(index._shape)} to be smaller than self ${fmtShape(input._shape)} apart from dimension ${d}`);
  }
  if (isReducedFloat(input.dtype)) {
    // Note [16-bit floats] (ops/half.ts): no gather impl takes them; float32 holds every value exactly.
    const wide = toDtype(input, "float32");
    const r = gather(wide, dim, index);
    wide.dispose();
    const back = toDtype(r, input.dtype);
    r.dispose();
    return back;
  }
  const idx = toDtype(index, "int64");
  const out = Tensor._empty(index._shape.slice(), input.dtype, input.device);
  if (out.numel() === 0) return out;
  if (input.dim() > 0 && input._shape[d] === 0) throw new Error(`index ${0} is out of bounds for dimension ${d} with size 0`);
  let k = writeDimHeader(index._shape, d);
  k = writeLayout(k, out, nd);
  k = writeLayout(k, input, nd);
  meta[k++] = input.dim() === 0 ? 1 : input._shape[d];
  writeLayout(k, idx, nd);
  backendFor(input.device).gather(DTYPE_CODES[input.dtype], out._live(), input._live(), idx._live());
  return out;
}

/**
 * Rows (or slices along dim) picked by a 1-D index.
 * @example torch.indexSelect(x, 0, torch.tensor([2, 0]))
 */
export function indexSelect(input: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex(index, "index_select", true);
  if (input._requiresGrad && isGradEnabled()) return indexSelectGrad(input, dim, index, () => indexSelect(input, dim, index));
  if (index.dim() > 1) throw new Error("index_select(): Index is supposed to be a vector");
  const d = wrapDim(dim, input.dim());
  const idx64 = toDtype(index, "int64");
  const idx1 = idx64.dim() === 0 ? idx64.reshape(1) : idx64;
  if (input.dim() === 0) return gather(input, 0, idx1.reshape([])).reshape(index.dim() === 0 ? [] : [1]);
  const shape = input._shape.slice();
  shape[d] = idx1._shape[0];
  const viewShape = input._shape.map((_, i) => (i === d ? idx1._shape[0] : 1));
  const expanded = idx1.reshape(viewShape).expand(shape);
  // gather reads input with the index's shape on other dims: sizes match here.
  return gather(input, d, expanded);
}

declare module "../tensor" {
  interface Tensor {
    /** Values picked along dim by index. @example x.gather(1, idx) */
    gather(dim: number, index: Tensor): Tensor;
    /** Slices along dim picked by a 1-D index. @example x.indexSelect(0, torch.tensor([0, 2])) */
    indexSelect(dim: number, index: Tensor): Tensor;
    /** take_along_dim for a matching index. @example x.takeAlongDim(idx, 1) */
    takeAlongDim(indices: Tensor, dim: number): Tensor;
  }
}

Tensor.prototype.gather = function (this: Tensor, d: number, i: Tensor) { return gather(this, d, i); };
Tensor.prototype.indexSelect = function (this: Tensor, d: number, i: Tensor) { return indexSelect(this, d, i); };
Tensor.prototype.takeAlongDim = function (this: Tensor, i: Tensor, d: number) { return gather(this, d, i); };

