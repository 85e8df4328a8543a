/**
 * Data arguments of the plotting functions: tensors (any dtype, any device), typed arrays,
 * number arrays and nested arrays become plain float64 values with a shape; NaN and
 * ±Infinity stay as gaps; large inputs are downsampled (see the threshold constants).
 */
import type { Tensor } from "../tensor";

/** Lines with more points than this are reduced with M4 (first/min/max/last per bucket). */
export const MAX_LINE_POINTS = 5000;
/** Scatter plots with more points than this show a seeded uniform random sample. */
export const MAX_SCATTER_POINTS = 5000;
/** Images with more pixels than this (128 × 128) are block-averaged down to fit. */
export const MAX_IMAGE_PIXELS = 128 * 128;
/** The seed of the scatter subsample, so the same data always gives the same picture. */
export const SAMPLE_SEED = 0;

/** A number-like array: a plain or nested number array, or a typed array. */
export type NumericArray =
  | ReadonlyArray<number | boolean | null | undefined | bigint>
  | ReadonlyArray<ReadonlyArray<number | boolean | null | undefined | bigint>>
  | ReadonlyArray<ReadonlyArray<ReadonlyArray<number | boolean | null | undefined | bigint>>>
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint8ClampedArray
  | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

/** What the plotting functions accept as data: a tensor, a typed array or a (nested) number array. */
export type ArrayInput = Tensor | NumericArray;

/** Data converted for plotting: row-major float64 values and their shape. */
export interface NdValues {
  values: Float64Array;
  shape: number[];
}

/** True for a torchlab tensor (checked by shape, without loading the native runtime). */
export function isTensor(v: unknown): v is Tensor {
  return typeof v === "object" && v !== null && Array.isArray((v as { shape?: unknown }).shape)
    && typeof (v as { toTypedArray?: unknown }).toTypedArray === "function"
    && typeof (v as { dtype?: unknown }).dtype === "string";
}

const num = (v: unknown): number => {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === null || v === undefined) return NaN;
  throw new TypeError(`plot data must be numbers, got ${typeof v} (${String(v)})`);
};

/**
 * Converts plot data to float64 values and a shape. Tensors on another device are moved
 * to the CPU first; int64 becomes float64, bool becomes 0/1; `null` becomes NaN (a gap).
 * @example toNd(torch.arange(3)) // { values: Float64Array [0, 1, 2], shape: [3] }
 */
export function toNd(data: ArrayInput | number, name = "data"): NdValues {
  if (typeof data === "number" || typeof data === "bigint" || typeof data === "boolean") {
    return { values: Float64Array.of(num(data)), shape: [] };
  }
  if (isTensor(data)) {
    const t = data.device.type === "cpu" ? data : data.to("cpu");
    const arr = t.toTypedArray();
    const out = new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) out[i] = Number(arr[i]);
    return { values: out, shape: [...t.shape] };
  }
  if (ArrayBuffer.isView(data)) {
    const arr = data as ArrayLike<number | bigint>;
    const out = new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) out[i] = Number(arr[i]);
    return { values: out, shape: [arr.length] };
  }
  if (!Array.isArray(data)) throw new TypeError(`${name} must be a Tensor, a typed array or an array of numbers, got ${typeof data}`);
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe) || (ArrayBuffer.isView(probe) && !(probe instanceof DataView))) {
    const len = (probe as ArrayLike<unknown>).length;
    shape.push(len);
    if (len === 0) break;
    probe = (probe as ArrayLike<unknown>)[0];
  }
  const values: number[] = [];
  const walk = (v: unknown, d: number): void => {
    if (d === shape.length) {
      if (Array.isArray(v)) throw new Error(`${name} is a ragged nested array (expected shape [${shape.join(", ")}])`);
      values.push(num(v));
      return;
    }
    const a = v as ArrayLike<unknown>;
    if (!(Array.isArray(a) || ArrayBuffer.isView(a)) || a.length !== shape[d]) {
      throw new Error(`${name} is a ragged nested array (expected shape [${shape.join(", ")}])`);
    }
    for (let i = 0; i < a.length; i++) walk(a[i], d + 1);
  };
  walk(data, 0);
  return { values: Float64Array.from(values), shape };
}

const shapeStr = (s: readonly number[]): string => `[${s.join(", ")}]`;

/**
 * The columns of a 1-D or 2-D argument as matplotlib reads `plot` data: a vector is one
 * column, an N×k matrix is k columns of length N.
 * @example toColumns([[1, 2], [3, 4]]).columns // [Float64Array [1, 3], Float64Array [2, 4]]
 */
export function toColumns(data: ArrayInput | number, name = "data"): { columns: Float64Array[]; shape: number[] } {
  const nd = toNd(data, name);
  if (nd.shape.length === 0) return { columns: [nd.values], shape: nd.shape };
  if (nd.shape.length === 1) return { columns: [nd.values], shape: nd.shape };
  if (nd.shape.length === 2) {
    const [n, k] = nd.shape;
    const cols: Float64Array[] = [];
    for (let j = 0; j < k; j++) {
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) c[i] = nd.values[i * k + j];
      cols.push(c);
    }
    return { columns: cols, shape: nd.shape };
  }
  throw new Error(`${name} can be no greater than 2D, but has shape ${shapeStr(nd.shape)}`);
}

/**
 * A 1-D argument as float64 values; an N×1 or 1×N matrix is accepted and flattened, as
 * `numpy.ravel` would for the common `x[:, 0]` case.
 * @example toVector(torch.tensor([[1], [2]])) // Float64Array [1, 2]
 */
export function toVector(data: ArrayInput | number, name = "data"): Float64Array {
  const nd = toNd(data, name);
  if (nd.shape.length <= 1) return nd.values;
  if (nd.shape.filter((d) => d !== 1).length <= 1) return nd.values;
  throw new Error(`${name} must be 1-D, but has shape ${shapeStr(nd.shape)}`);
}

/**
 * Throws matplotlib's error when two arguments disagree in length.
 * @example checkSameLength("x", [3], "y", [4]) // throws "x and y must have the same first dimension, but have shapes [3] and [4]"
 */
export function checkSameLength(aName: string, aShape: readonly number[], bName: string, bShape: readonly number[]): void {
  const a = aShape.length === 0 ? 1 : aShape[0];
  const b = bShape.length === 0 ? 1 : bShape[0];
  if (a !== b) {
    throw new Error(`${aName} and ${bName} must have the same first dimension, but have shapes ${shapeStr(aShape)} and ${shapeStr(bShape)}`);
  }
}

/**
 * Broadcasts a scalar (length-1) argument to `n` values, or checks that the length is `n`.
 * @example broadcastTo(Float64Array.of(2), 3, "width") // Float64Array [2, 2, 2]
 */
export function broadcastTo(v: Float64Array, n: number, name: string): Float64Array {
  if (v.length === n) return v;
  if (v.length === 1) return new Float64Array(n).fill(v[0]);
  throw new Error(`${name} has ${v.length} values but the data has ${n}; they must match (or be a scalar)`);
}

/** True for a finite number (NaN and ±Infinity are gaps, as in matplotlib). */
export const isFiniteNumber = (v: number): boolean => Number.isFinite(v);

/**
 * M4 downsampling of a line: per bucket keep the first, minimum, maximum and last points
 * (in index order), and one gap marker where the bucket had non-finite values, so the
 * picture at plot resolution is the same as with all points and gaps stay visible.
 * Returns the kept indices (ascending); -1 entries stand for gaps.
 * @example m4Indices(Float64Array.from({ length: 100000 }, Math.random), 5000).length // <= 5000
 */
export function m4Indices(y: Float64Array, maxPoints: number = MAX_LINE_POINTS): number[] {
  const n = y.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(maxPoints / 5)); // 4 points + a possible gap marker
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets), hi = Math.floor(((b + 1) * n) / buckets);
    let first = -1, last = -1, mn = -1, mx = -1, gap = -1;
    for (let i = lo; i < hi; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (first < 0) first = i;
      last = i;
      if (mn < 0 || v < y[mn]) mn = i;
      if (mx < 0 || v > y[mx]) mx = i;
    }
    const keep = [...new Set([first, mn, mx, last, gap].filter((i) => i >= 0))].sort((p, q) => p - q);
    out.push(...keep);
  }
  return out;
}

/** mulberry32: a small, fast, seeded PRNG (the same sample on every run). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform random sample of `k` of the indices `0..n-1` (ascending, seeded, so repeatable).
 * @example sampleIndices(100000, 5000).length // 5000
 */
export function sampleIndices(n: number, k: number = MAX_SCATTER_POINTS, seed: number = SAMPLE_SEED): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  // Partial Fisher-Yates over a lazily materialised permutation.
  const swapped = new Map<number, number>();
  const out: number[] = new Array(k);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const vj = swapped.get(j) ?? j;
    out[i] = vj;
    swapped.set(j, swapped.get(i) ?? i);
  }
  return out.sort((p, q) => p - q);
}

/**
 * Formats a count as the note on downsampled charts uses it ("5,000").
 * @example formatCount(100000) // "100,000"
 */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * The note a chart shows when it draws a subset of the data.
 * @example samplingNote(5000, 100000) // "showing 5,000 of 100,000 points"
 */
export function samplingNote(shown: number, total: number, what = "points"): string {
  return `showing ${formatCount(shown)} of ${formatCount(total)} ${what}`;
}

/** An image ready for drawing: H×W grey values or H×W×3 RGB values. */
export interface ImageData {
  height: number;
  width: number;
  channels: 1 | 3 | 4;
  values: Float64Array;
  /** Pixels per cell side (1, or the block size when the image was averaged down). */
  factor: number;
  /** Set when the image was block-averaged to fit MAX_IMAGE_PIXELS: [height, width]. */
  originalSize?: [number, number];
}

/**
 * Reads an image argument: H×W (a colormapped array), H×W×3 / H×W×4 or 3×H×W (a CHW
 * tensor, as torchvision returns) RGB(A); block-averages above MAX_IMAGE_PIXELS.
 * @example toImage(torch.rand(28, 28)).channels // 1
 */
export function toImage(data: ArrayInput, maxPixels: number = MAX_IMAGE_PIXELS): ImageData {
  const nd = toNd(data, "image");
  let { values } = nd;
  let h: number, w: number, c: 1 | 3 | 4;
  const s = nd.shape;
  if (s.length === 2) [h, w, c] = [s[0], s[1], 1];
  else if (s.length === 3 && (s[2] === 3 || s[2] === 4)) [h, w, c] = [s[0], s[1], s[2] as 3 | 4];
  else if (s.length === 3 && s[2] === 1) [h, w, c] = [s[0], s[1], 1];
  else if (s.length === 3 && (s[0] === 3 || s[0] === 4 || s[0] === 1)) {
    [c, h, w] = [s[0] as 1 | 3 | 4, s[1], s[2]];
    const hwc = new Float64Array(values.length);
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) hwc[i * c + ch] = values[ch * h * w + i];
    values = hwc;
  } else throw new Error(`Invalid shape ${shapeStr(s)} for image data (expected H×W, H×W×3, H×W×4 or 3×H×W)`);
  if (h * w <= maxPixels) return { height: h, width: w, channels: c, values, factor: 1 };
  const f = Math.ceil(Math.sqrt((h * w) / maxPixels));
  const h2 = Math.ceil(h / f), w2 = Math.ceil(w / f);
  const out = new Float64Array(h2 * w2 * c);
  for (let i = 0; i < h2; i++) for (let j = 0; j < w2; j++) for (let ch = 0; ch < c; ch++) {
    let sum = 0, cnt = 0;
    for (let di = 0; di < f && i * f + di < h; di++) for (let dj = 0; dj < f && j * f + dj < w; dj++) {
      const v = values[((i * f + di) * w + (j * f + dj)) * c + ch];
      if (Number.isFinite(v)) { sum += v; cnt++; }
    }
    out[(i * w2 + j) * c + ch] = cnt ? sum / cnt : NaN;
  }
  return { height: h2, width: w2, channels: c, values: out, factor: f, originalSize: [h, w] };
}

/** A JSON-safe number: NaN and ±Infinity become null (Vega-Lite treats null as invalid). */
export const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);
