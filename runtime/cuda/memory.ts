/**
 * Memory statistics of the CUDA caching allocator (torch.cuda.memoryAllocated, ...).
 *
 * As in PyTorch, the queries answer 0 (and emptyCache does nothing) where CUDA
 * cannot be used: nothing was ever allocated there.
 */
import type { CudaMemoryStats } from "../native";
import { DeviceLike } from "../device";
import { cudaNative, deviceCount, indexOf } from "./driver";

const NONE: CudaMemoryStats = {
  allocated: 0, peakAllocated: 0, reserved: 0, activeBlocks: 0, cachedBlocks: 0, numAllocRetries: 0, numOoms: 0,
};

/**
 * The allocator's counters for `device` (default: the current GPU), in bytes and blocks:
 * `allocated` by live tensors, `peakAllocated` since the last reset, `reserved`
 * (allocated plus cached), live and cached block counts, retries after a
 * collection and out-of-memory errors.
 * @example torch.cuda.memoryStats().allocated
 */
export function memoryStats(device?: number | DeviceLike | null): CudaMemoryStats {
  if (deviceCount() === 0) return { ...NONE };
  return cudaNative().cudaMemoryStats(indexOf(device, "memoryStats()"));
}

/** Bytes held by live tensors on `device`. @example torch.cuda.memoryAllocated() */
export function memoryAllocated(device?: number | DeviceLike | null): number {
  return memoryStats(device).allocated;
}

/** The most bytes held at once by tensors since the start or resetPeakMemoryStats. @example torch.cuda.maxMemoryAllocated() */
export function maxMemoryAllocated(device?: number | DeviceLike | null): number {
  return memoryStats(device).peakAllocated;
}

/** Bytes the allocator holds from the driver (in use or cached). @example torch.cuda.memoryReserved() */
export function memoryReserved(device?: number | DeviceLike | null): number {
  return memoryStats(device).reserved;
}

/**
 * Returns cached, unused blocks to the driver (live tensors keep theirs).
 * Collect dropped tensors first (dispose them, or run the garbage collector)
 * to release their memory too.
 * @example torch.cuda.emptyCache()
 */
export function emptyCache(): void {
  if (deviceCount() === 0) return;
  cudaNative().cudaEmptyCache();
}

/** Starts peak tracking afresh (maxMemoryAllocated becomes the current allocation). @example torch.cuda.resetPeakMemoryStats() */
export function resetPeakMemoryStats(device?: number | DeviceLike | null): void {
  const n = cudaNative();
  n.cudaResetPeakMemoryStats(indexOf(device, "resetPeakMemoryStats()"));
}
