/**
 * Gradient formulas of joining tensors: cat splits the gradient back into
 * the parts (narrow), stack unbinds it.
 */
import { Tensor } from "../tensor";
import { wrapDim } from "../shape";
import { forbidOut, raw, zerosOf } from "./function";
import { record } from "./node";

/** @internal cat when a part requires grad */
export function catGrad(tensors: readonly Tensor[], dim: number, out: Tensor | undefined, compute: () => Tensor): Tensor {
  if (out !== undefined) forbidOut("cat");
  const r = raw(compute);
  const shapes = tensors.map((t) => t._shape.slice());
  // 1-D empty parts are skipped by cat; they get an empty gradient.
  const skipped = shapes.map((s) => s.length === 1 && s[0] === 0);
  const d = skipped.every((x) => x) ? 0 : wrapDim(dim, r.dim());
  record("CatBackward0", tensors, r, ([g], _s, needs) => {
    let at = 0;
    return shapes.map((s, i) => {
      if (skipped[i]) return needs[i] ? zerosOf([0], g) : null;
      const n = s[d];
      const start = at;
      at += n;
      return needs[i] ? g.narrow(d, start, n) : null;
    });
  });
  return r;
}

/** @internal stack when a part requires grad */
export function stackGrad(tensors: readonly Tensor[], dim: number, compute: () => Tensor): Tensor {
  const r = raw(compute);
  record("StackBackward0", tensors, r, ([g], _s, needs) => {
    const parts = g.unbind(dim);
    return parts.map((p, i) => (needs[i] ? p : null));
  });
  return r;
}
