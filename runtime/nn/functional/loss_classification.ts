/**
 * Classification losses: nll, cross entropy (class indices or probabilities),
 * binary cross entropy (on probabilities or logits).
 */
import { noGrad } from "../../autograd/grad_mode";
import { isFloatingPoint } from "../../dtype";
import { fmtShape, shapeEquals } from "../../shape";
import { Tensor } from "../../tensor";
import { fused, zerosOf } from "../../autograd/function";
import "../../ops/binary";
import "../../ops/unary";
import "../../ops/where";
import "../../ops/gather";
import "../../ops/views";
import "../../ops/reduce";
import "../../ops/creation";
import { logSoftmax } from "./activation";
import { LossOptions } from "./loss_regression";
import { checkReduction, checkTensor, reduce, Reduction, SCALAR_NAME } from "./util";

/** Options of {@link nllLoss}. */
export interface NllLossOptions extends LossOptions {
  /** a weight per class (shape [C]) */
  weight?: Tensor | null;
  /** targets equal to this add nothing to the loss or to the mean's denominator (default -100) */
  ignoreIndex?: number;
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** mixes the target with the uniform distribution: (1 - s) * target + s / C (default 0) */
  labelSmoothing?: number;
}

/** Options of {@link binaryCrossEntropy}. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** a weight per element (broadcast to the input) */
  weight?: Tensor | null;
}

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** a weight of positive examples per class (broadcast over the last dims) */
  posWeight?: Tensor | null;
}

interface Targets {
  classDim: number;
  numClasses: number;
  /** how many targets equal ignoreIndex */
  ignored: number;
}

function checkWeight(weight: Tensor | null | undefined, numClasses: number): void {
  if (weight !== undefined && weight !== null && (weight.dim() !== 1 || weight.numel() !== numClasses))
    throw new Error(`weight tensor should be defined either for all ${numClasses} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`);
}

/** @internal validates class-index targets (shape, dtype, range) as nll_loss does; counts ignored ones */
function checkClassTargets(input: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number): Targets {
  const nd = input.dim();
  if (nd < 1) throw new Error(`Expected 1 or more dimensions (got ${nd})`);
  if (target.dtype !== "int64") throw new TypeError(`expected scalar type Long but found ${SCALAR_NAME[target.dtype]}`);
  if (nd === 1) {
    if (target.dim() !== 0) throw new Error(`size mismatch (got input: ${fmtShape(input.shape)}, target: ${fmtShape(target.shape)})`);
  } else {
    if (target.dim() === 0 || target.shape[0] !== input.shape[0])
      throw new Error(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.dim() === 0 ? 0 : target.shape[0]}).`);
    if (nd === 2 && target.dim() !== 1) throw new Error("0D or 1D target tensor expected, multi-target not supported");
    if (nd > 2 && !shapeEquals(target.shape.slice(1), input.shape.slice(2)))
      throw new Error(`Expected target size ${fmtShape([input.shape[0], ...input.shape.slice(2)])}, got ${fmtShape(target.shape)}`);
  }
  const classDim = nd === 1 ? 0 : 1;
  const numClasses = input.shape[classDim];
  checkWeight(weight, numClasses);
  if (!Number.isInteger(ignoreIndex)) throw new TypeError(`ignore_index must be an integer, got ${ignoreIndex}`);
  // One pass on the host: PyTorch's range check, and whether any target is ignored.
  const values = target.toTypedArray() as BigInt64Array;
  const ig = BigInt(ignoreIndex), c = BigInt(numClasses);
  let ignored = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === ig) ignored++;
    else if (v < 0n || v >= c) throw new RangeError(`Target ${v} is out of bounds.`);
  }
  return { classDim, numClasses, ignored };
}

/** weight viewed to broadcast along the class dim of a (C) or (N, C, d...) tensor */
function classWeight(weight: Tensor, nd: number, classDim: number): Tensor {
  if (nd <= 1) return weight;
  const shape = new Array<number>(nd).fill(1);
  shape[classDim] = weight.numel();
  return weight.view(shape);
}

/**
 * The losses of class-index targets from log-probabilities: -w[t] * logp[t], reduced.
 * Returns the loss and, for "mean", the denominator (total weight of kept targets).
 */
function nllCore(logp: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number, reduction: Reduction, info: Targets): { loss: Tensor; denom: Tensor | number } {
  const cd = info.classDim;
  const ign = info.ignored > 0 ? target.eq(ignoreIndex) : null;
  const idx = ign !== null ? target.maskedFill(ign, 0) : target;
  let picked = logp.gather(cd, idx.unsqueeze(cd)).squeeze(cd);
  let w: Tensor | null = null;
  if (weight !== undefined && weight !== null) {
    w = weight.indexSelect(0, idx.reshape(-1)).view(target.shape);
    picked = picked.mul(w);
  }
  if (ign !== null) {
    picked = picked.maskedFill(ign, 0);
    if (w !== null) w = w.maskedFill(ign, 0);
  }
  const denom = reduction !== "mean" ? 1 : w !== null ? noGrad(() => (w as Tensor).sum()) : target.numel() - info.ignored;
  if (reduction === "none") return { loss: picked.neg(), denom };
  const s = picked.sum().neg();
  return { loss: reduction === "sum" ? s : s.div(denom), denom };
}

/**
 * nllCore recorded as one node (PyTorch's NllLossBackward0): the gradient is
 * -w[t] * g (divided by the total weight for "mean") at each target's class,
 * zero elsewhere and at ignored targets.
 */
function nllFused(logp: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number, reduction: Reduction, info: Targets): { loss: Tensor; denom: Tensor | number } {
  let denom: Tensor | number = 1;
  const hasWeight = weight !== undefined && weight !== null;
  const loss = fused("NllLossBackward0", [logp], () => {
    const r = nllCore(logp, target, weight, ignoreIndex, reduction, info);
    denom = r.denom;
    return r.loss;
  }, ([g], saved) => {
    const [lp, t] = saved;
    const cd = info.classDim;
    const ign = info.ignored > 0 ? t.eq(ignoreIndex) : null;
    const idx = ign !== null ? t.maskedFill(ign, 0) : t;
    let coef = reduction === "none" ? g.neg() : g.neg().expand(t.shape);
    if (hasWeight) coef = coef.mul(saved[2].indexSelect(0, idx.reshape(-1)).view(t.shape));
    if (ign !== null) coef = coef.maskedFill(ign, 0);
    // With every target ignored the loss is 0/0, but the gradient is 0 (as in PyTorch).
    if (reduction === "mean" && info.ignored < t.numel()) coef = coef.div(denom);
    return [zerosOf(lp.shape, lp).scatter(cd, idx.unsqueeze(cd), coef.unsqueeze(cd))];
  }, () => (hasWeight ? [logp, target, weight] : [logp, target]));
  return { loss, denom };
}

/**
 * Negative log-likelihood of class-index targets, from log-probabilities.
 * Input (C), (N, C) or (N, C, d1, ...); target (), (N) or (N, d1, ...) of int64 class indices.
 * @example F.nllLoss(F.logSoftmax(logits, 1), torch.tensor([0, 2]))
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  checkTensor(input, "nll_loss", "input");
  checkTensor(target, "nll_loss", "target");
  const reduction = checkReduction(options.reduction ?? "mean");
  const ignoreIndex = options.ignoreIndex ?? -100;
  const info = checkClassTargets(input, target, options.weight, ignoreIndex);
  return nllFused(input, target, options.weight, ignoreIndex, reduction, info).loss;
}

/**
 * Cross entropy of logits against class indices (int64, shaped like the input
 * without its class dim) or class probabilities (float, shaped like the input).
 * Input (C), (N, C) or (N, C, d1, ...); the classes are dim 1 (dim 0 for 1-D input).
 * @example
 * F.crossEntropy(logits, torch.tensor([0, 2]));
 * F.crossEntropy(logits, labels, { weight, ignoreIndex: 0, labelSmoothing: 0.1 });
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkTensor(input, "cross_entropy", "input");
  checkTensor(target, "cross_entropy", "target");
  const reduction = checkReduction(options.reduction ?? "mean");
  const ignoreIndex = options.ignoreIndex ?? -100;
  const ls = options.labelSmoothing ?? 0;
  const weight = options.weight ?? null;
  if (!(ls >= 0 && ls <= 1)) throw new RangeError(`label_smoothing must be between 0.0 and 1.0. Got: ${ls}`);
  if (shapeEquals(input.shape, target.shape)) return crossEntropyProbs(input, target, weight, ls, ignoreIndex, reduction);
  const info = checkClassTargets(input, target, weight, ignoreIndex);
  const cd = info.classDim;
  const logp = logSoftmax(input, cd);
  const { loss: nll, denom } = nllFused(logp, target, weight, ignoreIndex, reduction, info);
  if (ls === 0) return nll;
  // Label smoothing: the loss against the uniform distribution, mixed in (cross_entropy_label_smoothing).
  let smooth = (weight !== null ? logp.mul(classWeight(weight, logp.dim(), cd)) : logp).sum(cd);
  if (info.ignored > 0) smooth = smooth.maskedFill(target.eq(ignoreIndex), 0);
  let ret: Tensor;
  if (reduction === "none") ret = smooth.neg();
  else if (reduction === "sum") ret = smooth.sum().neg();
  else ret = smooth.sum().neg().div(denom);
  return nll.mul(1 - ls).add(ret.mul(ls / info.numClasses));
}

function crossEntropyProbs(input: Tensor, target: Tensor, weight: Tensor | null, ls: number, ignoreIndex: number, reduction: Reduction): Tensor {
  if (!isFloatingPoint(target.dtype)) throw new TypeError(`Expected floating point type for target with class probabilities, got ${SCALAR_NAME[target.dtype]}`);
  if (ignoreIndex >= 0) throw new Error("ignore_index is not supported for floating point target");
  const cd = input.dim() === 1 ? 0 : 1;
  const numClasses = input.shape[cd];
  checkWeight(weight, numClasses);
  const logp = logSoftmax(input, cd);
  const t = ls > 0 ? target.mul(1 - ls).add(ls / numClasses) : target;
  let prod = logp.mul(t);
  if (weight !== null) prod = prod.mul(classWeight(weight, logp.dim(), cd));
  if (reduction === "none") return prod.sum(cd).neg();
  const s = prod.sum().neg();
  return reduction === "sum" ? s : s.div(input.numel() / numClasses);
}

function checkBinaryTarget(input: Tensor, target: Tensor, fn: string): void {
  checkTensor(input, fn, "input");
  checkTensor(target, fn, "target");
  if (target.dtype !== input.dtype) throw new TypeError(`Found dtype ${SCALAR_NAME[target.dtype]} but expected ${SCALAR_NAME[input.dtype]}`);
}

/**
 * Binary cross entropy of probabilities: -w (t log(x) + (1 - t) log(1 - x)),
 * each log clamped at -100 as PyTorch does. Input and target have the same shape.
 * @example F.binaryCrossEntropy(torch.sigmoid(logits), labels)
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  checkTensor(input, "binary_cross_entropy", "input");
  checkTensor(target, "binary_cross_entropy", "target");
  if (!shapeEquals(input.shape, target.shape))
    throw new Error(`Using a target size (${fmtShape(target.shape)}) that is different to the input size (${fmtShape(input.shape)}) is deprecated. Please ensure they have the same size.`);
  checkBinaryTarget(input, target, "binary_cross_entropy");
  if (input.numel() > 0) {
    const [lo, hi] = noGrad(() => [input.amin().item() as number, input.amax().item() as number]);
    if (!(lo >= 0 && hi <= 1)) throw new RangeError("all elements of input should be between 0 and 1");
  }
  const logx = input.log().clampMin(-100);
  const log1mx = input.neg().log1p().clampMin(-100);
  let loss = target.sub(1).mul(log1mx).sub(target.mul(logx));
  if (options.weight !== undefined && options.weight !== null) loss = loss.mul(options.weight);
  return reduce(loss, reduction);
}

/**
 * Binary cross entropy of logits (sigmoid folded in, numerically stable):
 * (1 - t) x + (1 + (posWeight - 1) t) log(1 + exp(-x)), times weight.
 * @example F.binaryCrossEntropyWithLogits(logits, labels, { posWeight: torch.tensor([3]) })
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const reduction = checkReduction(options.reduction ?? "mean");
  checkTensor(input, "binary_cross_entropy_with_logits", "input");
  checkTensor(target, "binary_cross_entropy_with_logits", "target");
  if (!shapeEquals(input.shape, target.shape))
    throw new Error(`Target size (${fmtShape(target.shape)}) must be the same as input size (${fmtShape(input.shape)})`);
  checkBinaryTarget(input, target, "binary_cross_entropy_with_logits");
  // log(1 + exp(-x)) = m + log(exp(-m) + exp(-x - m)) with m = max(-x, 0): no overflow, and
  // its gradient is right for any subgradient of the max (m cancels), also at x = 0.
  const nx = input.neg();
  const m = nx.clampMin(0);
  const softplus = m.neg().exp().add(nx.sub(m).exp()).log().add(m);
  const linear = input.sub(input.mul(target));
  const pw = options.posWeight;
  let loss = pw !== undefined && pw !== null ? linear.add(pw.sub(1).mul(target).add(1).mul(softplus)) : linear.add(softplus);
  if (options.weight !== undefined && options.weight !== null) loss = loss.mul(options.weight);
  return reduce(loss, reduction);
}
