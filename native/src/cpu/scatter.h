// Element math for scatter: how one source value is folded into self.
#pragma once
#include <cstdint>
#include <type_traits>

#include "../core/hd.h"

namespace tl {
namespace cpu {
namespace scatter {

enum Reduce : int { kAssign = 0, kAdd = 1, kMultiply = 2 };

TL_HD bool index_ok(int64_t i, int64_t size) { return i >= 0 && i < size; }

// IsBool: T is the 0/1 byte of a bool tensor; add is "or", multiply is "and".
// Integers wrap (two's complement) rather than overflow into UB.
template <class T, bool IsBool>
TL_HD T combine(T self, T src, int reduce) {
  if (reduce == kAssign) return src;
  if constexpr (IsBool) {
    return reduce == kAdd ? T((self | src) != 0) : T(self != 0 && src != 0);
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return reduce == kAdd ? T(U(self) + U(src)) : T(U(self) * U(src));
  } else {
    return reduce == kAdd ? self + src : self * src;
  }
}

// One run of n positions: self[index[j] * dim_stride + j * ss] op= src[j * cs].
// Indices must already be validated. Strides in elements.
template <class T, bool IsBool>
TL_HD void scatter_run(T* self, int64_t ss, int64_t dim_stride, const int64_t* index, int64_t xs, const T* src,
                       int64_t cs, int64_t n, int reduce) {
  for (int64_t j = 0; j < n; ++j) {
    T* dst = self + j * ss + index[j * xs] * dim_stride;
    *dst = combine<T, IsBool>(*dst, src[j * cs], reduce);
  }
}

}  // namespace scatter
}  // namespace cpu
}  // namespace tl
