// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random
// numbers: as easy as 1, 2, 3", SC'11) and the maps from its 32-bit words to
// uniform, normal and bounded-integer values. The word at absolute position w
// of the stream for key (seed) is lane w % 4 of philox(counter = w / 4), so any
// element can be computed on its own, on any thread or device, in any order.
#pragma once
#include <cmath>
#include <cstdint>

#ifndef TL_HD
#define TL_HD
#endif

namespace tl {
namespace cpu {
namespace random {

struct Words4 {
  uint32_t v[4];
};

TL_HD inline Words4 philox4x32_10(uint64_t counter, uint64_t seed) {
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
TL_HD inline float unit_float(uint32_t w) { return static_cast<float>(w >> 8) * (1.0f / 16777216.0f); }
TL_HD inline double unit_double(uint64_t w) { return static_cast<double>(w >> 11) * (1.0 / 9007199254740992.0); }
// (0, 1]: safe for log().
TL_HD inline double unit_open_float(uint32_t w) { return (static_cast<double>(w >> 8) + 1.0) * (1.0 / 16777216.0); }
TL_HD inline double unit_open_double(uint64_t w) {
  return (static_cast<double>(w >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

// a + (b - a) * u, kept below b when rounding would reach it.
template <class T>
TL_HD T scale_uniform(double u, double a, double b) {
  T x = static_cast<T>(a + (b - a) * u);
  if (b > a && !(static_cast<double>(x) < b)) x = std::nextafter(static_cast<T>(b), static_cast<T>(a));
  if (b > a && static_cast<double>(x) < a) x = static_cast<T>(a);
  return x;
}

// Box-Muller: two independent standard normals from u1 in (0, 1], u2 in [0, 1).
TL_HD inline void box_muller(double u1, double u2, double& z0, double& z1) {
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double t = 6.283185307179586476925 * u2;
  z0 = r * std::cos(t);
  z1 = r * std::sin(t);
}

// floor(w * range / 2^64): uniform in [0, range) with bias below range / 2^64
// (Lemire's multiply-shift without the rejection step). Portable 64x64->high.
TL_HD inline uint64_t mulhi64(uint64_t a, uint64_t b) {
  const uint64_t a_lo = static_cast<uint32_t>(a), a_hi = a >> 32;
  const uint64_t b_lo = static_cast<uint32_t>(b), b_hi = b >> 32;
  const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  const uint64_t cross = (lo_lo >> 32) + static_cast<uint32_t>(hi_lo) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

TL_HD inline int64_t bounded_int(uint64_t w, int64_t lo, uint64_t range) {
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + mulhi64(w, range));
}

}  // namespace random
}  // namespace cpu
}  // namespace tl
