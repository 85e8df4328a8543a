/**
 * Regression losses: mse, l1, smooth L1, Huber.
 */
import { fmtShape, shapeEquals } from "../../shape";
import { Tensor } from "../../tensor";
import "../../ops/binary";
import "../../ops/unary";
import "../../ops/where";
import { checkReduction, checkTensor, reduce, Reduction, untracked, warnOnce } from "./util";

/** Options of every loss. */
export interface LossOptions {
  /** "mean" (default), "sum" or "none" */
  reduction?: Reduction;
}

/** Options of {@link smoothL1Loss}. */
export interface SmoothL1LossOptions extends LossOptions {
  /** where the loss switches from quadratic to linear (default 1) */
  beta?: number;
}

/** Options of {@link huberLoss}. */
export interface HuberLossOptions extends LossOptions {
  /** where the loss switches from quadratic to linear (default 1) */
  delta?: number;
}

/** @internal input - target, warning (as PyTorch does) when broadcasting changes the shape */
function difference(input: Tensor, target: Tensor, fn: string): Tensor {
  checkTensor(input, fn, "input");
  checkTensor(target, fn, "target");
  if (!shapeEquals(input.shape, target.shape))
    warnOnce(`Using a target size (${fmtShape(target.shape)}) that is different to the input size (${fmtShape(input.shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`);
  return input.sub(target);
}

/**
 * Mean squared error: (input - target)² reduced.
 * @example F.mseLoss(pred, y); F.mseLoss(pred, y, { reduction: "sum" })
 */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const d = difference(input, target, "mse_loss");
  return reduce(untracked(d) ? d.mul_(d) : d.mul(d), reduction);
}

/**
 * Mean absolute error: |input - target| reduced.
 * @example F.l1Loss(pred, y)
 */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const d = difference(input, target, "l1_loss");
  return reduce(untracked(d) ? d.abs_() : d.abs(), reduction);
}

// Note [Huber as one product]: with d = input - target and z = clamp(d, -delta, delta),
// z * (d - z/2) is d²/2 where |d| < delta and delta * (|d| - delta/2) elsewhere: Huber's
// two branches in four elementwise ops, and its gradient (d inside, ±delta outside) follows.
function huberCore(input: Tensor, target: Tensor, delta: number, fn: string): Tensor {
  const d = difference(input, target, fn);
  const z = d.clamp(-delta, delta);
  const h = z.mul(0.5);
  return untracked(d) ? d.sub_(h).mul_(z) : d.sub(h).mul(z);
}

/**
 * Smooth L1: 0.5 d² / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target).
 * @example F.smoothL1Loss(fc.forward(x), y)
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const beta = options.beta ?? 1;
  if (beta < 0) throw new Error("smooth_l1_loss does not support negative values for beta.");
  if (beta === 0) return l1Loss(input, target, { reduction });
  let loss = huberCore(input, target, beta, "smooth_l1_loss");
  if (beta !== 1) loss = untracked(loss) ? loss.div_(beta) : loss.div(beta);
  return reduce(loss, reduction);
}

/**
 * Huber loss: 0.5 d² where |d| < delta, delta (|d| - 0.5 delta) elsewhere.
 * @example F.huberLoss(pred, y, { delta: 2 })
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error("huber_loss does not support non-positive values for delta.");
  return reduce(huberCore(input, target, delta, "huber_loss"), reduction);
}
