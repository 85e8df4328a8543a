/**
 * Helpers shared by the functional ops: reductions, PyTorch-style scalar type
 * names in messages, and once-per-message warnings.
 */
import { isGradEnabled } from "../../autograd/grad_mode";
import { DType } from "../../dtype";
import { Tensor } from "../../tensor";
import "../../ops/reduce";

/** How a loss reduces its elementwise values. */
export type Reduction = "mean" | "sum" | "none";

/** @internal PyTorch's scalar type names, for messages */
export const SCALAR_NAME: Record<DType, string> = { float32: "Float", float64: "Double", int32: "Int", int64: "Long", uint8: "Byte", bool: "Bool", float16: "Half", bfloat16: "BFloat16" };

/** @internal validates a reduction name */
export function checkReduction(r: string): Reduction {
  if (r !== "mean" && r !== "sum" && r !== "none") throw new Error(`${r} is not a valid value for reduction`);
  return r;
}

/** @internal applies a reduction */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "mean" ? loss.mean() : reduction === "sum" ? loss.sum() : loss;
}

/** @internal true when t is a fresh temporary that autograd does not track, so in-place is safe */
export function untracked(t: Tensor): boolean {
  return !t.requiresGrad || !isGradEnabled();
}

/** @internal true when writing `other` into the fresh temporary t in place records nothing */
export function canInplace(t: Tensor, other: Tensor): boolean {
  return !isGradEnabled() || (!t.requiresGrad && !other.requiresGrad);
}

const warned = new Set<string>();

/** @internal a UserWarning, printed once per distinct message (Python's default filter) */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, "UserWarning");
}

/** @internal requires a Tensor argument */
export function checkTensor(v: unknown, fn: string, arg: string): asserts v is Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`${fn}(): argument '${arg}' must be Tensor, not ${v === null ? "null" : typeof v}`);
}
