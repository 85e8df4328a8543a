/**
 * Helpers every op's autograd wrapper uses: running the raw op with
 * recording off, refusing `out=`, and in-place ops on tracked tensors
 * (including views of them: PyTorch's CopySlices).
 */
import { Tensor } from "../tensor";
import { isGradEnabled, swapGradMode } from "./grad_mode";
import { BackwardFn, Node, anyNeedsGrad, edgeOf, record, Edge } from "./node";

/** @internal runs fn with recording off */
export function raw<T>(fn: () => T): T {
  const prev = swapGradMode(false);
  try {
    return fn();
  } finally {
    swapGradMode(prev);
  }
}

/**
 * @internal a composite op recorded as one node (PyTorch's fused nodes such
 * as SmoothL1LossBackward0): `compute` runs with recording off; `saved`
 * picks the tensors the formula needs (it may include the result).
 */
export function fused(
  name: string, inputs: ReadonlyArray<Tensor | null | undefined>, compute: () => Tensor, fn: BackwardFn, saved?: (result: Tensor) => Tensor[],
): Tensor {
  if (!anyNeedsGrad(inputs)) return compute();
  const r = raw(compute);
  record(name, inputs, r, fn, saved?.(r));
  return r;
}

/** @internal PyTorch's error for out= with autograd */
export function forbidOut(name: string): never {
  throw new Error(`${name}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.`);
}

/** @internal a zero tensor shaped like t */
export function zerosOf(shape: readonly number[], like: Tensor): Tensor {
  return Tensor._empty(shape.slice(), like.dtype, like.device, true);
}

function checkInplaceLeaf(self: Tensor): void {
  if (!isGradEnabled()) return;
  if (self._gradFn === null && self._requiresGrad)
    throw new Error("a leaf Variable that requires grad is being used in an in-place operation.");
  const base = self._base;
  if (base !== null && base._gradFn === null && base._requiresGrad)
    throw new Error("a view of a leaf Variable that requires grad is being used in an in-place operation.");
}

/**
 * @internal an in-place op under autograd: `compute` returns the
 * out-of-place result (recording its node); the result is written into
 * self, which takes over the node. A saved copy replaces self where the
 * node saved it, since self is about to change.
 */
export function applyInplace<T extends Tensor>(self: T, compute: () => Tensor): T {
  checkInplaceLeaf(self);
  const base = self._base;
  const r = compute();
  const node = r._gradFn;
  if (node !== null && node._savedIncludes(self)) node._replaceSaved(self, raw(() => self.clone()));
  raw(() => self.copy_(r));
  if (node === null) return self;
  if (base !== null) {
    rebaseView(self, base, node, r._outputNr);
    return self;
  }
  self._gradFn = node;
  self._outputNr = r._outputNr;
  self._requiresGrad = true;
  return self;
}

interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}

function geometryIn(view: Tensor, base: Tensor): Geometry {
  if (!base.isContiguous())
    throw new Error("in-place operation on a view of a non-contiguous tensor that requires grad is not supported; clone() the tensor first");
  return { shape: view._shape.slice(), strides: view._strides.slice(), offset: view._offset - base._offset };
}

function viewOf(t: Tensor, g: Geometry): Tensor {
  const c = t.contiguous();
  return c._view(g.shape, g.strides, c._offset + g.offset);
}

/**
 * Note [CopySlices]: an in-place op on a view changes its base. The base
 * gets a node that runs the op's formula on the viewed part of the base's
 * gradient and passes the rest through; the view then reads from the new base.
 * These formulas run with recording off, so they are not differentiable twice.
 */
function rebaseView(view: Tensor, base: Tensor, inner: Node, innerNr: number): void {
  const geo = geometryIn(view, base);
  const baseEdge = edgeOf(base);
  const next: Array<Edge | null> = [baseEdge, ...inner._next.slice(1)];
  const selfNext = inner._next[0];
  const copy = new Node("CopySlices", (grads) => raw(() => {
    const gBase = grads[0].clone();
    const gView = viewOf(gBase, geo);
    const innerGrads: Tensor[] = inner._outShapes.map((s, i) => (i === innerNr ? gView.clone() : zerosOf(s, gBase)));
    const res = inner._apply(innerGrads);
    const gSelf = res[0];
    if (selfNext !== null && gSelf != null) gView.copy_(gSelf);
    else gView.zero_();
    return [gBase, ...res.slice(1)];
  }), next, undefined);
  copy._inShapes = [base._shape, ...inner._inShapes.slice(1)];
  copy._inDtypes = [base.dtype, ...inner._inDtypes.slice(1)];
  copy._inDevices = [base._storage.device, ...inner._inDevices.slice(1)];
  copy._outShapes = [base._shape];
  copy._outDtypes = [base.dtype];
  base._gradFn = copy;
  base._outputNr = 0;
  base._requiresGrad = true;
  view._requiresGrad = true;
  view._gradFn = null;
  record("AsStridedBackward0", [base], view, (grads) => {
    const gBase = zerosOf(base._shape, grads[0]);
    raw(() => viewOf(gBase, geo).copy_(grads[0]));
    return [gBase];
  });
}
