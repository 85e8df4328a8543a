/**
 * Shape arithmetic: sizes, strides, broadcasting and dimension wrapping.
 * @internal
 */

/** Varargs or one array: `zeros(2, 3)` and `zeros([2, 3])`. */
export type SizeArgs = number[] | [readonly number[]];

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i] === 0 ? 1 : shape[i];
  }
  return st;
}

export function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (shape[i] === 0) return true;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

export function checkSize(shape: readonly number[], what = "size"): number[] {
  for (const s of shape) {
    if (typeof s !== "number" || !Number.isInteger(s))
      throw new TypeError(`${what} must be a sequence of integers, but got ${JSON.stringify(shape)}`);
    if (s < 0) throw new Error(`Trying to create tensor with negative dimension ${s}: [${shape.join(", ")}]`);
  }
  if (shape.length > 16) throw new Error(`${what}: at most 16 dimensions are supported, got ${shape.length}`);
  return shape.slice();
}

/** Reads `(2, 3)` or `([2, 3])` size arguments. */
export function parseSize(args: readonly unknown[], what = "size"): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return checkSize(args[0] as number[], what);
  return checkSize(args as number[], what);
}

/** Wraps a possibly negative dim into [0, ndim). 0-dim tensors accept -1 and 0. */
export function wrapDim(dim: number, ndim: number): number {
  if (typeof dim !== "number" || !Number.isInteger(dim)) throw new TypeError(`dim must be an integer, but got ${String(dim)}`);
  const n = ndim === 0 ? 1 : ndim;
  if (dim < -n || dim >= n)
    throw new RangeError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  return dim < 0 ? dim + n : dim;
}

export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) { same = false; break; }
    if (same) return a as number[];
  }
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else
      throw new Error(
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
  }
  return out;
}

/** Strides of a tensor read as if expanded to `target` (0 where broadcast). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const n = target.length;
  const out = new Array<number>(n);
  const off = n - shape.length;
  for (let i = 0; i < n; i++) {
    if (i < off) out[i] = 0;
    else out[i] = shape[i - off] === 1 && target[i] !== 1 ? 0 : strides[i - off];
  }
  return out;
}

export function shapeEquals(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmtShape(s: readonly number[]): string {
  return `[${s.join(", ")}]`;
}
