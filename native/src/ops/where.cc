// where(dtype, outBuf, condBuf, aBuf | number, bBuf | number): out = cond ? a : b.
// cond is bool; a, b and out have `dtype`. Meta: 4 operand layouts over one
// shape: [ndim, shape..., out, cond, a, b] each as [offset, strides...].
// Any dtype, float16 / bfloat16 included (a scalar rounds as a cast would).
#include <napi.h>

#include <cstring>

#include "../core/iter.h"
#include "../core/registry.h"
#include "../cpu/copy.h"

namespace tl {
namespace {

Napi::Value Where(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  DType dt = get_dtype_any(info[0]);
  size_t es = itemsize(dt);
  alignas(8) char sa[8] = {}, sb[8] = {};
  Buffer bufs[4] = {get_buffer(info[1], "where: output"), get_buffer(info[2], "where: condition"), {}, {}};
  unsigned mask = 0;
  char* scal[2] = {sa, sb};
  for (int k = 0; k < 2; ++k) {
    const Napi::Value& v = info[3 + k];
    if (v.IsNumber() || v.IsBoolean()) {
      double d = v.IsBoolean() ? (v.As<Napi::Boolean>().Value() ? 1.0 : 0.0) : v.As<Napi::Number>().DoubleValue();
      dispatch_all_half(dt, [&](auto t) {
        using T = decltype(t);
        T tv = convert<T>(d);
        std::memcpy(scal[k], &tv, sizeof(T));
        return 0;
      });
      bufs[2 + k].data = scal[k];
      bufs[2 + k].bytes = 8;
      mask |= 1u << (2 + k);
    } else {
      bufs[2 + k] = get_buffer(v, k == 0 ? "where: input" : "where: other");
    }
  }
  size_t sizes[4] = {es, 1, es, es};
  MetaReader m(env);
  Iter<4> it = read_iter<4>(env, m, bufs, sizes, mask);
  dispatch_all_half(dt, [&](auto t) {
    using T = decltype(t);
    iter_parallel(it, [](char* const* p, const int64_t* s, int64_t n) {
      char *o = p[0], *c = p[1], *a = p[2], *b = p[3];
      if (s[0] == sizeof(T) && s[1] == 1 && s[2] == sizeof(T) && s[3] == sizeof(T)) {
        T* O = reinterpret_cast<T*>(o);
        const bool* C = reinterpret_cast<const bool*>(c);
        const T* A = reinterpret_cast<const T*>(a);
        const T* B = reinterpret_cast<const T*>(b);
        for (int64_t i = 0; i < n; ++i) O[i] = C[i] ? A[i] : B[i];
        return;
      }
      for (int64_t i = 0; i < n; ++i, o += s[0], c += s[1], a += s[2], b += s[3])
        *reinterpret_cast<T*>(o) = *reinterpret_cast<const bool*>(c) ? *reinterpret_cast<const T*>(a) : *reinterpret_cast<const T*>(b);
    });
    return 0;
  });
  return env.Undefined();
}

}  // namespace

TL_EXPORT("where", Where);

}  // namespace tl
