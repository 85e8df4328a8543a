// float16 and bfloat16: storage types and exact conversions, shared by the
// CPU and CUDA impls (TL_HD). Tensors of these dtypes hold the raw 16-bit
// patterns; every impl widens to float, computes, and rounds the result back.
//
// Note [16-bit rounding]: float -> 16 bits rounds to nearest even, overflows
// to infinity and keeps subnormals, as c10::Half / c10::BFloat16 do. A NaN
// stays a quiet NaN with its sign (float16 0x7e00, bfloat16 0x7fc0). Wider
// sources (double, int64) go through float first: PyTorch converts that way,
// so a double just above a 16-bit tie rounds like the float it becomes.
// The same integer code runs on the host and the GPU, so both devices give
// the same bits (the CUDA intrinsics differ from c10 in NaN payloads).
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "hd.h"

namespace tl {

// Raw IEEE 754 binary16 bits.
struct Half {
  uint16_t x;
};
// The top half of a float32: 8 exponent bits, 7 mantissa bits.
struct BFloat16 {
  uint16_t x;
};

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

TL_HD uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

TL_HD float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

TL_HD float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (man << 13));  // inf, NaN (payload kept)
  if (exp != 0) return bits_float(sign | ((exp + 112u) << 23) | (man << 13));  // rebias 15 -> 127
  // Zero or subnormal: man * 2^-24, exact in float (and a normal float).
  const float v = static_cast<float>(man) * 5.9604644775390625e-8f;
  return sign != 0 ? -v : v;
}

TL_HD uint16_t float_to_half_bits(float f) {
  const uint32_t u = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u;    // NaN
  if (a >= 0x477ff000u) return sign | 0x7c00u;   // >= 65520 (the tie above 65504) and inf
  if (a >= 0x38800000u) {                        // >= 2^-14: a normal half
    const uint32_t m = a - 0x38000000u;          // exponent rebiased 127 -> 15, 13 extra mantissa bits
    return static_cast<uint16_t>(sign | ((m + 0xfffu + ((m >> 13) & 1u)) >> 13));  // ties to even; a carry bumps the exponent
  }
  if (a <= 0x33000000u) return sign;             // <= 2^-25: zero (2^-25 is a tie, and 0 is even)
  // A subnormal half: the 24-bit significand in units of 2^-24, rounded to nearest even.
  const int shift = 126 - static_cast<int>(a >> 23);  // 14..24 for exponents -15..-25
  const uint32_t sig = 0x800000u | (a & 0x7fffffu);
  uint32_t q = sig >> shift;
  const uint32_t rem = sig & ((1u << shift) - 1u), halfway = 1u << (shift - 1);
  if (rem > halfway || (rem == halfway && (q & 1u))) ++q;  // may carry into the smallest normal: still right
  return static_cast<uint16_t>(sign | q);
}

TL_HD float bfloat16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

TL_HD uint16_t float_to_bfloat16_bits(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>(((u >> 16) & 0x8000u) | 0x7fc0u);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);  // ties to even; overflow reaches inf
}

TL_HD float to_float(Half h) { return half_to_float(h.x); }
TL_HD float to_float(BFloat16 b) { return bfloat16_to_float(b.x); }

template <class H>
TL_HD H from_float(float f) {
  static_assert(is_half_v<H>, "from_float makes Half or BFloat16");
  if constexpr (std::is_same_v<H, Half>) return Half{float_to_half_bits(f)};
  else return BFloat16{float_to_bfloat16_bits(f)};
}

// The type arithmetic on T happens in: float for the 16-bit types, T otherwise.
template <class T>
using opmath_t = std::conditional_t<is_half_v<T>, float, T>;

template <class T>
TL_HD opmath_t<T> to_opmath(T v) {
  if constexpr (is_half_v<T>) return to_float(v);
  else return v;
}

template <class T>
TL_HD T from_opmath(opmath_t<T> v) {
  if constexpr (is_half_v<T>) return from_float<T>(v);
  else return v;
}

}  // namespace tl
