/**
 * Dropout.
 */
import { getDefaultDtype, isFloatingPoint } from "../../dtype";
import { Tensor } from "../../tensor";
import { Generator, rand } from "../../ops/random";
import "../../ops/binary";
import "../../ops/unary";
import { checkTensor } from "./util";

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** write the result into the input */
  inplace?: boolean;
  /** the random generator (the default one when absent) */
  generator?: Generator;
}

/**
 * In training, zeroes each element with probability p and scales the rest by
 * 1 / (1 - p); otherwise returns the input unchanged.
 * @example F.dropout(x, 0.5, model.training)
 */
export function dropout(input: Tensor, p = 0.5, training = true, options: DropoutOptions = {}): Tensor {
  checkTensor(input, "dropout", "input");
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0 || input.numel() === 0) return input;
  if (p === 1) return options.inplace ? input.mul_(0) : input.mul(0);
  const q = 1 - p;
  // u ~ U[0, 1): floor(u + q) is 1 with probability q (keep), else 0; all in place on one buffer.
  const dtype = isFloatingPoint(input.dtype) ? input.dtype : getDefaultDtype();
  const noise = rand(input.shape, { dtype, device: input.device, generator: options.generator });
  noise.add_(q).floor_().div_(q);
  const out = options.inplace ? input.mul_(noise) : input.mul(noise);
  noise.dispose();
  return out;
}
