/**
 * nn.Parameter: a tensor that a Module registers as one of its parameters.
 */
import { keep } from "../memory";
import { Tensor } from "../tensor";
import { empty } from "../ops/creation";

/**
 * A tensor that is a module parameter (PyTorch's `nn.Parameter`). It shares
 * the storage of the tensor it is made from, requires grad by default, and is
 * kept alive past `torch.tidy` scopes. Assigning one to a property of a
 * {@link Module} registers it.
 * @example
 * const w = new nn.Parameter(torch.randn(3, 2));
 * w.requiresGrad; // true
 */
export class Parameter extends Tensor {
  /**
   * @param data the tensor to wrap (its storage is shared); an empty float32 tensor when omitted
   * @param requiresGrad whether autograd records operations on it (default true)
   */
  constructor(data?: Tensor, requiresGrad = true) {
    const t = data ?? empty(0);
    if (!(t instanceof Tensor)) throw new TypeError(`Parameter(): data must be a Tensor, got ${typeof t}`);
    t._live();
    super(t._storage, t._shape.slice(), t._strides.slice(), t._offset, t.dtype);
    if (data === undefined) t.dispose();
    keep(this);
    this.requiresGrad = requiresGrad;
  }

  /**
   * "Parameter containing:" and the tensor's repr, as PyTorch prints it.
   * @example console.log(new nn.Parameter(torch.ones(2)).toString());
   */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return { "text/plain": this.toString() };
  }
}

/** @internal wraps a freshly made tensor as a kept Parameter and frees the wrapper */
export function ownParameter(t: Tensor, requiresGrad = true): Parameter {
  const p = new Parameter(t, requiresGrad);
  t.dispose();
  return p;
}
