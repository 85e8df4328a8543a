/**
 * The Dropout layer.
 */
import { Tensor } from "../tensor";
import { dropout } from "./functional/dropout";
import { Module } from "./module";
import { pyBool, pyFloat } from "./repr";

/**
 * In training mode zeroes elements with probability p and scales the others by
 * 1 / (1 - p); in eval mode returns the input.
 * @example
 * const drop = new nn.Dropout(0.25);
 * drop.forward(x);         // random zeros
 * drop.eval().forward(x);  // x
 */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = options.inplace ?? false;
  }
  /** @example drop.forward(x) */
  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}
