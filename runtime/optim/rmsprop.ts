/**
 * RMSprop with momentum, centering, weight decay and maximize (PyTorch 1.13's
 * torch/optim/rmsprop.py, single-tensor form).
 */
import { Tensor } from "../tensor";
import { keep } from "../memory";
import { zerosLike } from "../ops/creation";
import "../ops/binary";
import "../ops/unary";
import { Optimizer, OptimizerOptions, ParamGroup, Params, checkNumber } from "./optimizer";

/** Options of {@link RMSprop}. */
export interface RMSpropOptions extends OptimizerOptions {
  /** learning rate (default 1e-2) */
  lr: number;
  /** smoothing constant of the squared-gradient average (default 0.99) */
  alpha?: number;
  /** added to the denominator for numerical stability (default 1e-8) */
  eps?: number;
  /** L2 penalty added to the gradient (default 0) */
  weightDecay?: number;
  /** momentum factor (default 0) */
  momentum?: number;
  /** normalize by an estimate of the gradient's variance (default false) */
  centered?: boolean;
  /** maximize the objective instead of minimizing it (default false) */
  maximize?: boolean;
}

/** RMSprop's options with every default filled in, as its parameter groups hold them. */
export type RMSpropGroupOptions = Required<RMSpropOptions>;

/**
 * RMSprop (PyTorch's `torch.optim.RMSprop`). State per parameter: `step`,
 * `square_avg`, `momentum_buffer` (momentum > 0), `grad_avg` (centered).
 * @example
 * const opt = new optim.RMSprop(model.parameters(), { lr: 0.01, momentum: 0.9, centered: true });
 * opt.step();
 */
export class RMSprop extends Optimizer<RMSpropGroupOptions> {
  /**
   * @param params tensors, or parameter groups
   * @param options defaults for the groups (lr 1e-2, alpha 0.99, eps 1e-8)
   */
  constructor(params: Params<RMSpropGroupOptions>, options: Partial<RMSpropOptions> = {}) {
    const o = options ?? {};
    super(params, {
      lr: o.lr ?? 1e-2,
      alpha: o.alpha ?? 0.99,
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
      momentum: o.momentum ?? 0,
      centered: o.centered ?? false,
      maximize: o.maximize ?? false,
    });
  }

  protected override _validate(g: RMSpropGroupOptions): void {
    checkNumber(g.lr, (v) => v >= 0, "Invalid learning rate:");
    checkNumber(g.eps, (v) => v >= 0, "Invalid epsilon value:");
    checkNumber(g.momentum, (v) => v >= 0, "Invalid momentum value:");
    checkNumber(g.weightDecay, (v) => v >= 0, "Invalid weight_decay value:");
    checkNumber(g.alpha, (v) => v >= 0, "Invalid alpha value:");
  }

  protected _updateGroup(group: ParamGroup<RMSpropGroupOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    this._forEachParam(group, (_p, param, grad, state) => {
      if (!(state.square_avg instanceof Tensor)) {
        state.step = 0;
        state.square_avg = keep(zerosLike(param));
      }
      if (momentum > 0 && !(state.momentum_buffer instanceof Tensor)) state.momentum_buffer = keep(zerosLike(param));
      if (centered && !(state.grad_avg instanceof Tensor)) state.grad_avg = keep(zerosLike(param));
      state.step = Number(state.step ?? 0) + 1;
      const squareAvg = state.square_avg;

      let g = maximize ? grad.neg() : grad;
      if (weightDecay !== 0) g = g.add(param, { alpha: weightDecay });
      squareAvg.mul_(alpha).add_(g.mul(g), { alpha: 1 - alpha });
      let avg: Tensor;
      if (centered) {
        const gradAvg = state.grad_avg as Tensor;
        gradAvg.mul_(alpha).add_(g, { alpha: 1 - alpha });
        avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt_();
      } else {
        avg = squareAvg.sqrt();
      }
      avg.add_(eps);
      if (momentum > 0) {
        const buf = state.momentum_buffer as Tensor;
        buf.mul_(momentum).add_(g.div(avg));
        param.add_(buf, { alpha: -lr });
      } else {
        param.add_(g.div(avg), { alpha: -lr });
      }
    });
  }
}
