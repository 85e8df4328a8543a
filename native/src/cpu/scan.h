// Element math for cumulative sum / product along one dimension.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#ifndef TL_HD
#define TL_HD
#endif

namespace tl {
namespace cpu {
namespace scan {

// Conversions with defined results for NaN / out-of-range (see cpu/reduce.h).
template <class To, class From>
TL_HD To convert(From x) {
  if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    if (!(x == x)) return To(0);
    if (x <= static_cast<From>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (x >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(x);
  } else {
    return static_cast<To>(x);
  }
}

// Integer accumulation wraps (two's complement) without signed-overflow UB.
template <class Acc>
struct CumSum {
  static TL_HD Acc identity() { return Acc(0); }
  static TL_HD Acc step(Acc a, Acc x) {
    if constexpr (std::is_integral_v<Acc>)
      return static_cast<Acc>(static_cast<uint64_t>(a) + static_cast<uint64_t>(x));
    else
      return a + x;
  }
};

template <class Acc>
struct CumProd {
  static TL_HD Acc identity() { return Acc(1); }
  static TL_HD Acc step(Acc a, Acc x) {
    if constexpr (std::is_integral_v<Acc>)
      return static_cast<Acc>(static_cast<uint64_t>(a) * static_cast<uint64_t>(x));
    else
      return a * x;
  }
};

// One line: out[i] = in[0] op ... op in[i]. Strides in elements. Reading in[i]
// before writing out[i] keeps an in-place scan (out == in) correct.
template <class Op, class Acc, class In, class Out>
TL_HD void scan_line(const In* in, int64_t is, Out* out, int64_t os, int64_t n) {
  Acc a = Op::identity();
  for (int64_t i = 0; i < n; ++i) {
    a = Op::step(a, convert<Acc>(in[i * is]));
    out[i * os] = convert<Out>(a);
  }
}

// `width` adjacent lines at once (lines contiguous in both in and out), so the
// loop over the scanned dim streams whole rows instead of one column at a time.
template <class Op, class Acc, class In, class Out>
TL_HD void scan_tile(const In* in, int64_t is, Out* out, int64_t os, int64_t n, Acc* acc, int64_t width) {
  for (int64_t t = 0; t < width; ++t) acc[t] = Op::identity();
  for (int64_t i = 0; i < n; ++i) {
    const In* row = in + i * is;
    Out* orow = out + i * os;
#pragma omp simd
    for (int64_t t = 0; t < width; ++t) {
      acc[t] = Op::step(acc[t], convert<Acc>(row[t]));
      orow[t] = convert<Out>(acc[t]);
    }
  }
}

}  // namespace scan
}  // namespace cpu
}  // namespace tl
