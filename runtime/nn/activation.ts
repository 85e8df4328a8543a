/**
 * Activation layers: ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax.
 */
import { Tensor } from "../tensor";
import * as F from "./functional/activation";
import { Module } from "./module";
import { pyFloat, pyStr } from "./repr";

/**
 * max(x, 0).
 * @example new nn.ReLU().forward(torch.tensor([-1, 2]))
 */
export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }
  /** @example relu.forward(x) */
  override forward(input: Tensor): Tensor {
    return F.relu(input, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/**
 * x for x > 0, negativeSlope * x otherwise.
 * @example new nn.LeakyReLU(0.2).forward(x)
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;
  constructor(negativeSlope = 0.01, options: { inplace?: boolean } = {}) {
    super();
    this.negativeSlope = negativeSlope;
    this.inplace = options.inplace ?? false;
  }
  /** @example lrelu.forward(x) */
  override forward(input: Tensor): Tensor {
    return F.leakyRelu(input, this.negativeSlope, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ", inplace=True" : ""}`;
  }
}

/**
 * Gaussian error linear unit (exact, or the tanh approximation).
 * @example new nn.GELU({ approximate: "tanh" }).forward(x)
 */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  constructor(options: { approximate?: "none" | "tanh" } = {}) {
    super();
    this.approximate = options.approximate ?? "none";
  }
  /** @example gelu.forward(x) */
  override forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate=${pyStr(this.approximate)}`;
  }
}

/** Logistic sigmoid. @example new nn.Sigmoid().forward(x) */
export class Sigmoid extends Module {
  /** @example sig.forward(x) */
  override forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}

/** Hyperbolic tangent. @example new nn.Tanh().forward(x) */
export class Tanh extends Module {
  /** @example tanh.forward(x) */
  override forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}

/**
 * Softmax along dim (PyTorch's implicit choice, with a warning, when dim is omitted).
 * @example new nn.Softmax(1).forward(logits)
 */
export class Softmax extends Module {
  readonly dim: number | null;
  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }
  /** @example sm.forward(x) */
  override forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}

/**
 * log(softmax(x)) along dim, computed stably.
 * @example new nn.LogSoftmax(1).forward(logits)
 */
export class LogSoftmax extends Module {
  readonly dim: number | null;
  constructor(dim: number | null = null) {
    super();
    this.dim = dim;
  }
  /** @example lsm.forward(x) */
  override forward(input: Tensor): Tensor {
    return F.logSoftmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? "None"}`;
  }
}
