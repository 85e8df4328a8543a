// Element math for gather: bounds check of one index and the copy of one element.
#pragma once
#include <cstdint>

#include "../core/hd.h"

namespace tl {
namespace cpu {
namespace gather {

// Negative indices are errors here, as in PyTorch's gather/scatter.
TL_HD bool index_ok(int64_t i, int64_t size) { return i >= 0 && i < size; }

// out[j] = in[index[j] * dim_stride] for one run of n positions; element types
// only matter by size, so W is an unsigned integer of the element's width.
// Returns the position of the first bad index in the run, or -1.
template <class W>
TL_HD int64_t gather_run(W* out, int64_t os, const W* in, int64_t is, int64_t dim_stride, const int64_t* index,
                         int64_t xs, int64_t n, int64_t size) {
  for (int64_t j = 0; j < n; ++j) {
    const int64_t i = index[j * xs];
    if (!index_ok(i, size)) return j;
    out[j * os] = in[j * is + i * dim_stride];
  }
  return -1;
}

}  // namespace gather
}  // namespace cpu
}  // namespace tl
