/**
 * Tensor printing that matches PyTorch 1.13's `repr(tensor)` character for
 * character (the rules of torch/_tensor_str.py, re-expressed in TypeScript).
 *
 * Pure TypeScript: it takes a flat, row-major copy of a tensor's values, so
 * it can be used before the native core is loaded and is easy to test.
 */

/** The dtypes this formatter knows how to print. */
export type FormatDType = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool" | "float16" | "bfloat16";

/**
 * What `formatTensor` needs to know about a tensor.
 *
 * @example
 * const t: FormatInput = { shape: [2], dtype: "float32", values: [1, 2.5] };
 */
export interface FormatInput {
  /** Sizes of each dimension; `[]` for a 0-dim tensor. */
  shape: readonly number[];
  dtype: FormatDType;
  /** Row-major contiguous values (float16 / bfloat16 as their numbers, not bits); length must equal the product of `shape`. */
  values: ArrayLike<number | bigint | boolean>;
  /** `"cpu"` (or absent) prints nothing; anything else adds `device='…'`. */
  device?: string;
  /** Adds `requires_grad=True`, unless `gradFn` is given. */
  requiresGrad?: boolean;
  /** Name of the autograd node, e.g. `"AddBackward0"` → `grad_fn=<AddBackward0>`. */
  gradFn?: string;
}

/**
 * Print options, as in `torch.set_printoptions`.
 *
 * @example
 * const o: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };
 */
export interface PrintOptions {
  /** Digits after the decimal point (fixed) or in the mantissa (scientific). */
  precision: number;
  /** Tensors with more elements than this are summarized with `...`. */
  threshold: number;
  /** Items kept at each end of a summarized dimension. */
  edgeitems: number;
  /** Characters per line before elements wrap. */
  linewidth: number;
  /** Force scientific notation on (`true`) or off (`false`); `null` lets the data decide. */
  sciMode: boolean | null;
}

const DEFAULT_OPTIONS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };
let options: PrintOptions = { ...DEFAULT_OPTIONS };

/**
 * Returns a copy of the current print options.
 *
 * @example
 * getPrintOptions().precision; // 4
 */
export function getPrintOptions(): PrintOptions {
  return { ...options };
}

/**
 * Changes the print options, like `torch.set_printoptions`: the profile is
 * applied first, then the named options. As in PyTorch, `sciMode` is always
 * assigned, so omitting it resets it to `null`.
 *
 * @example
 * setPrintOptions({ precision: 2 });
 * setPrintOptions({ profile: "default" }); // back to the defaults
 */
export function setPrintOptions(opts: Partial<PrintOptions> & { profile?: "default" | "short" | "full" }): void {
  const next: PrintOptions = { ...options };
  if (opts.profile === "default") Object.assign(next, { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 });
  else if (opts.profile === "short") Object.assign(next, { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 });
  else if (opts.profile === "full") Object.assign(next, { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 });
  if (opts.precision !== undefined) next.precision = opts.precision;
  if (opts.threshold !== undefined) next.threshold = opts.threshold;
  if (opts.edgeitems !== undefined) next.edgeitems = opts.edgeitems;
  if (opts.linewidth !== undefined) next.linewidth = opts.linewidth;
  next.sciMode = opts.sciMode ?? null;
  options = next;
}

// ---------------------------------------------------------------------------
// Python-compatible number formatting.
//
// JS toFixed/toExponential round ties away from zero and toFixed switches to
// exponent notation at 1e21; Python's '{:.Nf}'/'{:.Ne}' round the exact binary
// value half-to-even and never switch. So we expand the double exactly with
// BigInt and round ourselves.

/** |x| as an exact decimal: `digits / 10^scale` (x finite). */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exp2 = biased === 0 ? -1074 : biased - 1075;
  if (biased !== 0) mantissa |= 1n << 52n;
  if (mantissa === 0n) return { digits: 0n, scale: 0 };
  // Strip factors of two so the 5^k expansion below stays as short as possible.
  while ((mantissa & 1n) === 0n && exp2 < 0) {
    mantissa >>= 1n;
    exp2++;
  }
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), scale: 0 };
  // m / 2^k == m * 5^k / 10^k
  return { digits: mantissa * 5n ** BigInt(-exp2), scale: -exp2 };
}

/** n / 10^drop rounded half-to-even (drop >= 1). */
function roundHalfEven(n: bigint, drop: number): bigint {
  const div = 10n ** BigInt(drop);
  let q = n / div;
  const twiceRem = (n % div) * 2n;
  if (twiceRem > div || (twiceRem === div && (q & 1n) === 1n)) q++;
  return q;
}

/** Python's spelling of non-finite values; it never prints "-nan". */
function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return null;
}

/** Sign as Python prints it: negative zero keeps its "-". */
function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? "-" : "";
}

/** Python `'{:.<p>f}'.format(x)`. */
function pyFixed(x: number, p: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const { digits, scale } = exactDecimal(x);
  const n = scale <= p ? digits * 10n ** BigInt(p - scale) : roundHalfEven(digits, scale - p);
  let s = n.toString();
  if (p > 0) {
    s = s.padStart(p + 1, "0");
    s = `${s.slice(0, s.length - p)}.${s.slice(s.length - p)}`;
  }
  return signOf(x) + s;
}

/** Python `'{:.<p>e}'.format(x)`: exponent signed, at least two digits. */
function pyExp(x: number, p: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const { digits, scale } = exactDecimal(x);
  let mant: bigint;
  let exp10 = 0;
  if (digits === 0n) {
    mant = 0n;
  } else {
    const len = digits.toString().length;
    exp10 = len - 1 - scale;
    if (len > p + 1) {
      mant = roundHalfEven(digits, len - (p + 1));
      // Rounding 9.99…→10.0 carries into a new digit; shift it back out.
      if (mant.toString().length > p + 1) {
        mant /= 10n;
        exp10++;
      }
    } else {
      mant = digits * 10n ** BigInt(p + 1 - len);
    }
  }
  const m = mant.toString().padStart(p + 1, "0");
  const body = p > 0 ? `${m[0]}.${m.slice(1)}` : m;
  const e = `${exp10 < 0 ? "-" : "+"}${String(Math.abs(exp10)).padStart(2, "0")}`;
  return `${signOf(x)}${body}e${e}`;
}

// ---------------------------------------------------------------------------
// The formatter: one per tensor, chooses a notation and a common width.

interface Formatter {
  width: number;
  format(value: number | string): string;
}

function makeFormatter(floating: boolean, sample: (number | string)[]): Formatter {
  const prec = options.precision;
  const pad = (s: string, width: number): string => " ".repeat(Math.max(0, width - s.length)) + s;
  if (!floating) {
    // Integers and bools print as Python's str() of the value.
    const width = sample.reduce<number>((w, v) => Math.max(w, String(v).length), 1);
    return { width, format: (v) => pad(String(v), width) };
  }
  const nums = sample as number[];
  const finite = nums.filter((v) => Number.isFinite(v) && v !== 0);
  let intMode = true;
  let sciMode = false;
  let width = 1;
  // With nothing finite and non-zero PyTorch returns early, which also means
  // a forced sci_mode is ignored (zeros print as "0." even with sciMode true).
  if (finite.length > 0) {
    // A loop, not Math.min(...xs): spreading a big unsummarized tensor overflows the stack.
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
    }
    intMode = finite.every((v) => v === Math.ceil(v));
    // Widths only consider finite non-zero values; nan/inf may overflow them.
    const widest = (f: (v: number) => string, extra: number): number =>
      finite.reduce((w, v) => Math.max(w, f(v).length + extra), 1);
    if (max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4)) {
      sciMode = true;
      width = widest((v) => pyExp(v, prec), 0);
    } else if (intMode) {
      width = widest((v) => pyFixed(v, 0), 1); // +1 for the trailing "."
    } else {
      width = widest((v) => pyFixed(v, prec), 0);
    }
    // The width above was measured in the automatic notation even when the
    // user forces another one; PyTorch does the same, so keep it.
    if (options.sciMode !== null) sciMode = options.sciMode;
  }
  return {
    width,
    format(value) {
      const v = value as number;
      let s: string;
      if (sciMode) s = pyExp(v, prec);
      else if (intMode) s = pyFixed(v, 0) + (Number.isFinite(v) ? "." : "");
      else s = pyFixed(v, prec);
      return pad(s, width);
    },
  };
}

// ---------------------------------------------------------------------------
// Layout.

/** Indices of one dimension to show; `null` marks the "..." gap. */
function shownIndices(size: number, summarize: boolean): (number | null)[] {
  const edge = options.edgeitems;
  const all = Array.from({ length: size }, (_, i) => i);
  if (!summarize || size <= 2 * edge) return all;
  return [...all.slice(0, edge), null, ...all.slice(size - edge)];
}

interface Layout {
  shape: readonly number[];
  strides: number[];
  cells: (number | string)[];
  summarize: boolean;
  fmt: Formatter;
}

/** The values a summarized print shows: what the formatter measures. */
function shownValues(shape: readonly number[], strides: number[], cells: (number | string)[], summarize: boolean): (number | string)[] {
  if (shape.length === 0) return cells;
  const out: (number | string)[] = [];
  const walk = (dim: number, offset: number): void => {
    for (const i of shownIndices(shape[dim], summarize)) {
      if (i === null) continue;
      if (dim === shape.length - 1) out.push(cells[offset + i * strides[dim]]);
      else walk(dim + 1, offset + i * strides[dim]);
    }
  };
  walk(0, 0);
  return out;
}

function vectorStr(l: Layout, dim: number, offset: number, indent: number): string {
  const perLine = Math.max(1, Math.floor((options.linewidth - indent) / (l.fmt.width + 2)));
  const items = shownIndices(l.shape[dim], l.summarize).map((i) =>
    i === null ? " ..." : l.fmt.format(l.cells[offset + i * l.strides[dim]]),
  );
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
  return `[${lines.join(`,\n${" ".repeat(indent + 1)}`)}]`;
}

function tensorStr(l: Layout, dim: number, offset: number, indent: number): string {
  if (l.shape.length === 0) return l.fmt.format(l.cells[0]);
  if (dim === l.shape.length - 1) return vectorStr(l, dim, offset, indent);
  const slices = shownIndices(l.shape[dim], l.summarize).map((i) =>
    i === null ? "..." : tensorStr(l, dim + 1, offset + i * l.strides[dim], indent + 1),
  );
  // One blank line between 3-D slices, two between 4-D blocks, and so on.
  const remaining = l.shape.length - dim;
  return `[${slices.join(`,${"\n".repeat(remaining - 1)}${" ".repeat(indent + 1)}`)}]`;
}

/** Appends ", suffix" items, moving one to its own line when it would pass linewidth. */
function addSuffixes(text: string, suffixes: string[], indent: number): string {
  // PyTorch's length of the last line is off by two (it adds 1 where it should
  // subtract 1); reproducing it decides where suffixes wrap.
  let lastLineLen = text.length - text.lastIndexOf("\n") + 1;
  let out = text;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > options.linewidth) {
      out += `,\n${" ".repeat(indent)}${suffix}`;
      lastLineLen = indent + suffix.length;
    } else {
      out += `, ${suffix}`;
      lastLineLen += suffix.length + 2;
    }
  }
  return `${out})`;
}

/** Converts one element to a number (floats) or Python's str() of it (others). */
function toCell(v: number | bigint | boolean, dtype: FormatDType): number | string {
  switch (dtype) {
    case "float32":
    case "float16": // PyTorch prints 16-bit floats from their float32 values (exact)
    case "bfloat16":
      return Math.fround(Number(v)); // printed from the float32 value widened to double
    case "float64":
      return Number(v);
    case "bool":
      return v ? "True" : "False";
    default:
      return typeof v === "bigint" ? v.toString() : BigInt(Math.trunc(Number(v))).toString();
  }
}

/**
 * Formats a tensor exactly as PyTorch 1.13's `repr(tensor)` would.
 *
 * @example
 * formatTensor({ shape: [3], dtype: "float32", values: [1, 2, 3] });
 * // "tensor([1., 2., 3.])"
 * formatTensor({ shape: [], dtype: "int32", values: [7], device: "cuda:0" });
 * // "tensor(7, device='cuda:0', dtype=torch.int32)"
 */
export function formatTensor(t: FormatInput): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (t.values.length !== numel) {
    throw new RangeError(`formatTensor: ${t.values.length} values for shape [${t.shape.join(", ")}]`);
  }
  const suffixes: string[] = [];
  if (t.device !== undefined && t.device !== "cpu") suffixes.push(`device='${t.device}'`);
  let body: string;
  if (numel === 0) {
    // Shape is printed unless it is (0,), as NumPy does; with no values to go
    // by, every dtype except the default float32 is named, int64 and bool too.
    if (t.shape.length !== 1) suffixes.push(`size=(${t.shape.join(", ")})`);
    if (t.dtype !== "float32") suffixes.push(`dtype=torch.${t.dtype}`);
    body = "[]";
  } else {
    if (t.dtype !== "float32" && t.dtype !== "int64" && t.dtype !== "bool") suffixes.push(`dtype=torch.${t.dtype}`);
    const cells = Array.from({ length: numel }, (_, i) => toCell(t.values[i], t.dtype));
    const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const summarize = numel > options.threshold;
    const floating = t.dtype === "float32" || t.dtype === "float64" || t.dtype === "float16" || t.dtype === "bfloat16";
    const fmt = makeFormatter(floating, summarize ? shownValues(t.shape, strides, cells, true) : cells);
    body = tensorStr({ shape: t.shape, strides, cells, summarize, fmt }, 0, 0, indent);
  }
  if (t.gradFn !== undefined) suffixes.push(`grad_fn=<${t.gradFn}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, indent);
}
