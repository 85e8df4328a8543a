// cudaCopy(dstDtype, srcDtype, dst, src) and cudaFill(dtype, dst, value): the
// CPU entry points of ops/copy.cc on CUDA blocks, with the same meta layouts:
//   copy: [ndim, shape..., dstOffset, dstStrides..., srcOffset, srcStrides...]
//   fill: [ndim, shape..., offset, strides...]
// Both blocks must be on one device; moving data between devices (or to and
// from the host) is the storage layer's job. Every dtype pair converts,
// float16 / bfloat16 included, through float (core/half.h), as on the CPU.
#include <napi.h>

#include <cstring>
#include <type_traits>

#include "core.h"
#include "loops.cuh"
#include "../core/registry.h"
#include "../cpu/copy.h"

namespace tl::cuda {
namespace {

template <class D, class S>
struct Convert {
  __device__ __forceinline__ D operator()(S v) const { return convert<D>(v); }
};

template <class D>
struct Constant {
  D v;
  __device__ __forceinline__ D operator()() const { return v; }
};

// A same-dtype copy that is one dense run in both operands is a plain memcpy.
bool dense_run(const Iter<2>& it, size_t es) {
  if (it.ndim == 0) return true;
  return it.ndim == 1 && it.strides[0][0] == static_cast<int64_t>(es) && it.strides[1][0] == static_cast<int64_t>(es);
}

Napi::Value Copy(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const DType dt = get_dtype_any(info[0]), st = get_dtype_any(info[1]);
  Operand dst = device_operand(info[2], "cudaCopy: destination");
  Operand src = device_operand(info[3], "cudaCopy: source");
  const int device = common_device(env, {&dst, &src});
  Buffer bufs[2] = {dst.buf, src.buf};
  const size_t es[2] = {itemsize(dt), itemsize(st)};
  MetaReader m(env);
  const Iter<2> it = read_iter<2>(env, m, bufs, es);
  const int64_t n = it.numel();
  if (n == 0) return env.Undefined();
  if (dt == st && dense_run(it, es[0])) {
    const size_t bytes = static_cast<size_t>(n) * es[0];
    char* to = it.data[0];
    const char* from = it.data[1];
    if (to == from) return env.Undefined();
    DeviceGuard guard(device);
    cudaStream_t stream = current_stream(device);
    // cudaMemcpy leaves overlapping ranges undefined; the CPU impl's memmove
    // does not, so an overlapping copy goes through scratch memory.
    if (to < from + bytes && from < to + bytes) {
      DeviceScratch tmp(env, device, bytes);
      check(env, cudaMemcpyAsync(tmp.get(), from, bytes, cudaMemcpyDeviceToDevice, stream), "cudaCopy");
      from = static_cast<const char*>(tmp.get());
      check(env, cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, stream), "cudaCopy");
      return env.Undefined();
    }
    check(env, cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, stream), "cudaCopy");
    return env.Undefined();
  }
  dispatch_dtype_half(dt, [&](auto d) {
    using D = decltype(d);
    dispatch_dtype_half(st, [&](auto s) {
      using S = decltype(s);
      launch_elementwise<D, S>(env, device, it, Operands<2>{}, Convert<D, S>{}, "cudaCopy");
      return 0;
    });
    return 0;
  });
  return env.Undefined();
}

Napi::Value Fill(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const DType dt = get_dtype_any(info[0]);
  Operand dst = device_operand(info[1], "cudaFill: destination");
  if (!info[2].IsNumber() && !info[2].IsBigInt())
    throw Napi::TypeError::New(env, "cudaFill: the value must be a number or a bigint");
  const int device = dst.device;
  Buffer bufs[1] = {dst.buf};
  const size_t es[1] = {itemsize(dt)};
  MetaReader m(env);
  const Iter<1> it = read_iter<1>(env, m, bufs, es);
  const int64_t n = it.numel();
  if (n == 0) return env.Undefined();
  // Same conversion as the CPU fill: a bigint keeps 64 bits for int64, the
  // rest goes through the double.
  double dv = 0;
  int64_t iv = 0;
  const bool big = info[2].IsBigInt();
  if (big) {
    bool lossless = false;
    iv = info[2].As<Napi::BigInt>().Int64Value(&lossless);
    dv = static_cast<double>(iv);
  } else {
    dv = info[2].As<Napi::Number>().DoubleValue();
  }
  dispatch_dtype_half(dt, [&](auto tag) {
    using D = decltype(tag);
    D v = convert<D>(dv);
    if constexpr (std::is_same_v<D, int64_t>) {
      if (big) v = iv;
    }
    unsigned char bytes[sizeof(D)];
    std::memcpy(bytes, &v, sizeof(D));
    bool zero = true;
    for (unsigned char b : bytes) zero = zero && b == 0;
    if (zero && (it.ndim == 0 || (it.ndim == 1 && it.strides[0][0] == static_cast<int64_t>(sizeof(D))))) {
      DeviceGuard guard(device);
      check(env, cudaMemsetAsync(it.data[0], 0, static_cast<size_t>(n) * sizeof(D), current_stream(device)),
            "cudaFill");
      return 0;
    }
    launch_elementwise<D>(env, device, it, Operands<1>{}, Constant<D>{v}, "cudaFill");
    return 0;
  });
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaCopy", Copy);
TL_EXPORT("cudaFill", Fill);

}  // namespace tl::cuda
