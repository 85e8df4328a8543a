/**
 * Map-style datasets (`torch.utils.data.Dataset` and friends): a dataset is
 * anything with `getItem(index)` and `length` (PyTorch's `__getitem__` and
 * `__len__`).
 */
import { Tensor } from "../tensor";
import { fromTypedArray } from "../ops/creation";
import { indexSelect } from "../ops/gather";
import { randperm, Generator } from "../ops/random";
import { select } from "../ops/views";

/**
 * What the data utilities need from a dataset: `getItem(i)` for `0 <= i < length`.
 * Any object of this shape works; extending {@link Dataset} is optional.
 * @example
 * const squares: DatasetLike<number> = { length: 10, getItem: (i) => i * i };
 */
export interface DatasetLike<T> {
  /** The sample at `index` (PyTorch's `__getitem__`). */
  getItem(index: number): T;
  /** The number of samples (PyTorch's `__len__`). */
  readonly length: number;
}

/**
 * Base class of map-style datasets (`torch.utils.data.Dataset`). Subclasses
 * implement `getItem(index)` and `length` (a getter or a readonly field).
 * @example
 * class Squares extends Dataset<number> {
 *   readonly length = 10;
 *   getItem(i: number) { return i * i; }
 * }
 * new Squares().getItem(3); // 9
 */
export abstract class Dataset<T> implements DatasetLike<T> {
  /** The sample at `index`, for `0 <= index < length`. */
  abstract getItem(index: number): T;
  /** The number of samples. */
  abstract readonly length: number;

  /**
   * Iterates over the samples in order (`getItem(0)`, `getItem(1)`, ...).
   * @example for (const [x, y] of ds) console.log(x.shape, y.item());
   */
  *[Symbol.iterator](): Iterator<T> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield this.getItem(i);
  }
}

/** @internal a dataset that can gather a whole batch at once, already collated */
export interface BatchGatherer {
  _getBatch(indices: readonly number[]): unknown;
}

/** @internal */
export function hasBatchGather(d: unknown): d is BatchGatherer {
  return typeof d === "object" && d !== null && typeof (d as Partial<BatchGatherer>)._getBatch === "function";
}

/** @internal Python-style index check: wraps negatives, throws when out of range. */
export function checkIndex(index: number, length: number, what: string): number {
  if (typeof index !== "number" || !Number.isInteger(index))
    throw new TypeError(`${what}: index must be an integer, got ${String(index)}`);
  if (index < -length || index >= length)
    throw new RangeError(`${what}: index ${index} is out of range for a dataset of length ${length}`);
  return index < 0 ? index + length : index;
}

/** @internal */
export function checkDataset(d: unknown, what: string): void {
  if (typeof d !== "object" || d === null || typeof (d as Partial<DatasetLike<unknown>>).getItem !== "function")
    throw new TypeError(`${what}: dataset must have a getItem(index) method and a length, got ${d === null ? "null" : typeof d}`);
  const n = (d as DatasetLike<unknown>).length;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
    throw new TypeError(`${what}: dataset.length must be a non-negative integer, got ${String(n)}`);
}

/**
 * A dataset over tensors that share their first dim (`torch.utils.data.TensorDataset`):
 * item `i` is `[t0[i], t1[i], ...]` (views).
 * @example
 * const ds = new TensorDataset(torch.randn(100, 3), torch.randint(0, 2, [100]));
 * const [x, y] = ds.getItem(0); // x: [3], y: []
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> extends Dataset<T> {
  /** The tensors, as given. */
  readonly tensors: Readonly<T>;

  /** @param tensors one or more tensors with the same size in dim 0 */
  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new TypeError("TensorDataset: expected at least one tensor");
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${i} must be a Tensor, got ${typeof t}`);
      if (t.dim() === 0) throw new RangeError(`TensorDataset: tensor ${i} is 0-dimensional; every tensor needs a dim 0 to index`);
    });
    const n = tensors[0].shape[0];
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0)
      throw new RangeError(`Size mismatch between tensors: tensor 0 has ${n} rows in dim 0 but tensor ${bad} has ${tensors[bad].shape[0]}`);
    this.tensors = tensors;
  }

  /** The number of rows (size of dim 0). */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /**
   * Row `index` of every tensor (negative indices count from the end).
   * @example const [x, y] = ds.getItem(-1);
   */
  getItem(index: number): T {
    const i = checkIndex(index, this.length, "TensorDataset.getItem");
    return this.tensors.map((t) => select(t, 0, i)) as T;
  }

  /** @internal one indexSelect per tensor: the same result as stacking the rows */
  _getBatch(indices: readonly number[]): Tensor[] {
    const n = this.length;
    const idx = new BigInt64Array(indices.length);
    for (let k = 0; k < indices.length; k++) idx[k] = BigInt(checkIndex(indices[k], n, "TensorDataset"));
    const cpu = fromTypedArray(idx);
    const byDevice = new Map<string, Tensor>();
    const out = this.tensors.map((t) => {
      const key = t.device.toString();
      let ix = key === "cpu" ? cpu : byDevice.get(key);
      if (ix === undefined) { ix = cpu.to(t.device); byDevice.set(key, ix); }
      return indexSelect(t, 0, ix);
    });
    cpu.dispose();
    for (const ix of byDevice.values()) ix.dispose();
    return out;
  }
}

/**
 * The items of a dataset at the given indices (`torch.utils.data.Subset`).
 * @example
 * const firstTen = new Subset(ds, [...Array(10).keys()]);
 */
export class Subset<T> extends Dataset<T> {
  /** The wrapped dataset. */
  readonly dataset: DatasetLike<T>;
  /** Indices into `dataset`. */
  readonly indices: readonly number[];

  constructor(dataset: DatasetLike<T>, indices: readonly number[]) {
    super();
    checkDataset(dataset, "Subset");
    if (!Array.isArray(indices)) throw new TypeError("Subset: indices must be an array of integers");
    for (const i of indices) checkIndex(i, dataset.length, "Subset");
    this.dataset = dataset;
    this.indices = indices.slice();
  }

  /** The number of indices. */
  get length(): number {
    return this.indices.length;
  }

  /** `dataset.getItem(indices[index])`. @example sub.getItem(0) */
  getItem(index: number): T {
    return this.dataset.getItem(this.indices[checkIndex(index, this.indices.length, "Subset.getItem")]);
  }

  /** @internal forwards a batch to the wrapped dataset's fast path when it has one */
  get _getBatch(): ((indices: readonly number[]) => unknown) | undefined {
    const inner = this.dataset;
    if (!hasBatchGather(inner)) return undefined;
    return (indices) => inner._getBatch(indices.map((i) => this.indices[checkIndex(i, this.indices.length, "Subset")]));
  }
}

/**
 * Several datasets one after another (`torch.utils.data.ConcatDataset`).
 * @example
 * const both = new ConcatDataset([trainA, trainB]); // both.length === trainA.length + trainB.length
 */
export class ConcatDataset<T> extends Dataset<T> {
  /** The datasets, in order. */
  readonly datasets: readonly DatasetLike<T>[];
  /** Running totals of the datasets' lengths. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly DatasetLike<T>[]) {
    super();
    if (!Array.isArray(datasets) || datasets.length === 0) throw new TypeError("ConcatDataset: datasets should not be an empty array");
    datasets.forEach((d, i) => checkDataset(d, `ConcatDataset (dataset ${i})`));
    this.datasets = datasets.slice();
    let total = 0;
    this.cumulativeSizes = datasets.map((d) => (total += d.length));
  }

  /** The sum of the lengths. */
  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  /** The item at a position counted across all datasets. @example both.getItem(trainA.length) // trainB's first */
  getItem(index: number): T {
    const i = checkIndex(index, this.length, "ConcatDataset.getItem");
    // first dataset whose running total exceeds i (bisect_right)
    let lo = 0, hi = this.cumulativeSizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] > i) hi = mid; else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return this.datasets[lo].getItem(i - start);
  }
}

/** Options of {@link randomSplit}. */
export interface RandomSplitOptions {
  /** the generator for the permutation (default: the global one, seeded by `torch.manualSeed`) */
  generator?: Generator;
}

/**
 * Splits a dataset into non-overlapping random subsets (`torch.utils.data.random_split`).
 * `lengths` are either sizes that sum to `dataset.length`, or fractions that sum
 * to 1: each split then gets `floor(n * fraction)` items and the remainder is
 * dealt one by one to the splits in order, round-robin.
 * @example
 * const [train, val] = randomSplit(ds, [0.8, 0.2], { generator: new torch.Generator().manualSeed(42) });
 */
export function randomSplit<T>(dataset: DatasetLike<T>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  checkDataset(dataset, "randomSplit");
  if (!Array.isArray(lengths) || lengths.length === 0) throw new TypeError("randomSplit: lengths must be a non-empty array of numbers");
  for (const l of lengths) if (typeof l !== "number" || !Number.isFinite(l)) throw new TypeError(`randomSplit: lengths must be finite numbers, got ${String(l)}`);
  const n = dataset.length;
  const sum = lengths.reduce((a, b) => a + b, 0);
  let sizes: number[] = lengths.slice();
  // fractions, as PyTorch: math.isclose(sum, 1) and sum <= 1
  if (Math.abs(sum - 1) <= 1e-9 && sum <= 1) {
    sizes = lengths.map((f, i) => {
      if (f < 0 || f > 1) throw new RangeError(`randomSplit: fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * f);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
  } else {
    const i = lengths.findIndex((l) => !Number.isInteger(l) || l < 0);
    if (i >= 0) {
      const fractions = lengths.every((l) => l >= 0 && l <= 1);
      throw new RangeError(fractions
        ? `randomSplit: fractions must sum to 1, but they sum to ${sum}`
        : `randomSplit: lengths must be non-negative integers or fractions summing to 1, got ${lengths[i]} at index ${i}`);
    }
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== n)
    throw new RangeError(`randomSplit: sum of input lengths (${total}) does not equal the length of the input dataset (${n})`);
  const perm = randperm(n, { generator: options.generator });
  const order = Array.from(perm.toTypedArray() as BigInt64Array, Number);
  perm.dispose();
  let offset = 0;
  return sizes.map((len) => new Subset(dataset, order.slice(offset, (offset += len))));
}
