/**
 * Adam and AdamW, with amsgrad and maximize (PyTorch 1.13's torch/optim/adam.py
 * and adamw.py, single-tensor form).
 */
import { Tensor } from "../tensor";
import { keep } from "../memory";
import { zerosLike } from "../ops/creation";
import "../ops/binary";
import "../ops/unary";
import "../ops/copy";
import { Optimizer, OptimizerOptions, ParamGroup, ParamState, Params, checkNumber } from "./optimizer";

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions extends OptimizerOptions {
  /** learning rate (default 1e-3) */
  lr: number;
  /** coefficients of the running averages of the gradient and its square (default [0.9, 0.999]) */
  betas?: [number, number];
  /** added to the denominator for numerical stability (default 1e-8) */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay factor (default 1e-2) */
  weightDecay?: number;
  /** the AMSGrad variant (default false) */
  amsgrad?: boolean;
  /** maximize the objective instead of minimizing it (default false) */
  maximize?: boolean;
}

/** Adam's options with every default filled in, as its parameter groups hold them. */
export type AdamGroupOptions = Required<AdamOptions>;

function fill(o: Partial<AdamOptions> | undefined, weightDecay: number): AdamGroupOptions {
  const opts = o ?? {};
  return {
    lr: opts.lr ?? 1e-3,
    betas: opts.betas !== undefined ? [opts.betas[0], opts.betas[1]] : [0.9, 0.999],
    eps: opts.eps ?? 1e-8,
    weightDecay: opts.weightDecay ?? weightDecay,
    amsgrad: opts.amsgrad ?? false,
    maximize: opts.maximize ?? false,
  };
}

function validate(g: AdamGroupOptions): void {
  checkNumber(g.lr, (v) => v >= 0, "Invalid learning rate:");
  checkNumber(g.eps, (v) => v >= 0, "Invalid epsilon value:");
  if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new TypeError(`betas must be a pair [beta1, beta2], got ${String(g.betas)}`);
  checkNumber(g.betas[0], (v) => v >= 0 && v < 1, "Invalid beta parameter at index 0:");
  checkNumber(g.betas[1], (v) => v >= 0 && v < 1, "Invalid beta parameter at index 1:");
  checkNumber(g.weightDecay, (v) => v >= 0, "Invalid weight_decay value:");
}

/** @internal one Adam/AdamW update of one parameter */
function adamUpdate(group: AdamGroupOptions, param: Tensor, grad: Tensor, state: ParamState, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  if (!(state.exp_avg instanceof Tensor)) {
    state.step = 0;
    state.exp_avg = keep(zerosLike(param));
    state.exp_avg_sq = keep(zerosLike(param));
  }
  if (amsgrad && !(state.max_exp_avg_sq instanceof Tensor)) state.max_exp_avg_sq = keep(zerosLike(param));
  const expAvg = state.exp_avg;
  const expAvgSq = state.exp_avg_sq as Tensor;
  const step = Number(state.step ?? 0) + 1;
  state.step = step;

  let g = maximize ? grad.neg() : grad;
  if (decoupled) param.mul_(1 - lr * weightDecay);
  else if (weightDecay !== 0) g = g.add(param, { alpha: weightDecay });

  expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
  expAvgSq.mul_(beta2).add_(g.mul(g), { alpha: 1 - beta2 });

  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const stepSize = lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  let denom: Tensor;
  if (amsgrad) {
    const maxSq = state.max_exp_avg_sq as Tensor;
    maxSq.copy_(maxSq.maximum(expAvgSq));
    denom = maxSq.sqrt().div_(biasCorrection2Sqrt).add_(eps);
  } else {
    denom = expAvgSq.sqrt().div_(biasCorrection2Sqrt).add_(eps);
  }
  param.add_(expAvg.div(denom), { alpha: -stepSize });
}

/**
 * Adam (PyTorch's `torch.optim.Adam`): weight decay is an L2 penalty added to
 * the gradient. State per parameter: `step`, `exp_avg`, `exp_avg_sq`, and
 * `max_exp_avg_sq` with amsgrad.
 * @example
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer<AdamGroupOptions> {
  /**
   * @param params tensors, or parameter groups `{ params, lr?, betas?, ... }`
   * @param options defaults for the groups (lr 1e-3, betas [0.9, 0.999], eps 1e-8)
   */
  constructor(params: Params<AdamGroupOptions>, options: Partial<AdamOptions> = {}) {
    super(params, fill(options, 0));
  }

  protected override _validate(g: AdamGroupOptions): void {
    validate(g);
  }

  protected _updateGroup(group: ParamGroup<AdamGroupOptions>): void {
    this._forEachParam(group, (_p, param, grad, state) => adamUpdate(group, param, grad, state, false));
  }
}

/**
 * AdamW (PyTorch's `torch.optim.AdamW`): Adam with decoupled weight decay,
 * `param *= 1 - lr * weightDecay` before each update (default weightDecay 1e-2).
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * opt.step();
 */
export class AdamW extends Optimizer<AdamGroupOptions> {
  /**
   * @param params tensors, or parameter groups
   * @param options defaults for the groups (lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2)
   */
  constructor(params: Params<AdamGroupOptions>, options: Partial<AdamOptions> = {}) {
    super(params, fill(options, 1e-2));
  }

  protected override _validate(g: AdamGroupOptions): void {
    validate(g);
  }

  protected _updateGroup(group: ParamGroup<AdamGroupOptions>): void {
    this._forEachParam(group, (_p, param, grad, state) => adamUpdate(group, param, grad, state, true));
  }
}
