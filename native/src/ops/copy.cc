// copy(dstDtype, srcDtype, dstBuf, srcBuf): dst[i] = convert(src[i]) over one
// broadcast shape. Meta: [ndim, shape..., dstOffset, dstStrides..., srcOffset,
// srcStrides...]. This one entry point serves contiguous(), clone(), to(dtype),
// cat/stack and every assignment into a view.
// fill(dtype, buf, value): Meta: [ndim, shape..., offset, strides...].
// Both take float16 / bfloat16 (converted through float, core/half.h).
#include <napi.h>

#include <cstring>

#include "../core/iter.h"
#include "../core/registry.h"
#include "../cpu/copy.h"
#include "../cpu/loops.h"

namespace tl {
namespace {

Napi::Value Copy(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  DType dt = get_dtype_any(info[0]), st = get_dtype_any(info[1]);
  Buffer bufs[2] = {get_buffer(info[2], "copy: destination"), get_buffer(info[3], "copy: source")};
  size_t es[2] = {itemsize(dt), itemsize(st)};
  MetaReader m(env);
  Iter<2> it = read_iter<2>(env, m, bufs, es);
  dispatch_all_half(dt, [&](auto d) {
    using D = decltype(d);
    dispatch_all_half(st, [&](auto s) {
      using S = decltype(s);
      auto inner = [](char* const* p, const int64_t* str, int64_t n) {
        if constexpr (std::is_same_v<D, S>) {
          if (str[0] == sizeof(D) && str[1] == sizeof(S)) {
            std::memmove(p[0], p[1], static_cast<size_t>(n) * sizeof(D));
            return;
          }
        }
        unary_run<D, S>(p, str, n, [](S v) { return convert<D>(v); });
      };
      iter_parallel(it, inner);
      return 0;
    });
    return 0;
  });
  return env.Undefined();
}

Napi::Value Fill(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  DType dt = get_dtype_any(info[0]);
  Buffer bufs[1] = {get_buffer(info[1], "fill: destination")};
  size_t es[1] = {itemsize(dt)};
  double dv = 0;
  int64_t iv = 0;
  bool big = info[2].IsBigInt();
  if (big) {
    bool lossless = false;
    iv = info[2].As<Napi::BigInt>().Int64Value(&lossless);
    dv = static_cast<double>(iv);
  } else {
    dv = info[2].As<Napi::Number>().DoubleValue();
  }
  MetaReader m(env);
  Iter<1> it = read_iter<1>(env, m, bufs, es);
  dispatch_all_half(dt, [&](auto d) {
    using D = decltype(d);
    D v = convert<D>(dv);
    if constexpr (std::is_same_v<D, int64_t>) {
      if (big) v = iv;
    }
    auto inner = [v](char* const* p, const int64_t* s, int64_t n) {
      if (s[0] == sizeof(D)) {
        D* o = reinterpret_cast<D*>(p[0]);
        for (int64_t i = 0; i < n; ++i) o[i] = v;
        return;
      }
      char* o = p[0];
      for (int64_t i = 0; i < n; ++i, o += s[0]) *reinterpret_cast<D*>(o) = v;
    };
    iter_parallel(it, inner);
    return 0;
  });
  return env.Undefined();
}

}  // namespace

TL_EXPORT("copy", Copy);
TL_EXPORT("fill", Fill);

}  // namespace tl
