/**
 * The Tensor class: a strided view (shape, strides, offset) of a Storage.
 * Methods for ops are added by the files in runtime/ops/ (each op documents
 * itself there); this file holds layout, info, conversion and lifetime.
 */
import { DType, ITEMSIZE, TYPED_ARRAY, TypedArray, isFloatingPoint } from "./dtype";
import { Device } from "./device";
import { fromBfloat16Bits, fromHalfBits } from "./float16";
import { formatTensor } from "./format";
import { Disposable, track } from "./memory";
import { contiguousStrides, isContiguousLayout, numelOf, wrapDim } from "./shape";
import { Storage, StorageData } from "./storage";
import type { Node } from "./autograd/node";
import { swapGradMode } from "./autograd/grad_mode";

let warnedNonLeafGrad = false;

/** A nested array of numbers or booleans, as `tolist()` returns. */
export type NestedArray = number | boolean | NestedArray[];

/** Shared by a tensor and its views; bumped by in-place writes (autograd's version counter). */
export interface VersionCounter {
  value: number;
}

/**
 * A multi-dimensional array with PyTorch's semantics.
 * @example
 * const x = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 });
 * x.shape; // [2, 2]
 */
export class Tensor implements Disposable {
  /** @internal */ _storage: Storage;
  /** @internal */ _shape: number[];
  /** @internal */ _strides: number[];
  /** @internal */ _offset: number;
  /** @internal offset of element 0 in elements from the start of the ArrayBuffer */
  readonly _elemOffset: number;
  private _versionCounter: VersionCounter | null;
  /** @internal the tensor this one is a view of */ _base: Tensor | null;
  /** @internal */ _requiresGrad = false;
  private _disposed = false;
  /** The element type. */
  readonly dtype: DType;
  private _grad: Tensor | null = null;
  /** @internal the node that made this tensor (null for leaves) */ _gradFn: Node | null = null;
  /** @internal which output of _gradFn this is */ _outputNr = 0;
  /** @internal a leaf's AccumulateGrad node, made on first use */ _accNode: Node | null = null;
  /** @internal set by retainGrad() */ _retainsGrad = false;

  /** @internal use the creation functions (torch.tensor, torch.zeros, ...) */
  constructor(storage: Storage, shape: number[], strides: number[], offset: number, dtype: DType, base: Tensor | null = null) {
    this._storage = storage;
    this._shape = shape;
    this._strides = strides;
    this._offset = offset;
    this.dtype = dtype;
    this._base = base;
    this._elemOffset = storage.byteOffset / ITEMSIZE[dtype] + offset;
    this._versionCounter = base !== null ? base._version : null;
    storage.refs++;
    track(this);
  }

  /** @internal a fresh contiguous tensor */
  static _empty(shape: number[], dtype: DType, device: Device, zero = false): Tensor {
    const n = numelOf(shape);
    const storage = Storage.allocate(n * ITEMSIZE[dtype], zero, device);
    return new Tensor(storage, shape, contiguousStrides(shape), 0, dtype);
  }

  /** @internal a view sharing this tensor's storage */
  _view(shape: number[], strides: number[], offset: number): Tensor {
    this._live();
    return new Tensor(this._storage, shape, strides, offset, this.dtype, this._base ?? this);
  }

  /**
   * @internal throws if disposed; returns the storage's buffer to hand to a
   * backend: host bytes on the CPU, the CudaBlock token on a GPU (never host
   * memory). Host reads go through _typed/_data, which check the device, or _host().
   */
  _live(): StorageData {
    return this._buffer();
  }

  /** @internal throws if disposed; the storage's host bytes or CUDA block */
  _buffer(): StorageData {
    if (this._disposed) throw new Error("Tensor is disposed: it was freed by dispose() or tidy(); keep it with torch.keep() or clone() it first");
    return this._storage.buffer;
  }

  /** @internal shared with views; created on first use (most tensors never need one) */
  get _version(): VersionCounter {
    return (this._versionCounter ??= { value: 0 });
  }

  /**
   * @internal a typed array over the whole ArrayBuffer (index with _elemOffset + strides).
   * CPU tensors only: host code reads a CUDA tensor through `_host()`.
   */
  _typed(): TypedArray {
    this._live();
    const buf = this._storage.hostBuffer;
    const C = TYPED_ARRAY[this.dtype];
    return new C(buf, 0, Math.floor(buf.byteLength / C.BYTES_PER_ELEMENT));
  }

  /** @internal a typed array over exactly the elements of a contiguous CPU tensor */
  _data(): TypedArray {
    this._live();
    const buf = this._storage.hostBuffer;
    const C = TYPED_ARRAY[this.dtype];
    return new C(buf, this._storage.byteOffset + this._offset * C.BYTES_PER_ELEMENT, this.numel());
  }

  /** The size of each dimension (PyTorch's `torch.Size`). */
  get shape(): readonly number[] {
    return this._shape;
  }

  /** Number of dimensions (same as `dim()`). */
  get ndim(): number {
    return this._shape.length;
  }

  /** The device the tensor lives on. */
  get device(): Device {
    return this._storage.device;
  }

  /** True on a CUDA device. */
  get isCuda(): boolean {
    return this._storage.device.type === "cuda";
  }

  /**
   * The GPU index of a CUDA tensor, -1 on the CPU (PyTorch's `get_device`).
   * @example torch.zeros(1).getDevice() // -1
   */
  getDevice(): number {
    const d = this._storage.device;
    return d.type === "cuda" ? d.index ?? 0 : -1;
  }

  /**
   * @internal this tensor if it is on the CPU, else a CPU copy without history
   * (for code that reads elements on the host: item, tolist, printing)
   */
  _host(): Tensor {
    if (this._storage.device.type === "cpu") return this;
    this._live();
    const prev = swapGradMode(false);
    try {
      return this.to("cpu");
    } finally {
      swapGradMode(prev);
    }
  }

  /**
   * Whether autograd records operations on this tensor. Only floating tensors may require grad;
   * only leaves may change it.
   * @example const w = torch.zeros(3); w.requiresGrad = true;
   */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    if (typeof v !== "boolean") throw new TypeError(`requiresGrad must be a boolean, got ${typeof v}`);
    if (v && !isFloatingPoint(this.dtype))
      throw new Error("only Tensors of floating point dtype can require gradients");
    if (this._gradFn !== null && !v)
      throw new Error("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
    this._requiresGrad = v;
  }

  /**
   * The gradient accumulated by `backward()` into a leaf (or a tensor that
   * called `retainGrad()`); null until the first backward. Assign null to
   * reset it; an assigned tensor must match this one's shape, dtype and device.
   * @example loss.backward(); w.grad; w.grad = null;
   */
  get grad(): Tensor | null {
    if (this._gradFn !== null && !this._retainsGrad && !warnedNonLeafGrad) {
      warnedNonLeafGrad = true;
      process.emitWarning(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during " +
        "backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retainGrad() on the non-leaf Tensor. " +
        "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead.", "UserWarning");
    }
    return this._grad;
  }
  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!(g instanceof Tensor)) throw new TypeError(`assigned grad expected to be a Tensor or null but got grad of type ${typeof g}`);
      if (g.dtype !== this.dtype) throw new TypeError(`assigned grad has data of a different type (${g.dtype}, expected ${this.dtype})`);
      if (!g.device.equals(this.device)) throw new Error(`assigned grad has data located on a different device (${g.device}, expected ${this.device})`);
      const a = g._shape, b = this._shape;
      if (a.length !== b.length || a.some((v, i) => v !== b[i]))
        throw new Error(`assigned grad has data of a different size ([${a.join(", ")}], expected [${b.join(", ")}])`);
    }
    this._grad = g;
  }

  /** @internal set by autograd on recorded outputs */
  __setRequiresGradInternal(v: boolean): void {
    this._requiresGrad = v;
  }

  /**
   * True for tensors made by the user (not by a recorded op); only leaves get `.grad`.
   * @example torch.ones(2, { requiresGrad: true }).isLeaf // true
   */
  get isLeaf(): boolean {
    return this._gradFn === null;
  }

  /**
   * The node that made this tensor, or null for a leaf (PyTorch's `grad_fn`).
   * @example torch.ones(2, { requiresGrad: true }).mul(2).gradFn!.name() // "MulBackward0"
   */
  get gradFn(): Node | null {
    return this._gradFn;
  }

  /**
   * The chapter's (legacy) name of `gradFn`.
   * @example y.creator === y.gradFn // true
   */
  get creator(): Node | null {
    return this._gradFn;
  }

  /**
   * Keeps `.grad` for this non-leaf tensor after backward.
   * @example const y = x.mul(2); y.retainGrad(); y.sum().backward(); y.grad
   */
  retainGrad(): void {
    if (!this._requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
    if (this._gradFn === null) return;
    this._retainsGrad = true;
    const fn = this._gradFn;
    const r = (fn._retained ??= []);
    r[this._outputNr] = this;
  }

  /** True after retainGrad() on a non-leaf. @example y.retainsGrad */
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /** @internal a graph node saved this tensor: its storage outlives dispose() */
  __savedHold(): void {
    this._storage.refs++;
  }

  /** @internal the node released it */
  __savedRelease(): void {
    const s = this._storage;
    if (--s.refs <= 0) s.free();
  }

  /** @internal a live alias of a disposed tensor still held by the graph */
  __savedAlias(): Tensor {
    const t = new Tensor(this._storage, this._shape, this._strides, this._offset, this.dtype);
    t._requiresGrad = this._requiresGrad;
    t._gradFn = this._gradFn;
    t._outputNr = this._outputNr;
    t._versionCounter = this._versionCounter;
    return t;
  }

  /**
   * The same data without autograd history (PyTorch's `.data`): shares storage
   * but not the version counter, so writes through it are invisible to
   * autograd's in-place checks. Assigning replaces this tensor's data.
   * @example for (const p of model.parameters()) p.data.add_(p.grad!.data.mul(-0.1));
   */
  get data(): Tensor {
    this._live();
    return new Tensor(this._storage, this._shape, this._strides, this._offset, this.dtype);
  }
  set data(v: Tensor) {
    if (!(v instanceof Tensor)) throw new TypeError("data must be set to a Tensor");
    if (v.dtype !== this.dtype && this._requiresGrad && !isFloatingPoint(v.dtype))
      throw new Error(`data set to a tensor of dtype ${v.dtype} for a tensor that requires grad`);
    v._live();
    v._storage.refs++;
    const old = this._storage;
    if (!this._disposed && --old.refs <= 0) old.free();
    this._storage = v._storage;
    this._shape = v._shape.slice();
    this._strides = v._strides.slice();
    this._offset = v._offset;
    (this as { dtype: DType }).dtype = v.dtype;
    (this as { _elemOffset: number })._elemOffset = v._elemOffset;
    this._disposed = false;
  }

  /**
   * Sets requiresGrad in place and returns this tensor.
   * @example const w = torch.randn(3).requiresGrad_();
   */
  requiresGrad_(v = true): this {
    this.requiresGrad = v;
    return this;
  }

  /**
   * The shape, or the size of one dimension.
   * @example torch.zeros(2, 3).size(1) // 3
   */
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): readonly number[] | number {
    if (dim === undefined) return this._shape;
    return this._shape[wrapDim(dim, this._shape.length)] ?? 1;
  }

  /**
   * Number of dimensions.
   * @example torch.zeros(2, 3).dim() // 2
   */
  dim(): number {
    return this._shape.length;
  }

  /**
   * Number of elements.
   * @example torch.zeros(2, 3).numel() // 6
   */
  numel(): number {
    return numelOf(this._shape);
  }

  /**
   * Strides in elements, or the stride of one dimension.
   * @example torch.zeros(2, 3).stride() // [3, 1]
   */
  stride(): readonly number[];
  stride(dim: number): number;
  stride(dim?: number): readonly number[] | number {
    if (dim === undefined) return this._strides;
    return this._strides[wrapDim(dim, this._shape.length)] ?? 1;
  }

  /**
   * Offset of the first element in the storage, in elements.
   * @example torch.arange(6).narrow(0, 2, 3).storageOffset() // 2
   */
  storageOffset(): number {
    return this._offset;
  }

  /**
   * Size in bytes of one element.
   * @example torch.zeros(1, { dtype: torch.float64 }).elementSize() // 8
   */
  elementSize(): number {
    return ITEMSIZE[this.dtype];
  }

  /**
   * True when elements are laid out row-major without gaps.
   * @example torch.zeros(2, 3).t().isContiguous() // false
   */
  isContiguous(): boolean {
    return isContiguousLayout(this._shape, this._strides);
  }

  /** @internal reads one element by flat storage index (float16 / bfloat16 decoded from their bits) */
  _read(arr: TypedArray, i: number): number | boolean {
    const v = arr[i];
    switch (this.dtype) {
      case "bool": return v !== 0;
      case "float16": return fromHalfBits(v as number);
      case "bfloat16": return fromBfloat16Bits(v as number);
      default: return typeof v === "bigint" ? Number(v) : (v as number);
    }
  }

  /**
   * The value of a one-element tensor as a JavaScript number (boolean for bool).
   * @example torch.tensor([[3.5]]).item() // 3.5
   */
  item(): number | boolean {
    const n = this.numel();
    if (n !== 1) throw new Error(`a Tensor with ${n} elements cannot be converted to Scalar`);
    if (this._storage.device.type !== "cpu") return this._hostOnce((h) => h.item());
    return this._read(this._typed(), this._elemOffset);
  }

  /**
   * The data as nested JavaScript arrays (a number for 0-dim tensors).
   * @example torch.eye(2).tolist() // [[1, 0], [0, 1]]
   */
  tolist(): NestedArray {
    if (this._storage.device.type !== "cpu") return this._hostOnce((h) => h.tolist());
    const arr = this._typed();
    const rec = (d: number, off: number): NestedArray => {
      if (d === this._shape.length) return this._read(arr, off);
      const out: NestedArray[] = new Array(this._shape[d]);
      for (let i = 0; i < this._shape[d]; i++) out[i] = rec(d + 1, off + i * this._strides[d]);
      return out;
    };
    return rec(0, this._elemOffset);
  }

  /** @internal the elements in row-major order as a fresh JS array */
  _flatValues(): Array<number | bigint | boolean> {
    if (this._storage.device.type !== "cpu") return this._hostOnce((h) => h._flatValues());
    const arr = this._typed();
    const out: Array<number | bigint | boolean> = new Array(this.numel());
    let k = 0;
    const isBool = this.dtype === "bool";
    const decode = this.dtype === "float16" ? fromHalfBits : this.dtype === "bfloat16" ? fromBfloat16Bits : null;
    const rec = (d: number, off: number): void => {
      if (d === this._shape.length) {
        const v = arr[off];
        out[k++] = isBool ? v !== 0 : decode !== null ? decode(v as number) : v;
        return;
      }
      for (let i = 0; i < this._shape[d]; i++) rec(d + 1, off + i * this._strides[d]);
    };
    rec(0, this._elemOffset);
    return out;
  }

  // A host copy used for one read and freed at once (not left to the collector).
  private _hostOnce<T>(read: (host: Tensor) => T): T {
    const h = this._host();
    try {
      return read(h);
    } finally {
      h.dispose();
    }
  }

  /** True once dispose() freed this tensor. */
  get isDisposed(): boolean {
    return this._disposed || this._storage.disposed;
  }

  /**
   * Frees this tensor now. Its storage is freed when no other live tensor
   * (a view or base) uses it. Idempotent; a disposed tensor throws when used.
   * @example const t = torch.randn(1000, 1000); t.dispose();
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    const s = this._storage;
    if (--s.refs <= 0) s.free();
  }

  /** `using t = torch.randn(3)` disposes t at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * PyTorch's repr: `tensor([[ 0.1234, -1.0000]])`.
   * @example console.log(torch.ones(2).toString()) // tensor([1., 1.])
   */
  toString(): string {
    if (this.isDisposed) return "tensor(<disposed>)";
    return formatTensor({
      shape: this._shape,
      dtype: this.dtype,
      values: this._flatValues(),
      device: this.device.type === "cpu" ? undefined : this.device.toString(),
      requiresGrad: this._requiresGrad && this.gradFn === null,
      gradFn: this.gradFn?.name(),
    });
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Rich output for Jupyter front ends (the display protocol of ARCHITECTURE.md). */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}

/** @internal */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
