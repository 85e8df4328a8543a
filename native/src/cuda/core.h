// The contract between the CUDA impls and the CUDA runtime layer of the addon
// (devices, streams, the caching allocator, tokens). Exists only in builds
// with TL_WITH_CUDA. Implemented in device.cu (devices, streams, errors) and
// alloc.cu (blocks, scratch).
#pragma once
#include <napi.h>
#include <cuda_runtime.h>

#include <cstddef>

namespace tl::cuda {

struct DeviceBuffer {
  char* data = nullptr;  // nullptr for a 0-byte block
  size_t bytes = 0;      // the size asked of cudaAlloc: bound every layout by this
  int device = 0;
};

// The block behind a CUDA block token from JS; throws a Napi::Error naming `what` when v is not a live block.
DeviceBuffer get_device_buffer(const Napi::Value& v, const char* what);

// Makes `device` current for the scope and restores the previous one.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int prev_;
};

// The stream ops on `device` are queued on (torch.cuda.currentStream).
cudaStream_t current_stream(int device);

// Throws a Napi::Error "CUDA error: <cudaGetErrorString> (<what>)" when err != cudaSuccess (clears sticky-free errors first).
void check(Napi::Env env, cudaError_t err, const char* what);

// Checks the launch that was just queued (cudaGetLastError).
inline void check_launch(Napi::Env env, const char* what) { check(env, cudaGetLastError(), what); }

// Uninitialised device scratch from the caching allocator, stream-ordered on current_stream(device); freed (returned to the cache) at scope exit.
class DeviceScratch {
 public:
  DeviceScratch(Napi::Env env, int device, size_t bytes);
  ~DeviceScratch();
  void* get() const { return p_; }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
  int device_ = 0;
};

// Properties cached at first use (SM count for grid sizing, warp size 32).
int multiprocessor_count(int device);

}  // namespace tl::cuda
