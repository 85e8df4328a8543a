/**
 * Creation: tensor, zeros, ones, full, empty, eye, arange, linspace, the *Like
 * variants, and zero-copy interop with typed arrays.
 */
import { DType, DTYPE_CODES, ITEMSIZE, TYPED_ARRAY, TypedArray, checkDtype, getDefaultDtype } from "../dtype";
import { CPU, Device, DeviceLike, device as toDevice } from "../device";
import { backendFor } from "../dispatch";
import { concreteDevice } from "../cuda/driver";
import { fromBfloat16Bits, fromHalfBits, toBfloat16Bits, toHalfBits } from "../float16";
import { writeIter } from "../iter";
import { contiguousStrides, numelOf, parseSize } from "../shape";
import { Storage } from "../storage";
import { Tensor } from "../tensor";
import type { Generator } from "./random";

/** Options accepted by every creation function. */
export interface TensorOptions {
  dtype?: DType;
  device?: DeviceLike;
  requiresGrad?: boolean;
}

/** Nested arrays of numbers/booleans/bigints, or a typed array. */
export type TensorData = number | boolean | bigint | TypedArray | NestedData[];
type NestedData = number | boolean | bigint | NestedData[] | TypedArray;

/** @internal size varargs optionally followed by options */
export type SizeAndOptions = Array<number | readonly number[] | (TensorOptions & { generator?: Generator })>;

/** @internal splits `(2, 3, {dtype})` / `([2, 3], {dtype})` */
export function splitSizeArgs(args: SizeAndOptions, what: string): [number[], TensorOptions] {
  let opts: TensorOptions = {};
  const last = args[args.length - 1];
  let sizeArgs = args;
  if (last !== undefined && typeof last === "object" && !Array.isArray(last)) {
    opts = last as TensorOptions;
    sizeArgs = args.slice(0, -1);
  }
  return [parseSize(sizeArgs as unknown[], `${what}(): size`), opts];
}

/**
 * @internal the concrete device to create on: "cuda" is the current GPU;
 * refuses devices that are not available
 */
export function resolveDevice(d: DeviceLike | undefined): Device {
  if (d === undefined) return CPU;
  const dev = toDevice(d);
  if (dev.type === "cpu") return dev;
  backendFor(dev);
  return concreteDevice(dev);
}

// Built on the CPU (element by element), then moved in one copy; the CPU
// staging tensor is freed at once rather than left to the collector.
function onDevice(t: Tensor, dev: Device): Tensor {
  if (dev.type === "cpu") return t;
  const moved = t.to(dev);
  t.dispose();
  return moved;
}

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** @internal a fresh tensor filled with one value */
export function filled(shape: number[], value: number | boolean | bigint, dtype: DType, dev: Device): Tensor {
  if (value === 0 || value === false) return Tensor._empty(shape, dtype, dev, true);
  const t = Tensor._empty(shape, dtype, dev);
  writeIter(shape, [t]);
  backendFor(dev).fill(DTYPE_CODES[dtype], t._live(), typeof value === "boolean" ? Number(value) : value);
  return t;
}

// Writes numbers into a fresh CPU tensor's typed array: float16 / bfloat16
// storage takes their bits (rounded as a cast from float64 is), the rest the number.
function encoder(dtype: DType): (x: number) => number {
  if (dtype === "float16") return toHalfBits;
  if (dtype === "bfloat16") return toBfloat16Bits;
  return (x) => x;
}

function inferDtype(v: unknown): DType {
  let sawFloat = false, sawInt = false, sawBool = false;
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) { for (const y of x) visit(y); return; }
    if (ArrayBuffer.isView(x)) { const d = typedDtype(x as TypedArray); if (d === "float32" || d === "float64") sawFloat = true; else sawInt = true; return; }
    if (typeof x === "boolean") sawBool = true;
    else if (typeof x === "bigint") sawInt = true;
    else if (typeof x === "number") { if (Number.isInteger(x)) sawInt = true; else sawFloat = true; }
  };
  visit(v);
  if (sawFloat) return getDefaultDtype();
  if (sawInt) return "int64";
  if (sawBool) return "bool";
  return getDefaultDtype();  // empty lists are float, as in PyTorch
}

function typedDtype(a: ArrayBufferView): DType | null {
  const tag = Object.prototype.toString.call(a);
  switch (tag) {
    case "[object Float32Array]": return "float32";
    case "[object Float64Array]": return "float64";
    case "[object Int32Array]": return "int32";
    case "[object BigInt64Array]": return "int64";
    case "[object Uint8Array]": return "uint8";
    default: return null;
  }
}

function inferShape(data: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur) || ArrayBuffer.isView(cur)) {
    const len = (cur as ArrayLike<unknown>).length;
    shape.push(len);
    if (len === 0 || ArrayBuffer.isView(cur)) break;
    cur = (cur as unknown[])[0];
  }
  return shape;
}

function containsBigint(d: unknown): boolean {
  if (typeof d === "bigint") return true;
  return Array.isArray(d) && d.some(containsBigint);
}

/**
 * Makes a tensor from nested arrays (or a scalar, or a typed array) by copying.
 * Integer numbers give int64, any fractional number gives float32, booleans give bool.
 * JavaScript has no float literals (`1.0` is `1`), so with `requiresGrad: true`
 * and no dtype, integer numbers give the default float dtype instead of int64
 * (where PyTorch, seeing `[1, 2]`, would refuse to make an int64 tensor require grad).
 * @example torch.tensor([[1, 2], [3, 4]], { requiresGrad: true }) // float32
 */
export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  if (data instanceof Tensor) {
    const c = (data as Tensor).clone();
    return finish(options.device === undefined ? c : onDevice(c, resolveDevice(options.device)), options);
  }
  let dtype = options.dtype !== undefined ? checkDtype(options.dtype) : ArrayBuffer.isView(data) ? typedDtype(data as ArrayBufferView) ?? "float32" : inferDtype(data);
  if (options.requiresGrad && options.dtype === undefined && dtype === "int64" && !ArrayBuffer.isView(data) && !containsBigint(data)) dtype = getDefaultDtype();
  const dev = resolveDevice(options.device);
  const shape = inferShape(data);
  const n = numelOf(shape);
  const t = Tensor._empty(shape, dtype, CPU);
  const arr = t._data();
  let k = 0;
  const isBig = dtype === "int64";
  const enc = encoder(dtype);
  const put = (x: unknown, path: string): void => {
    let v: number | bigint;
    if (typeof x === "number") v = x;
    else if (typeof x === "boolean") v = x ? 1 : 0;
    else if (typeof x === "bigint") v = x;
    else throw new TypeError(`tensor(): expected numbers, booleans or bigints, but found ${x === null ? "null" : typeof x} at ${path}`);
    if (isBig) {
      if (typeof v === "number") {
        if (!Number.isFinite(v)) throw new RangeError(`tensor(): cannot convert ${v} to int64 at ${path}`);
        v = BigInt(Math.trunc(v));
      }
      (arr as BigInt64Array)[k++] = v as bigint;
    } else {
      let num = Number(v);
      if (dtype === "bool") num = num !== 0 ? 1 : 0;
      (arr as Float32Array)[k++] = enc(num);
    }
  };
  const rec = (x: unknown, d: number, path: string): void => {
    if (d === shape.length) {
      if (Array.isArray(x) || ArrayBuffer.isView(x)) throw new Error(`tensor(): too many dimensions at ${path}: expected a scalar, found a sequence`);
      put(x, path);
      return;
    }
    if (!Array.isArray(x) && !ArrayBuffer.isView(x))
      throw new Error(`tensor(): expected sequence of length ${shape[d]} at dim ${d} (got ${typeof x}) at ${path}`);
    const arrLike = x as ArrayLike<unknown>;
    if (arrLike.length !== shape[d])
      throw new Error(`expected sequence of length ${shape[d]} at dim ${d} (got ${arrLike.length}) at ${path}`);
    for (let i = 0; i < arrLike.length; i++) rec(arrLike[i], d + 1, `${path}[${i}]`);
  };
  if (shape.length === 1 && ArrayBuffer.isView(data) && typedDtype(data as ArrayBufferView) !== null) {
    const src = data as TypedArray;
    for (let i = 0; i < n; i++) put(src[i], `[${i}]`);
  } else {
    rec(data, 0, "data");
  }
  return finish(onDevice(t, dev), options);
}

function sized(what: string, args: SizeAndOptions, value: number | null): Tensor {
  const [shape, opts] = splitSizeArgs(args, what);
  const dtype = opts.dtype !== undefined ? checkDtype(opts.dtype) : getDefaultDtype();
  const dev = resolveDevice(opts.device);
  const t = value === null ? Tensor._empty(shape, dtype, dev) : filled(shape, value, dtype, dev);
  return finish(t, opts);
}

/** Zeros of the given size. @example torch.zeros(2, 3); torch.zeros([2, 3], { dtype: torch.int64 }) */
export function zeros(...args: SizeAndOptions): Tensor { return sized("zeros", args, 0); }
/** Ones of the given size. @example torch.ones(2, 3) */
export function ones(...args: SizeAndOptions): Tensor { return sized("ones", args, 1); }
/** Uninitialised memory of the given size. @example torch.empty(5, 3) */
export function empty(...args: SizeAndOptions): Tensor { return sized("empty", args, null); }

/**
 * A tensor of the given size filled with value (dtype inferred from value as PyTorch does).
 * @example torch.full([2, 2], 7)
 */
export function full(size: readonly number[], fillValue: number | boolean, options: TensorOptions = {}): Tensor {
  const shape = parseSize([size], "full(): size");
  const dtype = options.dtype !== undefined ? checkDtype(options.dtype)
    : typeof fillValue === "boolean" ? "bool" : Number.isInteger(fillValue) ? "int64" : getDefaultDtype();
  return finish(filled(shape, fillValue, dtype, resolveDevice(options.device)), options);
}

/**
 * Identity matrix (n x m).
 * @example torch.eye(3)
 */
export function eye(n: number, m?: number | TensorOptions, options: TensorOptions = {}): Tensor {
  if (typeof m === "object") { options = m; m = undefined; }
  const cols = m ?? n;
  parseSize([n, cols], "eye(): size");
  const dtype = options.dtype !== undefined ? checkDtype(options.dtype) : getDefaultDtype();
  const t = Tensor._empty([n, cols], dtype, CPU, true);
  const arr = t._data();
  const one = encoder(dtype)(1);
  for (let i = 0; i < Math.min(n, cols); i++) {
    if (dtype === "int64") (arr as BigInt64Array)[i * cols + i] = 1n;
    else (arr as Float32Array)[i * cols + i] = one;
  }
  const dev = resolveDevice(options.device);
  return finish(onDevice(t, dev), options);
}

/**
 * Values from start (inclusive) to end (exclusive) by step; `arange(n)` is 0..n-1.
 * Integer arguments give int64, otherwise float32.
 * @example torch.arange(5); torch.arange(1, 2.5, 0.5)
 */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, options: TensorOptions = {}): Tensor {
  if (typeof end === "object") { options = end; end = undefined; }
  if (typeof step === "object") { options = step; step = undefined; }
  let lo = start, hi = end as number | undefined;
  if (hi === undefined) { hi = lo; lo = 0; }
  const st = (step as number | undefined) ?? 1;
  for (const [k, v] of [["start", lo], ["end", hi], ["step", st]] as const)
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`arange(): ${k} must be a finite number, got ${String(v)}`);
  if (st === 0) throw new Error("step must be nonzero");
  if ((st > 0 && hi < lo) || (st < 0 && hi > lo)) throw new Error("upper bound and larger bound inconsistent with step sign");
  const allInt = Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(st);
  const dtype = options.dtype !== undefined ? checkDtype(options.dtype) : allInt ? "int64" : getDefaultDtype();
  const n = Math.ceil((hi - lo) / st);
  const t = Tensor._empty([n], dtype, CPU);
  const arr = t._data();
  if (dtype === "int64") for (let i = 0; i < n; i++) (arr as BigInt64Array)[i] = BigInt(Math.trunc(lo + i * st));
  else if (dtype === "bool") throw new Error(`"arange_cpu" not implemented for 'Bool'`);
  else {
    const enc = encoder(dtype);
    for (let i = 0; i < n; i++) (arr as Float64Array)[i] = enc(lo + i * st);
  }
  const dev = resolveDevice(options.device);
  return finish(onDevice(t, dev), options);
}

/**
 * `steps` evenly spaced values from start to end inclusive.
 * @example torch.linspace(0, 1, 5)
 */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace(): number of steps must be non-negative, got ${steps}`);
  const dtype = options.dtype !== undefined ? checkDtype(options.dtype) : getDefaultDtype();
  const t = Tensor._empty([steps], dtype, CPU);
  const arr = t._data();
  const stepSize = steps > 1 ? (end - start) / (steps - 1) : 0;
  // PyTorch fills the first half from start and the second half from end, so both ends are exact.
  const half = Math.floor(steps / 2);
  const enc = encoder(dtype);
  for (let i = 0; i < steps; i++) {
    const v = i < half ? start + stepSize * i : end - stepSize * (steps - i - 1);
    if (dtype === "int64") (arr as BigInt64Array)[i] = BigInt(Math.trunc(v));
    else (arr as Float64Array)[i] = enc(v);
  }
  const dev = resolveDevice(options.device);
  return finish(onDevice(t, dev), options);
}

function likeOpts(x: Tensor, o: TensorOptions): TensorOptions {
  return { dtype: o.dtype ?? x.dtype, device: o.device ?? x.device, requiresGrad: o.requiresGrad };
}
/** Zeros shaped like x. @example torch.zerosLike(x) */
export function zerosLike(x: Tensor, options: TensorOptions = {}): Tensor { return zeros(x._shape, likeOpts(x, options)); }
/** Ones shaped like x. @example torch.onesLike(x) */
export function onesLike(x: Tensor, options: TensorOptions = {}): Tensor { return ones(x._shape, likeOpts(x, options)); }
/** Uninitialised, shaped like x. @example torch.emptyLike(x) */
export function emptyLike(x: Tensor, options: TensorOptions = {}): Tensor { return empty(x._shape, likeOpts(x, options)); }
/** Filled with value, shaped like x. @example torch.fullLike(x, 7) */
export function fullLike(x: Tensor, fillValue: number | boolean, options: TensorOptions = {}): Tensor {
  return full(x._shape, fillValue, likeOpts(x, options));
}

/**
 * A tensor that SHARES memory with a typed array (PyTorch's `torch.from_numpy`):
 * writing to one changes the other. Float32Array, Float64Array, Int32Array,
 * BigInt64Array and Uint8Array are shared; other typed arrays are refused.
 * @example const a = new Float32Array([1, 2, 3]); const t = torch.fromTypedArray(a); a[0] = 9; // t[0] is 9
 */
export function fromTypedArray(array: TypedArray, shape?: readonly number[]): Tensor {
  if (!ArrayBuffer.isView(array)) throw new TypeError("fromTypedArray(): expected a typed array");
  const dtype = typedDtype(array);
  if (dtype === null)
    throw new TypeError(`fromTypedArray(): ${Object.prototype.toString.call(array).slice(8, -1)} is not supported; use Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array (or torch.tensor() to copy)`);
  if (Object.prototype.toString.call(array.buffer) !== "[object ArrayBuffer]")
    throw new TypeError("fromTypedArray(): a SharedArrayBuffer cannot be shared; copy it with torch.tensor()");
  const dims = shape === undefined ? [array.length] : parseSize([shape], "fromTypedArray(): shape");
  if (numelOf(dims) !== array.length)
    throw new Error(`fromTypedArray(): shape [${dims.join(", ")}] is invalid for an array of ${array.length} elements`);
  const storage = new Storage(array.buffer as ArrayBuffer, array.byteOffset, array.byteLength, CPU, false);
  return new Tensor(storage, dims, contiguousStrides(dims), 0, dtype);
}

/** The chapter's spelling of {@link fromTypedArray} (`torch.from_numpy`). @example torch.fromNumpy(new Float64Array(5)) */
export const fromNumpy = fromTypedArray;

/**
 * A 1-D tensor over raw bytes, shared with the buffer (`torch.frombuffer`).
 * @example torch.frombuffer(buf, { dtype: torch.int32, offset: 4, count: 2 })
 */
export function frombuffer(buffer: ArrayBuffer, options: { dtype: DType; count?: number; offset?: number }): Tensor {
  if (Object.prototype.toString.call(buffer) !== "[object ArrayBuffer]") throw new TypeError("frombuffer(): expected an ArrayBuffer");
  const dtype = checkDtype(options.dtype);
  const offset = options.offset ?? 0;
  const size = ITEMSIZE[dtype];
  if (offset < 0 || offset > buffer.byteLength) throw new RangeError(`frombuffer(): offset ${offset} is outside a buffer of ${buffer.byteLength} bytes`);
  if (offset % size !== 0) throw new RangeError(`frombuffer(): offset ${offset} is not a multiple of the ${dtype} element size ${size}`);
  const avail = Math.floor((buffer.byteLength - offset) / size);
  const count = options.count ?? -1;
  const n = count < 0 ? avail : count;
  if (n > avail) throw new RangeError(`frombuffer(): requested ${n} elements but only ${avail} fit after offset ${offset}`);
  if (count < 0 && (buffer.byteLength - offset) % size !== 0)
    throw new Error(`buffer length (${buffer.byteLength - offset} bytes after offset) must be a multiple of element size (${size})`);
  return new Tensor(new Storage(buffer, offset, n * size, CPU, false), [n], [1], 0, dtype);
}

declare module "../tensor" {
  interface Tensor {
    /**
     * The elements as a typed array. Zero-copy (shared memory) for a contiguous
     * CPU tensor; a copy otherwise. bool gives a Uint8Array of 0/1, int64 a BigInt64Array,
     * float16 / bfloat16 a Float32Array copy of their values (Node 20 has no 16-bit float array).
     * @example const a = torch.ones(3).toTypedArray(); a[0] = 5; // the tensor changes too
     */
    toTypedArray(): TypedArray;
    /** The chapter's `.numpy()`: same as toTypedArray. @example const a = x.numpy(); */
    numpy(): TypedArray;
    /** Fills this tensor with value in place. @example x.fill_(0) */
    fill_(value: number | boolean): this;
    /** Zeros this tensor in place. @example x.zero_() */
    zero_(): this;
    /** A new tensor with this one's dtype and device. @example x.newZeros([2, 2]) */
    newZeros(size: readonly number[], options?: TensorOptions): Tensor;
    /** @example x.newOnes([2, 2]) */
    newOnes(size: readonly number[], options?: TensorOptions): Tensor;
    /** @example x.newFull([2, 2], 3) */
    newFull(size: readonly number[], value: number, options?: TensorOptions): Tensor;
    /** @example x.newTensor([1, 2]) */
    newTensor(data: TensorData, options?: TensorOptions): Tensor;
  }
}

const P = Tensor.prototype;
P.toTypedArray = function (this: Tensor): TypedArray {
  if (this.device.type !== "cpu") return this.cpu().toTypedArray();
  const t = this.isContiguous() ? this : this.clone();
  if (t.dtype === "float16" || t.dtype === "bfloat16") {
    const bits = t._data() as Uint16Array;
    const decode = t.dtype === "float16" ? fromHalfBits : fromBfloat16Bits;
    return Float32Array.from(bits, decode);
  }
  const C = TYPED_ARRAY[t.dtype];
  t._live();
  return new C(t._storage.hostBuffer, t._storage.byteOffset + t._offset * ITEMSIZE[t.dtype], t.numel());
};
P.numpy = P.toTypedArray;
P.fill_ = function (this: Tensor, v: number | boolean) { return this.copy_(v); };
P.zero_ = function (this: Tensor) { return this.copy_(0); };
P.newZeros = function (this: Tensor, s: readonly number[], o: TensorOptions = {}) { return zeros(s, likeOpts(this, o)); };
P.newOnes = function (this: Tensor, s: readonly number[], o: TensorOptions = {}) { return ones(s, likeOpts(this, o)); };
P.newFull = function (this: Tensor, s: readonly number[], v: number, o: TensorOptions = {}) { return full(s, v, likeOpts(this, o)); };
P.newTensor = function (this: Tensor, d: TensorData, o: TensorOptions = {}) { return tensor(d, likeOpts(this, o)); };
