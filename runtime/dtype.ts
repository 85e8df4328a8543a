/**
 * Element types and PyTorch's type promotion.
 */

/**
 * A tensor element type. `torch.float32` etc. are these strings. float16
 * (`torch.half`) and bfloat16 hold 16-bit floats: ops compute in float32 and
 * round each result back, as PyTorch does (docs/dtypes.md).
 */
export type DType = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool" | "float16" | "bfloat16";

/** All dtypes, in promotion order (float16 and bfloat16 are peers: together they promote to float32). */
export const DTYPES: readonly DType[] = ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64"];

/** @internal codes shared with native/src/core/dtype.h */
export const DTYPE_CODES: Readonly<Record<DType, number>> = {
  float32: 0, float64: 1, int32: 2, int64: 3, uint8: 4, bool: 5, float16: 6, bfloat16: 7,
};

const RANK: Readonly<Record<DType, number>> = { bool: 0, uint8: 1, int32: 2, int64: 3, float16: 4, bfloat16: 4, float32: 5, float64: 6 };

/** Bytes per element. */
export const ITEMSIZE: Readonly<Record<DType, number>> = {
  float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, bool: 1, float16: 2, bfloat16: 2,
};

/** The typed array used to view each dtype's memory (float16 / bfloat16: their raw bits). */
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

/** @internal */
export const TYPED_ARRAY: Readonly<Record<DType, { new (b: ArrayBuffer, off: number, len: number): TypedArray; BYTES_PER_ELEMENT: number }>> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array,
  float16: Uint16Array, bfloat16: Uint16Array,
};

/** True for float16, bfloat16, float32 and float64. */
export function isFloatingPoint(d: DType): boolean {
  return d === "float32" || d === "float64" || d === "float16" || d === "bfloat16";
}

/** @internal true for the 16-bit floats (PyTorch's isReducedFloatingType) */
export function isReducedFloat(d: DType): boolean {
  return d === "float16" || d === "bfloat16";
}

const SCALAR_TYPE_NAME: Readonly<Record<DType, string>> = {
  float32: "Float", float64: "Double", int32: "Int", int64: "Long", uint8: "Byte", bool: "Bool", float16: "Half", bfloat16: "BFloat16",
};

/** @internal PyTorch's ScalarType name, as its "not implemented for 'Half'" messages say it */
export function scalarTypeName(d: DType): string {
  return SCALAR_TYPE_NAME[d];
}

/** True for the integer dtypes (bool excluded). */
export function isIntegral(d: DType): boolean {
  return d === "int32" || d === "int64" || d === "uint8";
}

/** @internal 0 bool, 1 integral, 2 floating */
export function category(d: DType): number {
  return d === "bool" ? 0 : isFloatingPoint(d) ? 2 : 1;
}

/**
 * The smallest dtype both arguments convert to without losing their category,
 * as `torch.promote_types`.
 * @example torch.promoteTypes("int32", "float32") // "float32"
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (RANK[a] === RANK[b] && a !== b) return "float32"; // float16 with bfloat16: neither holds the other
  return RANK[a] >= RANK[b] ? a : b;
}

let defaultDtype: DType = "float32";

/**
 * The dtype of floating tensors made without one (`torch.get_default_dtype`).
 * @example torch.getDefaultDtype() // "float32"
 */
export function getDefaultDtype(): DType {
  return defaultDtype;
}

/**
 * Sets the default floating dtype (float32, float64, float16 or bfloat16).
 * @example torch.setDefaultDtype(torch.float64)
 */
export function setDefaultDtype(d: DType): void {
  if (!isFloatingPoint(d)) throw new TypeError(`only floating-point types are supported as the default type, got ${d}`);
  defaultDtype = d;
}

/** The dtype a JavaScript scalar takes part in promotion as (Python's rules for int, float, bool). */
export function scalarDtype(v: number | boolean | bigint): DType {
  if (typeof v === "boolean") return "bool";
  if (typeof v === "bigint") return "int64";
  return Number.isInteger(v) ? "int64" : defaultDtype;
}

// c10's combine_categories: a lower-priority participant only matters when its
// category is higher.
function combine(higher: DType | null, lower: DType | null): DType | null {
  if (higher === null) return lower;
  if (lower === null) return higher;
  if (isFloatingPoint(higher)) return higher;
  if (higher === "bool" || isFloatingPoint(lower)) return promoteTypes(higher, lower);
  return higher;
}

/** @internal an operand of result-type computation */
export interface PromotionOperand {
  readonly dtype: DType;
  dim(): number;
}

/**
 * PyTorch's result type: dimensioned tensors outrank 0-dim tensors, which
 * outrank scalars, unless a lower rank brings a higher category.
 * @example torch.resultType(torch.tensor([1, 2]), 2.5) // "float32"
 */
export function resultTypeOf(operands: ReadonlyArray<PromotionOperand | number | boolean | bigint>): DType {
  let dimR: DType | null = null, zeroR: DType | null = null, wrapR: DType | null = null;
  for (const o of operands) {
    if (typeof o === "object") {
      if (o.dim() > 0) dimR = dimR === null ? o.dtype : promoteTypes(dimR, o.dtype);
      else zeroR = zeroR === null ? o.dtype : promoteTypes(zeroR, o.dtype);
    } else {
      const d = scalarDtype(o);
      wrapR = wrapR === null ? d : promoteTypes(wrapR, d);
    }
  }
  return combine(dimR, combine(zeroR, wrapR)) ?? defaultDtype;
}

/** @internal validates a user-supplied dtype */
export function checkDtype(d: unknown, what = "dtype"): DType {
  if (typeof d === "string" && (DTYPES as readonly string[]).includes(d)) return d as DType;
  throw new TypeError(`${what} must be one of ${DTYPES.join(", ")}, but got ${String(d)}`);
}
