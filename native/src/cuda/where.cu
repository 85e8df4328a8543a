// cudaWhere(dtype, out, cond, a | number, b | number): ops/where.cc on CUDA
// blocks, same meta layout (4 operand layouts over one shape: [ndim, shape...,
// out, cond, a, b] each as [offset, strides...]). cond is bool; JS scalars and
// host memory holding one broadcast element (0-dim CPU tensors) travel with
// the launch. Any dtype, float16 / bfloat16 included (pure selection: their
// bits are copied; a scalar rounds as a cast would).
#include <napi.h>

#include "core.h"
#include "loops.cuh"
#include "../core/registry.h"

namespace tl::cuda {
namespace {

template <class T>
struct WhereF {
  __device__ __forceinline__ T operator()(bool c, T a, T b) const { return c ? a : b; }
};

Napi::Value Where(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const DType dt = get_dtype_any(info[0]);
  const size_t es = itemsize(dt);
  Operands<4> ops;
  Operand opd[4];
  opd[0] = device_operand(info[1], "cudaWhere: output");
  opd[1] = any_operand(info[2], "cudaWhere: condition");
  for (int k = 2; k < 4; ++k) {
    const Napi::Value& v = info[k + 1];
    if (is_js_scalar(v)) {
      scalar_bytes(v, dt, ops.scalar[k]);
      ops.scalar_mask |= 1u << k;
      opd[k].buf = Buffer{reinterpret_cast<char*>(ops.scalar[k]), 8};
    } else {
      opd[k] = any_operand(v, k == 2 ? "cudaWhere: input" : "cudaWhere: other");
    }
  }
  const int device = common_device(env, {&opd[0], &opd[1], &opd[2], &opd[3]});
  Buffer bufs[4] = {opd[0].buf, opd[1].buf, opd[2].buf, opd[3].buf};
  const size_t sizes[4] = {es, 1, es, es};
  MetaReader m(env);
  const Iter<4> it = read_iter<4>(env, m, bufs, sizes, ops.scalar_mask);
  const Operand* list[4] = {&opd[0], &opd[1], (ops.scalar_mask & 4u) ? nullptr : &opd[2],
                            (ops.scalar_mask & 8u) ? nullptr : &opd[3]};
  host_operands_to_scalars(env, it, ops, list, sizes, device);
  dispatch_dtype_half(dt, [&](auto t) {
    using T = decltype(t);
    launch_elementwise<T, bool, T, T>(env, device, it, ops, WhereF<T>{}, "cudaWhere");
    return 0;
  });
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaWhere", Where);

}  // namespace tl::cuda
