/**
 * Device memory for CUDA storages.
 *
 * Note [CUDA out of memory]: blocks come from the addon's caching allocator
 * (stream-ordered reuse, no cudaMalloc on hot paths). A block returns to the
 * cache when its storage is disposed or when the garbage collector finds its
 * token dead (the token's finalizer runs inside V8's collection). V8 does not
 * feel GPU memory, though, so a program that drops tensors without disposing
 * them can fill the GPU with blocks that are dead but not yet collected.
 * Hence the retry: the addon empties its cache and reports CUDA_OOM; we run a
 * full collection (which returns every dead block to the cache) and ask once
 * more; a second failure is a real out-of-memory and propagates with the
 * addon's message (the request and the memory in use).
 * @internal
 */
import * as v8 from "v8";
import * as vm from "vm";
import type { CudaBlock } from "../native";
import { cudaNative } from "./driver";

let gcFn: (() => void) | null = null;

/** A full, synchronous garbage collection (global.gc when exposed, else obtained once). */
export function fullGC(): void {
  if (gcFn === null) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === "function") {
      gcFn = exposed;
    } else {
      // The flag applies to contexts made after it is set: a fresh one hands us gc.
      v8.setFlagsFromString("--expose-gc");
      gcFn = vm.runInNewContext("gc") as () => void;
    }
  }
  gcFn();
}

function isOom(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "CUDA_OOM";
}

/** `nbytes` of device memory on GPU `device`, retried once after a collection (Note [CUDA out of memory]). */
let hooked = false;

export function allocBlock(device: number, nbytes: number): CudaBlock {
  const n = cudaNative();
  if (!hooked) {
    // The addon then collects before emptying its cache, for ops' scratch memory too (which no retry here reaches).
    hooked = true;
    n.cudaSetGcHook?.(fullGC);
  }
  // An empty tensor still gets a (smallest) block, so every storage owns a token.
  const size = Math.max(nbytes, 1);
  try {
    return n.cudaAlloc(device, size);
  } catch (e) {
    if (!isOom(e)) throw e;
  }
  fullGC();
  return n.cudaAlloc(device, size);
}

/** Returns a block to the cache now (idempotent in the addon). */
export function freeBlock(block: CudaBlock): void {
  cudaNative().cudaFree(block);
}
