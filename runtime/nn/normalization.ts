/**
 * The LayerNorm layer.
 */
import { empty } from "../ops/creation";
import { Tensor } from "../tensor";
import { layerNorm } from "./functional/normalization";
import { ones_, zeros_ } from "./init";
import { FactoryOptions } from "./linear";
import { Module } from "./module";
import { ownParameter, Parameter } from "./parameter";
import { pyBool, pyFloat, pyTuple } from "./repr";

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions extends FactoryOptions {
  /** added to the variance (default 1e-5) */
  eps?: number;
  /** learn a weight (ones) and bias (zeros) of normalizedShape (default true) */
  elementwiseAffine?: boolean;
}

/**
 * Normalizes the last dims (normalizedShape) of each sample, then scales and shifts.
 * @example
 * const ln = new nn.LayerNorm(4);
 * ln.forward(torch.randn(2, 4)).mean(-1); // ~0
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const f = { dtype: options.dtype, device: options.device };
    this.weight = this.elementwiseAffine ? ownParameter(empty(this.normalizedShape, f)) : null;
    this.bias = this.elementwiseAffine ? ownParameter(empty(this.normalizedShape, f)) : null;
    this.resetParameters();
  }

  /** Weight to ones, bias to zeros. @example ln.resetParameters() */
  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  /** @example ln.forward(x) */
  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
