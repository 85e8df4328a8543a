/**
 * torch.autograd: `backward`, `grad`, grad-mode scopes, and the chapter's
 * legacy `Variable`. Importing this module adds `backward` and `detach_` to Tensor.
 */
import { Tensor } from "../tensor";
import { backward as runBackward, BackwardOptions } from "./engine";

export { grad } from "./engine";
export type { BackwardOptions, GradOptions } from "./engine";
export { Node, AccumulateGrad } from "./node";
export { gradcheck, gradgradcheck } from "./gradcheck";
export type { GradcheckOptions } from "./gradcheck";
export { noGrad, enableGrad, setGradEnabled, isGradEnabledPublic as isGradEnabled, GradModeScope } from "./grad_mode";

declare module "../tensor" {
  interface Tensor {
    /**
     * Computes the gradient of this tensor with respect to the graph's leaves
     * and accumulates it into their `.grad`. A non-scalar tensor needs
     * `gradient` (same shape): the result is the vector-Jacobian product.
     * @example const out = x.add(2).pow(2).mean(); out.backward(); x.grad
     */
    backward(gradient?: Tensor | null, options?: BackwardOptions): void;
    /**
     * Detaches this tensor from the graph in place (it becomes a leaf that does not require grad).
     * @example y.detach_()
     */
    detach_(): this;
  }
}

Tensor.prototype.backward = function (this: Tensor, gradient?: Tensor | null, options?: BackwardOptions): void {
  runBackward([this], [gradient], options);
};

Tensor.prototype.detach_ = function <T extends Tensor>(this: T): T {
  if (this._base !== null && this._gradFn !== null) throw new Error("Can't detach views in-place. Use detach() instead.");
  this._gradFn = null;
  this._requiresGrad = false;
  this._retainsGrad = false;
  return this;
};

/**
 * Computes gradients of several roots at once (PyTorch's `torch.autograd.backward`).
 * @example torch.autograd.backward([a.sum(), b.sum()]);
 */
export function backward(tensors: Tensor | readonly Tensor[], gradTensors?: Tensor | ReadonlyArray<Tensor | null> | null, options: BackwardOptions = {}): void {
  const roots = tensors instanceof Tensor ? [tensors] : tensors.slice();
  const grads = gradTensors == null ? [] : gradTensors instanceof Tensor ? [gradTensors] : gradTensors;
  runBackward(roots, grads, options);
}

/** Options of {@link Variable}. */
export interface VariableOptions {
  requiresGrad?: boolean;
}

/**
 * The chapter's legacy spelling: since PyTorch 0.4 a Variable is just a
 * tensor. Returns `tensor` itself, with `requiresGrad` set when asked.
 * @example const x = torch.autograd.Variable(torch.ones(2, 2), { requiresGrad: true });
 */
export function Variable(tensor: Tensor, options: VariableOptions = {}): Tensor {
  if (!(tensor instanceof Tensor)) throw new TypeError(`Variable(): expected a Tensor, got ${typeof tensor}`);
  if (options.requiresGrad !== undefined) tensor.requiresGrad = options.requiresGrad;
  return tensor;
}
