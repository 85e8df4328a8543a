/**
 * Python-style indexing: `x.index(":", 1)` is `x[:, 1]`, and
 * `x.indexPut_([mask], 0)` is `x[mask] = 0`. See docs/indexing.md.
 *
 * An index item is one of:
 * - a number: picks one position and removes the dim (`x[1]`);
 * - a slice string `"start:stop:step"` with any part omitted (`":"`, `"1:3"`, `"::2"`, `"-2:"`),
 *   or an object `{ start, stop, step }`;
 * - `"..."` (Ellipsis) for as many full slices as needed;
 * - `null` for a new axis of size 1 (Python's `None`);
 * - an integer tensor or number[] (advanced indexing: gathers positions);
 * - a bool tensor or boolean[] (mask over as many dims as it has).
 * A single string may hold several items separated by commas: `x.index("1:3, ::2")`.
 */
import { Tensor } from "../tensor";
import { broadcastShapes, fmtShape, numelOf } from "../shape";
import { bumpVersion, checkNoInternalOverlap, copyInto, toDtype } from "./copy";
import { tensor } from "./creation";
import { indexSelect } from "./gather";
import { nonzero } from "./nonzero";
import { scatterInto } from "./scatter";
import { permute, reshape, select, slice, unsqueeze } from "./views";
import { isGradEnabled } from "../autograd/grad_mode";
import { applyInplace } from "../autograd/function";
import { advancedItems, aliasGrad, indexGrad, indexPutGrad } from "../autograd/indexing";

/** A slice written as an object. */
export interface SliceSpec {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/** One item of an index expression. */
export type IndexItem = number | string | null | SliceSpec | Tensor | number[] | boolean[];

type Parsed =
  | { kind: "int"; value: number }
  | { kind: "slice"; start: number | null; stop: number | null; step: number }
  | { kind: "ellipsis" }
  | { kind: "newaxis" }
  | { kind: "tensor"; value: Tensor };

function parseSliceString(s: string): Parsed {
  const t = s.trim();
  if (t === "...") return { kind: "ellipsis" };
  if (t === "None" || t === "null") return { kind: "newaxis" };
  if (/^-?\d+$/.test(t)) return { kind: "int", value: Number(t) };
  const parts = t.split(":");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.trim() !== "" && !/^-?\d+$/.test(p.trim())))
    throw new SyntaxError(`invalid index "${s}": expected an integer, "start:stop:step" (parts optional), "..." or "None"`);
  const num = (p: string | undefined): number | null => (p === undefined || p.trim() === "" ? null : Number(p));
  const step = num(parts[2]) ?? 1;
  if (step <= 0) throw new Error(step === 0 ? "slice step cannot be zero" : "step must be greater than zero");
  return { kind: "slice", start: num(parts[0]), stop: num(parts[1]), step };
}

function parseItems(items: readonly IndexItem[]): Parsed[] {
  const out: Parsed[] = [];
  for (const it of items) {
    if (typeof it === "string") {
      for (const piece of it.split(",")) if (piece.trim() !== "" || it.trim() === "") out.push(parseSliceString(piece));
    } else if (typeof it === "number") {
      if (!Number.isInteger(it)) throw new TypeError(`index ${it} is not an integer`);
      out.push({ kind: "int", value: it });
    } else if (it === null) {
      out.push({ kind: "newaxis" });
    } else if (it instanceof Tensor) {
      if (it.dtype !== "bool" && it.dtype !== "uint8" && it.dtype !== "int64" && it.dtype !== "int32")
        throw new TypeError(`tensors used as indices must be long, int, byte or bool tensors, got ${it.dtype}`);
      out.push({ kind: "tensor", value: it });
    } else if (Array.isArray(it)) {
      out.push({ kind: "tensor", value: tensor(it as number[], { dtype: it.length > 0 && typeof it[0] === "boolean" ? "bool" : "int64" }) });
    } else if (typeof it === "object") {
      const step = it.step ?? 1;
      if (step <= 0) throw new Error(step === 0 ? "slice step cannot be zero" : "step must be greater than zero");
      out.push({ kind: "slice", start: it.start ?? null, stop: it.stop ?? null, step });
    } else {
      throw new TypeError(`invalid index item ${String(it)}`);
    }
  }
  return out;
}

// As in PyTorch, indices may be on the CPU for a tensor on a GPU (they are moved there).
function onIndexedDevice(t: Tensor, x: Tensor): Tensor {
  if (t.device.equals(x.device)) return t;
  if (t.device.type !== "cpu") throw new Error(`indices should be either on cpu or on the same device as the indexed tensor (${x.device})`);
  return t.to(x.device);
}

interface Basic {
  /** x after the basic items (x itself when there are none) */
  view: Tensor;
  /** advanced index tensors (int64) keyed by their dim in `view` */
  adv: Array<{ dim: number; index: Tensor }>;
}

// Applies ints, slices, ellipsis and new axes as views; collects advanced indices.
function applyBasic(x: Tensor, items: Parsed[]): Basic {
  const consumed = items.reduce((n, p) => n + (p.kind === "int" || p.kind === "slice" ? 1 : p.kind === "tensor" ? (p.value.dtype === "bool" || p.value.dtype === "uint8" ? Math.max(p.value.dim(), 1) : 1) : 0), 0);
  const ellipses = items.filter((p) => p.kind === "ellipsis").length;
  if (ellipses > 1) throw new Error("an index can only have a single ellipsis ('...')");
  if (consumed > x.dim()) throw new Error(`too many indices for tensor of dimension ${x.dim()}`);
  let v = x;
  let d = 0;
  const adv: Basic["adv"] = [];
  const replace = (nv: Tensor): void => { if (v !== x) v.dispose(); v = nv; };
  for (const p of items) {
    switch (p.kind) {
      case "int":
        if (v.dim() === 0) throw new Error("invalid index of a 0-dim tensor.");
        replace(select(v, d, p.value));
        break;
      case "slice":
        replace(slice(v, d, p.start, p.stop, p.step));
        d++;
        break;
      case "ellipsis":
        d += x.dim() - consumed;
        break;
      case "newaxis":
        replace(unsqueeze(v, d));
        d++;
        break;
      case "tensor": {
        const t = p.value;
        if (t.dtype === "bool" || t.dtype === "uint8") {
          const k = t.dim();
          if (k === 0) {
            // x[True] adds a dim of size 1, x[False] of size 0
            replace(unsqueeze(v, d));
            adv.push({ dim: d, index: nonzero(onIndexedDevice(t, x).reshape(1)).reshape(-1) });
            d++;
            break;
          }
          for (let i = 0; i < k; i++) {
            if (t._shape[i] !== v._shape[d + i])
              throw new Error(`The shape of the mask ${fmtShape(t._shape)} at index ${i} does not match the shape of the indexed tensor ${fmtShape(v._shape)} at index ${d + i}`);
          }
          const nz = nonzero(onIndexedDevice(t, x));
          for (let i = 0; i < k; i++) adv.push({ dim: d + i, index: nz.select(1, i) });
          d += k;
        } else {
          adv.push({ dim: d, index: toDtype(onIndexedDevice(t, x), "int64") });
          d++;
        }
        break;
      }
    }
  }
  return { view: v, adv };
}

interface Advanced {
  /** view with the advanced dims moved to the front, flattened into one */
  flat: Tensor;
  /** the permuted view (advanced dims first) */
  permuted: Tensor;
  /** broadcast shape of the index tensors */
  bshape: number[];
  /** linear index into the flattened advanced dims */
  lin: Tensor;
  /** where the broadcast dims go in the result */
  at: number;
  restShape: number[];
}

function prepareAdvanced(b: Basic): Advanced {
  const { view: v, adv } = b;
  let bshape: number[] = [];
  for (const a of adv) bshape = broadcastShapes(bshape, a.index._shape);
  const advDims = adv.map((a) => a.dim);
  const contiguousDims = advDims.every((dd, i) => i === 0 || dd === advDims[i - 1] + 1);
  const rest = [...Array(v.dim()).keys()].filter((dd) => !advDims.includes(dd));
  const permuted = permute(v, [...advDims, ...rest]);
  const sizes = advDims.map((dd) => v._shape[dd]);
  const n = numelOf(bshape);
  // Linear index over the advanced dims, with bounds checks and negative wrap.
  const lin = new BigInt64Array(n);
  // Bounds are checked on the host: GPU indices are read back once.
  const idxVals = adv.map((a) => a.index.expand(bshape).contiguous()._host()._data() as BigInt64Array);
  for (let k = 0; k < adv.length; k++) {
    let mult = 1;
    for (let j = k + 1; j < adv.length; j++) mult *= sizes[j];
    const vals = idxVals[k], size = sizes[k];
    for (let i = 0; i < n; i++) {
      let ix = Number(vals[i]);
      if (ix < -size || ix >= size) throw new RangeError(`index ${ix} is out of bounds for dimension ${adv[k].dim} with size ${size}`);
      if (ix < 0) ix += size;
      lin[i] += BigInt(ix * mult);
    }
  }
  const restShape = rest.map((dd) => v._shape[dd]);
  const flat = reshape(permuted, [numelOf(sizes), ...restShape]);
  const at = contiguousDims ? advDims[0] : 0;
  return { flat, permuted, bshape, lin: tensor(lin, { device: v.device }), at, restShape };
}

// [B..., rest...] -> the result's dim order (B placed at `at`).
function placeBroadcastDims(t: Tensor, nb: number, at: number): Tensor {
  if (at === 0) return t;
  const n = t.dim();
  const restIdx = [...Array(n - nb).keys()].map((i) => i + nb);
  const order = [...restIdx.slice(0, at), ...[...Array(nb).keys()], ...restIdx.slice(at)];
  return permute(t, order);
}

/** @internal x[items] */
export function index(x: Tensor, items: readonly IndexItem[]): Tensor {
  const b = applyBasic(x, parseItems(items));
  if (b.adv.length === 0) {
    if (b.view !== x) return b.view;
    const alias = x._view(x._shape.slice(), x._strides.slice(), x._offset);
    return x._requiresGrad && isGradEnabled() ? aliasGrad(x, alias) : alias;
  }
  if (b.view._requiresGrad && isGradEnabled())
    return indexGrad(b.view, b.adv.map((a) => a.dim), b.adv.map((a) => a.index), () => advancedIndex(b));
  return advancedIndex(b);
}

// the advanced part of x[items], on x's basic view
function advancedIndex(b: Basic): Tensor {
  const a = prepareAdvanced(b);
  const picked = indexSelect(a.flat, 0, a.lin);
  const shaped = reshape(picked, [...a.bshape, ...a.restShape]);
  const placed = placeBroadcastDims(shaped, a.bshape.length, a.at);
  return placed === shaped ? shaped : placed.contiguous();
}

/** Options of {@link Tensor.indexPut_}. */
export interface IndexPutOptions {
  /** add into the indexed positions instead of overwriting (duplicates accumulate) */
  accumulate?: boolean;
}

/** @internal x[items] = value */
export function indexPut(x: Tensor, items: readonly IndexItem[], value: Tensor | number | boolean, options: IndexPutOptions = {}): Tensor {
  x._live();
  if (value instanceof Tensor && value.dtype !== x.dtype && parseItems(items).some((p) => p.kind === "tensor"))
    throw new TypeError(`Index put requires the source and destination dtypes match, got ${x.dtype} for the destination and ${value.dtype} for the source.`);
  const b = applyBasic(x, parseItems(items));
  if (isGradEnabled() && (x._requiresGrad || (value instanceof Tensor && value._requiresGrad))) return indexPutTracked(x, b, value, options);
  if (b.adv.length === 0) {
    if (options.accumulate) {
      const sum = value instanceof Tensor ? b.view.add(value) : b.view.add(Number(value));
      b.view.copy_(sum);
    } else {
      b.view.copy_(value instanceof Tensor ? value : Number(value));
    }
    bumpVersion(x);
    return x;
  }
  checkNoInternalOverlap(b.view);
  const a = prepareAdvanced(b);
  // Result-shaped value, reordered to [B..., rest...] and flattened to [numel(B), rest...].
  const resultShape = [...a.restShape];
  resultShape.splice(a.at, 0, ...a.bshape);
  let val: Tensor = value instanceof Tensor ? toDtype(value, x.dtype) : tensor(Number(value), { dtype: x.dtype, device: x.device });
  if (val.dim() === 0 && !val.device.equals(x.device)) val = val.to(x.device);  // a 0-dim CPU value, as PyTorch allows
  try {
    broadcastShapes(resultShape, val._shape);
  } catch {
    throw new Error(`shape mismatch: value tensor of shape ${fmtShape(val._shape)} cannot be broadcast to indexing result of shape ${fmtShape(resultShape)}`);
  }
  val = val.expand(resultShape);
  if (a.at !== 0) {
    const nb = a.bshape.length, n = resultShape.length;
    const order = [...[...Array(nb).keys()].map((i) => i + a.at), ...[...Array(a.at).keys()], ...[...Array(n - nb - a.at).keys()].map((i) => i + a.at + nb)];
    val = permute(val, order);
  }
  const nB = numelOf(a.bshape);
  const src = reshape(val, [nB, ...a.restShape]);
  const idx = reshape(a.lin, [nB, ...a.restShape.map(() => 1)]).expand([nB, ...a.restShape]);
  // Scatter into the flattened view; if flattening had to copy, write it back.
  const sharesStorage = a.flat._storage === x._storage;
  scatterInto(a.flat, 0, idx, src, options.accumulate ? 1 : 0);
  if (!sharesStorage) copyInto(a.permuted, reshape(a.flat, a.permuted._shape.slice()));
  bumpVersion(x);
  return x;
}

/*
 * Under autograd, x[items] = value writes through the basic view of x (as
 * PyTorch does): basic items only is a copy_ (add_ when accumulating) into
 * that view; advanced items record IndexPutBackward0 on it, and a view of x
 * hands the write on to x (CopySlices).
 */
function indexPutTracked(x: Tensor, b: Basic, value: Tensor | number | boolean, options: IndexPutOptions): Tensor {
  const target = b.view;
  if (b.adv.length === 0) {
    if (options.accumulate) target.add_(value instanceof Tensor ? value : Number(value));
    else target.copy_(value instanceof Tensor ? value : Number(value));
    return x;
  }
  const its = advancedItems(b.adv.map((a) => a.dim), b.adv.map((a) => a.index));
  applyInplace(target, () => indexPutOutOfPlace(target, its, value, options));
  return x;
}

/**
 * x[items] = value on a copy of x (PyTorch's `index_put`); x is unchanged.
 * @example const y = x.indexPut([mask], 0);  // x with zeros where mask is true
 */
export function indexPutOutOfPlace(x: Tensor, items: readonly IndexItem[], value: Tensor | number | boolean, options: IndexPutOptions = {}): Tensor {
  if (isGradEnabled() && (x._requiresGrad || (value instanceof Tensor && value._requiresGrad)))
    return indexPutGrad(x, items, value, options, () => indexPut(x.clone(), items, value, options));
  return indexPut(x.clone(), items, value, options);
}

declare module "../tensor" {
  interface Tensor {
    /**
     * Python's `x[...]`. Basic items give a view; tensor/array items copy.
     * @example
     * x.index(":", 1)      // x[:, 1]
     * x.index("1:3, ::2")  // x[1:3, ::2]
     * x.index(mask)        // x[mask]
     * x.index([0, 2])      // x[[0, 2]]
     */
    index(...items: IndexItem[]): Tensor;
    /**
     * Python's `x[...] = value`, in place; returns this tensor.
     * @example x.indexPut_([":", 1], 0); x.indexPut_([x.lt(0)], 0)
     */
    indexPut_(items: IndexItem | IndexItem[], value: Tensor | number | boolean, options?: IndexPutOptions): this;
    /**
     * Out-of-place `x[...] = value`: a copy of this tensor with value written
     * (added with `accumulate`) at the items (PyTorch's `index_put`).
     * @example x.indexPut([torch.tensor([0, 2])], 1); x.indexPut([mask], v, { accumulate: true })
     */
    indexPut(items: IndexItem | IndexItem[], value: Tensor | number | boolean, options?: IndexPutOptions): Tensor;
  }
}

Tensor.prototype.index = function (this: Tensor, ...items: IndexItem[]) { return index(this, items); };
Tensor.prototype.indexPut_ = function (this: Tensor, items: IndexItem | IndexItem[], value: Tensor | number | boolean, options?: IndexPutOptions) {
  // An array is the list of items (x[0, 1] is [0, 1]); x[[0, 1]] is [[0, 1]].
  const list = Array.isArray(items) ? (items as IndexItem[]) : [items];
  indexPut(this, list, value, options);
  return this;
};

Tensor.prototype.indexPut = function (this: Tensor, items: IndexItem | IndexItem[], value: Tensor | number | boolean, options?: IndexPutOptions) {
  return indexPutOutOfPlace(this, Array.isArray(items) ? (items as IndexItem[]) : [items], value, options);
};
