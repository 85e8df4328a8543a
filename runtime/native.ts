/**
 * The one typing of the native addon (declarations only; runtime/addon.ts loads
 * it). Layouts travel in the Float64Array registered with `setMeta`; every
 * entry point documents its meta layout in its native/src/ops/<op>.cc file.
 * dtype codes follow DTYPE_CODES in runtime/dtype.ts.
 * @internal
 */

/** A CPU buffer argument: an ArrayBuffer or a typed array (its byteOffset counts). */
export type NativeBuffer = ArrayBuffer | ArrayBufferView;

/** Counters of the host caching allocator. */
export interface NativeMemoryStats {
  allocated: number;
  peakAllocated: number;
  liveBlocks: number;
  cached: number;
  cacheHits: number;
  systemAllocs: number;
}

export interface NativeAddon {
  cudaBuilt: boolean;
  setMeta(meta: Float64Array): void;
  numThreads(set?: number): number;
  memoryStats(): NativeMemoryStats;
  emptyCache(): void;

  copy(dstDtype: number, srcDtype: number, dst: NativeBuffer, src: NativeBuffer): void;
  cat(dtype: number, out: NativeBuffer, parts: NativeBuffer[]): void;
  fill(dtype: number, dst: NativeBuffer, value: number | bigint): void;
  unary(op: number, dtype: number, out: NativeBuffer, input: NativeBuffer): void;
  binary(op: number, dtype: number, out: NativeBuffer, a: NativeBuffer, b: NativeBuffer | number | bigint | boolean): void;
  where(dtype: number, out: NativeBuffer, cond: NativeBuffer, a: NativeBuffer | number | boolean, b: NativeBuffer | number | boolean): void;

  reduce(op: number, inDtype: number, outDtype: number, out: NativeBuffer, input: NativeBuffer): void;
  scan(op: number, inDtype: number, outDtype: number, out: NativeBuffer, input: NativeBuffer): void;
  sort(dtype: number, values: NativeBuffer, indices: NativeBuffer, input: NativeBuffer, descending: boolean, stable: boolean): void;
  gather(dtype: number, out: NativeBuffer, input: NativeBuffer, index: NativeBuffer): void;
  scatter(dtype: number, self: NativeBuffer, index: NativeBuffer, src: NativeBuffer | number, reduce: number): void;
  nonzero(dtype: number, out: NativeBuffer | null, input: NativeBuffer): number;
  matmul(dtype: number, out: NativeBuffer, a: NativeBuffer, b: NativeBuffer): void;
  /** the CPU GEMM in use; pass "builtin" or "openblas" to switch (tests) */
  matmulImpl(set?: "builtin" | "openblas"): string;
  random(kind: number, dtype: number, out: NativeBuffer, seed: number, offset: number, a: number, b: number): number;
}
