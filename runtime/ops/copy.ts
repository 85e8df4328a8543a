/**
 * Copies and casts: copy_, contiguous, clone, to, cuda, cpu, and the dtype
 * shorthands. Copies on one device go through the device's `copy` entry
 * point; copies between devices through copyAcross (Note [Copies between
 * devices]).
 */
import { DType, DTYPE_CODES, ITEMSIZE, checkDtype } from "../dtype";
import { Device, DeviceLike, device as toDevice } from "../device";
import { backendFor } from "../dispatch";
import { concreteDevice, cudaNative } from "../cuda/driver";
import { writeIter } from "../iter";
import { broadcastShapes, fmtShape, shapeEquals } from "../shape";
import { Tensor } from "../tensor";
import { isGradEnabled } from "../autograd/grad_mode";
import { cloneGrad, copyGrad, toGrad } from "../autograd/copy";

/** @internal raw copy with broadcasting and casting (no checks beyond shape) */
export function copyInto(dst: Tensor, src: Tensor): void {
  const dd = dst._storage.device, sd = src._storage.device;
  if (dd !== sd && (dd.type === "cuda" || sd.type === "cuda") && !dd.equals(sd)) {
    copyAcross(dst, src);
    return;
  }
  const buf = dst._live(), sbuf = src._live();
  writeIter(dst._shape, [dst, src]);
  backendFor(dst.device).copy(DTYPE_CODES[dst.dtype], DTYPE_CODES[src.dtype], buf, sbuf);
}

// Note [Copies between devices]: the addon moves bytes between the host and a
// GPU (or two GPUs) only as one contiguous run. So the source is first made
// contiguous on its own device, its bytes land in the destination when that is
// a contiguous tensor of the same dtype and shape, and otherwise in a staging
// tensor on the destination's device, from which the ordinary same-device copy
// broadcasts and casts into the destination. Host-to-device copies have read
// the host bytes when they return and device-to-host copies are synchronous,
// so a CPU tensor may be freed or changed right after.
function copyAcross(dst: Tensor, src: Tensor): void {
  dst._live();
  src._live();
  const s = src.isContiguous() ? src : contiguousCopy(src);
  const direct = dst.isContiguous() && dst.dtype === src.dtype && shapeEquals(dst._shape, src._shape);
  const landing = direct ? dst : Tensor._empty(src._shape.slice(), src.dtype, dst.device);
  try {
    moveBytes(landing, s, s.numel() * ITEMSIZE[s.dtype]);
    if (!direct) copyInto(dst, landing);
  } finally {
    if (landing !== dst) landing.dispose();
    if (s !== src) s.dispose();
  }
}

function contiguousCopy(t: Tensor): Tensor {
  const out = Tensor._empty(t._shape.slice(), t.dtype, t.device);
  copyInto(out, t);
  return out;
}

// nbytes from the first element of src to the first element of dst, both contiguous.
function moveBytes(dst: Tensor, src: Tensor, nbytes: number): void {
  if (nbytes === 0) return;
  const n = cudaNative();
  const ds = dst._storage, ss = src._storage;
  const dOff = ds.byteOffset + dst._offset * ITEMSIZE[dst.dtype];
  const sOff = ss.byteOffset + src._offset * ITEMSIZE[src.dtype];
  if (ss.device.type === "cpu") n.cudaFromHost(ds.cudaBlock, dOff, ss.hostBuffer, sOff, nbytes);
  else if (ds.device.type === "cpu") n.cudaToHost(ds.hostBuffer, dOff, ss.cudaBlock, sOff, nbytes);
  else n.cudaCopyBytes(ds.cudaBlock, dOff, ss.cudaBlock, sOff, nbytes);
}

/** @internal throws if writing into t would write one memory location twice */
export function checkNoInternalOverlap(t: Tensor): void {
  for (let i = 0; i < t._shape.length; i++) {
    if (t._strides[i] === 0 && t._shape[i] > 1)
      throw new Error(
        "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.",
      );
  }
}

/** @internal marks an in-place write (autograd's version counter) */
export function bumpVersion(t: Tensor): void {
  t._version.value++;
}

/** @internal cast (or return unchanged) */
export function toDtype(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = Tensor._empty(t._shape.slice(), dtype, t.device);
  copyInto(out, t);
  return out;
}

/** Options of {@link Tensor.to}. */
export interface ToOptions {
  dtype?: DType;
  device?: DeviceLike;
  copy?: boolean;
  nonBlocking?: boolean;
}

declare module "../tensor" {
  interface Tensor {
    /**
     * Copies src into this tensor in place (broadcasting src, casting its dtype).
     * @example const y = torch.zeros(2, 3); y.copy_(torch.tensor([1, 2, 3]));
     */
    copy_(src: Tensor | number | boolean): this;
    /**
     * This tensor if already contiguous, else a contiguous copy.
     * @example x.t().contiguous().isContiguous() // true
     */
    contiguous(): Tensor;
    /**
     * A copy with its own storage.
     * @example const y = x.clone();
     */
    clone(): Tensor;
    /**
     * Converts dtype and/or device; returns this tensor when nothing changes
     * (unless `copy`). Differentiable: the gradient flows back to this
     * tensor's device and dtype. `nonBlocking` is accepted; copies are
     * ordered on the current stream and a copy to the CPU always waits for it.
     * @example x.to(torch.float64); x.to("cuda"); x.to("cpu"); x.to({ device: "cuda:1", dtype: torch.float32 });
     */
    to(target: DType | DeviceLike | Tensor | ToOptions, options?: ToOptions): Tensor;
    /** @example x.float() // same as x.to(torch.float32) */
    float(): Tensor;
    /** @example x.double() // same as x.to(torch.float64) */
    double(): Tensor;
    /** @example x.int() // same as x.to(torch.int32) */
    int(): Tensor;
    /** @example x.long() // same as x.to(torch.int64) */
    long(): Tensor;
    /** @example x.byte() // same as x.to(torch.uint8) */
    byte(): Tensor;
    /** @example x.bool() // same as x.to(torch.bool) */
    bool(): Tensor;
    /** @example x.half() // same as x.to(torch.float16) */
    half(): Tensor;
    /** @example x.bfloat16() // same as x.to(torch.bfloat16) */
    bfloat16(): Tensor;
    /**
     * The dtype name with no argument, or a cast with one (`Tensor.type`).
     * @example torch.zeros(1).type() // "torch.FloatTensor"
     */
    type(): string;
    type(dtype: DType): Tensor;
    /**
     * Copy to the CPU (this tensor if already there).
     * @example const host = x.cpu();
     */
    cpu(): Tensor;
    /**
     * Copy to a GPU: the current one, or the given index or device (this tensor if already there).
     * @example const g = x.cuda(); const g1 = x.cuda(1);
     */
    cuda(device?: number | DeviceLike, options?: { nonBlocking?: boolean }): Tensor;
    /**
     * A view that shares storage but is not tracked by autograd.
     * @example const d = x.detach();
     */
    detach(): Tensor;
  }
}

const LEGACY_NAMES: Record<DType, string> = {
  float32: "FloatTensor", float64: "DoubleTensor", int32: "IntTensor", int64: "LongTensor", uint8: "ByteTensor", bool: "BoolTensor",
  float16: "HalfTensor", bfloat16: "BFloat16Tensor",
};

Tensor.prototype.copy_ = function (this: Tensor, src: Tensor | number | boolean): Tensor {
  if (isGradEnabled() && (this._requiresGrad || (src instanceof Tensor && src._requiresGrad))) {
    if (src instanceof Tensor) {
      const shape = broadcastShapes(this._shape, src._shape);
      if (!shapeEquals(shape, this._shape))
        throw new Error(`output with shape ${fmtShape(this._shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
    }
    return copyGrad(this, src);
  }
  if (!(src instanceof Tensor)) {
    if (typeof src !== "number" && typeof src !== "boolean")
      throw new TypeError(`copy_(): argument 'src' must be a Tensor, not ${typeof src}`);
    this._live();
    checkNoInternalOverlap(this);
    writeIter(this._shape, [this]);
    backendFor(this.device).fill(DTYPE_CODES[this.dtype], this._live(), Number(src));
    bumpVersion(this);
    return this;
  }
  // copy_ is the one op that may cross devices (copyInto sees to it).
  const shape = broadcastShapes(this._shape, src._shape);
  if (!shapeEquals(shape, this._shape))
    throw new Error(`output with shape ${fmtShape(this._shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  checkNoInternalOverlap(this);
  copyInto(this, src);
  bumpVersion(this);
  return this;
};

Tensor.prototype.contiguous = function (this: Tensor): Tensor {
  if (this.isContiguous()) {
    this._live();
    return this;
  }
  return this.clone();
};

Tensor.prototype.clone = function (this: Tensor): Tensor {
  if (this._requiresGrad && isGradEnabled()) return cloneGrad(this, () => this.clone());
  const out = Tensor._empty(this._shape.slice(), this.dtype, this.device);
  copyInto(out, this);
  return out;
};

function resolveTo(target: DType | DeviceLike | Tensor | ToOptions, options?: ToOptions): { dtype?: DType; device?: Device; copy: boolean } {
  let dtype: DType | undefined, dev: Device | undefined;
  let copy = options?.copy ?? false;
  if (target instanceof Tensor) {
    dtype = target.dtype;
    dev = target.device;
  } else if (target instanceof Device) {
    dev = target;
  } else if (typeof target === "string") {
    if (/^(cpu|cuda)(:\d+)?$/.test(target)) dev = toDevice(target);
    else dtype = checkDtype(target);
  } else if (typeof target === "object" && target !== null) {
    if (target.dtype !== undefined) dtype = checkDtype(target.dtype);
    if (target.device !== undefined) dev = toDevice(target.device);
    copy = target.copy ?? copy;
  } else {
    throw new TypeError(`to(): expected a dtype, a device, a tensor or an options object, got ${String(target)}`);
  }
  if (options?.dtype !== undefined) dtype = checkDtype(options.dtype);
  if (options?.device !== undefined) dev = toDevice(options.device);
  return { dtype, device: dev, copy };
}

Tensor.prototype.to = function (this: Tensor, target: DType | DeviceLike | Tensor | ToOptions, options?: ToOptions): Tensor {
  const r = resolveTo(target, options);
  this._live();
  const dtype = r.dtype ?? this.dtype;
  let dev = this.device;
  if (r.device !== undefined && r.device !== dev) {
    backendFor(r.device);  // throws for an unavailable device
    dev = concreteDevice(r.device);  // "cuda" is the current GPU
  }
  if (dtype === this.dtype && dev.equals(this.device) && !r.copy) return this;
  if (this._requiresGrad && isGradEnabled()) return toGrad(this, () => this.to({ dtype, device: dev, copy: r.copy }));
  const out = Tensor._empty(this._shape.slice(), dtype, dev);
  copyInto(out, this);
  return out;
};

Tensor.prototype.float = function (this: Tensor) { return this.to("float32"); };
Tensor.prototype.double = function (this: Tensor) { return this.to("float64"); };
Tensor.prototype.int = function (this: Tensor) { return this.to("int32"); };
Tensor.prototype.long = function (this: Tensor) { return this.to("int64"); };
Tensor.prototype.byte = function (this: Tensor) { return this.to("uint8"); };
Tensor.prototype.bool = function (this: Tensor) { return this.to("bool"); };
Tensor.prototype.half = function (this: Tensor) { return this.to("float16"); };
Tensor.prototype.bfloat16 = function (this: Tensor) { return this.to("bfloat16"); };
Tensor.prototype.cpu = function (this: Tensor) { return this.to("cpu"); };
Tensor.prototype.cuda = function (this: Tensor, d?: number | DeviceLike, o?: { nonBlocking?: boolean }) {
  let dev: DeviceLike = "cuda";
  if (typeof d === "number") dev = `cuda:${d}`;
  else if (d !== undefined && d !== null) {
    dev = toDevice(d);
    if (dev.type !== "cuda") throw new Error(`Invalid device, must be cuda device, but got: ${dev}`);
  }
  return this.to(dev, { nonBlocking: o?.nonBlocking });
};
Tensor.prototype.type = function (this: Tensor, dtype?: DType): string | Tensor {
  if (dtype === undefined) return `torch.${LEGACY_NAMES[this.dtype]}`;
  return this.to(checkDtype(dtype));
} as unknown as Tensor["type"];
Tensor.prototype.detach = function (this: Tensor): Tensor {
  return this._view(this._shape, this._strides, this._offset);
};
