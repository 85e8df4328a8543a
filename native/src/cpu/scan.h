// Element math for cumulative sum / product along one dimension.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#include "copy.h"

#include "../core/hd.h"

namespace tl {
namespace cpu {
namespace scan {

// Element conversion is tl::convert (cpu/copy.h), shared with casts.
using ::tl::convert;

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
