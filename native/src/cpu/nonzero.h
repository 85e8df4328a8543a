// Element math for nonzero: the truth test and the count of one run.
#pragma once
#include <cstdint>

#include "../core/hd.h"

namespace tl {
namespace cpu {
namespace nonzero {

// NaN is nonzero (NaN != 0 is true), as in PyTorch.
template <class T>
TL_HD bool is_nonzero(T v) { return v != T(0); }

template <class T>
TL_HD int64_t count_run(const T* p, int64_t stride, int64_t n) {
  int64_t c = 0;
  if (stride == 1) {
#pragma omp simd reduction(+ : c)
    for (int64_t i = 0; i < n; ++i) c += is_nonzero(p[i]) ? 1 : 0;
  } else {
    for (int64_t i = 0; i < n; ++i) c += is_nonzero(p[i * stride]) ? 1 : 0;
  }
  return c;
}

}  // namespace nonzero
}  // namespace cpu
}  // namespace tl
