/** Gradient formulas of copies and casts: clone, to, copy_ (and fill_). */
import { Tensor } from "../tensor";
import { applyInplace, raw } from "./function";
import { record } from "./node";

/** @internal clone / contiguous */
export function cloneGrad(x: Tensor, compute: () => Tensor): Tensor {
  const r = raw(compute);
  record("CloneBackward0", [x], r, ([g]) => [g]);
  return r;
}

/**
 * @internal a cast and/or a move between devices: the gradient goes back to
 * the source's device (the engine casts it back to the source's dtype)
 */
export function toGrad(x: Tensor, compute: () => Tensor): Tensor {
  const r = raw(compute);
  if (r === x) return r;
  const from = x.device;  // not x itself: the closure must not keep x alive
  record("ToCopyBackward0", [x], r, ([g]) => [g.device.equals(from) ? g : g.to(from)]);
  return r;
}

/** @internal self.copy_(src) (or a fill) when either side is tracked */
export function copyGrad(self: Tensor, src: Tensor | number | boolean): Tensor {
  return applyInplace(self, () => {
    const r = raw(() => {
      const t = Tensor._empty(self._shape.slice(), self.dtype, self.device);
      return t.copy_(src);
    });
    if (src instanceof Tensor) {
      // copy_ may cross devices: src's gradient is moved back to src's device.
      const from = src.device;
      record("CopyBackwards", [self, src], r, ([g]) => [null, g.device.equals(from) ? g : g.to(from)]);
    }
    else record("FillBackward0", [self], r, () => [null]);
    return r;
  });
}
