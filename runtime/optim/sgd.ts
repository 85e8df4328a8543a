/**
 * SGD with momentum, dampening, Nesterov momentum, weight decay and maximize
 * (PyTorch 1.13's torch/optim/sgd.py, single-tensor form).
 */
import { Tensor } from "../tensor";
import { keep } from "../memory";
import "../ops/binary";
import "../ops/unary";
import "../ops/copy";
import { Optimizer, OptimizerOptions, ParamGroup, Params, checkNumber } from "./optimizer";

/** Options of {@link SGD}; all but `lr` default to 0 / false. */
export interface SGDOptions extends OptimizerOptions {
  /** learning rate (required, as in PyTorch 1.13) */
  lr: number;
  /** momentum factor (default 0) */
  momentum?: number;
  /** dampening for momentum (default 0) */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0) */
  weightDecay?: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0 */
  nesterov?: boolean;
  /** maximize the objective instead of minimizing it (default false) */
  maximize?: boolean;
}

/** SGD's options with every default filled in, as its parameter groups hold them. */
export type SGDGroupOptions = Required<SGDOptions>;

/**
 * Stochastic gradient descent, optionally with (Nesterov) momentum
 * (PyTorch's `torch.optim.SGD`). State per parameter: `momentum_buffer`
 * (null while momentum is 0).
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDGroupOptions> {
  /**
   * @param params tensors, or parameter groups `{ params, lr?, momentum?, ... }`
   * @param options defaults for the groups
   */
  constructor(params: Params<SGDGroupOptions>, options: SGDOptions) {
    const o: Partial<SGDOptions> = options ?? {};
    super(params, {
      lr: o.lr as number,
      momentum: o.momentum ?? 0,
      dampening: o.dampening ?? 0,
      weightDecay: o.weightDecay ?? 0,
      nesterov: o.nesterov ?? false,
      maximize: o.maximize ?? false,
    });
  }

  protected override _validate(g: SGDGroupOptions): void {
    checkNumber(g.lr, (v) => v >= 0, "Invalid learning rate:");
    checkNumber(g.momentum, (v) => v >= 0, "Invalid momentum value:");
    checkNumber(g.dampening, () => true, "Invalid dampening value:");
    checkNumber(g.weightDecay, (v) => v >= 0, "Invalid weight_decay value:");
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0))
      throw new Error("Nesterov momentum requires a momentum and zero dampening");
  }

  protected _updateGroup(group: ParamGroup<SGDGroupOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    this._forEachParam(group, (_p, param, grad, state) => {
      let dp = maximize ? grad.neg() : grad;
      if (weightDecay !== 0) dp = dp.add(param, { alpha: weightDecay });
      if (momentum !== 0) {
        let buf = state.momentum_buffer;
        if (!(buf instanceof Tensor)) {
          buf = keep(dp.clone());
          state.momentum_buffer = buf;
        } else {
          buf.mul_(momentum).add_(dp, { alpha: 1 - dampening });
        }
        dp = nesterov ? dp.add(buf, { alpha: momentum }) : buf;
      } else {
        state.momentum_buffer ??= null;
      }
      param.add_(dp, { alpha: -lr });
    });
  }
}
