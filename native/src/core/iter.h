// N operands over one shape (inputs already broadcast: stride 0 where expanded).
// The loop hands the impl runs along the innermost dimension, after merging
// dimensions that are contiguous in every operand, so a contiguous tensor of any
// rank becomes one run and the impl's fast path sees it.
#pragma once
#include <algorithm>
#include <cstdint>

#include "args.h"
#include "threadpool.h"

namespace tl {

template <int N>
struct Iter {
  // Only the first ndim entries are meaningful; the rest stay uninitialised on
  // purpose (zeroing 16 x N slots per call was a visible share of a small op).
  int ndim = 0;
  int64_t shape[kMaxDims];
  char* data[N];
  int64_t strides[N][kMaxDims];  // bytes

  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < ndim; ++d) n *= shape[d];
    return n;
  }

  // Drops size-1 dims and merges dim d-1 into d where every operand allows it.
  void coalesce() {
    int out = 0;
    int64_t sh[kMaxDims];
    int64_t st[N][kMaxDims];
    for (int d = 0; d < ndim; ++d) {
      if (shape[d] == 1) continue;
      if (out > 0) {
        bool merge = true;
        for (int k = 0; k < N; ++k)
          if (st[k][out - 1] != strides[k][d] * shape[d]) merge = false;
        if (merge) {
          sh[out - 1] *= shape[d];
          for (int k = 0; k < N; ++k) st[k][out - 1] = strides[k][d];
          continue;
        }
      }
      sh[out] = shape[d];
      for (int k = 0; k < N; ++k) st[k][out] = strides[k][d];
      ++out;
    }
    ndim = out;
    for (int d = 0; d < out; ++d) {
      shape[d] = sh[d];
      for (int k = 0; k < N; ++k) strides[k][d] = st[k][d];
    }
  }
};

// Reads [ndim, shape...] then N x [offset, strides...] from meta and checks each
// operand against its buffer. elsizes[k] is operand k's element size. Operands
// whose bit is set in scalar_mask are JS scalars: their layout is consumed and
// replaced by stride 0 over the scalar's bytes.
template <int N>
Iter<N> read_iter(Napi::Env env, MetaReader& m, const Buffer* bufs, const size_t* elsizes,
                  unsigned scalar_mask = 0) {
  Iter<N> it;
  it.ndim = static_cast<int>(m.i());
  if (it.ndim < 0 || it.ndim > kMaxDims) fail(env, "at most 16 dimensions are supported");
  for (int d = 0; d < it.ndim; ++d) it.shape[d] = m.i();
  for (int k = 0; k < N; ++k) {
    int64_t off = m.i();
    int64_t st[kMaxDims];
    for (int d = 0; d < it.ndim; ++d) st[d] = m.i();
    if (scalar_mask & (1u << k)) {
      it.data[k] = bufs[k].data;
      for (int d = 0; d < it.ndim; ++d) it.strides[k][d] = 0;
      continue;
    }
    View v = make_view(env, bufs[k], elsizes[k], it.ndim, it.shape, off, st, "operand");
    it.data[k] = v.data;
    for (int d = 0; d < it.ndim; ++d) it.strides[k][d] = v.strides[d];
  }
  it.coalesce();
  return it;
}

// Calls inner(ptrs, inner_strides, n) for every innermost run of elements in
// linear positions [begin, end).
template <int N, class Inner>
void iter_range(const Iter<N>& it, int64_t begin, int64_t end, Inner& inner) {
  if (begin >= end) return;
  char* p[N];
  int64_t zero[N] = {};
  if (it.ndim == 0) {
    for (int k = 0; k < N; ++k) p[k] = it.data[k];
    inner(p, zero, int64_t{1});
    return;
  }
  const int nd = it.ndim;
  int64_t idx[kMaxDims];
  int64_t rem = begin;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = rem % it.shape[d];
    rem /= it.shape[d];
  }
  int64_t inner_st[N];
  for (int k = 0; k < N; ++k) inner_st[k] = it.strides[k][nd - 1];
  while (begin < end) {
    for (int k = 0; k < N; ++k) {
      char* q = it.data[k];
      for (int d = 0; d < nd; ++d) q += idx[d] * it.strides[k][d];
      p[k] = q;
    }
    int64_t n = std::min(it.shape[nd - 1] - idx[nd - 1], end - begin);
    inner(p, inner_st, n);
    begin += n;
    idx[nd - 1] += n;
    for (int d = nd - 1; d > 0 && idx[d] >= it.shape[d]; --d) {
      idx[d] = 0;
      ++idx[d - 1];
    }
  }
}

template <int N, class Inner>
void iter_parallel(const Iter<N>& it, Inner inner, int64_t grain = kElementwiseGrain) {
  int64_t n = it.numel();
  if (n == 0) return;
  if (n < 2 * grain) {
    iter_range(it, 0, n, inner);
    return;
  }
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    Inner local = inner;
    iter_range(it, b, e, local);
  });
}

}  // namespace tl
