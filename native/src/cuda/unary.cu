// cudaUnary(op, dtype, out, input): ops/unary.cc on CUDA blocks, same checks,
// same meta layout ([ndim, shape..., outOffset, outStrides..., inOffset,
// inStrides...]) and the same functors (cpu/unary.h), compiled for the device.
// float16 / bfloat16 inputs run the float functor on the widened value and
// round the result back (core/half.h), as PyTorch's opmath does.
#include <napi.h>

#include <string>
#include <utility>

#include "core.h"
#include "loops.cuh"
#include "../core/registry.h"
#include "../cpu/unary.h"

namespace tl::cuda {
namespace {

// A variable template, not a function: nvcc refuses constexpr host functions
// in device code without --expt-relaxed-constexpr, even under `if constexpr`.
template <UnaryOp OP>
constexpr bool kPred = OP == UnaryOp::LogicalNot || OP == UnaryOp::IsNan || OP == UnaryOp::IsInf || OP == UnaryOp::IsFinite;

template <UnaryOp OP, class T>
struct UnaryF {
  __device__ __forceinline__ auto operator()(T x) const {
    if constexpr (is_half_v<T>) {
      if constexpr (kPred<OP>) return unary_pred<OP, float>(to_float(x));
      else return from_float<T>(unary_float<OP, float>(to_float(x)));
    } else if constexpr (kPred<OP>) return unary_pred<OP, T>(x);
    else if constexpr (std::is_floating_point_v<T>) return unary_float<OP, T>(x);
    else return unary_int<OP, T>(x);
  }
};

template <UnaryOp OP, class T>
void run(Napi::Env env, int device, const Iter<2>& it) {
  using R = std::conditional_t<kPred<OP>, bool, T>;
  launch_elementwise<R, T>(env, device, it, Operands<2>{}, UnaryF<OP, T>{}, "cudaUnary");
}

// unary_integral_ok (cpu/unary.h) at compile time, so integer kernels are only
// built for the ops that can reach them (the rest would be dead code that
// doubles the compile time). Unary() checks that the two agree.
template <UnaryOp OP>
constexpr bool kIntegral =
    OP == UnaryOp::Neg || OP == UnaryOp::Abs || OP == UnaryOp::Sign || OP == UnaryOp::Relu || OP == UnaryOp::Floor ||
    OP == UnaryOp::Ceil || OP == UnaryOp::Round || OP == UnaryOp::Trunc || OP == UnaryOp::LogicalNot ||
    OP == UnaryOp::IsNan || OP == UnaryOp::IsInf || OP == UnaryOp::IsFinite || OP == UnaryOp::Square ||
    OP == UnaryOp::BitwiseNot;

template <int... I>
bool integral_ok(int op, std::integer_sequence<int, I...>) {
  bool ok = false;
  ((op == I ? (ok = kIntegral<static_cast<UnaryOp>(I)>, 0) : 0), ...);
  return ok;
}

template <class T, int... I>
void dispatch_op(Napi::Env env, int device, int op, const Iter<2>& it, std::integer_sequence<int, I...>) {
  auto one = [&](auto tag) {
    constexpr UnaryOp OP = decltype(tag)::value;
    if constexpr (std::is_floating_point_v<T> || is_half_v<T> || kIntegral<OP>) run<OP, T>(env, device, it);
  };
  ((op == I ? one(std::integral_constant<UnaryOp, static_cast<UnaryOp>(I)>{}) : void()), ...);
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int op = info[0].As<Napi::Number>().Int32Value();
  const DType dt = get_dtype_any(info[1]);
  if (op < 0 || op >= static_cast<int>(UnaryOp::Count)) fail(env, "unary: unknown op code");
  const UnaryOp uop = static_cast<UnaryOp>(op);
  constexpr auto kOps = std::make_integer_sequence<int, static_cast<int>(UnaryOp::Count)>{};
  if (!is_floating(dt) && !unary_integral_ok(uop))
    fail(env, std::string("unary op not implemented for '") + dtype_name(dt) + "'");
  if (unary_integral_ok(uop) != integral_ok(op, kOps))
    fail(env, "internal: cudaUnary's kIntegral disagrees with unary_integral_ok for op " + std::to_string(op));
  if (dt == DType::Bool && uop == UnaryOp::Neg)
    fail(env, "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  Operand out = device_operand(info[2], "cudaUnary: output");
  Operand in = device_operand(info[3], "cudaUnary: input");
  const int device = common_device(env, {&out, &in});
  Buffer bufs[2] = {out.buf, in.buf};
  const size_t es[2] = {unary_returns_bool(uop) ? size_t{1} : itemsize(dt), itemsize(dt)};
  MetaReader m(env);
  const Iter<2> it = read_iter<2>(env, m, bufs, es);
  dispatch_dtype_half(dt, [&](auto t) {
    using T = decltype(t);
    dispatch_op<T>(env, device, op, it, kOps);
    return 0;
  });
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaUnary", Unary);

}  // namespace tl::cuda
