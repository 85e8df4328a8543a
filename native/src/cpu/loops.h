// Typed inner loops over one run of elements. The contiguous and scalar-operand
// cases are written as plain indexed loops so the compiler vectorizes them; the
// strided case walks byte strides.
#pragma once
#include <cstdint>

namespace tl {

template <class R, class A, class F>
inline void unary_run(char* const* p, const int64_t* s, int64_t n, F f) {
  if (s[0] == sizeof(R) && s[1] == sizeof(A)) {
    R* o = reinterpret_cast<R*>(p[0]);
    const A* a = reinterpret_cast<const A*>(p[1]);
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
    return;
  }
  char* o = p[0];
  const char* a = p[1];
  for (int64_t i = 0; i < n; ++i, o += s[0], a += s[1])
    *reinterpret_cast<R*>(o) = f(*reinterpret_cast<const A*>(a));
}

template <class R, class A, class B, class F>
inline void binary_run(char* const* p, const int64_t* s, int64_t n, F f) {
  constexpr int64_t r = sizeof(R), ea = sizeof(A), eb = sizeof(B);
  if (s[0] == r) {
    R* o = reinterpret_cast<R*>(p[0]);
    const A* a = reinterpret_cast<const A*>(p[1]);
    const B* b = reinterpret_cast<const B*>(p[2]);
    if (s[1] == ea && s[2] == eb) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
      return;
    }
    if (s[1] == ea && s[2] == 0) {
      const B bv = *b;
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
      return;
    }
    if (s[1] == 0 && s[2] == eb) {
      const A av = *a;
      for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
      return;
    }
  }
  char* o = p[0];
  const char* a = p[1];
  const char* b = p[2];
  for (int64_t i = 0; i < n; ++i, o += s[0], a += s[1], b += s[2])
    *reinterpret_cast<R*>(o) = f(*reinterpret_cast<const A*>(a), *reinterpret_cast<const B*>(b));
}

}  // namespace tl
