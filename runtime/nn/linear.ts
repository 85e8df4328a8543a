/**
 * Identity, Linear and Bilinear layers.
 */
import { DeviceLike } from "../device";
import { DType } from "../dtype";
import { Tensor } from "../tensor";
import { empty } from "../ops/creation";
import { bilinear, linear } from "./functional/linear";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init";
import { Module } from "./module";
import { ownParameter, Parameter } from "./parameter";
import { pyBool } from "./repr";

/** Options of layers that own parameters. */
export interface FactoryOptions {
  dtype?: DType;
  device?: DeviceLike;
}

/** Options of {@link Linear} and {@link Bilinear}. */
export interface LinearOptions extends FactoryOptions {
  /** learn an additive bias (default true) */
  bias?: boolean;
}

/** @internal */
export function checkFeatures(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  return n;
}

/**
 * Returns its input unchanged (a placeholder).
 * @example new nn.Identity().forward(x) === x // true
 */
export class Identity extends Module {
  /** @example id.forward(x) */
  override forward(input: Tensor): Tensor {
    return input;
  }
}

/**
 * y = x Wᵀ + b, with weight (outFeatures, inFeatures) and bias (outFeatures)
 * initialised as PyTorch does: U(-1/√inFeatures, 1/√inFeatures).
 * @example
 * const fc = new nn.Linear(4, 1);
 * fc.forward(torch.randn(32, 4)).shape; // [32, 1]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = checkFeatures(inFeatures, "in_features");
    this.outFeatures = checkFeatures(outFeatures, "out_features");
    const f = { dtype: options.dtype, device: options.device };
    this.weight = ownParameter(empty([outFeatures, inFeatures], f));
    this.bias = options.bias === false ? null : ownParameter(empty([outFeatures], f));
    this.resetParameters();
  }

  /** Re-draws weight and bias from PyTorch's default distributions. @example fc.resetParameters() */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  /** (*, inFeatures) → (*, outFeatures). @example fc.forward(x) */
  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * y = x1ᵀ A x2 + b, with weight (outFeatures, in1Features, in2Features),
 * initialised U(-1/√in1Features, 1/√in1Features) as PyTorch does.
 * @example new nn.Bilinear(2, 3, 4).forward(torch.randn(5, 2), torch.randn(5, 3)).shape // [5, 4]
 */
export class Bilinear extends Module {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.in1Features = checkFeatures(in1Features, "in1_features");
    this.in2Features = checkFeatures(in2Features, "in2_features");
    this.outFeatures = checkFeatures(outFeatures, "out_features");
    const f = { dtype: options.dtype, device: options.device };
    this.weight = ownParameter(empty([outFeatures, in1Features, in2Features], f));
    this.bias = options.bias === false ? null : ownParameter(empty([outFeatures], f));
    this.resetParameters();
  }

  /** Re-draws weight and bias. @example bl.resetParameters() */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    uniform_(this.weight, -bound, bound);
    if (this.bias !== null) uniform_(this.bias, -bound, bound);
  }

  /** (*, in1), (*, in2) → (*, out). @example bl.forward(x1, x2) */
  override forward(input1: Tensor, input2: Tensor): Tensor {
    return bilinear(input1, input2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
