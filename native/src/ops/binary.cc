// binary(op, dtype, outBuf, aBuf, bBuf | number). Both inputs have `dtype`
// (the runtime casts to the promoted type first); the output has `dtype`, or
// bool for comparisons and logical ops. A JS number for b is a scalar operand.
// Meta: [ndim, shape..., outOffset, outStrides..., aOffset, aStrides...,
// bOffset, bStrides...] (b's layout is read and ignored for a scalar).
#include <napi.h>

#include <atomic>
#include <cstring>
#include <utility>

#include "../core/iter.h"
#include "../core/registry.h"
#include "../cpu/binary.h"
#include "../cpu/copy.h"
#include "../cpu/loops.h"

namespace tl {
namespace {

template <BinaryOp OP, class T>
bool run_binary(const Iter<3>& it) {
  using Fn = BinaryFn<OP, T>;
  using R = typename Fn::R;
  std::atomic<bool> any_bad{false};
  iter_parallel(it, [&any_bad](char* const* p, const int64_t* s, int64_t n) {
    bool bad = false;
    Fn f{&bad};
    binary_run<R, T, T>(p, s, n, f);
    if (bad) any_bad.store(true);
  });
  return any_bad.load();
}

template <class T, int... I>
bool dispatch_op(int op, const Iter<3>& it, std::integer_sequence<int, I...>) {
  bool bad = false;
  ((op == I ? (bad = run_binary<static_cast<BinaryOp>(I), T>(it), 0) : 0), ...);
  return bad;
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int op = info[0].As<Napi::Number>().Int32Value();
  DType dt = get_dtype(info[1]);
  if (op < 0 || op >= static_cast<int>(BinaryOp::Count)) fail(env, "binary: unknown op code");
  BinaryOp bop = static_cast<BinaryOp>(op);
  const size_t es_in = itemsize(dt);
  alignas(8) char scalar[8] = {};
  Buffer bufs[3] = {get_buffer(info[2], "binary: output"), get_buffer(info[3], "binary: input"), {}};
  bool b_scalar = info[4].IsNumber() || info[4].IsBigInt() || info[4].IsBoolean();
  if (b_scalar) {
    double v = info[4].IsBoolean() ? (info[4].As<Napi::Boolean>().Value() ? 1.0 : 0.0)
                                   : info[4].IsBigInt() ? static_cast<double>(info[4].As<Napi::BigInt>().Int64Value(nullptr))
                                                        : info[4].As<Napi::Number>().DoubleValue();
    dispatch_all(dt, [&](auto t) {
      using T = decltype(t);
      T tv = convert<T>(v);
      if constexpr (std::is_same_v<T, int64_t>) {
        bool lossless = false;
        if (info[4].IsBigInt()) tv = info[4].As<Napi::BigInt>().Int64Value(&lossless);
      }
      std::memcpy(scalar, &tv, sizeof(T));
      return 0;
    });
    bufs[2].data = scalar;
    bufs[2].bytes = sizeof(scalar);
  } else {
    bufs[2] = get_buffer(info[4], "binary: other");
  }
  size_t es[3] = {binary_returns_bool(bop) ? size_t{1} : es_in, es_in, es_in};
  MetaReader m(env);
  Iter<3> it = read_iter<3>(env, m, bufs, es, b_scalar ? 4u : 0u);
  bool bad = dispatch_all(dt, [&](auto t) {
    using T = decltype(t);
    return dispatch_op<T>(op, it, std::make_integer_sequence<int, static_cast<int>(BinaryOp::Count)>{});
  });
  if (bad) {
    if (bop == BinaryOp::Pow) fail(env, "Integers to negative integer powers are not allowed.");
    fail(env, "ZeroDivisionError: integer division or modulo by zero");
  }
  return env.Undefined();
}

}  // namespace

TL_EXPORT("binary", Binary);

}  // namespace tl
