// sort(dtype, valuesBuf, indicesBuf, inBuf, descending, stable) -> undefined
//
//   meta (elements): [ndim, shape[ndim], dim, valuesOffset, valuesStrides[ndim],
//                     indicesOffset, indicesStrides[ndim], inOffset, inStrides[ndim]]
//   Sorts every 1-D slice along `dim`. values has dtype `dtype`, indices int64,
//   both the input's shape. NaN sorts above everything (last ascending, first
//   descending); -0.0 ties with 0.0. The sort is always stable (equal elements
//   keep their input order in both directions), so `stable` is accepted and
//   ignored. values may be the input's own memory (in-place sort).
//   ndim 0 is a single element (dim must be 0).
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <string>

#include "../core/alloc.h"
#include "../core/scratch.h"
#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../core/threadpool.h"
#include "../cpu/sort.h"

namespace tl {
namespace {

using namespace cpu::sort;

// Below this slice length a comparison sort beats the radix passes' fixed cost.
constexpr int64_t kRadixMin = 256;

// LSD radix sort over the low `passes` key bytes; stable, so records that start
// in position order keep that order among equal keys. Bytes on which every
// record agrees are skipped. Returns the buffer holding the result.
template <class Rec>
Rec* radix_sort(Rec* a, Rec* tmp, int64_t n, int passes) {
  int64_t count[8][256] = {};
  for (int64_t i = 0; i < n; ++i)
    for (int p = 0; p < passes; ++p) ++count[p][digit(a[i], p)];
  for (int p = 0; p < passes; ++p) {
    if (count[p][digit(a[0], p)] == n) continue;
    int64_t pos[256];
    int64_t sum = 0;
    for (int d = 0; d < 256; ++d) {
      pos[d] = sum;
      sum += count[p][d];
    }
    for (int64_t i = 0; i < n; ++i) tmp[pos[digit(a[i], p)]++] = a[i];
    std::swap(a, tmp);
  }
  return a;
}

// Per-chunk scratch, reused across the slices a worker sorts.
template <class T>
struct SliceSorter {
  Scratch<T> vals_buf;
  Scratch<uint64_t> packed_buf, packed_tmp;  // 32-bit key << 32 | position
  Scratch<Wide> wide_buf, wide_tmp;

  void sort(const char* in, int64_t is, char* vout, int64_t vs, char* iout, int64_t xs, int64_t n, bool desc) {
    const size_t un = static_cast<size_t>(n);
    // Copied first, so values may be the input's own memory.
    T* vals = vals_buf.get(un);
    for (int64_t i = 0; i < n; ++i) vals[i] = *reinterpret_cast<const T*>(in + i * is);
    using Key = decltype(key_of(T{}));
    if constexpr (sizeof(Key) == 4) {
      if (n <= (int64_t{1} << 32)) {
        uint64_t* packed = packed_buf.get(un);
        for (int64_t i = 0; i < n; ++i)
          packed[i] = (static_cast<uint64_t>(directed(key_of(vals[i]), desc)) << 32) | static_cast<uint64_t>(i);
        const uint64_t* r = packed;
        if (n < kRadixMin) std::sort(packed, packed + n);
        else r = radix_sort(packed, packed_tmp.get(un), n, sizeof(T) == 1 ? 1 : 4);  // uint8: one key byte
        for (int64_t j = 0; j < n; ++j) {
          const int64_t i = static_cast<int64_t>(r[j] & 0xFFFFFFFFu);
          *reinterpret_cast<T*>(vout + j * vs) = vals[i];
          *reinterpret_cast<int64_t*>(iout + j * xs) = i;
        }
        return;
      }
    }
    Wide* wide = wide_buf.get(un);
    for (int64_t i = 0; i < n; ++i)
      wide[i] = Wide{static_cast<uint64_t>(directed(key_of(vals[i]), desc)), static_cast<uint64_t>(i)};
    const Wide* r = wide;
    if (n < kRadixMin) std::sort(wide, wide + n);
    else r = radix_sort(wide, wide_tmp.get(un), n, static_cast<int>(sizeof(Key)));
    for (int64_t j = 0; j < n; ++j) {
      const int64_t i = static_cast<int64_t>(r[j].index);
      *reinterpret_cast<T*>(vout + j * vs) = vals[i];
      *reinterpret_cast<int64_t*>(iout + j * xs) = i;
    }
  }
};

struct SortLayout {
  Iter<3> outer;  // every dim but `dim`; operands: values, indices, in
  int64_t len = 1;
  int64_t st[3] = {0, 0, 0};  // along dim, bytes
  int64_t n_outer = 1;
};

template <class T>
bool run_sort(const SortLayout& L, bool desc) {
  std::atomic<bool> oom{false};
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, L.len));
  parallel_for(L.n_outer, grain, [&](int64_t b, int64_t e) {
    try {
      SliceSorter<T> s;
      auto run = [&](char** p, const int64_t* st, int64_t n) {
        for (int64_t j = 0; j < n; ++j)
          s.sort(p[2] + j * st[2], L.st[2], p[0] + j * st[0], L.st[0], p[1] + j * st[1], L.st[1], L.len, desc);
      };
      iter_range(L.outer, b, e, run);
    } catch (const std::bad_alloc&) {
      oom = true;
    }
  });
  return !oom;
}

Napi::Value Sort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DType dt = get_dtype(info[0]);
  Buffer vals_buf = get_buffer(info[1], "sort: values");
  Buffer idx_buf = get_buffer(info[2], "sort: indices");
  Buffer in_buf = get_buffer(info[3], "sort: input");
  const bool desc = info.Length() > 4 && info[4].ToBoolean().Value();

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "sort: at most 16 dimensions are supported");
  const int ndim = static_cast<int>(ndim64);
  int64_t shape[kMaxDims], st[3][kMaxDims], off[3];
  for (int d = 0; d < ndim; ++d) shape[d] = m.i();
  const int64_t dim = m.i();
  if (dim < 0 || dim >= std::max(ndim, 1))
    fail(env, "sort(): dim " + std::to_string(dim) + " out of range for a " + std::to_string(ndim) + "-d tensor");
  for (int k = 0; k < 3; ++k) {
    off[k] = m.i();
    for (int d = 0; d < ndim; ++d) st[k][d] = m.i();
  }
  View v[3] = {
      make_view(env, vals_buf, itemsize(dt), ndim, shape, off[0], st[0], "sort: values"),
      make_view(env, idx_buf, sizeof(int64_t), ndim, shape, off[1], st[1], "sort: indices"),
      make_view(env, in_buf, itemsize(dt), ndim, shape, off[2], st[2], "sort: input"),
  };
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= shape[d];
  if (numel == 0) return env.Undefined();

  SortLayout L;
  for (int k = 0; k < 3; ++k) L.outer.data[k] = v[k].data;
  if (ndim > 0) {
    L.len = shape[dim];
    for (int k = 0; k < 3; ++k) L.st[k] = v[k].strides[dim];
    int j = 0;
    for (int d = 0; d < ndim; ++d) {
      if (d == dim) continue;
      L.outer.shape[j] = shape[d];
      for (int k = 0; k < 3; ++k) L.outer.strides[k][j] = v[k].strides[d];
      L.n_outer *= shape[d];
      ++j;
    }
    L.outer.ndim = j;
    L.outer.coalesce();
  }

  bool ok = true;
  auto go = [&](auto tag) { ok = run_sort<decltype(tag)>(L, desc); };
  if (dt == DType::Bool) go(uint8_t{});  // 0/1 bytes sort as integers
  else dispatch_numeric(dt, go);
  if (!ok) fail(env, "sort(): out of memory for sort scratch space");
  return env.Undefined();
}

}  // namespace

TL_EXPORT("sort", Sort);

}  // namespace tl
