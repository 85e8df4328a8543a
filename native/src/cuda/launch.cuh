// Launch helpers shared by the CUDA impls that walk strided operands themselves
// (gather, scatter, sort, nonzero, matmul): the loops.cuh machinery covers the
// elementwise ones.
#pragma once
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "../core/args.h"
#include "core.h"

namespace tl {
namespace cuda {

// Element offsets of N operands over one row-major iteration.
template <int N>
struct Offsets {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[N][kMaxDims];  // elements
};

template <int N>
__device__ __forceinline__ void offsets_of(const Offsets<N>& L, int64_t pos, int64_t* off) {
  for (int k = 0; k < N; ++k) off[k] = 0;
  for (int d = L.ndim - 1; d >= 0; --d) {
    // The outermost coordinate needs no modulo: pos < numel.
    const int64_t c = d == 0 ? pos : pos % L.shape[d];
    if (d > 0) pos /= L.shape[d];
    for (int k = 0; k < N; ++k) off[k] += c * L.strides[k][d];
  }
}

// Enough blocks of `per_block` items for `work`, capped at `per_sm` blocks per
// multiprocessor (grid-stride loops do the rest).
inline unsigned grid_for(int device, int64_t work, int64_t per_block, int64_t per_sm) {
  const int64_t want = (work + per_block - 1) / per_block;
  const int64_t cap = static_cast<int64_t>(std::max(1, multiprocessor_count(device))) * per_sm;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min(want, cap)));
}

// PyTorch's message when the blocks of one call live on two GPUs.
inline void same_device(Napi::Env env, const DeviceBuffer& a, const DeviceBuffer& b) {
  if (a.device != b.device)
    fail(env, "Expected all tensors to be on the same device, but found at least two devices, cuda:" +
                  std::to_string(a.device) + " and cuda:" + std::to_string(b.device) + "!");
}

}  // namespace cuda
}  // namespace tl
