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
import { Buffer } from "buffer";
import { addon } from "./addon";
import { CPU, Device } from "./device";

/** Blocks at or above this many bytes come from the native allocator. */
export const NATIVE_ALLOC_THRESHOLD = 16384;

// Note [Slabs]: storages under NATIVE_ALLOC_THRESHOLD bytes are carved out of
// shared 64 KiB ArrayBuffers by bumping an offset. A fresh `new ArrayBuffer`
// costs V8 a calloc, page faults and a tracked extension: about 0.4 us per
// 4 KiB, most of a small op. Slabs come from Buffer.allocUnsafeSlow (malloc
// without zero-fill) and are zeroed per storage only when zeros are asked for.
// 64 KiB stays under glibc's mmap threshold, so malloc recycles the memory of
// collected slabs instead of mapping (and page-faulting) fresh pages: perf
// showed 15% of a small matmul in page faults with 256 KiB slabs. A slab is
// never reused by us: it is collected when the last tensor carved from it is,
// so a long-lived small tensor keeps at most one slab (64 KiB) alive.
const SLAB_SIZE = 65536;
const SLAB_ALIGN = 64;
let slab: ArrayBuffer | null = null;
let slabUsed = SLAB_SIZE;

function slabTake(nbytes: number): [ArrayBuffer, number] {
  const n = nbytes === 0 ? SLAB_ALIGN : (nbytes + SLAB_ALIGN - 1) & ~(SLAB_ALIGN - 1);
  if (slab === null || slabUsed + n > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE).buffer as ArrayBuffer;
    slabUsed = 0;
  }
  const off = slabUsed;
  slabUsed += n;
  return [slab, off];
}

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
    const [buf, off] = slabTake(nbytes);
    if (zero) new Uint8Array(buf, off, nbytes).fill(0);  // slab memory is not zeroed
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
