/**
 * Random sampling: rand, randn, randint, randperm, normal_, uniform_, and the
 * seeded generator. Numbers come from a counter-based generator (Philox4x32-10)
 * keyed by the seed and advanced by an offset, so the same seed gives the same
 * numbers on every run and every thread count. They are not PyTorch's
 * numbers (PyTorch's CPU generator is a Mersenne Twister).
 */
import { meta } from "../addon";
import { DType, DTYPE_CODES, checkDtype, getDefaultDtype, isFloatingPoint } from "../dtype";
import { backendFor } from "../dispatch";
import { Tensor } from "../tensor";
import { isGradEnabled } from "../autograd/grad_mode";
import { applyInplace, raw } from "../autograd/function";
import { record } from "../autograd/node";
import { SizeAndOptions, TensorOptions, resolveDevice, splitSizeArgs } from "./creation";
import { copyInto } from "./copy";
import { cudaDefaultGenerator } from "../cuda/random";
import { implDtype } from "./half";

/** PyTorch's default CPU seed, so an unseeded program is still repeatable. */
const DEFAULT_SEED = 67280421310721;

/**
 * A random number generator state (`torch.Generator`).
 * @example const g = new torch.Generator().manualSeed(42); torch.rand(3, { generator: g });
 */
export class Generator {
  private seed_ = DEFAULT_SEED;
  /** @internal 32-bit words consumed so far */
  offset = 0;

  /** Reseeds and returns this generator. @example g.manualSeed(1) */
  manualSeed(seed: number | bigint): this {
    const s = typeof seed === "bigint" ? Number(BigInt.asUintN(53, seed)) : seed;
    if (!Number.isInteger(s) || s < 0 || s > Number.MAX_SAFE_INTEGER)
      throw new RangeError(`manualSeed expected a non-negative integer below 2^53, got ${String(seed)}`);
    this.seed_ = s;
    this.offset = 0;
    return this;
  }

  /** The current seed. @example g.initialSeed() */
  initialSeed(): number {
    return this.seed_;
  }

  /** A copyable snapshot of the state. @example const s = g.getState(); ...; g.setState(s); */
  getState(): { seed: number; offset: number } {
    return { seed: this.seed_, offset: this.offset };
  }

  /** Restores a snapshot from getState. @example g.setState(s) */
  setState(state: { seed: number; offset: number }): this {
    this.seed_ = state.seed;
    this.offset = state.offset;
    return this;
  }
}

/** The default generator used when none is given. */
export const defaultGenerator = new Generator();

/**
 * Seeds the default generator: the same seed gives the same numbers on every run.
 * @example torch.manualSeed(5000)
 */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** Seed of the default generator. @example torch.initialSeed() */
export function initialSeed(): number {
  return defaultGenerator.initialSeed();
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

const KIND = { uniform: 0, normal: 1, integers: 2, perm: 3 } as const;

/** @internal fills t (any layout) from the generator (default: the one of t's device) */
export function fillRandom(t: Tensor, kind: keyof typeof KIND, a: number, b: number, generator?: Generator): Tensor {
  const gen = generator ?? (t.device.type === "cpu" ? defaultGenerator : cudaDefaultGenerator(t.device.index ?? 0));
  if (t._requiresGrad && isGradEnabled()) {
    // Overwriting a tracked tensor: its old history gets no gradient (PyTorch's UniformBackward0, ...).
    return applyInplace(t, () => {
      const r = raw(() => fillRandom(Tensor._empty(t._shape.slice(), t.dtype, t.device), kind, a, b, gen));
      record(kind === "uniform" ? "UniformBackward0" : kind === "normal" ? "NormalBackward0" : "RandomBackward0", [t], r, () => [null]);
      return r;
    });
  }
  // Note [16-bit floats] (ops/half.ts): 16-bit tensors are drawn in float32 and rounded.
  const drawn = implDtype(t.dtype, t.device, "other");
  const target = t.isContiguous() && drawn === t.dtype ? t : Tensor._empty(t._shape.slice(), drawn, t.device);
  const n = target.numel();
  if (n > 0) {
    meta[0] = n;
    meta[1] = target._elemOffset;
    const used = backendFor(t.device).random(KIND[kind], DTYPE_CODES[drawn], target._live(), gen.initialSeed(), gen.offset, a, b);
    gen.offset += used;
  }
  if (target !== t) {
    copyInto(t, target);
    target.dispose();
  }
  t._version.value++;
  return t;
}

function make(args: SizeAndOptions, what: string, floatOnly: boolean): [Tensor, RandomOptions] {
  const [shape, opts] = splitSizeArgs(args, what);
  const o = opts as RandomOptions;
  const dtype = o.dtype !== undefined ? checkDtype(o.dtype) : getDefaultDtype();
  if (floatOnly && !isFloatingPoint(dtype))
    throw new TypeError(`"${what === "rand" ? "check_uniform_bounds" : "normal_kernel_cpu"}" not implemented for '${dtype}'`);
  return [Tensor._empty(shape, dtype, resolveDevice(o.device)), o];
}

function done(t: Tensor, o: TensorOptions): Tensor {
  if (o.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Uniform samples in [0, 1).
 * @example torch.manualSeed(0); torch.rand(5, 3)
 */
export function rand(...args: SizeAndOptions): Tensor {
  const [t, o] = make(args, "rand", true);
  return done(fillRandom(t, "uniform", 0, 1, o.generator), o);
}

/**
 * Standard normal samples.
 * @example torch.randn(4, 1)
 */
export function randn(...args: SizeAndOptions): Tensor {
  const [t, o] = make(args, "randn", true);
  return done(fillRandom(t, "normal", 0, 1, o.generator), o);
}

/**
 * Integers uniform in [low, high) (low defaults to 0); int64 unless dtype is given.
 * @example torch.randint(0, 10, [3, 3]); torch.randint(10, [5])
 */
export function randint(low: number, high: number | readonly number[], size?: readonly number[] | RandomOptions, options: RandomOptions = {}): Tensor {
  let lo = low, hi: number, shape: readonly number[];
  if (Array.isArray(high)) {
    lo = 0; hi = low; shape = high as readonly number[];
    if (size !== undefined && !Array.isArray(size)) options = size as RandomOptions;
  } else {
    hi = high as number;
    if (!Array.isArray(size)) throw new TypeError("randint(): expected a size array, as in randint(low, high, [2, 3])");
    shape = size as readonly number[];
  }
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new TypeError("randint(): low and high must be integers");
  if (lo >= hi) throw new RangeError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
  const [shp] = splitSizeArgs([shape], "randint");
  const dtype: DType = options.dtype !== undefined ? checkDtype(options.dtype) : "int64";
  const t = Tensor._empty(shp, dtype, resolveDevice(options.device));
  return done(fillRandom(t, "integers", lo, hi, options.generator), options);
}

/**
 * A random permutation of 0..n-1 (int64).
 * @example torch.randperm(5)
 */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm(): n must be a non-negative integer, got ${n}`);
  const perm = Tensor._empty([n], "int64", resolveDevice(options.device));
  fillRandom(perm, "perm", 0, n, options.generator);
  const dtype = options.dtype !== undefined ? checkDtype(options.dtype) : "int64";
  return done(dtype === "int64" ? perm : perm.to(dtype), options);
}

/** Uniform samples shaped like x. @example torch.randLike(x) */
export function randLike(x: Tensor, options: RandomOptions = {}): Tensor {
  return rand(x._shape, { dtype: options.dtype ?? x.dtype, device: options.device ?? x.device, requiresGrad: options.requiresGrad, generator: options.generator });
}
/** Normal samples shaped like x. @example torch.randnLike(x) */
export function randnLike(x: Tensor, options: RandomOptions = {}): Tensor {
  return randn(x._shape, { dtype: options.dtype ?? x.dtype, device: options.device ?? x.device, requiresGrad: options.requiresGrad, generator: options.generator });
}
/** Integers in [low, high) shaped like x. @example torch.randintLike(x, 0, 10) */
export function randintLike(x: Tensor, low: number, high: number, options: RandomOptions = {}): Tensor {
  return randint(low, high, x._shape, { dtype: options.dtype ?? x.dtype, device: options.device ?? x.device, generator: options.generator });
}

declare module "../tensor" {
  interface Tensor {
    /** Fills with U(from, to) in place. @example x.uniform_(-1, 1) */
    uniform_(from?: number, to?: number, options?: { generator?: Generator }): this;
    /** Fills with N(mean, std) in place. @example x.normal_(0, 0.01) */
    normal_(mean?: number, std?: number, options?: { generator?: Generator }): this;
    /** Fills with integers in [from, to) in place. @example x.random_(0, 10) */
    random_(from: number, to: number, options?: { generator?: Generator }): this;
  }
}

Tensor.prototype.uniform_ = function (this: Tensor, a = 0, b = 1, o: { generator?: Generator } = {}) {
  if (!isFloatingPoint(this.dtype)) throw new TypeError(`"check_uniform_bounds" not implemented for '${this.dtype}'`);
  if (a > b) throw new RangeError(`uniform_ expects to return a [from, to) range, but found from=${a} > to=${b}`);
  fillRandom(this, "uniform", a, b, o.generator);
  return this;
};
Tensor.prototype.normal_ = function (this: Tensor, m = 0, s = 1, o: { generator?: Generator } = {}) {
  if (!isFloatingPoint(this.dtype)) throw new TypeError(`"normal_kernel_cpu" not implemented for '${this.dtype}'`);
  if (s < 0) throw new RangeError(`normal expects std >= 0.0, but found std ${s}`);
  fillRandom(this, "normal", m, s, o.generator);
  return this;
};
Tensor.prototype.random_ = function (this: Tensor, a: number, b: number, o: { generator?: Generator } = {}) {
  if (a >= b) throw new RangeError(`random_ expects 'from' to be less than 'to', but got from=${a} >= to=${b}`);
  fillRandom(this, "integers", a, b, o.generator);
  return this;
};
