// unary(op, dtype, outBuf, inBuf). Meta: [ndim, shape..., outOffset,
// outStrides..., inOffset, inStrides...]. The output has the input's dtype, or
// bool for predicates; the runtime promotes integers to float for float-only ops.
#include <napi.h>

#include <utility>

#include "../core/iter.h"
#include "../core/registry.h"
#include "../cpu/loops.h"
#include "../cpu/unary.h"

namespace tl {
namespace {

template <UnaryOp OP, class T>
void run_unary(const Iter<2>& it) {
  if constexpr (OP == UnaryOp::LogicalNot || OP == UnaryOp::IsNan || OP == UnaryOp::IsInf || OP == UnaryOp::IsFinite) {
    iter_parallel(it, [](char* const* p, const int64_t* s, int64_t n) {
      unary_run<bool, T>(p, s, n, [](T x) { return unary_pred<OP, T>(x); });
    });
  } else if constexpr (std::is_floating_point_v<T>) {
    iter_parallel(it, [](char* const* p, const int64_t* s, int64_t n) {
      unary_run<T, T>(p, s, n, [](T x) { return unary_float<OP, T>(x); });
    });
  } else {
    iter_parallel(it, [](char* const* p, const int64_t* s, int64_t n) {
      unary_run<T, T>(p, s, n, [](T x) { return unary_int<OP, T>(x); });
    });
  }
}

template <class T, int... I>
void dispatch_op(int op, const Iter<2>& it, std::integer_sequence<int, I...>) {
  ((op == I ? (run_unary<static_cast<UnaryOp>(I), T>(it), 0) : 0), ...);
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int op = info[0].As<Napi::Number>().Int32Value();
  DType dt = get_dtype(info[1]);
  if (op < 0 || op >= static_cast<int>(UnaryOp::Count)) fail(env, "unary: unknown op code");
  UnaryOp uop = static_cast<UnaryOp>(op);
  if (!is_floating(dt) && !unary_integral_ok(uop)) fail(env, std::string("unary op not implemented for '") + dtype_name(dt) + "'");
  if (dt == DType::Bool && (uop == UnaryOp::Neg))
    fail(env, "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  Buffer bufs[2] = {get_buffer(info[2], "unary: output"), get_buffer(info[3], "unary: input")};
  size_t es[2] = {unary_returns_bool(uop) ? size_t{1} : itemsize(dt), itemsize(dt)};
  MetaReader m(env);
  Iter<2> it = read_iter<2>(env, m, bufs, es);
  dispatch_all(dt, [&](auto t) {
    using T = decltype(t);
    dispatch_op<T>(op, it, std::make_integer_sequence<int, static_cast<int>(UnaryOp::Count)>{});
    return 0;
  });
  return env.Undefined();
}

}  // namespace

TL_EXPORT("unary", Unary);

}  // namespace tl
