/**
 * Gradient formula of maskedSelect (nonzero itself has integer outputs and
 * no gradient): the gradient goes back to the selected positions.
 */
import { Tensor } from "../tensor";
import { raw, zerosOf } from "./function";
import { record } from "./node";

/** @internal maskedSelect when the input requires grad: the gradient goes back to the selected positions */
export function maskedSelectGrad(input: Tensor, mask: Tensor, shape: readonly number[], compute: () => Tensor): Tensor {
  const r = raw(compute);
  const s = shape.slice();
  record("MaskedSelectBackward0", [input], r, ([g], [m]) => [zerosOf(s, g).indexPut([m.expand(s)], g)], [mask]);
  return r;
}
