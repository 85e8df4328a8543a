/**
 * The one typing of the native addon (declarations only; runtime/addon.ts loads
 * it). Layouts travel in the Float64Array registered with `setMeta`; every
 * entry point documents its meta layout in its native/src/ops/<op>.cc file.
 * dtype codes follow DTYPE_CODES in runtime/dtype.ts.
 * @internal
 */

/** A CPU buffer argument: an ArrayBuffer or a typed array (its byteOffset counts). */
export type NativeBuffer = ArrayBuffer | ArrayBufferView;

// Note [Opaque CUDA tokens]: a CUDA block, stream or event reaches JavaScript
// as an opaque object owned by the addon. The brands below keep the type
// checker from accepting one where host memory is read (or the reverse): a
// CudaBlock is not an ArrayBuffer, and code that needs the bytes must move
// the tensor to the CPU first.
declare const cudaBlockBrand: unique symbol;
declare const streamBrand: unique symbol;
declare const eventBrand: unique symbol;

/** Device memory from the CUDA caching allocator (returned to the cache when collected or at cudaFree). */
export interface CudaBlock {
  readonly [cudaBlockBrand]: true;
}
/** A CUDA stream made by cudaStreamCreate. */
export interface StreamToken {
  readonly [streamBrand]: true;
}
/** A CUDA event made by cudaEventCreate. */
export interface EventToken {
  readonly [eventBrand]: true;
}

/** What a storage holds: host bytes or a CUDA block. */
export type DeviceData = NativeBuffer | CudaBlock;

/** Counters of the host caching allocator. */
export interface NativeMemoryStats {
  allocated: number;
  peakAllocated: number;
  liveBlocks: number;
  cached: number;
  cacheHits: number;
  systemAllocs: number;
}

/**
 * The compute entry points, generic in the buffer argument: the CPU ones take
 * host buffers, the CUDA ones (cuda + the same name) take CudaBlocks, with
 * the same meta layouts.
 */
export interface NativeOps<B> {
  copy(dstDtype: number, srcDtype: number, dst: B, src: B): void;
  cat(dtype: number, out: B, parts: B[]): void;
  fill(dtype: number, dst: B, value: number | bigint): void;
  unary(op: number, dtype: number, out: B, input: B): void;
  binary(op: number, dtype: number, out: B, a: B, b: B | number | bigint | boolean): void;
  where(dtype: number, out: B, cond: B, a: B | number | boolean, b: B | number | boolean): void;
  reduce(op: number, inDtype: number, outDtype: number, out: B, input: B): void;
  scan(op: number, inDtype: number, outDtype: number, out: B, input: B): void;
  sort(dtype: number, values: B, indices: B, input: B, descending: boolean, stable: boolean): void;
  gather(dtype: number, out: B, input: B, index: B): void;
  scatter(dtype: number, self: B, index: B, src: B | number, reduce: number): void;
  nonzero(dtype: number, out: B | null, input: B): number;
  matmul(dtype: number, out: B, a: B, b: B): void;
  random(kind: number, dtype: number, out: B, seed: number, offset: number, a: number, b: number): number;
}

/** Counters of one device's CUDA caching allocator, in bytes and blocks. */
export interface CudaMemoryStats {
  allocated: number;
  peakAllocated: number;
  reserved: number;
  activeBlocks: number;
  cachedBlocks: number;
  numAllocRetries: number;
  numOoms: number;
}

/** cudaDeviceProperties(i). */
export interface CudaDeviceProperties {
  name: string;
  totalMemory: number;
  major: number;
  minor: number;
  multiProcessorCount: number;
}

/**
 * The CUDA entry points: present only in an addon compiled with nvcc
 * (cudaBuilt true). Everything that takes a device index or a token throws a
 * JS Error on bad input; cudaAlloc's failure carries code "CUDA_OOM".
 */
export interface CudaAddon {
  cudaDeviceCount(): number;
  cudaCurrentDevice(): number;
  cudaSetDevice(device: number): void;
  cudaDeviceProperties(device: number): CudaDeviceProperties;
  cudaSynchronize(device: number): void;
  cudaDriverInfo(): { runtimeVersion: number; driverVersion: number; error: string | null };

  cudaMemoryStats(device: number): CudaMemoryStats;
  cudaEmptyCache(): void;
  cudaResetPeakMemoryStats(device: number): void;

  cudaStreamCreate(device: number): StreamToken;
  cudaStreamSynchronize(stream: StreamToken): void;
  cudaStreamQuery(stream: StreamToken): boolean;
  cudaSetCurrentStream(device: number, stream: StreamToken | null): void;
  cudaEventCreate(device: number, enableTiming: boolean): EventToken;
  cudaEventRecord(event: EventToken, stream: StreamToken | null): void;
  cudaEventSynchronize(event: EventToken): void;
  cudaEventQuery(event: EventToken): boolean;
  cudaEventElapsedTime(start: EventToken, end: EventToken): number;
  /** makes `stream` (null: the event's GPU's current stream) wait for the event's work; optional in older builds */
  cudaStreamWaitEvent?(stream: StreamToken | null, event: EventToken): void;
  /** a full garbage collection the allocator runs before it empties its cache after a failed cudaMalloc (also for ops' scratch) */
  cudaSetGcHook?(fn: (() => void) | null): void;

  cudaAlloc(device: number, nbytes: number): CudaBlock;
  cudaFree(block: CudaBlock): void;
  cudaMemset0(block: CudaBlock, byteOffset: number, nbytes: number): void;
  cudaFromHost(dst: CudaBlock, dstByteOffset: number, src: NativeBuffer, srcByteOffset: number, nbytes: number): void;
  cudaToHost(dst: NativeBuffer, dstByteOffset: number, src: CudaBlock, srcByteOffset: number, nbytes: number): void;
  cudaCopyBytes(dst: CudaBlock, dstByteOffset: number, src: CudaBlock, srcByteOffset: number, nbytes: number): void;

  cudaCopy: NativeOps<CudaBlock>["copy"];
  cudaCat: NativeOps<CudaBlock>["cat"];
  cudaFill: NativeOps<CudaBlock>["fill"];
  cudaUnary: NativeOps<CudaBlock>["unary"];
  cudaBinary: NativeOps<CudaBlock>["binary"];
  cudaWhere: NativeOps<CudaBlock>["where"];
  cudaReduce: NativeOps<CudaBlock>["reduce"];
  cudaScan: NativeOps<CudaBlock>["scan"];
  cudaSort: NativeOps<CudaBlock>["sort"];
  cudaGather: NativeOps<CudaBlock>["gather"];
  cudaScatter: NativeOps<CudaBlock>["scatter"];
  cudaNonzero: NativeOps<CudaBlock>["nonzero"];
  cudaMatmul: NativeOps<CudaBlock>["matmul"];
  cudaRandom: NativeOps<CudaBlock>["random"];

  cudaSetAllowTF32(allow: boolean): void;
  cudaGetAllowTF32(): boolean;
  cudaBlasInfo(): { loaded: boolean; path: string | null; error: string | null };
  /** the GEMM in use; pass "cublas" or "fallback" to switch (tests, benchmarks) */
  cudaMatmulImpl(set?: "cublas" | "fallback"): string;
}

export interface NativeAddon extends NativeOps<NativeBuffer>, Partial<CudaAddon> {
  cudaBuilt: boolean;
  setMeta(meta: Float64Array): void;
  numThreads(set?: number): number;
  memoryStats(): NativeMemoryStats;
  emptyCache(): void;
  /** the CPU GEMM in use; pass "builtin" or "openblas" to switch (tests) */
  matmulImpl(set?: "builtin" | "openblas"): string;
}
