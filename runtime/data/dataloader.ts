/**
 * DataLoader: batches of a dataset, in order or shuffled (`torch.utils.data.DataLoader`).
 */
import { Generator } from "../ops/random";
import { Collated, defaultCollate } from "./collate";
import { DatasetLike, checkDataset, checkIndex, hasBatchGather } from "./dataset";
import { BatchSampler, RandomSampler, Sampler, SequentialSampler, checkBool, checkPositiveInt } from "./sampler";

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions<T, B> {
  /** samples per batch (default 1) */
  batchSize?: number;
  /** visit the samples in a fresh random order every epoch (default false) */
  shuffle?: boolean;
  /** drop the last batch when it is incomplete (default false) */
  dropLast?: boolean;
  /** the generator for shuffling (default: the global one, seeded by `torch.manualSeed`) */
  generator?: Generator;
  /** the order of indices (mutually exclusive with `shuffle`); any iterable of indices */
  sampler?: Sampler<number>;
  /** yields whole batches of indices (mutually exclusive with batchSize, shuffle, sampler, dropLast) */
  batchSampler?: Sampler<number[]>;
  /** merges a list of samples into a batch (default {@link defaultCollate}) */
  collateFn?: (batch: T[]) => B;
}

const KNOWN = new Set(["batchSize", "shuffle", "dropLast", "generator", "sampler", "batchSampler", "collateFn"]);

function checkOptions(options: object): void {
  for (const key of Object.keys(options)) {
    if (KNOWN.has(key)) continue;
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const hint = KNOWN.has(camel) ? ` (did you mean "${camel}"?)` : "";
    throw new TypeError(`DataLoader: unknown option "${key}"${hint}; known options are ${[...KNOWN].join(", ")}`);
  }
}

class ArrayDataset<T> implements DatasetLike<T> {
  constructor(private readonly items: readonly T[]) {}
  get length(): number { return this.items.length; }
  getItem(index: number): T { return this.items[checkIndex(index, this.items.length, "DataLoader")]; }
}

/**
 * Iterates over a dataset in batches (`torch.utils.data.DataLoader`). Each
 * `for ... of` is one epoch; with `shuffle: true` every epoch draws a new
 * permutation from `generator`, so a seeded generator (or `torch.manualSeed`)
 * repeats the order. Batches are made by `collateFn` (default
 * {@link defaultCollate}: tensors are stacked). For a {@link TensorDataset}
 * (or a {@link Subset} of one) with the default collate, each batch is
 * gathered with one `indexSelect` per tensor instead of stacking rows.
 *
 * The dataset is anything with `getItem(i)` and `length`, or a plain array.
 * Loading is synchronous, in this thread (there are no worker processes).
 * @example
 * const ds = new TensorDataset(torch.randn(100, 3), torch.randint(0, 2, [100]));
 * const loader = new DataLoader(ds, { batchSize: 32, shuffle: true, generator: new torch.Generator().manualSeed(0) });
 * loader.length; // 4 batches: 32, 32, 32, 4
 * for (const [x, y] of loader) console.log(x.shape, y.shape); // [32, 3] [32] ... [4, 3] [4]
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  /** The dataset. */
  readonly dataset: DatasetLike<T>;
  /** Samples per batch; null when a batchSampler was given. */
  readonly batchSize: number | null;
  /** Whether an incomplete last batch is dropped. */
  readonly dropLast: boolean;
  /** The order of indices (null when a batchSampler was given). */
  readonly sampler: Sampler<number> | null;
  /** The sampler of index batches. */
  readonly batchSampler: Sampler<number[]>;
  /** The generator for shuffling, if one was given. */
  readonly generator: Generator | undefined;
  private readonly collateFn: ((batch: T[]) => B) | undefined;

  constructor(dataset: DatasetLike<T> | readonly T[], options: DataLoaderOptions<T, B> = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError("DataLoader: options must be an object");
    checkOptions(options);
    const ds: DatasetLike<T> = Array.isArray(dataset) ? new ArrayDataset(dataset as readonly T[]) : (dataset as DatasetLike<T>);
    checkDataset(ds, "DataLoader");
    this.dataset = ds;
    const shuffle = checkBool(options.shuffle ?? false, "shuffle", "DataLoader");
    this.generator = options.generator;
    if (options.generator !== undefined && !(options.generator instanceof Generator))
      throw new TypeError("DataLoader: generator must be a torch.Generator");
    if (options.collateFn !== undefined && typeof options.collateFn !== "function")
      throw new TypeError("DataLoader: collateFn must be a function");
    this.collateFn = options.collateFn;
    if (options.sampler !== undefined && shuffle)
      throw new Error("DataLoader: sampler option is mutually exclusive with shuffle");
    if (options.batchSampler !== undefined) {
      if (options.batchSize !== undefined || shuffle || options.sampler !== undefined || options.dropLast !== undefined)
        throw new Error("DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast");
      if (typeof (options.batchSampler as Partial<Iterable<number[]>>)?.[Symbol.iterator] !== "function")
        throw new TypeError("DataLoader: batchSampler must be iterable");
      this.batchSize = null;
      this.dropLast = false;
      this.sampler = null;
      this.batchSampler = options.batchSampler;
      return;
    }
    this.batchSize = checkPositiveInt(options.batchSize ?? 1, "batchSize", "DataLoader");
    this.dropLast = checkBool(options.dropLast ?? false, "dropLast", "DataLoader");
    if (options.sampler !== undefined && typeof (options.sampler as Partial<Iterable<number>>)?.[Symbol.iterator] !== "function")
      throw new TypeError("DataLoader: sampler must be iterable");
    this.sampler = options.sampler ?? (shuffle ? new RandomSampler(ds, { generator: options.generator }) : new SequentialSampler(ds));
    this.batchSampler = new BatchSampler(this.sampler, this.batchSize, this.dropLast);
  }

  /**
   * The number of batches one epoch yields (PyTorch's `len(loader)`).
   * @example new DataLoader(ds10, { batchSize: 4 }).length // 3 (4, 4, 2)
   */
  get length(): number {
    const n = this.batchSampler.length;
    if (typeof n !== "number") throw new TypeError("DataLoader: the sampler has no length, so the number of batches is unknown");
    return n;
  }

  /**
   * One epoch of batches.
   * @example for (const [x, y] of loader) { ... }
   */
  *[Symbol.iterator](): Iterator<B> {
    const ds = this.dataset;
    const fast = this.collateFn === undefined && hasBatchGather(ds) ? ds : null;
    for (const indices of this.batchSampler) {
      if (fast !== null) {
        yield fast._getBatch(indices) as B;
        continue;
      }
      const samples = indices.map((i) => ds.getItem(i));
      yield this.collateFn !== undefined ? this.collateFn(samples) : (defaultCollate(samples) as B);
    }
  }
}
