/**
 * Loss modules: each holds its options and calls the functional loss.
 * Class weights are buffers, as in PyTorch (they appear in stateDict()).
 */
import { Tensor } from "../tensor";
import * as C from "./functional/loss_classification";
import * as R from "./functional/loss_regression";
import { checkReduction, Reduction } from "./functional/util";
import { Module } from "./module";

/**
 * Base of the loss modules: holds the reduction ("mean", "sum" or "none").
 * @example new nn.MSELoss({ reduction: "sum" }).reduction // "sum"
 */
export class Loss extends Module {
  readonly reduction: Reduction;
  constructor(options: R.LossOptions = {}) {
    super();
    this.reduction = checkReduction(options.reduction ?? "mean");
  }
  /** Computes the loss of input against target. @example loss.forward(pred, y) */
  override forward(input: Tensor, target: Tensor): Tensor {
    void input;
    void target;
    throw new Error(`Module [${this._getName()}] is missing the required "forward" function`);
  }
}

/**
 * Mean squared error. @example new nn.MSELoss().forward(pred, y)
 */
export class MSELoss extends Loss {
  /** @example mse.forward(pred, y) */
  override forward(input: Tensor, target: Tensor): Tensor {
    return R.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Mean absolute error. @example new nn.L1Loss().forward(pred, y) */
export class L1Loss extends Loss {
  /** @example l1.forward(pred, y) */
  override forward(input: Tensor, target: Tensor): Tensor {
    return R.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Smooth L1 (quadratic below beta, linear above). @example new nn.SmoothL1Loss({ beta: 0.5 }).forward(pred, y) */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(options: R.SmoothL1LossOptions = {}) {
    super(options);
    this.beta = options.beta ?? 1;
  }
  /** @example sl1.forward(pred, y) */
  override forward(input: Tensor, target: Tensor): Tensor {
    return R.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Huber loss (quadratic below delta, linear above). @example new nn.HuberLoss({ delta: 2 }).forward(pred, y) */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(options: R.HuberLossOptions = {}) {
    super(options);
    this.delta = options.delta ?? 1;
  }
  /** @example huber.forward(pred, y) */
  override forward(input: Tensor, target: Tensor): Tensor {
    return R.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * Negative log-likelihood of class indices, from log-probabilities.
 * @example new nn.NLLLoss({ ignoreIndex: 0 }).forward(logp, labels)
 */
export class NLLLoss extends Loss {
  /** class weights (a buffer) */
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  constructor(options: C.NllLossOptions = {}) {
    super(options);
    this.registerBuffer("weight", options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  /** @example nll.forward(logp, labels) */
  override forward(input: Tensor, target: Tensor): Tensor {
    return C.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Cross entropy of logits against class indices or class probabilities.
 * @example new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels)
 */
export class CrossEntropyLoss extends Loss {
  /** class weights (a buffer) */
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(options: C.CrossEntropyOptions = {}) {
    super(options);
    this.registerBuffer("weight", options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  /** @example ce.forward(logits, labels) */
  override forward(input: Tensor, target: Tensor): Tensor {
    return C.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/**
 * Binary cross entropy of probabilities.
 * @example new nn.BCELoss().forward(torch.sigmoid(logits), labels)
 */
export class BCELoss extends Loss {
  /** element weights (a buffer) */
  declare weight: Tensor | null;
  constructor(options: C.BinaryCrossEntropyOptions = {}) {
    super(options);
    this.registerBuffer("weight", options.weight ?? null);
  }
  /** @example bce.forward(probs, labels) */
  override forward(input: Tensor, target: Tensor): Tensor {
    return C.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Binary cross entropy of logits (numerically stable), with optional positive-class weights.
 * @example new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([3]) }).forward(logits, labels)
 */
export class BCEWithLogitsLoss extends Loss {
  /** element weights (a buffer) */
  declare weight: Tensor | null;
  /** positive-class weights (a buffer, key "pos_weight") */
  declare posWeight: Tensor | null;
  constructor(options: C.BinaryCrossEntropyWithLogitsOptions = {}) {
    super(options);
    this.registerBuffer("weight", options.weight ?? null);
    this.registerBuffer("posWeight", options.posWeight ?? null);
  }
  /** @example bcel.forward(logits, labels) */
  override forward(input: Tensor, target: Tensor): Tensor {
    return C.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}
