/**
 * Learning-rate schedulers (PyTorch 1.13's torch/optim/lr_scheduler.py):
 * StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR.
 *
 * `step()` uses PyTorch's chainable (recursive) form, which multiplies the
 * groups' current lr; `step(epoch)` uses the closed form where one exists.
 */
import { Optimizer, OptimizerOptions, typeName } from "./optimizer";

/** A scheduler's state dict: PyTorch's attribute names (snake_case). */
export interface SchedulerStateDict {
  base_lrs: number[];
  last_epoch: number;
  _step_count: number;
  _last_lr: number[];
  [key: string]: unknown;
}

/** Options every scheduler accepts. */
export interface SchedulerOptions {
  /** index of the last epoch when resuming (default -1: start fresh) */
  lastEpoch?: number;
}

const EPOCH_DEPRECATION_WARNING =
  "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. " +
  "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from None, " +
  "the closed form is used instead of the new chainable form, where available.";

function checkInt(v: unknown, name: string, ok: (n: number) => boolean, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || !ok(v)) throw new TypeError(`${name} must be ${what}, got ${typeof v === "number" ? v : typeName(v)}`);
  return v;
}

function checkNum(v: unknown, name: string): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new TypeError(`${name} must be a number, got ${typeName(v)}`);
  return v;
}

/** Python's `%` (the result has the sign of the divisor). */
const pyMod = (a: number, m: number): number => ((a % m) + m) % m;

/**
 * Base class of the schedulers (PyTorch's `_LRScheduler`, `LRScheduler` in 2.x).
 * Constructing one records each group's `initial_lr` and performs the first
 * step (epoch 0). Call `step()` after `optimizer.step()`, once per epoch.
 * @example
 * const sched = new optim.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export abstract class LRScheduler {
  /** The optimizer whose groups' lr this scheduler sets. */
  readonly optimizer: Optimizer<OptimizerOptions>;
  /** Each group's `initial_lr`. */
  baseLrs: number[];
  /** The index of the last epoch (-1 before the first step; 0 after construction). */
  lastEpoch: number;
  /** @internal */ protected _stepCount = 0;
  /** @internal */ protected _lastLr: number[] = [];

  /** @internal subclasses set their fields, then call `_initialStep()` */
  protected constructor(optimizer: Optimizer<OptimizerOptions>, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${typeName(optimizer)} is not an Optimizer`);
    checkInt(lastEpoch, "lastEpoch", (n) => n >= -1, "an integer >= -1");
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const group of optimizer.paramGroups) if (group.initial_lr === undefined) group.initial_lr = group.lr;
    } else {
      optimizer.paramGroups.forEach((group, i) => {
        if (group.initial_lr === undefined)
          throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initial_lr as number);
    this.lastEpoch = lastEpoch;
  }

  /** @internal resets the step counts and takes the first step */
  protected _initialStep(): void {
    this.optimizer._stepCount = 0;
    this._stepCount = 0;
    this.step();
  }

  /** @internal the chainable form: the groups' next lrs from their current ones */
  protected abstract _getLr(): number[];

  /** @internal the closed form for `step(epoch)`, when the scheduler has one */
  protected _getClosedFormLr(): number[] | null {
    return null;
  }

  /** @internal the scheduler's own hyper-parameters for its state dict */
  protected _hyperState(): Record<string, unknown> {
    return {};
  }

  /** @internal restores what `_hyperState` saved */
  protected _loadHyperState(_state: Record<string, unknown>): void {}

  /**
   * Advances one epoch and sets each group's lr. With `epoch` (deprecated in
   * PyTorch) it jumps to that epoch using the closed form where there is one.
   * @example opt.step(); sched.step();
   */
  step(epoch?: number): void {
    if (this._stepCount === 1 && this.optimizer._stepCount < 1)
      process.emitWarning(
        "Detected call of `lr_scheduler.step()` before `optimizer.step()`. You should call them in this order: " +
          "`optimizer.step()` before `lr_scheduler.step()`. Failure to do this will result in skipping the first value of the learning rate schedule.",
        "UserWarning",
      );
    this._stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this._getLr();
    } else {
      checkInt(epoch, "epoch", () => true, "an integer");
      process.emitWarning(EPOCH_DEPRECATION_WARNING, "UserWarning");
      this.lastEpoch = epoch;
      values = this._getClosedFormLr() ?? this._getLr();
    }
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = values[i]!;
    });
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The lr of each group as the last `step()` set it.
   * @example sched.getLastLr() // [0.1]
   */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /**
   * The scheduler's state with PyTorch's attribute names (everything but the optimizer).
   * @example const sd = sched.stateDict(); sd.last_epoch;
   */
  stateDict(): SchedulerStateDict {
    return {
      base_lrs: this.baseLrs.slice(),
      last_epoch: this.lastEpoch,
      _step_count: this._stepCount,
      verbose: false,
      _get_lr_called_within_step: false,
      _last_lr: this._lastLr.slice(),
      ...this._hyperState(),
    };
  }

  /**
   * Restores a state from {@link LRScheduler.stateDict}. Load the optimizer's
   * state too: the groups' current lr lives there.
   * @example sched2.loadStateDict(sched.stateDict());
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    if (typeof stateDict !== "object" || stateDict === null) throw new TypeError(`loadStateDict expects an object, got ${typeName(stateDict)}`);
    if (Array.isArray(stateDict.base_lrs)) this.baseLrs = stateDict.base_lrs.slice();
    if (typeof stateDict.last_epoch === "number") this.lastEpoch = stateDict.last_epoch;
    if (typeof stateDict._step_count === "number") this._stepCount = stateDict._step_count;
    if (Array.isArray(stateDict._last_lr)) this._lastLr = stateDict._last_lr.slice();
    this._loadHyperState(stateDict);
  }

  /** @internal the groups' current lrs */
  protected _groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}

/** Options of {@link StepLR}. */
export interface StepLROptions extends SchedulerOptions {
  /** period of the decay, in epochs */
  stepSize: number;
  /** multiplicative factor (default 0.1) */
  gamma?: number;
}

/**
 * Multiplies each group's lr by `gamma` every `stepSize` epochs.
 * @example
 * const sched = new optim.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * // lr = 0.05 for epochs 0-29, 0.005 for 30-59, ...
 */
export class StepLR extends LRScheduler {
  /** Period of the decay, in epochs. */
  stepSize: number;
  /** Multiplicative factor. */
  gamma: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, options: StepLROptions) {
    const stepSize = checkInt(options?.stepSize, "stepSize", (n) => n > 0, "a positive integer");
    const gamma = checkNum(options.gamma ?? 0.1, "gamma");
    super(optimizer, options.lastEpoch ?? -1);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this._initialStep();
  }

  protected _getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this._groupLrs();
    return this._groupLrs().map((lr) => lr * this.gamma);
  }

  protected override _getClosedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }

  protected override _hyperState(): Record<string, unknown> {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected override _loadHyperState(s: Record<string, unknown>): void {
    if (typeof s.step_size === "number") this.stepSize = s.step_size;
    if (typeof s.gamma === "number") this.gamma = s.gamma;
  }
}

/** Options of {@link MultiStepLR}. */
export interface MultiStepLROptions extends SchedulerOptions {
  /** epochs at which to decay (a milestone listed twice decays twice) */
  milestones: number[];
  /** multiplicative factor (default 0.1) */
  gamma?: number;
}

/**
 * Multiplies each group's lr by `gamma` at each milestone epoch.
 * @example
 * const sched = new optim.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Milestone epoch -> how many times it was listed (PyTorch's Counter). */
  milestones: Map<number, number>;
  /** Multiplicative factor. */
  gamma: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, options: MultiStepLROptions) {
    const ms: unknown = options?.milestones;
    if (!Array.isArray(ms)) throw new TypeError(`milestones must be an array of integers, got ${typeName(ms)}`);
    const milestones = new Map<number, number>();
    for (const m of ms) {
      checkInt(m, "milestones", () => true, "an array of integers");
      milestones.set(m, (milestones.get(m) ?? 0) + 1);
    }
    const gamma = checkNum(options.gamma ?? 0.1, "gamma");
    super(optimizer, options.lastEpoch ?? -1);
    this.milestones = milestones;
    this.gamma = gamma;
    this._initialStep();
  }

  protected _getLr(): number[] {
    const n = this.milestones.get(this.lastEpoch);
    if (n === undefined) return this._groupLrs();
    return this._groupLrs().map((lr) => lr * this.gamma ** n);
  }

  protected override _getClosedFormLr(): number[] {
    let passed = 0;  // bisect_right over the sorted milestones (with repeats)
    for (const [m, n] of this.milestones) if (m <= this.lastEpoch) passed += n;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }

  protected override _hyperState(): Record<string, unknown> {
    return { milestones: Object.fromEntries([...this.milestones].map(([m, n]) => [String(m), n])), gamma: this.gamma };
  }

  protected override _loadHyperState(s: Record<string, unknown>): void {
    if (s.milestones instanceof Map) this.milestones = new Map(s.milestones as Map<number, number>);
    else if (typeof s.milestones === "object" && s.milestones !== null)
      this.milestones = new Map(Object.entries(s.milestones as Record<string, number>).map(([m, n]) => [Number(m), n]));
    if (typeof s.gamma === "number") this.gamma = s.gamma;
  }
}

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions extends SchedulerOptions {
  /** multiplicative factor per epoch */
  gamma: number;
}

/**
 * Multiplies each group's lr by `gamma` every epoch.
 * @example const sched = new optim.ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor per epoch. */
  gamma: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, options: ExponentialLROptions) {
    const gamma = checkNum(options?.gamma, "gamma");
    super(optimizer, options.lastEpoch ?? -1);
    this.gamma = gamma;
    this._initialStep();
  }

  protected _getLr(): number[] {
    if (this.lastEpoch === 0) return this._groupLrs();
    return this._groupLrs().map((lr) => lr * this.gamma);
  }

  protected override _getClosedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }

  protected override _hyperState(): Record<string, unknown> {
    return { gamma: this.gamma };
  }

  protected override _loadHyperState(s: Record<string, unknown>): void {
    if (typeof s.gamma === "number") this.gamma = s.gamma;
  }
}

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** half-period of the cosine, in epochs (PyTorch's T_max) */
  TMax: number;
  /** minimum lr (default 0) */
  etaMin?: number;
}

/**
 * Cosine annealing from each group's initial lr down to `etaMin` over `TMax`
 * epochs, then back up (PyTorch 1.13's recursive form, so it composes with
 * other changes to lr; past TMax it keeps oscillating, without restarts).
 * @example const sched = new optim.CosineAnnealingLR(opt, { TMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half-period, in epochs. */
  TMax: number;
  /** Minimum lr. */
  etaMin: number;

  constructor(optimizer: Optimizer<OptimizerOptions>, options: CosineAnnealingLROptions) {
    const TMax = checkInt(options?.TMax, "TMax", (n) => n > 0, "a positive integer");
    const etaMin = checkNum(options.etaMin ?? 0, "etaMin");
    super(optimizer, options.lastEpoch ?? -1);
    this.TMax = TMax;
    this.etaMin = etaMin;
    this._initialStep();
  }

  protected _getLr(): number[] {
    const { lastEpoch: e, TMax: T, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (e === 0) return this._groupLrs();
    if (this._stepCount === 1 && e > 0)
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    if (pyMod(e - 1 - T, 2 * T) === 0)
      return groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected override _getClosedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.TMax))) / 2);
  }

  protected override _hyperState(): Record<string, unknown> {
    return { T_max: this.TMax, eta_min: this.etaMin };
  }

  protected override _loadHyperState(s: Record<string, unknown>): void {
    if (typeof s.T_max === "number") this.TMax = s.T_max;
    if (typeof s.eta_min === "number") this.etaMin = s.eta_min;
  }
}

/** A function of the epoch giving the factor applied to a group's initial lr. */
export type LrLambda = (epoch: number) => number;

/** Options of {@link LambdaLR}. */
export interface LambdaLROptions extends SchedulerOptions {
  /** one function for all groups, or one per group */
  lrLambda: LrLambda | LrLambda[];
}

/**
 * Sets each group's lr to its initial lr times `lrLambda(epoch)`.
 * @example
 * const sched = new optim.LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
 * const warm = new optim.LambdaLR(opt2, { lrLambda: [(e) => Math.min(1, (e + 1) / 5), (e) => 1] });
 */
export class LambdaLR extends LRScheduler {
  /** One function per group. */
  lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer<OptimizerOptions>, options: LambdaLROptions) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${typeName(optimizer)} is not an Optimizer`);
    const fn: unknown = options?.lrLambda;
    const n = optimizer.paramGroups.length;
    let lambdas: LrLambda[];
    if (Array.isArray(fn)) {
      if (fn.length !== n) throw new Error(`Expected ${n} lr_lambdas, but got ${fn.length}`);
      lambdas = fn.slice() as LrLambda[];
    } else {
      lambdas = new Array<LrLambda>(n).fill(fn as LrLambda);
    }
    for (const f of lambdas) if (typeof f !== "function") throw new TypeError(`lrLambda must be a function or an array of functions, got ${typeName(f)}`);
    super(optimizer, options.lastEpoch ?? -1);
    this.lrLambdas = lambdas;
    this._initialStep();
  }

  protected _getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i]!(this.lastEpoch));
  }

  /** Functions are not saved (PyTorch saves only callable objects' attributes): `lr_lambdas` holds nulls. */
  protected override _hyperState(): Record<string, unknown> {
    return { lr_lambdas: this.lrLambdas.map(() => null) };
  }
}
