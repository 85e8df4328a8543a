// gather(dtype, outBuf, inBuf, indexBuf) -> undefined
//
//   meta (elements): [ndim, indexShape[ndim], dim, outOffset, outStrides[ndim],
//                     inOffset, inStrides[ndim], inSizeAlongDim,
//                     indexOffset, indexStrides[ndim]]
//   out[i][j][k] = in[index[i][j][k]][j][k] (dim 0; likewise for other dims).
//   out and index have index's shape; in is read with its own strides over
//   index's shape except along dim, where its size is inSizeAlongDim (the
//   runtime guarantees index.size(d) <= in.size(d) for d != dim). index is
//   int64; an index < 0 or >= inSizeAlongDim throws
//   "index 5 is out of bounds for dimension 0 with size 3" (the first bad index
//   in row-major order). ndim 0: a single element, dim must be 0.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../core/threadpool.h"
#include "../cpu/gather.h"

namespace tl {
namespace {

using namespace cpu::gather;

template <class W>
int64_t run_gather(const Iter<3>& it, int64_t dim_stride_bytes, int64_t size) {
  // Smallest linear position holding a bad index, so the error names the first
  // one in row-major order whatever the thread split.
  std::atomic<int64_t> first_bad{std::numeric_limits<int64_t>::max()};
  const int64_t total = it.numel();
  const int64_t dim_stride = dim_stride_bytes / static_cast<int64_t>(sizeof(W));
  parallel_for(total, kElementwiseGrain, [&](int64_t b, int64_t e) {
    int64_t pos = b;
    bool bad = false;
    auto run = [&](char** p, const int64_t* st, int64_t n) {
      if (bad) return;
      const int64_t j = gather_run<W>(reinterpret_cast<W*>(p[0]), st[0] / static_cast<int64_t>(sizeof(W)),
                                      reinterpret_cast<const W*>(p[1]), st[1] / static_cast<int64_t>(sizeof(W)),
                                      dim_stride, reinterpret_cast<const int64_t*>(p[2]),
                                      st[2] / static_cast<int64_t>(sizeof(int64_t)), n, size);
      if (j >= 0) {
        bad = true;
        int64_t cur = first_bad.load();
        while (pos + j < cur && !first_bad.compare_exchange_weak(cur, pos + j)) {
        }
      }
      pos += n;
    };
    iter_range(it, b, e, run);
  });
  return first_bad.load();
}

// Reads the index stored at row-major position `pos` of the index layout.
int64_t index_at(const Iter<3>& it, int64_t pos) {
  int64_t value = 0;
  auto run = [&](char** p, const int64_t*, int64_t) { value = *reinterpret_cast<const int64_t*>(p[2]); };
  iter_range(it, pos, pos + 1, run);
  return value;
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DType dt = get_dtype(info[0]);
  Buffer out_buf = get_buffer(info[1], "gather: out");
  Buffer in_buf = get_buffer(info[2], "gather: input");
  Buffer idx_buf = get_buffer(info[3], "gather: index");

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "gather: at most 16 dimensions are supported");
  const int ndim = static_cast<int>(ndim64);
  int64_t shape[kMaxDims], in_shape[kMaxDims], out_st[kMaxDims], in_st[kMaxDims], idx_st[kMaxDims];
  for (int d = 0; d < ndim; ++d) shape[d] = m.i();
  const int64_t dim = m.i();
  if (dim < 0 || dim >= std::max(ndim, 1))
    fail(env, "gather(): dim " + std::to_string(dim) + " out of range for a " + std::to_string(ndim) + "-d tensor");
  const int64_t out_off = m.i();
  for (int d = 0; d < ndim; ++d) out_st[d] = m.i();
  const int64_t in_off = m.i();
  for (int d = 0; d < ndim; ++d) in_st[d] = m.i();
  const int64_t size = m.i();
  const int64_t idx_off = m.i();
  for (int d = 0; d < ndim; ++d) idx_st[d] = m.i();
  if (size < 0) fail(env, "gather: negative input size along dim");

  const size_t el = itemsize(dt);
  View out_v = make_view(env, out_buf, el, ndim, shape, out_off, out_st, "gather: out");
  View idx_v = make_view(env, idx_buf, sizeof(int64_t), ndim, shape, idx_off, idx_st, "gather: index");
  for (int d = 0; d < ndim; ++d) in_shape[d] = d == dim ? size : shape[d];
  int64_t in_dim_stride = 0;
  int64_t eff_size = size;
  View in_v;
  if (ndim == 0) {
    // A 0-d input is read as a 1-element dim 0.
    const int64_t unit = 1;
    eff_size = std::min<int64_t>(size, 1);
    in_v = make_view(env, in_buf, el, 1, &eff_size, in_off, &unit, "gather: input");
  } else {
    in_v = make_view(env, in_buf, el, ndim, in_shape, in_off, in_st, "gather: input");
    in_dim_stride = in_v.strides[dim];
  }
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= shape[d];
  if (numel == 0) return env.Undefined();

  // The dim's own stride comes from the index value, so in's stride there is 0
  // in the iteration (the merge rule of coalesce() keeps that consistent).
  Iter<3> it;
  it.ndim = ndim;
  it.data[0] = out_v.data;
  it.data[1] = in_v.data;
  it.data[2] = idx_v.data;
  for (int d = 0; d < ndim; ++d) {
    it.shape[d] = shape[d];
    it.strides[0][d] = out_v.strides[d];
    it.strides[1][d] = d == dim ? 0 : in_v.strides[d];
    it.strides[2][d] = idx_v.strides[d];
  }
  it.coalesce();

  int64_t bad = std::numeric_limits<int64_t>::max();
  switch (el) {
    case 1: bad = run_gather<uint8_t>(it, in_dim_stride, eff_size); break;
    case 4: bad = run_gather<uint32_t>(it, in_dim_stride, eff_size); break;
    default: bad = run_gather<uint64_t>(it, in_dim_stride, eff_size); break;
  }
  if (bad != std::numeric_limits<int64_t>::max()) {
    fail(env, "index " + std::to_string(index_at(it, bad)) + " is out of bounds for dimension " +
                  std::to_string(dim) + " with size " + std::to_string(eff_size));
  }
  return env.Undefined();
}

}  // namespace

TL_EXPORT("gather", Gather);

}  // namespace tl
