/**
 * Flatten and Unflatten layers.
 */
import { Tensor } from "../tensor";
import { fmtShape, wrapDim } from "../shape";
import "../ops/views";
import { Module } from "./module";
import { pyTuple } from "./repr";

/**
 * Flattens dims startDim..endDim (default 1..-1: everything but the batch).
 * @example new nn.Flatten().forward(torch.zeros(2, 3, 4)).shape // [2, 12]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }
  /** @example flat.forward(x) */
  override forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Splits dim into unflattenedSize (one entry may be -1).
 * @example new nn.Unflatten(1, [2, 5]).forward(torch.zeros(3, 10)).shape // [3, 2, 5]
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: readonly number[];
  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    this.dim = dim;
    this.unflattenedSize = unflattenedSize.slice();
  }
  /** @example unflat.forward(x) */
  override forward(input: Tensor): Tensor {
    const d = wrapDim(this.dim, input.dim());
    const s = input.shape, sizes = this.unflattenedSize;
    const prod = sizes.reduce((a, b) => a * b, 1);
    if (!sizes.includes(-1) && prod !== s[d])
      throw new Error(`unflatten: Provided sizes ${fmtShape(sizes)} don't multiply up to the size of dim ${this.dim} (${s[d]}) in the input tensor`);
    return input.reshape([...s.slice(0, d), ...this.unflattenedSize, ...s.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}
