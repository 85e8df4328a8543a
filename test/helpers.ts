// Shared helpers for fixture-driven tests: decoding fixture values, rebuilding
// inputs with their recorded layout, and comparing results to PyTorch's.
import * as torch from "../runtime/index";
import type { DType, Tensor } from "../runtime/index";

/** A fixture value: nan/inf as strings, bools as booleans. */
export type EncodedValue = number | string | boolean;

/** Flat values, or runs of equal values. */
export type EncodedValues = EncodedValue[] | { rle: Array<[EncodedValue, number]> };

/** A tensor as the fixture records it. */
export interface EncodedTensor {
  values: EncodedValues;
  shape: number[];
  dtype: DType;
}

/** One view step replayed on the base: ["permute", dims] etc. */
export type ViewStep =
  | ["permute", number[]]
  | ["slice", number, number | null, number | null, number]
  | ["narrow", number, number, number]
  | ["select", number, number]
  | ["expand", number[]];

/** An input: a contiguous base and the views that make the op's operand from it. */
export interface EncodedInput {
  dtype: DType;
  layout: "contiguous" | "transposed" | "sliced" | "offset" | "expanded";
  /** explicit values, or a formula for large inputs (see gen_ops.py) */
  base: { values?: EncodedValues; pattern?: [number, number, number, number, number]; set?: Array<[number, EncodedValue]>; shape: number[] };
  views: ViewStep[];
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Decodes "nan"/"inf"/"-inf"; other values pass through. */
export function decodeValue(v: EncodedValue): number | boolean {
  if (typeof v !== "string") return v;
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  throw new Error(`unexpected encoded value ${JSON.stringify(v)}`);
}

/** Decodes a scalar argument (numbers, booleans, "nan"/"inf"/"-inf"); anything else unchanged. */
export function decodeScalar<T>(v: T): T | number {
  if (v === "nan" || v === "inf" || v === "-inf") return decodeValue(v as unknown as string) as number;
  return v;
}

/** Expands run-length encoded values. */
export function expandValues(values: EncodedValues): EncodedValue[] {
  if (Array.isArray(values)) return values;
  const out: EncodedValue[] = [];
  for (const [v, n] of values.rle) for (let i = 0; i < n; i++) out.push(v);
  return out;
}

/** A contiguous tensor with the given flat values and shape. */
export function makeTensor(values: EncodedValues, shape: number[], dtype: DType): Tensor {
  const flat = expandValues(values).map(decodeValue) as number[];
  return torch.tensor(flat, { dtype }).reshape(shape);
}

/** base[i] = ((i*a + b) % m) * scale + offset in float64 (bool: != 0), then the overrides. */
export function patternValues(shape: number[], dtype: DType, pattern: [number, number, number, number, number], set: Array<[number, EncodedValue]> = []): Array<number | boolean> {
  const [a, b, m, scale, offset] = pattern;
  const n = shape.reduce((x, y) => x * y, 1);
  const out: Array<number | boolean> = new Array(n);
  for (let i = 0; i < n; i++) {
    // Python's % (the sign of the divisor); a, b, m are non-negative here.
    const r = (((i * a + b) % m) + m) % m;
    const v = r * scale + offset;
    out[i] = dtype === "bool" ? v !== 0 : v;
  }
  for (const [j, v] of set) out[j] = decodeValue(v);
  return out;
}

/** Applies one recorded view step. */
export function applyView(t: Tensor, step: ViewStep): Tensor {
  switch (step[0]) {
    case "permute": return t.permute(step[1]);
    case "slice": return t.slice(step[1], step[2], step[3], step[4]);
    case "narrow": return t.narrow(step[1], step[2], step[3]);
    case "select": return t.select(step[1], step[2]);
    case "expand": return t.expand(step[1]);
    default: throw new Error(`unknown view step ${JSON.stringify(step)}`);
  }
}

/** Rebuilds an input: the base tensor and the (possibly non-contiguous) view the op gets. */
export function buildInput(inp: EncodedInput): { base: Tensor; view: Tensor } {
  const b = inp.base;
  const base = b.pattern !== undefined
    ? torch.tensor(patternValues(b.shape, inp.dtype, b.pattern, b.set) as number[], { dtype: inp.dtype }).reshape(b.shape)
    : makeTensor(b.values ?? [], b.shape, inp.dtype);
  let view = base;
  for (const step of inp.views) view = applyView(view, step);
  return { base, view };
}

/** Default tolerance by dtype (floats only; other dtypes compare exactly). */
export function defaultTolerance(dtype: DType): Tolerance {
  return dtype === "float64" ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-6 };
}

/** The elements of a tensor in row-major order as JS numbers/booleans. */
export function flatValues(t: Tensor): Array<number | boolean> {
  const out: Array<number | boolean> = [];
  const rec = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) rec(x);
    else out.push(v as number | boolean);
  };
  rec(t.tolist());
  return out;
}

function head(vs: Array<number | boolean>): string {
  return vs.slice(0, 40).map(fmt).join(", ") + (vs.length > 40 ? `, ... (${vs.length})` : "");
}

function fmt(v: number | boolean): string {
  return typeof v === "number" && Object.is(v, -0) ? "-0" : String(v);
}

/**
 * Compares a tensor to an expected one; returns readable mismatch descriptions
 * (empty when they agree). dtype and shape must match exactly.
 */
export function compareTensor(got: unknown, exp: EncodedTensor, tol: Tolerance | undefined, label = "result"): string[] {
  if (!(got instanceof torch.Tensor)) return [`${label}: expected a Tensor, got ${got === null ? "null" : typeof got}`];
  const problems: string[] = [];
  if (got.dtype !== exp.dtype) problems.push(`${label}: dtype ${got.dtype}, expected ${exp.dtype}`);
  if (got.shape.length !== exp.shape.length || got.shape.some((s, i) => s !== exp.shape[i])) {
    problems.push(`${label}: shape [${got.shape.join(", ")}], expected [${exp.shape.join(", ")}]`);
    return problems;
  }
  const values = flatValues(got);
  const want = expandValues(exp.values).map(decodeValue);
  const isFloat = exp.dtype === "float32" || exp.dtype === "float64";
  const t = tol ?? defaultTolerance(exp.dtype);
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = values[i], e = want[i];
    let ok: boolean;
    if (isFloat && typeof e === "number" && typeof g === "number") {
      if (Number.isNaN(e)) ok = Number.isNaN(g);
      else if (!Number.isFinite(e)) ok = g === e;
      else ok = Math.abs(g - e) <= t.atol + t.rtol * Math.abs(e);
    } else {
      ok = g === e || (typeof g === "number" && typeof e === "number" && Number.isNaN(g) && Number.isNaN(e));
    }
    if (!ok) bad.push(`[${i}] got ${fmt(g)} expected ${fmt(e)}`);
  }
  if (bad.length > 0) {
    problems.push(`${label}: ${bad.length}/${want.length} values differ: ${bad.slice(0, 8).join("; ")}${bad.length > 8 ? "; ..." : ""}` +
      `\n  got      [${head(values)}]\n  expected [${head(want)}]`);
  }
  return problems;
}
