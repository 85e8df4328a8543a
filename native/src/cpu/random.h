// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC'11) and the maps from its 32-bit words to
// uniform, normal and bounded-integer values. The word at absolute position w
// of the stream for key (seed) is lane w % 4 of philox(counter = w / 4), so any
// element can be computed on its own, on any thread or device, in any order.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "../core/hd.h"

namespace tl {
namespace cpu {
namespace random {

struct Words4 {
  uint32_t v[4];
};

TL_HD Words4 philox4x32_10(uint64_t counter, uint64_t seed) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // key schedule (golden ratio, sqrt(3)-1)
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kM1) * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n1 = static_cast<uint32_t>(p1);
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    const uint32_t n3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
  }
  return Words4{{c0, c1, c2, c3}};
}

// Words [pos, pos + n) of the stream, a whole Philox block at a time.
TL_HD void fill_words(uint64_t seed, uint64_t pos, int64_t n, uint32_t* out) {
  int64_t i = 0;
  while (i < n) {
    const uint64_t p = pos + static_cast<uint64_t>(i);
    const Words4 w = philox4x32_10(p >> 2, seed);
    for (unsigned lane = static_cast<unsigned>(p & 3); lane < 4 && i < n; ++lane, ++i) out[i] = w.v[lane];
  }
}

// Sequential reader over the word stream that reuses the last Philox block.
struct Stream {
  uint64_t seed;
  uint64_t block = ~uint64_t{0};
  Words4 words{};

  TL_HD explicit Stream(uint64_t s) : seed(s) {}
  TL_HD uint32_t word(uint64_t pos) {
    const uint64_t b = pos >> 2;
    if (b != block) {
      words = philox4x32_10(b, seed);
      block = b;
    }
    return words.v[pos & 3];
  }
  // Two consecutive words, the first in the low half.
  TL_HD uint64_t word64(uint64_t pos) {
    const uint32_t lo = word(pos);
    return (static_cast<uint64_t>(word(pos + 1)) << 32) | lo;
  }
};

// [0, 1) with the type's full mantissa: 24 bits for float, 53 for double.
TL_HD float unit_float(uint32_t w) { return static_cast<float>(w >> 8) * (1.0f / 16777216.0f); }
TL_HD double unit_double(uint64_t w) { return static_cast<double>(w >> 11) * (1.0 / 9007199254740992.0); }
// (0, 1]: safe for log().
TL_HD float unit_open_float(uint32_t w) { return static_cast<float>((w >> 8) + 1) * (1.0f / 16777216.0f); }
TL_HD double unit_open_double(uint64_t w) {
  return (static_cast<double>(w >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

// a + (b - a) * u in the output precision. `below_b` is the largest value
// below b (nextafter(b, a)), used when rounding would land on b; a select
// between two ready values, so the loop stays vectorizable.
template <class T>
TL_HD T scale_uniform(T u, T a, T span, T b, T below_b) {
  const T x = u * span + a;
  return x < b ? x : below_b;
}

// Box-Muller in double: two independent standard normals from u1 in (0, 1],
// u2 in [0, 1).
TL_HD void box_muller(double u1, double u2, double& z0, double& z1) {
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double t = 6.283185307179586476925 * u2;
  z0 = r * std::cos(t);
  z1 = r * std::sin(t);
}

// Vectorizable float32 Box-Muller. libm's logf/sincosf are scalar calls and
// dominate normal_() otherwise; these are the Cephes single-precision
// polynomials (about 1 ulp on the ranges used), written as straight-line math
// the compiler vectorizes and a device can run unchanged.

// ln(x) for normal, positive, finite x.
TL_HD float log_approx(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  int e = static_cast<int>(bits >> 23) - 126;  // x = m * 2^e, m in [0.5, 1)
  bits = (bits & 0x007FFFFFu) | 0x3F000000u;
  float m;
  memcpy(&m, &bits, sizeof m);
  // Arithmetic instead of a select between two computed floats: the compiler
  // will not evaluate both arms (FP traps), which would block vectorization.
  const int low = m < 0.707106781186547524f ? 1 : 0;
  e -= low;
  m = m * static_cast<float>(1 + low) - 1.0f;  // 2m - 1 or m - 1, both exact
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  const float fe = static_cast<float>(e);
  y += -2.12194440e-4f * fe;
  y += -0.5f * z;
  return m + y + 0.693359375f * fe;
}

// cos and sin of 2*pi*u for u in [0, 1). The reduction is exact: 4u - q is
// computed without rounding for the 24-bit u this is fed.
TL_HD void sincos_turns(float u, float& c, float& s) {
  const float u4 = u * 4.0f;
  const int q = static_cast<int>(u4 + 0.5f);  // nearest quadrant, 0..4
  const float r = (u4 - static_cast<float>(q)) * 1.57079632679489661923f;  // [-pi/4, pi/4]
  const float z = r * r;
  const float sr = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
  const float cr = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z -
                   0.5f * z + 1.0f;
  const bool swap = (q & 1) != 0;
  const float cv = swap ? sr : cr, sv = swap ? cr : sr;
  c = ((q + 1) & 2) ? -cv : cv;  // cos < 0 in quadrants 1, 2
  s = (q & 2) ? -sv : sv;        // sin < 0 in quadrants 2, 3
}

// The radius^2 and angle parts of float32 Box-Muller from 24-bit uniforms
// u1 in (0, 1], u2 in [0, 1); the normals are sqrt(r2) * c and sqrt(r2) * s.
// (sqrt is left to the caller: with errno semantics it blocks vectorization.)
TL_HD void box_muller_parts(float u1, float u2, float& r2, float& c, float& s) {
  r2 = -2.0f * log_approx(u1);
  sincos_turns(u2, c, s);
}

// floor(w * range / 2^64): uniform in [0, range) with bias below range / 2^64
// (Lemire's multiply-shift without the rejection step). Portable 64x64->high.
TL_HD uint64_t mulhi64(uint64_t a, uint64_t b) {
  const uint64_t a_lo = static_cast<uint32_t>(a), a_hi = a >> 32;
  const uint64_t b_lo = static_cast<uint32_t>(b), b_hi = b >> 32;
  const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  const uint64_t cross = (lo_lo >> 32) + static_cast<uint32_t>(hi_lo) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

TL_HD int64_t bounded_int(uint64_t w, int64_t lo, uint64_t range) {
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + mulhi64(w, range));
}

}  // namespace random
}  // namespace cpu
}  // namespace tl
