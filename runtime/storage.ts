/**
 * Storage: the memory behind one or more tensors (a base and its views).
 *
 * Note [Small and large storages]: a small block is a plain JavaScript
 * ArrayBuffer (V8 allocates it in well under a microsecond and the garbage
 * collector frees it); a large one comes from the native caching allocator as
 * an external ArrayBuffer, so a hot loop that makes fresh results reuses pages
 * instead of faulting in new ones. Either way JavaScript sees an ArrayBuffer,
 * so zero-copy typed-array views work the same.
 */
import { addon } from "./addon";
import { CPU, Device } from "./device";

/** Blocks at or above this many bytes come from the native allocator. */
export const NATIVE_ALLOC_THRESHOLD = 16384;

// Note [Slabs]: storages under NATIVE_ALLOC_THRESHOLD bytes are carved out of
// shared ArrayBuffers by bumping an offset. Making an ArrayBuffer costs V8 a calloc
// and a tracked extension (a quarter of a small op's time, plus GC sweeping);
// a slab pays that once per few hundred tensors. A slab is never reused: it is
// collected when the last tensor carved from it is.
// Two tiers, so a long-lived tensor pins at most 64 KiB (under 2 KiB) or
// 256 KiB (2 to 16 KiB).
const SLAB_ALIGN = 64;

class Slab {
  private buf: ArrayBuffer | null = null;
  private used: number;
  constructor(private readonly size: number) {
    this.used = size;
  }
  take(nbytes: number): [ArrayBuffer, number] {
    const n = nbytes === 0 ? SLAB_ALIGN : (nbytes + SLAB_ALIGN - 1) & ~(SLAB_ALIGN - 1);
    if (this.buf === null || this.used + n > this.size) {
      this.buf = new ArrayBuffer(this.size);
      this.used = 0;
    }
    const off = this.used;
    this.used += n;
    return [this.buf, off];
  }
}

const TINY_MAX = 2048;
const tiny = new Slab(65536);
const small = new Slab(262144);

/** @internal */
export class Storage {
  /** Tensors holding this storage and not yet disposed. */
  refs = 0;
  private buf: ArrayBuffer | null;

  constructor(
    buffer: ArrayBuffer,
    /** byte offset of element 0 inside buffer (non-zero for typed arrays made elsewhere) */
    readonly byteOffset: number,
    readonly nbytes: number,
    readonly device: Device,
    /** true when the native allocator owns the block (free() may return it) */
    private readonly nativeOwned: boolean,
  ) {
    this.buf = buffer;
  }

  static allocate(nbytes: number, zero: boolean, device: Device = CPU): Storage {
    if (device.type !== "cpu") throw new Error(`internal: cannot allocate CPU storage for ${device}`);
    if (nbytes >= NATIVE_ALLOC_THRESHOLD) return new Storage(addon.alloc(nbytes, zero), 0, nbytes, device, true);
    const [buf, off] = (nbytes < TINY_MAX ? tiny : small).take(nbytes);  // fresh slab memory is zero
    return new Storage(buf, off, nbytes, device, false);
  }

  get disposed(): boolean {
    return this.buf === null;
  }

  /** The ArrayBuffer; throws once disposed. */
  get buffer(): ArrayBuffer {
    const b = this.buf;
    if (b === null) throw new Error("Tensor is disposed: its storage was freed by dispose() or tidy(); keep it with torch.keep() or clone() it first");
    return b;
  }

  /** Frees the memory now (idempotent). Typed-array views of it become empty. */
  free(): void {
    const b = this.buf;
    if (b === null) return;
    this.buf = null;
    if (this.nativeOwned) addon.free(b);
  }
}
