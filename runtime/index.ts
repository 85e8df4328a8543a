/**
 * torchlab: PyTorch's tensors in TypeScript.
 * @example
 * import * as torch from "torchlab";
 * const x = torch.rand(5, 3);
 * console.log(x.add(1).sum().item());
 */
import { addon } from "./addon";
import { DType, resultTypeOf } from "./dtype";
import { Tensor } from "./tensor";
import { emptyLargeBlockCache, largeBlockStats } from "./storage";
import { Dims } from "./ops/reduce";
import * as views from "./ops/views";

// Each ops module adds its methods to Tensor when loaded; import them all.
import "./ops/copy";
import "./ops/binary";
import "./ops/unary";
import "./ops/where";
import "./ops/creation";
import "./ops/views";
import "./ops/cat";
import "./ops/gather";
import "./ops/scatter";
import "./ops/nonzero";
import "./ops/indexing";
import "./ops/reduce";
import "./ops/scan";
import "./ops/sort";
import "./ops/matmul";
import "./ops/random";
import * as autogradNs from "./autograd/index";
import * as cudaNs from "./cuda/index";
import { cudaNative } from "./cuda/driver";
import { Generator, manualSeed as cpuManualSeed } from "./ops/random";
import * as dataNs from "./data/index";
export * as optim from "./optim/index";
export * as nn from "./nn/index";

export { Tensor } from "./tensor";
export { noGrad, enableGrad, setGradEnabled, isGradEnabled } from "./autograd/index";
/**
 * torch.autograd: `grad`, `backward`, `Variable`, grad-mode scopes, `Node`, `gradcheck`.
 * @example const [dx] = torch.autograd.grad(x.pow(2).sum(), x);
 */
export const autograd = autogradNs;
/**
 * torch.utils: `torch.utils.data` (Dataset, TensorDataset, DataLoader, randomSplit, samplers).
 * @example const loader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(x, y), { batchSize: 32 });
 */
export const utils = { data: dataNs };
export type { NestedArray } from "./tensor";
export { Device, device } from "./device";
export type { DeviceLike, DeviceType } from "./device";
export { DTYPES, promoteTypes, getDefaultDtype, setDefaultDtype, isFloatingPoint } from "./dtype";
export type { DType, TypedArray } from "./dtype";
export { tidy, keep, scope, TidyScope } from "./memory";
export { getPrintOptions, setPrintOptions } from "./format";
export type { PrintOptions } from "./format";

export * from "./ops/binary";
export * from "./ops/unary";
export * from "./ops/where";
export {
  tensor, zeros, ones, empty, full, eye, arange, linspace, zerosLike, onesLike, emptyLike, fullLike,
  fromTypedArray, fromNumpy, frombuffer,
} from "./ops/creation";
export type { TensorOptions, TensorData } from "./ops/creation";
export type { ToOptions } from "./ops/copy";
export { cat, concat, stack, vstack, hstack } from "./ops/cat";
export { gather, indexSelect } from "./ops/gather";
export { scatter, scatterAdd } from "./ops/scatter";
export type { ScatterOptions } from "./ops/scatter";
export { nonzero, maskedSelect, argwhere } from "./ops/nonzero";
export type { IndexItem, SliceSpec, IndexPutOptions } from "./ops/indexing";
export { indexPutOutOfPlace as indexPut } from "./ops/indexing";
export {
  sum, prod, mean, max, min, amax, amin, argmax, argmin, variance as var, std, norm, logsumexp, all, any, countNonzero,
} from "./ops/reduce";
export type { ReduceOptions, ValuesIndices, VarOptions, Dims } from "./ops/reduce";
export { cumsum, cumprod } from "./ops/scan";
export { sort, argsort, topk, kthvalue } from "./ops/sort";
export type { SortOptions, TopkOptions } from "./ops/sort";
export { matmul, mm, bmm, mv, dot, outer, addmm } from "./ops/matmul";
export type { AddmmOptions } from "./ops/matmul";
export {
  Generator, defaultGenerator, initialSeed, rand, randn, randint, randperm, randLike, randnLike, randintLike,
} from "./ops/random";
export type { RandomOptions } from "./ops/random";

/** float32 (`torch.float32`, also `torch.float`). */
export const float32 = "float32" as const;
/** float64 (`torch.float64`, also `torch.double`). */
export const float64 = "float64" as const;
/** int32 (`torch.int32`, also `torch.int`). */
export const int32 = "int32" as const;
/** int64 (`torch.int64`, also `torch.long`). */
export const int64 = "int64" as const;
/** uint8 (`torch.uint8`). */
export const uint8 = "uint8" as const;
/** bool (`torch.bool`). */
export const bool = "bool" as const;
/** float16 (`torch.float16`, also `torch.half`): IEEE half precision, computed in float32 and rounded per op. */
export const float16 = "float16" as const;
/** bfloat16 (`torch.bfloat16`): float32's exponent range with an 8-bit significand. */
export const bfloat16 = "bfloat16" as const;
/** Alias of float16. */
export const half = float16;
/** Alias of float32. */
export const float = float32;
/** Alias of float64. */
export const double = float64;
/** Alias of int32. */
export const int = int32;
/** Alias of int64. */
export const long = int64;

/**
 * The dtype an op on these operands computes in (`torch.result_type`).
 * @example torch.resultType(torch.tensor([1, 2]), 2.5) // "float32"
 */
export function resultType(a: Tensor | number | boolean, b: Tensor | number | boolean): DType {
  return resultTypeOf([a, b]);
}

/** True for tensors. @example torch.isTensor(x) */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
/** Number of elements. @example torch.numel(x) */
export function numel(x: Tensor): number { return x.numel(); }
/** @example torch.reshape(x, [2, -1]) */
export function reshape(x: Tensor, shape: readonly number[]): Tensor { return views.reshape(x, shape.slice()); }
/** @example torch.transpose(x, 0, 1) */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor { return views.transpose(x, dim0, dim1); }
/** @example torch.t(x) */
export function t(x: Tensor): Tensor { return x.t(); }
/** @example torch.permute(x, [2, 0, 1]) */
export function permute(x: Tensor, dims: readonly number[]): Tensor { return views.permute(x, dims.slice()); }
/** @example torch.unsqueeze(x, 0) */
export function unsqueeze(x: Tensor, dim: number): Tensor { return views.unsqueeze(x, dim); }
/** @example torch.squeeze(x) */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor { return views.squeeze(x, dim); }
/** @example torch.flatten(x, 1) */
export function flatten(x: Tensor, startDim?: number, endDim?: number): Tensor { return views.flatten(x, startDim, endDim); }
/** @example torch.narrow(x, 0, 1, 2) */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor { return views.narrow(x, dim, start, length); }
/** @example torch.select(x, 0, 1) */
export function select(x: Tensor, dim: number, index: number): Tensor { return views.select(x, dim, index); }
/** @example torch.split(x, 2) */
export function split(x: Tensor, splitSizeOrSections: number | number[], dim = 0): Tensor[] { return views.split(x, splitSizeOrSections, dim); }
/** @example torch.chunk(x, 3) */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] { return views.chunk(x, chunks, dim); }
/** @example torch.unbind(x) */
export function unbind(x: Tensor, dim = 0): Tensor[] { return views.unbind(x, dim); }
/** @example torch.movedim(x, 0, -1) */
export function movedim(x: Tensor, source: number, destination: number): Tensor { return views.movedim(x, source, destination); }
/** @example torch.clone(x) */
export function clone(x: Tensor): Tensor { return x.clone(); }
/** Same as sum over dims (for the Dims type). @example torch.sumDims(x, [0, 1]) */
export function sumDims(x: Tensor, dims: Dims): Tensor { return x.sum(dims); }

/** Threads used by native CPU impls. @example torch.getNumThreads() */
export function getNumThreads(): number { return addon.numThreads(); }
/** Sets the number of threads for native CPU impls. @example torch.setNumThreads(1) */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads expects a positive integer, got ${n}`);
  addon.numThreads(n);
}

/** Statistics of the CPU block cache (storages of 16 KiB and more), in bytes. */
export interface MemoryStats {
  /**
   * bytes in live blocks (size classes): made and not yet disposed or collected
   * (blocks the garbage collector frees are subtracted on a later event-loop turn)
   */
  allocated: number;
  /** the most that was ever live */
  peakAllocated: number;
  /** live blocks (storages of 16 KiB and more), counted like `allocated`: a leak check counts these */
  liveBlocks: number;
  /** freed bytes kept for reuse */
  cached: number;
  cacheHits: number;
  systemAllocs: number;
}
/**
 * Statistics of the CPU block cache (storages of 16 KiB and more).
 * @example torch.memoryStats().allocated
 */
export function memoryStats(): MemoryStats { return largeBlockStats(); }
/** Returns cached, unused CPU blocks to the system. @example torch.emptyCache() */
export function emptyCache(): void {
  emptyLargeBlockCache();
  addon.emptyCache();  // the native impls' scratch blocks
}

/**
 * Seeds the default generators of the CPU and of every GPU: the same seed
 * gives the same numbers on every run.
 * @example torch.manualSeed(5000)
 */
export function manualSeed(seed: number | bigint): Generator {
  const g = cpuManualSeed(seed);
  cudaNs.manualSeedAll(seed);
  return g;
}

/**
 * torch.cuda: devices, the current device (`device(i, fn)` and `using`),
 * streams, events, memory statistics, seeding. See docs/cuda.md.
 * @example if (torch.cuda.isAvailable()) x = x.cuda();
 */
export const cuda = cudaNs;

// Without a CUDA build the flag lives here, so reading and setting it still work (as in PyTorch).
let tf32Fallback = false;

/** Build information and backend switches. */
export const backends = {
  cuda: {
    /** True when the addon was compiled with nvcc. @example torch.backends.cuda.isBuilt() */
    isBuilt(): boolean { return addon.cudaBuilt; },
    matmul: {
      /**
       * Whether float32 matmuls on GPUs may use TF32 tensor cores (faster, 10-bit mantissa
       * products); false by default, as in PyTorch.
       * @example torch.backends.cuda.matmul.allowTF32 = true
       */
      get allowTF32(): boolean {
        return addon.cudaBuilt && addon.cudaGetAllowTF32 !== undefined ? addon.cudaGetAllowTF32() : tf32Fallback;
      },
      set allowTF32(v: boolean) {
        if (typeof v !== "boolean") throw new TypeError(`allowTF32 must be a boolean, got ${typeof v}`);
        if (addon.cudaBuilt && addon.cudaSetAllowTF32 !== undefined) addon.cudaSetAllowTF32(v);
        else tf32Fallback = v;
      },
    },
    /**
     * The GPU GEMM in use ("cublas" or "fallback"), or switches it (tests, benchmarks).
     * @example torch.backends.cuda.matmulImpl()
     */
    matmulImpl(set?: "cublas" | "fallback"): string {
      return cudaNative().cudaMatmulImpl(set);
    },
    /**
     * Whether cuBLAS was found (opened at run time) and where, or why not.
     * @example torch.backends.cuda.blasInfo().path
     */
    blasInfo(): { loaded: boolean; path: string | null; error: string | null } {
      return cudaNative().cudaBlasInfo();
    },
  },
  /** Which GEMM the CPU matmul uses ("openblas" or "builtin"). */
  cpu: {
    /** @example torch.backends.cpu.matmulImpl() */
    matmulImpl(): string { return addon.matmulImpl(); },
  },
};
