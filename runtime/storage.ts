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
import { CPU, Device } from "./device";
import type { CudaBlock } from "./native";
import { allocBlock, freeBlock } from "./cuda/allocator";
import { concreteDevice, cudaNative } from "./cuda/driver";

/**
 * What a storage holds: host bytes, or a CUDA block token (an opaque handle,
 * never readable as memory: see Note [Opaque CUDA tokens] in native.ts).
 */
export type StorageData = ArrayBuffer | CudaBlock;

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

// Note [Large storages]: blocks of NATIVE_ALLOC_THRESHOLD bytes and more are
// ArrayBuffers that V8 owns (Buffer.allocUnsafeSlow: malloc, no zero-fill), so
// the garbage collector frees them as soon as it finds them dead, even in the
// middle of a synchronous loop. (External buffers from the addon were freed by
// Node-API finalizers, which Node runs only between event-loop turns: a
// synchronous training loop grew by every intermediate until it yielded.)
// dispose() detaches the buffer (structuredClone with transfer: typed-array
// views of it become empty) and keeps the memory, under a new ArrayBuffer
// object, in a cache by size class for the next allocation, so explicit
// freeing still reuses pages without faulting them in again.
const POOL_LIMIT = 256 * 1048576;
const pool = new Map<number, ArrayBuffer[]>();
let poolBytes = 0;
const stats = { allocated: 0, peakAllocated: 0, liveBlocks: 0, cacheHits: 0, systemAllocs: 0 };
// Blocks the garbage collector frees are counted when their storage is collected.
// (A ticket rather than an unregister token: registering with a token costs
// V8 about three times as much, and dispose() only has to mark the ticket.)
interface Ticket {
  bytes: number;
  live: boolean;
}
const collected = new FinalizationRegistry<Ticket>((t) => {
  if (!t.live) return;
  t.live = false;
  stats.allocated -= t.bytes;
  stats.liveBlocks--;
});

// Size classes 1/8 of a power of two apart (at least 4 KiB), so a freed block
// serves later requests of nearly the same size.
function sizeClass(n: number): number {
  const g = Math.max(4096, 2 ** (Math.floor(Math.log2(n)) - 3));
  return Math.ceil(n / g) * g;
}

function takeLarge(nbytes: number, zero: boolean): ArrayBuffer {
  const cls = sizeClass(nbytes);
  const list = pool.get(cls);
  let buf = list !== undefined ? list.pop() : undefined;
  if (buf !== undefined) {
    poolBytes -= cls;
    stats.cacheHits++;
    if (zero) new Uint8Array(buf, 0, nbytes).fill(0);
  } else {
    try {
      buf = zero ? new ArrayBuffer(cls) : (Buffer.allocUnsafeSlow(cls).buffer as ArrayBuffer);
    } catch {
      throw new Error(`out of memory: tried to allocate ${nbytes} bytes on the CPU`);
    }
    stats.systemAllocs++;
  }
  stats.allocated += cls;
  stats.liveBlocks++;
  if (stats.allocated > stats.peakAllocated) stats.peakAllocated = stats.allocated;
  return buf;
}

/** @internal statistics of the large-block cache (torch.memoryStats) */
export function largeBlockStats(): { allocated: number; peakAllocated: number; liveBlocks: number; cached: number; cacheHits: number; systemAllocs: number } {
  return { ...stats, cached: poolBytes };
}

/** @internal returns cached blocks to the system (torch.emptyCache) */
export function emptyLargeBlockCache(): void {
  pool.clear();
  poolBytes = 0;
}

/**
 * @internal
 * A CUDA storage holds a block token with byteOffset 0 on a concrete device
 * (cuda:i); its memory goes back to the device's cache at free() or when the
 * token is collected.
 */
export class Storage {
  /** Tensors holding this storage and not yet disposed. */
  refs = 0;
  private buf: StorageData | null;
  private readonly ticket: Ticket | null = null;

  constructor(
    buffer: StorageData,
    /** byte offset of element 0 inside buffer (non-zero for typed arrays made elsewhere) */
    readonly byteOffset: number,
    readonly nbytes: number,
    readonly device: Device,
    /** true when the block came from takeLarge (free() returns it to the cache) */
    private readonly pooled: boolean,
  ) {
    this.buf = buffer;
    if (pooled) {
      this.ticket = { bytes: (buffer as ArrayBuffer).byteLength, live: true };
      collected.register(this, this.ticket);
    }
  }

  static allocate(nbytes: number, zero: boolean, device: Device = CPU): Storage {
    if (device.type !== "cpu") return allocateCuda(nbytes, zero, device);
    if (!(nbytes >= 0) || nbytes > Number.MAX_SAFE_INTEGER) throw new Error(`out of memory: tried to allocate ${nbytes} bytes on the CPU`);
    if (nbytes >= NATIVE_ALLOC_THRESHOLD) return new Storage(takeLarge(nbytes, zero), 0, nbytes, device, true);
    const [buf, off] = slabTake(nbytes);
    if (zero) new Uint8Array(buf, off, nbytes).fill(0);  // slab memory is not zeroed
    return new Storage(buf, off, nbytes, device, false);
  }

  get disposed(): boolean {
    return this.buf === null;
  }

  /** The ArrayBuffer or the CUDA block; throws once disposed. */
  get buffer(): StorageData {
    const b = this.buf;
    if (b === null) throw new Error("Tensor is disposed: its storage was freed by dispose() or tidy(); keep it with torch.keep() or clone() it first");
    return b;
  }

  /** The host bytes; throws for a CUDA storage (host code must move the tensor with .cpu() first). */
  get hostBuffer(): ArrayBuffer {
    const b = this.buffer;
    if (this.device.type !== "cpu")
      throw new Error(`internal: host memory of a tensor on ${this.device} was requested; the caller must copy it to the CPU (.cpu()) first`);
    return b as ArrayBuffer;
  }

  /** The CUDA block; throws for a CPU storage. */
  get cudaBlock(): CudaBlock {
    const b = this.buffer;
    if (this.device.type !== "cuda") throw new Error(`internal: a CUDA block was requested from a tensor on ${this.device}`);
    return b as CudaBlock;
  }

  /** Frees the memory now (idempotent). Typed-array views of it become empty. */
  free(): void {
    const b = this.buf;
    if (b === null) return;
    this.buf = null;
    if (this.device.type !== "cpu") {
      freeBlock(b as CudaBlock);
      return;
    }
    const t = this.ticket;
    if (!this.pooled || t === null) return;
    const host = b as ArrayBuffer;
    const cls = host.byteLength;
    if (t.live) {
      t.live = false;
      stats.allocated -= cls;
      stats.liveBlocks--;
    }
    // Detach b (views of it become empty) and keep its memory under a new buffer.
    const moved = structuredClone(host, { transfer: [host] });
    if (poolBytes + cls > POOL_LIMIT) return;
    const list = pool.get(cls);
    if (list === undefined) pool.set(cls, [moved]);
    else list.push(moved);
    poolBytes += cls;
  }
}

// "cuda" resolves to the current GPU here, so every CUDA storage (and hence
// every tensor) names a concrete device.
function allocateCuda(nbytes: number, zero: boolean, device: Device): Storage {
  const dev = concreteDevice(device);
  if (!(nbytes >= 0) || nbytes > Number.MAX_SAFE_INTEGER) throw new Error(`out of memory: tried to allocate ${nbytes} bytes on ${dev}`);
  const block = allocBlock(dev.index!, nbytes);
  if (zero && nbytes > 0) cudaNative().cudaMemset0(block, 0, nbytes);
  return new Storage(block, 0, nbytes, dev, false);
}
