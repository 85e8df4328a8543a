// Bytes in and out of device blocks. Offsets and lengths are in bytes and are
// checked against the block's size and the host buffer's size before any
// pointer is formed. Copies are queued on the current stream of the device
// that owns the block (the destination's for cudaCopyBytes).
//
// cudaFromHost(dst, dstByteOffset, src: ArrayBuffer | TypedArray, srcByteOffset, nbytes)
//   returns once the host bytes were read (pageable memory is staged by the
//   driver before the call returns), so the caller may reuse `src` at once.
// cudaToHost(dst: ArrayBuffer | TypedArray, dstByteOffset, src, srcByteOffset, nbytes)
//   synchronous: waits for the stream, so the host sees the data.
// cudaCopyBytes(dst, dstByteOffset, src, srcByteOffset, nbytes)
//   device to device, also across devices; ranges of one block must not overlap.
// cudaMemset0(block, byteOffset, nbytes)
#include <napi.h>
#include <cuda_runtime.h>

#include <string>

#include "../core/args.h"
#include "../core/registry.h"
#include "core.h"
#include "internal.h"

namespace tl::cuda {
namespace {

void check_range(Napi::Env env, size_t off, size_t n, size_t size, const char* what) {
  if (off > size || n > size - off)
    throw Napi::RangeError::New(env, std::string(what) + ": bytes [" + std::to_string(off) + ", " + std::to_string(off) + " + " +
                                         std::to_string(n) + ") lie outside its " + std::to_string(size) + " bytes");
}

Napi::Value FromHost(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  DeviceBuffer dst = get_device_buffer(info[0], "cudaFromHost: destination");
  size_t doff = get_size_arg(info[1], "cudaFromHost: dstByteOffset");
  Buffer src = get_buffer(info[2], "cudaFromHost: source");
  size_t soff = get_size_arg(info[3], "cudaFromHost: srcByteOffset");
  size_t n = get_size_arg(info[4], "cudaFromHost: nbytes");
  check_range(env, doff, n, dst.bytes, "cudaFromHost: destination block");
  check_range(env, soff, n, src.bytes, "cudaFromHost: source buffer");
  if (n == 0) return env.Undefined();
  DeviceGuard g(dst.device);
  check(env, cudaMemcpyAsync(dst.data + doff, src.data + soff, n, cudaMemcpyHostToDevice, current_stream(dst.device)),
        "cudaMemcpyAsync host to device");
  return env.Undefined();
}

Napi::Value ToHost(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  Buffer dst = get_buffer(info[0], "cudaToHost: destination");
  size_t doff = get_size_arg(info[1], "cudaToHost: dstByteOffset");
  DeviceBuffer src = get_device_buffer(info[2], "cudaToHost: source");
  size_t soff = get_size_arg(info[3], "cudaToHost: srcByteOffset");
  size_t n = get_size_arg(info[4], "cudaToHost: nbytes");
  check_range(env, doff, n, dst.bytes, "cudaToHost: destination buffer");
  check_range(env, soff, n, src.bytes, "cudaToHost: source block");
  if (n == 0) return env.Undefined();
  DeviceGuard g(src.device);
  cudaStream_t s = current_stream(src.device);
  check(env, cudaMemcpyAsync(dst.data + doff, src.data + soff, n, cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync device to host");
  check(env, cudaStreamSynchronize(s), "cudaStreamSynchronize after a copy to the host");
  return env.Undefined();
}

// An event for one cross-device handshake, destroyed at scope exit (the
// driver keeps it until the work that waits on it is done).
class TempEvent {
 public:
  TempEvent(Napi::Env env, int device) {
    DeviceGuard g(device);
    check(env, cudaEventCreateWithFlags(&e_, cudaEventDisableTiming), "cudaEventCreateWithFlags");
  }
  ~TempEvent() {
    if (e_ != nullptr && cudaEventDestroy(e_) != cudaSuccess) (void)cudaGetLastError();
  }
  TempEvent(const TempEvent&) = delete;
  TempEvent& operator=(const TempEvent&) = delete;
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

// Makes `waiter` (on `waiter_device`) wait for the work queued so far on `signaller`.
void order_after(Napi::Env env, int signal_device, cudaStream_t signaller, int waiter_device, cudaStream_t waiter) {
  TempEvent e(env, signal_device);
  {
    DeviceGuard g(signal_device);
    check(env, cudaEventRecord(e.get(), signaller), "cudaEventRecord for a cross-device copy");
  }
  DeviceGuard g(waiter_device);
  check(env, cudaStreamWaitEvent(waiter, e.get(), 0), "cudaStreamWaitEvent for a cross-device copy");
}

Napi::Value CopyBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  DeviceBuffer dst = get_device_buffer(info[0], "cudaCopyBytes: destination");
  size_t doff = get_size_arg(info[1], "cudaCopyBytes: dstByteOffset");
  DeviceBuffer src = get_device_buffer(info[2], "cudaCopyBytes: source");
  size_t soff = get_size_arg(info[3], "cudaCopyBytes: srcByteOffset");
  size_t n = get_size_arg(info[4], "cudaCopyBytes: nbytes");
  check_range(env, doff, n, dst.bytes, "cudaCopyBytes: destination block");
  check_range(env, soff, n, src.bytes, "cudaCopyBytes: source block");
  if (n == 0) return env.Undefined();
  if (dst.data == src.data) {
    if (doff == soff) return env.Undefined();
    if ((doff < soff ? soff - doff : doff - soff) < n)
      throw Napi::RangeError::New(env, "cudaCopyBytes: the source and destination ranges overlap in one block");
  }
  if (dst.device == src.device) {
    DeviceGuard g(dst.device);
    check(env, cudaMemcpyAsync(dst.data + doff, src.data + soff, n, cudaMemcpyDeviceToDevice, current_stream(dst.device)),
          "cudaMemcpyAsync device to device");
    return env.Undefined();
  }
  // As PyTorch: the copy runs on the destination's current stream after the
  // work queued on the source's, and the source's stream then waits for the
  // copy, so neither side's later work (or the reuse of a freed block) races it.
  cudaStream_t ds = current_stream(dst.device), ss = current_stream(src.device);
  order_after(env, src.device, ss, dst.device, ds);
  {
    DeviceGuard g(dst.device);
    check(env, cudaMemcpyPeerAsync(dst.data + doff, dst.device, src.data + soff, src.device, n, ds), "cudaMemcpyPeerAsync");
  }
  order_after(env, dst.device, ds, src.device, ss);
  return env.Undefined();
}

Napi::Value Memset0(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  DeviceBuffer b = get_device_buffer(info[0], "cudaMemset0: block");
  size_t off = get_size_arg(info[1], "cudaMemset0: byteOffset");
  size_t n = get_size_arg(info[2], "cudaMemset0: nbytes");
  check_range(env, off, n, b.bytes, "cudaMemset0: block");
  if (n == 0) return env.Undefined();
  DeviceGuard g(b.device);
  check(env, cudaMemsetAsync(b.data + off, 0, n, current_stream(b.device)), "cudaMemsetAsync");
  return env.Undefined();
}

TL_EXPORT("cudaFromHost", FromHost);
TL_EXPORT("cudaToHost", ToHost);
TL_EXPORT("cudaCopyBytes", CopyBytes);
TL_EXPORT("cudaMemset0", Memset0);

}  // namespace
}  // namespace tl::cuda
