/**
 * Adagrad with lr decay, weight decay, an initial accumulator value and
 * maximize (PyTorch 1.13's torch/optim/adagrad.py, single-tensor form).
 */
import { Tensor } from "../tensor";
import { keep } from "../memory";
import { fullLike } from "../ops/creation";
import { noGrad } from "../autograd/grad_mode";
import "../ops/binary";
import "../ops/unary";
import { Optimizer, OptimizerOptions, ParamGroup, ParamState, Params, checkNumber } from "./optimizer";

/** Options of {@link Adagrad}. */
export interface AdagradOptions extends OptimizerOptions {
  /** learning rate (default 1e-2) */
  lr: number;
  /** learning rate decay: step t uses lr / (1 + (t - 1) * lrDecay) (default 0) */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0) */
  weightDecay?: number;
  /** starting value of the sum of squared gradients (default 0) */
  initialAccumulatorValue?: number;
  /** added to the denominator for numerical stability (default 1e-10) */
  eps?: number;
  /** maximize the objective instead of minimizing it (default false) */
  maximize?: boolean;
}

/** Adagrad's options with every default filled in, as its parameter groups hold them. */
export type AdagradGroupOptions = Required<AdagradOptions>;

/**
 * Adagrad (PyTorch's `torch.optim.Adagrad`). State per parameter, created
 * with the optimizer as in PyTorch: `step` and `sum`.
 * @example
 * const opt = new optim.Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 * opt.step();
 */
export class Adagrad extends Optimizer<AdagradGroupOptions> {
  /**
   * @param params tensors, or parameter groups
   * @param options defaults for the groups (lr 1e-2, eps 1e-10)
   */
  constructor(params: Params<AdagradGroupOptions>, options: Partial<AdagradOptions> = {}) {
    const o = options ?? {};
    super(params, {
      lr: o.lr ?? 1e-2,
      lrDecay: o.lrDecay ?? 0,
      weightDecay: o.weightDecay ?? 0,
      initialAccumulatorValue: o.initialAccumulatorValue ?? 0,
      eps: o.eps ?? 1e-10,
      maximize: o.maximize ?? false,
    });
    for (const group of this.paramGroups) for (const p of group.params) this._initState(p, this._stateOf(p), group.initialAccumulatorValue);
  }

  private _initState(p: Tensor, state: ParamState, init: number): void {
    state.step = 0;
    state.sum = keep(noGrad(() => fullLike(p, init, { requiresGrad: false })));
  }

  protected override _validate(g: AdagradGroupOptions): void {
    checkNumber(g.lr, (v) => v >= 0, "Invalid learning rate:");
    checkNumber(g.lrDecay, (v) => v >= 0, "Invalid lr_decay value:");
    checkNumber(g.weightDecay, (v) => v >= 0, "Invalid weight_decay value:");
    checkNumber(g.initialAccumulatorValue, (v) => v >= 0, "Invalid initial_accumulator_value value:");
    checkNumber(g.eps, (v) => v >= 0, "Invalid epsilon value:");
  }

  protected _updateGroup(group: ParamGroup<AdagradGroupOptions>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    this._forEachParam(group, (p, param, grad, state) => {
      if (!(state.sum instanceof Tensor)) this._initState(p, state, group.initialAccumulatorValue);
      const sum = state.sum as Tensor;
      const step = Number(state.step ?? 0) + 1;
      state.step = step;
      let g = maximize ? grad.neg() : grad;
      if (weightDecay !== 0) g = g.add(param, { alpha: weightDecay });
      const clr = lr / (1 + (step - 1) * lrDecay);
      sum.add_(g.mul(g));
      const std = sum.sqrt().add_(eps);
      param.add_(g.div(std), { alpha: -clr });
    });
  }
}
