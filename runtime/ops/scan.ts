/**
 * Cumulative ops along a dim: cumsum, cumprod.
 */
import { DType, DTYPE_CODES, checkDtype, isFloatingPoint, isReducedFloat } from "../dtype";
import { backendFor } from "../dispatch";
import { writeDimHeader, writeLayout } from "../iter";
import { wrapDim } from "../shape";
import { Tensor } from "../tensor";
import { toDtype } from "./copy";
import { isGradEnabled } from "../autograd/grad_mode";
import { scanGrad } from "../autograd/scan";

function scanOp(op: 0 | 1, x: Tensor, dim: number, dtype?: DType): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError("cumsum(): argument 'input' must be a Tensor");
  if (dim === undefined) throw new TypeError(`${op === 0 ? "cumsum" : "cumprod"}() missing required argument 'dim'`);
  if (x._requiresGrad && isGradEnabled()) return scanGrad(op === 0 ? "cumsum" : "cumprod", x, dim, () => scanOp(op, x, dim, dtype));
  const d = wrapDim(dim, x.dim());
  const od: DType = dtype !== undefined ? checkDtype(dtype) : isFloatingPoint(x.dtype) ? x.dtype : "int64";
  const src = dtype !== undefined ? toDtype(x, od) : x;
  if (isReducedFloat(od)) {
    // Note [16-bit floats] (ops/half.ts): accumulated in float32, each output rounded once.
    const wide = toDtype(src, "float32");
    if (src !== x) src.dispose();
    const r = scanOp(op, wide, dim);
    wide.dispose();
    const back = toDtype(r, od);
    r.dispose();
    return back;
  }
  const out = Tensor._empty(x._shape.slice(), od, x.device);
  if (out.numel() === 0) return out;
  const nd = Math.max(x.dim(), 1);
  writeLayout(writeLayout(writeDimHeader(x._shape, d), out, nd), src, nd);
  backendFor(x.device).scan(op, DTYPE_CODES[src.dtype], DTYPE_CODES[od], out._live(), src._live());
  if (src !== x) src.dispose();
  return out;
}

/** Running sum along dim (integers accumulate in int64). @example torch.cumsum(x, 0) */
export function cumsum(x: Tensor, dim: number, options: { dtype?: DType } = {}): Tensor {
  return scanOp(0, x, dim, options.dtype);
}

/** Running product along dim. @example torch.cumprod(x, 1) */
export function cumprod(x: Tensor, dim: number, options: { dtype?: DType } = {}): Tensor {
  return scanOp(1, x, dim, options.dtype);
}

declare module "../tensor" {
  interface Tensor {
    /** @example x.cumsum(0) */
    cumsum(dim: number, options?: { dtype?: DType }): Tensor;
    /** @example x.cumprod(0) */
    cumprod(dim: number, options?: { dtype?: DType }): Tensor;
  }
}

Tensor.prototype.cumsum = function (this: Tensor, d: number, o?: { dtype?: DType }) { return cumsum(this, d, o); };
Tensor.prototype.cumprod = function (this: Tensor, d: number, o?: { dtype?: DType }) { return cumprod(this, d, o); };
