// cudaBinary(op, dtype, out, a, b | number | bigint | boolean): ops/binary.cc
// on CUDA blocks with the same meta layout ([ndim, shape..., out, a, b] each
// as [offset, strides...], b's read and ignored for a JS scalar) and the same
// functors (cpu/binary.h). a or b may also be host memory holding one element
// broadcast over the shape (a 0-dim CPU tensor), which PyTorch lets join CUDA
// tensors; its value travels with the launch like a JS scalar.
//
// Integer division or remainder by zero and integers to negative powers raise
// the CPU impl's errors: the functor sets a flag in device memory, read back
// after the launch. Only those op/dtype pairs pay for the read-back (a stream
// synchronization); everything else stays asynchronous.
//
// float16 / bfloat16 operands are widened to float for the float functor and
// the result rounded back (core/half.h). A JS scalar is first rounded to the
// 16-bit dtype, as the CPU path does (runtime/ops/half.ts).
#include <napi.h>

#include <string>
#include <type_traits>
#include <utility>

#include "core.h"
#include "loops.cuh"
#include "../core/registry.h"
#include "../cpu/binary.h"

namespace tl::cuda {
namespace {

template <BinaryOp OP, class T>
constexpr bool kCanFlag =
    std::is_integral_v<T> && (OP == BinaryOp::Div || OP == BinaryOp::FloorDiv || OP == BinaryOp::TruncDiv ||
                                     OP == BinaryOp::Remainder || OP == BinaryOp::Fmod ||
                                     (OP == BinaryOp::Pow && std::is_signed_v<T>));

// The float functor on widened 16-bit operands; comparisons stay bool.
template <BinaryOp OP, class H>
struct HalfBinaryFn {
  BinaryFn<OP, float> f;
  using R = std::conditional_t<std::is_same_v<typename BinaryFn<OP, float>::R, bool>, bool, H>;
  __device__ __forceinline__ R operator()(H a, H b) const {
    if constexpr (std::is_same_v<R, bool>) return f(to_float(a), to_float(b));
    else return from_float<H>(f(to_float(a), to_float(b)));
  }
};

// Returns whether any element raised the flag.
template <BinaryOp OP, class T>
bool run(Napi::Env env, int device, const Iter<3>& it, const Operands<3>& ops) {
  if constexpr (is_half_v<T>) {
    using Fn = HalfBinaryFn<OP, T>;
    launch_elementwise<typename Fn::R, T, T>(env, device, it, ops, Fn{BinaryFn<OP, float>{nullptr}}, "cudaBinary");
    return false;
  } else if constexpr (!kCanFlag<OP, T>) {
    using Fn = BinaryFn<OP, T>;
    launch_elementwise<typename Fn::R, T, T>(env, device, it, ops, Fn{nullptr}, "cudaBinary");
    return false;
  } else {
    using Fn = BinaryFn<OP, T>;
    cudaStream_t stream = current_stream(device);
    DeviceScratch flag(env, device, 1);
    bool* bad = static_cast<bool*>(flag.get());
    check(env, cudaMemsetAsync(bad, 0, 1, stream), "cudaBinary: clearing the error flag");
    launch_elementwise<typename Fn::R, T, T>(env, device, it, ops, Fn{bad}, "cudaBinary");
    bool host = false;
    check(env, cudaMemcpyAsync(&host, bad, 1, cudaMemcpyDeviceToHost, stream), "cudaBinary: reading the error flag");
    check(env, cudaStreamSynchronize(stream), "cudaBinary");
    return host;
  }
}

template <class T, int... I>
bool dispatch_op(Napi::Env env, int device, int op, const Iter<3>& it, const Operands<3>& ops,
                 std::integer_sequence<int, I...>) {
  bool bad = false;
  ((op == I ? void(bad = run<static_cast<BinaryOp>(I), T>(env, device, it, ops)) : void()), ...);
  return bad;
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int op = info[0].As<Napi::Number>().Int32Value();
  const DType dt = get_dtype_any(info[1]);
  if (op < 0 || op >= static_cast<int>(BinaryOp::Count)) fail(env, "binary: unknown op code");
  const BinaryOp bop = static_cast<BinaryOp>(op);
  const size_t es_in = itemsize(dt);

  Operands<3> ops;
  Operand out = device_operand(info[2], "cudaBinary: output");
  Operand a = any_operand(info[3], "cudaBinary: input");
  Operand b;
  const bool b_scalar = is_js_scalar(info[4]);
  if (b_scalar) {
    scalar_bytes(info[4], dt, ops.scalar[2]);
    ops.scalar_mask |= 4u;
    b.buf = Buffer{reinterpret_cast<char*>(ops.scalar[2]), 8};
  } else {
    b = any_operand(info[4], "cudaBinary: other");
  }
  const int device = common_device(env, {&out, &a, &b});

  Buffer bufs[3] = {out.buf, a.buf, b.buf};
  const size_t es[3] = {binary_returns_bool(bop) ? size_t{1} : es_in, es_in, es_in};
  MetaReader m(env);
  const Iter<3> it = read_iter<3>(env, m, bufs, es, b_scalar ? 4u : 0u);
  const Operand* list[3] = {&out, &a, b_scalar ? nullptr : &b};
  host_operands_to_scalars(env, it, ops, list, es, device);

  DeviceGuard guard(device);
  const bool bad = dispatch_dtype_half(dt, [&](auto t) {
    using T = decltype(t);
    return dispatch_op<T>(env, device, op, it, ops, std::make_integer_sequence<int, static_cast<int>(BinaryOp::Count)>{});
  });
  if (bad) {
    if (bop == BinaryOp::Pow) fail(env, "Integers to negative integer powers are not allowed.");
    fail(env, "ZeroDivisionError: integer division or modulo by zero");
  }
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaBinary", Binary);

}  // namespace tl::cuda
