/**
 * Samplers: the order in which a DataLoader visits a dataset's indices
 * (`torch.utils.data.Sampler` and friends).
 */
import { Generator, randint, randperm } from "../ops/random";

/**
 * Anything that yields indices (or, for a batch sampler, arrays of indices).
 * `length`, when present, is the number of values one pass yields; a plain
 * array of indices is a valid sampler.
 * @example
 * const evensFirst: Sampler = [0, 2, 4, 1, 3, 5];
 */
export interface Sampler<T = number> extends Iterable<T> {
  /** The number of values one iteration yields (PyTorch's `__len__`), when known. */
  readonly length?: number;
}

/** @internal */
export function checkPositiveInt(v: unknown, name: string, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    const E = typeof v === "number" ? RangeError : TypeError;
    throw new E(`${what}: ${name} should be a positive integer value, but got ${name}=${String(v)}`);
  }
  return v;
}

/** @internal */
export function checkBool(v: unknown, name: string, what: string): boolean {
  if (typeof v !== "boolean") throw new TypeError(`${what}: ${name} should be a boolean value, but got ${name}=${String(v)}`);
  return v;
}

function checkSized(d: unknown, what: string): number {
  const n = typeof d === "object" && d !== null ? (d as { length?: unknown }).length : undefined;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
    throw new TypeError(`${what}: dataSource must have a non-negative integer length, got ${String(n)}`);
  return n;
}

/** Draws a permutation of 0..n-1 as numbers. */
function permutation(n: number, generator: Generator | undefined): number[] {
  const p = randperm(n, { generator });
  const out = Array.from(p.toTypedArray() as BigInt64Array, Number);
  p.dispose();
  return out;
}

/**
 * Yields 0, 1, ..., length-1 (`torch.utils.data.SequentialSampler`).
 * @example [...new SequentialSampler({ length: 3 })] // [0, 1, 2]
 */
export class SequentialSampler implements Sampler<number> {
  private readonly source: { readonly length: number };

  /** @param dataSource anything with a length (a dataset) */
  constructor(dataSource: { readonly length: number }) {
    checkSized(dataSource, "SequentialSampler");
    this.source = dataSource;
  }

  /** The dataset's length. */
  get length(): number {
    return this.source.length;
  }

  /** One pass of indices. @example [...sampler] */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.source.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

/** Options of {@link RandomSampler}. */
export interface RandomSamplerOptions {
  /** draw with replacement (default false: each pass is a permutation) */
  replacement?: boolean;
  /** how many indices one pass yields (default: the dataset's length) */
  numSamples?: number;
  /** the generator (default: the global one, seeded by `torch.manualSeed`) */
  generator?: Generator;
}

/**
 * Yields the indices in random order (`torch.utils.data.RandomSampler`):
 * without replacement, each pass is a fresh permutation drawn with `randperm`
 * (several permutations back to back when `numSamples` exceeds the length);
 * with replacement, `numSamples` independent draws from `randint`.
 * @example
 * const s = new RandomSampler(ds, { generator: new torch.Generator().manualSeed(0) });
 * [...s]; // a permutation of 0..ds.length-1
 */
export class RandomSampler implements Sampler<number> {
  private readonly source: { readonly length: number };
  /** Whether draws are with replacement. */
  readonly replacement: boolean;
  /** The generator, if one was given. */
  readonly generator: Generator | undefined;
  private readonly numSamples_: number | undefined;

  constructor(dataSource: { readonly length: number }, options: RandomSamplerOptions = {}) {
    checkSized(dataSource, "RandomSampler");
    this.source = dataSource;
    this.replacement = checkBool(options.replacement ?? false, "replacement", "RandomSampler");
    if (options.numSamples !== undefined) checkPositiveInt(options.numSamples, "numSamples", "RandomSampler");
    this.numSamples_ = options.numSamples;
    this.generator = options.generator;
  }

  /** How many indices one pass yields. */
  get numSamples(): number {
    return this.numSamples_ ?? this.source.length;
  }

  /** Same as numSamples. */
  get length(): number {
    return this.numSamples;
  }

  /** One pass: a permutation, or draws with replacement. @example [...sampler] */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.source.length;
    const m = this.numSamples;
    if (m === 0 || n === 0) return;
    if (this.replacement) {
      const draws = randint(0, n, [m], { generator: this.generator });
      const out = Array.from(draws.toTypedArray() as BigInt64Array, Number);
      draws.dispose();
      yield* out;
      return;
    }
    for (let left = m; left > 0; left -= n) {
      const p = permutation(n, this.generator);
      yield* left >= n ? p : p.slice(0, left);
    }
  }
}

/**
 * Yields the given indices in random order (`torch.utils.data.SubsetRandomSampler`).
 * @example new SubsetRandomSampler([10, 11, 12], { generator: g })
 */
export class SubsetRandomSampler implements Sampler<number> {
  /** The indices to shuffle. */
  readonly indices: readonly number[];
  /** The generator, if one was given. */
  readonly generator: Generator | undefined;

  constructor(indices: readonly number[], options: { generator?: Generator } = {}) {
    if (!Array.isArray(indices)) throw new TypeError("SubsetRandomSampler: indices must be an array of integers");
    this.indices = indices.slice();
    this.generator = options.generator;
  }

  /** The number of indices. */
  get length(): number {
    return this.indices.length;
  }

  /** The indices in a new random order. @example [...sampler] */
  *[Symbol.iterator](): Iterator<number> {
    for (const i of permutation(this.indices.length, this.generator)) yield this.indices[i];
  }
}

/**
 * Groups another sampler's indices into arrays of `batchSize`
 * (`torch.utils.data.BatchSampler`); the last batch is shorter unless `dropLast`.
 * @example
 * [...new BatchSampler(new SequentialSampler({ length: 5 }), 2, false)] // [[0, 1], [2, 3], [4]]
 */
export class BatchSampler implements Sampler<number[]> {
  /** The sampler whose indices are grouped. */
  readonly sampler: Sampler<number>;
  /** The size of each full batch. */
  readonly batchSize: number;
  /** Whether a last, incomplete batch is dropped. */
  readonly dropLast: boolean;

  constructor(sampler: Sampler<number>, batchSize: number, dropLast: boolean) {
    if (sampler === null || typeof sampler !== "object" || typeof (sampler as Partial<Iterable<number>>)[Symbol.iterator] !== "function")
      throw new TypeError("BatchSampler: sampler must be iterable");
    this.sampler = sampler;
    this.batchSize = checkPositiveInt(batchSize, "batchSize", "BatchSampler");
    this.dropLast = checkBool(dropLast, "dropLast", "BatchSampler");
  }

  /** The number of batches; throws when the sampler has no length. */
  get length(): number {
    const n = this.sampler.length;
    if (typeof n !== "number") throw new TypeError("BatchSampler: the sampler has no length, so the number of batches is unknown");
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The batches of one pass. @example for (const idx of batchSampler) ... */
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
