// nonzero(dtype, outBuf | null, inBuf) -> count (JS number)
//
//   meta (elements): [ndim, shape[ndim], inOffset, inStrides[ndim]]
//   outBuf null / undefined: only counts the nonzero elements.
//   Otherwise writes the int64 coordinates of every nonzero element, a
//   contiguous row-major [count, ndim] array starting at byte 0 of outBuf, in
//   row-major order of the input, and returns count. outBuf must hold
//   count * ndim int64 values. NaN counts as nonzero; bool / uint8 test their byte.
#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../core/threadpool.h"
#include "../cpu/nonzero.h"

namespace tl {
namespace {

using namespace cpu::nonzero;

// Counting and writing both walk the same fixed blocks of linear positions, so
// block k writes its rows starting at the sum of the counts of blocks < k.
constexpr int64_t kBlock = 1 << 16;

struct Layout {
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};  // bytes
  char* data = nullptr;
  int64_t numel = 1;
};

template <class T>
void count_blocks(const Layout& L, std::vector<int64_t>& counts) {
  Iter<1> it;
  it.ndim = L.ndim;
  it.data[0] = L.data;
  for (int d = 0; d < L.ndim; ++d) {
    it.shape[d] = L.shape[d];
    it.strides[0][d] = L.strides[d];
  }
  it.coalesce();
  const int64_t blocks = static_cast<int64_t>(counts.size());
  parallel_for(blocks, std::max<int64_t>(1, kElementwiseGrain / kBlock), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      int64_t c = 0;
      auto run = [&](char** p, const int64_t* st, int64_t n) {
        c += count_run(reinterpret_cast<const T*>(p[0]), st[0] / static_cast<int64_t>(sizeof(T)), n);
      };
      iter_range(it, k * kBlock, std::min(L.numel, (k + 1) * kBlock), run);
      counts[k] = c;
    }
  });
}

// Writes the coordinates of the nonzero elements at linear positions [b, e).
template <class T>
void write_block(const Layout& L, int64_t b, int64_t e, int64_t* out) {
  const int nd = L.ndim;  // > 0: a 0-d tensor has no coordinates to write
  int64_t idx[kMaxDims];
  int64_t rem = b;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = rem % L.shape[d];
    rem /= L.shape[d];
  }
  const int64_t last_st = L.strides[nd - 1];
  int64_t pos = b;
  while (pos < e) {
    const char* p = L.data;
    for (int d = 0; d < nd; ++d) p += idx[d] * L.strides[d];
    const int64_t n = std::min(L.shape[nd - 1] - idx[nd - 1], e - pos);
    for (int64_t j = 0; j < n; ++j) {
      if (!is_nonzero(*reinterpret_cast<const T*>(p + j * last_st))) continue;
      for (int d = 0; d < nd - 1; ++d) out[d] = idx[d];
      out[nd - 1] = idx[nd - 1] + j;
      out += nd;
    }
    pos += n;
    idx[nd - 1] += n;
    for (int d = nd - 1; d > 0 && idx[d] >= L.shape[d]; --d) {
      idx[d] = 0;
      ++idx[d - 1];
    }
  }
}

template <class T>
int64_t run_nonzero(Napi::Env env, const Layout& L, const Buffer* out_buf) {
  if (L.numel == 0) return 0;
  const int64_t blocks = (L.numel + kBlock - 1) / kBlock;
  std::vector<int64_t> counts(static_cast<size_t>(blocks));
  count_blocks<T>(L, counts);
  std::vector<int64_t> start(static_cast<size_t>(blocks));
  int64_t total = 0;
  for (int64_t k = 0; k < blocks; ++k) {
    start[k] = total;
    total += counts[k];
  }
  if (out_buf == nullptr || L.ndim == 0 || total == 0) return total;
  const uint64_t need = static_cast<uint64_t>(total) * static_cast<uint64_t>(L.ndim) * sizeof(int64_t);
  if (need > out_buf->bytes)
    fail(env, "nonzero: out holds " + std::to_string(out_buf->bytes / sizeof(int64_t)) + " int64 values, " +
                  std::to_string(total * L.ndim) + " needed");
  int64_t* out = reinterpret_cast<int64_t*>(out_buf->data);
  parallel_for(blocks, std::max<int64_t>(1, kElementwiseGrain / kBlock), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k)
      if (counts[k]) write_block<T>(L, k * kBlock, std::min(L.numel, (k + 1) * kBlock), out + start[k] * L.ndim);
  });
  return total;
}

Napi::Value Nonzero(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DType dt = get_dtype(info[0]);
  const bool want_out = info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined();
  Buffer out_buf;
  if (want_out) out_buf = get_buffer(info[1], "nonzero: out");
  Buffer in_buf = get_buffer(info[2], "nonzero: input");

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "nonzero: at most 16 dimensions are supported");
  Layout L;
  L.ndim = static_cast<int>(ndim64);
  int64_t st[kMaxDims];
  for (int d = 0; d < L.ndim; ++d) L.shape[d] = m.i();
  const int64_t off = m.i();
  for (int d = 0; d < L.ndim; ++d) st[d] = m.i();
  View v = make_view(env, in_buf, itemsize(dt), L.ndim, L.shape, off, st, "nonzero: input");
  L.data = v.data;
  for (int d = 0; d < L.ndim; ++d) {
    L.strides[d] = v.strides[d];
    L.numel *= L.shape[d];
  }

  int64_t count = 0;
  try {
    auto go = [&](auto tag) { count = run_nonzero<decltype(tag)>(env, L, want_out ? &out_buf : nullptr); };
    if (dt == DType::Bool) go(uint8_t{});
    else dispatch_numeric(dt, go);
  } catch (const std::bad_alloc&) {
    fail(env, "nonzero(): out of memory");
  }
  return Napi::Number::New(env, static_cast<double>(count));
}

}  // namespace

TL_EXPORT("nonzero", Nonzero);

}  // namespace tl
