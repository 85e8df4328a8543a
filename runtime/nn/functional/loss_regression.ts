/**
 * Regression losses: mse, l1, smooth L1, Huber.
 */
import { fmtShape, shapeEquals } from "../../shape";
import { Tensor } from "../../tensor";
import "../../ops/binary";
import "../../ops/unary";
import "../../ops/where";
import { fused } from "../../autograd/function";
import { isGradEnabled } from "../../autograd/grad_mode";
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
  return fused("MseLossBackward0", [input, target], () => {
    const d = difference(input, target, "mse_loss");
    return reduce(d.mul_(d), reduction);
  }, ([g], [x, t]) => {
    const d = x.sub(t);
    const gd = d.mul(scaleOf(g, d, reduction, 2));
    return [gd, gd.neg()];
  }, () => [input, target]);
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
// two branches in four elementwise ops, and its gradient is z (d inside, ±delta outside).

// g as a multiplier of the elementwise gradient: divided by the count for "mean".
function scaleOf(g: Tensor, d: Tensor, reduction: Reduction, factor: number): Tensor {
  const n = reduction === "mean" ? d.numel() : 1;
  return factor / n === 1 ? g : g.mul(factor / n);
}

// One node (PyTorch's SmoothL1LossBackward0 / HuberLossBackward0): the gradient
// is z = clamp(d, -delta, delta) divided by scale, times g. The forward keeps z
// for the backward; with createGraph the formula recomputes it from the inputs
// so that second derivatives flow through it.
function huberFused(name: string, input: Tensor, target: Tensor, delta: number, scale: number, reduction: Reduction, fn: string): Tensor {
  let z: Tensor | null = null;
  return fused(name, [input, target], () => {
    const d = difference(input, target, fn);
    z = d.clamp(-delta, delta);
    let loss = d.sub_(z.mul(0.5)).mul_(z);
    if (scale !== 1) loss = loss.div_(scale);
    return reduce(loss, reduction);
  }, ([g], [x, t, zs], needs) => {
    const zz = isGradEnabled() ? x.sub(t).clamp(-delta, delta) : zs;
    const gd = zz.mul(scaleOf(g, zz, reduction, 1 / scale));
    return [needs[0] ? gd : null, needs[1] ? gd.neg() : null];
  }, () => [input, target, z!]);
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
  return huberFused("SmoothL1LossBackward0", input, target, beta, beta, reduction, "smooth_l1_loss");
}

/**
 * Huber loss: 0.5 d² where |d| < delta, delta (|d| - 0.5 delta) elsewhere.
 * @example F.huberLoss(pred, y, { delta: 2 })
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error("huber_loss does not support non-positive values for delta.");
  return huberFused("HuberLossBackward0", input, target, delta, 1, reduction, "huber_loss");
}
