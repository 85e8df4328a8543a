// scatter(dtype, selfBuf, indexBuf, src, reduce) -> undefined
//
//   In place into self. src is an ArrayBuffer / typed array of dtype `dtype`,
//   or a JS number (a BigInt or boolean is accepted too) used for every
//   position. reduce: 0 assignment, 1 add, 2 multiply (bool: or / and).
//   meta (elements): [ndim, indexShape[ndim], dim, selfOffset, selfStrides[ndim],
//                     selfSizeAlongDim, indexOffset, indexStrides[ndim],
//                     srcOffset, srcStrides[ndim]]
//   For dim 0: self[index[i][j][k]][j][k] op= src[i][j][k]. self is addressed
//   with its strides over index's shape except along dim (size
//   selfSizeAlongDim); src with its strides over index's shape (the src layout
//   is read but ignored when src is a number). Every index is checked before
//   self is touched: < 0 or >= selfSizeAlongDim throws
//   "index 5 is out of bounds for dimension 0 with size 3", self unchanged.
//   Runs on the calling thread in row-major order of index, so with duplicate
//   indices the last write wins for plain assignment.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../core/threadpool.h"
#include "../cpu/scatter.h"

namespace tl {
namespace {

using namespace cpu::scatter;

// Operands of the iteration: 0 self (stride 0 along dim), 1 index, 2 src.
using ScatterIter = Iter<3>;

// Returns the row-major position of the first out-of-range index, or -1.
int64_t first_bad_index(const ScatterIter& it, int64_t size) {
  std::atomic<int64_t> first{std::numeric_limits<int64_t>::max()};
  parallel_for(it.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    int64_t pos = b;
    bool found = false;
    auto run = [&](char** p, const int64_t* st, int64_t n) {
      if (found) return;
      const int64_t xs = st[1] / static_cast<int64_t>(sizeof(int64_t));
      const int64_t* idx = reinterpret_cast<const int64_t*>(p[1]);
      for (int64_t j = 0; j < n; ++j) {
        if (!index_ok(idx[j * xs], size)) {
          found = true;
          int64_t cur = first.load();
          while (pos + j < cur && !first.compare_exchange_weak(cur, pos + j)) {
          }
          return;
        }
      }
      pos += n;
    };
    iter_range(it, b, e, run);
  });
  const int64_t f = first.load();
  return f == std::numeric_limits<int64_t>::max() ? -1 : f;
}

template <class T, bool IsBool>
void run_scatter(const ScatterIter& it, int64_t dim_stride_bytes, int reduce) {
  const int64_t el = sizeof(T);
  auto run = [&](char** p, const int64_t* st, int64_t n) {
    scatter_run<T, IsBool>(reinterpret_cast<T*>(p[0]), st[0] / el, dim_stride_bytes / el,
                           reinterpret_cast<const int64_t*>(p[1]), st[1] / static_cast<int64_t>(sizeof(int64_t)),
                           reinterpret_cast<const T*>(p[2]), st[2] / el, n, reduce);
  };
  iter_range(it, 0, it.numel(), run);
}

// Holds the scalar source converted to the tensor's dtype.
union Scalar {
  float f32;
  double f64;
  int32_t i32;
  int64_t i64;
  uint8_t u8;
};

Scalar scalar_from(const Napi::Value& v, DType dt) {
  Scalar s{};
  double d = 0;
  int64_t i = 0;
  bool is_big = v.IsBigInt();
  if (is_big) {
    bool lossless = true;
    i = v.As<Napi::BigInt>().Int64Value(&lossless);
    d = static_cast<double>(i);
  } else if (v.IsBoolean()) {
    d = v.As<Napi::Boolean>().Value() ? 1 : 0;
    i = static_cast<int64_t>(d);
  } else {
    d = v.As<Napi::Number>().DoubleValue();
    i = (d == d && d > -9.3e18 && d < 9.3e18) ? static_cast<int64_t>(d) : 0;
  }
  switch (dt) {
    case DType::Float32: s.f32 = static_cast<float>(d); break;
    case DType::Float64: s.f64 = d; break;
    case DType::Int32: s.i32 = static_cast<int32_t>(i); break;
    case DType::Int64: s.i64 = i; break;
    case DType::UInt8: s.u8 = static_cast<uint8_t>(i); break;
    case DType::Bool: s.u8 = (is_big ? i != 0 : d != 0) ? 1 : 0; break;
    case DType::Float16: case DType::BFloat16: break;  // get_dtype refuses them (Note [16-bit dtypes at the entry points])
  }
  return s;
}

Napi::Value Scatter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DType dt = get_dtype(info[0]);
  Buffer self_buf = get_buffer(info[1], "scatter: self");
  Buffer idx_buf = get_buffer(info[2], "scatter: index");
  const bool src_is_scalar = info[3].IsNumber() || info[3].IsBigInt() || info[3].IsBoolean();
  Buffer src_buf;
  if (!src_is_scalar) src_buf = get_buffer(info[3], "scatter: src");
  if (info.Length() < 5 || !info[4].IsNumber()) throw Napi::TypeError::New(env, "scatter: reduce must be a number");
  const int reduce = info[4].As<Napi::Number>().Int32Value();
  if (reduce < kAssign || reduce > kMultiply) fail(env, "scatter: unknown reduce " + std::to_string(reduce));

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "scatter: at most 16 dimensions are supported");
  const int ndim = static_cast<int>(ndim64);
  int64_t shape[kMaxDims], self_shape[kMaxDims], self_st[kMaxDims], idx_st[kMaxDims], src_st[kMaxDims];
  for (int d = 0; d < ndim; ++d) shape[d] = m.i();
  const int64_t dim = m.i();
  if (dim < 0 || dim >= std::max(ndim, 1))
    fail(env, "scatter(): dim " + std::to_string(dim) + " out of range for a " + std::to_string(ndim) + "-d tensor");
  const int64_t self_off = m.i();
  for (int d = 0; d < ndim; ++d) self_st[d] = m.i();
  const int64_t size = m.i();
  const int64_t idx_off = m.i();
  for (int d = 0; d < ndim; ++d) idx_st[d] = m.i();
  const int64_t src_off = m.i();
  for (int d = 0; d < ndim; ++d) src_st[d] = m.i();
  if (size < 0) fail(env, "scatter: negative self size along dim");

  const size_t el = itemsize(dt);
  View idx_v = make_view(env, idx_buf, sizeof(int64_t), ndim, shape, idx_off, idx_st, "scatter: index");
  View self_v;
  int64_t self_dim_stride = 0;
  int64_t eff_size = size;
  if (ndim == 0) {
    const int64_t unit = 1;
    eff_size = std::min<int64_t>(size, 1);
    self_v = make_view(env, self_buf, el, 1, &eff_size, self_off, &unit, "scatter: self");
  } else {
    for (int d = 0; d < ndim; ++d) self_shape[d] = d == dim ? size : shape[d];
    self_v = make_view(env, self_buf, el, ndim, self_shape, self_off, self_st, "scatter: self");
    self_dim_stride = self_v.strides[dim];
  }
  Scalar scalar{};
  View src_v;
  if (src_is_scalar) {
    scalar = scalar_from(info[3], dt);
    // Stride 0 on every dim: each position reads the one value. (View leaves
    // its strides uninitialised, so they are set here explicitly.)
    src_v.data = reinterpret_cast<char*>(&scalar);
    for (int d = 0; d < kMaxDims; ++d) src_v.strides[d] = 0;
  } else {
    src_v = make_view(env, src_buf, el, ndim, shape, src_off, src_st, "scatter: src");
  }
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= shape[d];
  if (numel == 0) return env.Undefined();

  ScatterIter it;
  it.ndim = ndim;
  it.data[0] = self_v.data;
  it.data[1] = idx_v.data;
  it.data[2] = src_v.data;
  for (int d = 0; d < ndim; ++d) {
    it.shape[d] = shape[d];
    it.strides[0][d] = d == dim ? 0 : self_v.strides[d];
    it.strides[1][d] = idx_v.strides[d];
    it.strides[2][d] = src_v.strides[d];
  }
  it.coalesce();

  const int64_t bad = first_bad_index(it, eff_size);
  if (bad >= 0) {
    int64_t value = 0;
    auto read = [&](char** p, const int64_t*, int64_t) { value = *reinterpret_cast<const int64_t*>(p[1]); };
    iter_range(it, bad, bad + 1, read);
    fail(env, "index " + std::to_string(value) + " is out of bounds for dimension " + std::to_string(dim) +
                  " with size " + std::to_string(eff_size));
  }

  switch (dt) {
    case DType::Float32: run_scatter<float, false>(it, self_dim_stride, reduce); break;
    case DType::Float64: run_scatter<double, false>(it, self_dim_stride, reduce); break;
    case DType::Int32: run_scatter<int32_t, false>(it, self_dim_stride, reduce); break;
    case DType::Int64: run_scatter<int64_t, false>(it, self_dim_stride, reduce); break;
    case DType::UInt8: run_scatter<uint8_t, false>(it, self_dim_stride, reduce); break;
    case DType::Bool: run_scatter<uint8_t, true>(it, self_dim_stride, reduce); break;
    case DType::Float16: case DType::BFloat16: break;  // get_dtype refuses them (Note [16-bit dtypes at the entry points])
  }
  return env.Undefined();
}

}  // namespace

TL_EXPORT("scatter", Scatter);

}  // namespace tl
