/**
 * float16 and bfloat16 numbers in JavaScript: Node 20 has no Float16Array,
 * so tensors of these dtypes are Uint16Array views of the raw bit patterns
 * and these functions read and write them. They round exactly as the native
 * casts do (native/src/core/half.h, Note [16-bit rounding]): a number goes to
 * float32 first, then to the nearest 16-bit value, ties to even, with
 * overflow to infinity, subnormals kept and NaN kept NaN.
 * @internal
 */

// One scratch word, seen as a float32 and as its bits.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits of x (rounded through float32, as PyTorch converts a double). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const a = u & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00; // NaN
  if (a >= 0x477ff000) return sign | 0x7c00; // 65520 (the tie above 65504) and beyond: inf
  if (a >= 0x38800000) {
    // A normal float16: rebias the exponent, drop 13 mantissa bits rounding to even.
    const m = a - 0x38000000;
    return sign | ((m + 0xfff + ((m >>> 13) & 1)) >>> 13);
  }
  if (a <= 0x33000000) return sign; // 2^-25 and below: zero (2^-25 is a tie to the even 0)
  // A subnormal: the 24-bit significand in units of 2^-24, rounded to even.
  const shift = 126 - (a >>> 23);
  const sig = 0x800000 | (a & 0x7fffff);
  let q = sig >>> shift;
  const rem = sig & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rem > halfway || (rem === halfway && (q & 1) === 1)) q++;
  return sign | q;
}

/** The value of float16 bits (exact). */
export function fromHalfBits(h: number): number {
  const exp = (h >>> 10) & 0x1f;
  const man = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0x1f) return man === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * man * 2 ** -24;
  return sign * (1024 + man) * 2 ** (exp - 25);
}

/** The bfloat16 bits of x (rounded through float32). */
export function toBfloat16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) & 0x8000) | 0x7fc0;
  // u + bias can pass 2^32 for negative numbers near the top: >>> 16 of the
  // true sum is what we want, so add in floating point (exact below 2^53).
  return Math.floor((u + 0x7fff + ((u >>> 16) & 1)) / 65536) & 0xffff;
}

/** The value of bfloat16 bits (exact). */
export function fromBfloat16Bits(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** x rounded to the nearest float16 value. */
export function roundHalf(x: number): number {
  return fromHalfBits(toHalfBits(x));
}

/** x rounded to the nearest bfloat16 value. */
export function roundBfloat16(x: number): number {
  return fromBfloat16Bits(toBfloat16Bits(x));
}
