// What device.cu, alloc.cu and memcpy.cu share beyond the public contract in
// core.h: argument parsing, device checks and stream identity.
#pragma once
#include <napi.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core.h"

namespace tl::cuda {

// Devices the runtime sees; 0 (not an error) without a driver or a GPU.
int device_count();
// Why device_count() is 0, or "" when it is not.
std::string unavailable_reason();

// A device index argument, range-checked; throws a clear error when CUDA is unavailable.
int get_device_arg(const Napi::Value& v, const char* what);
// Throws unless 0 <= device < device_count().
void require_device(Napi::Env env, int64_t device, const char* what);
// A byte count or offset: an integer number in [0, 2^53].
size_t get_size_arg(const Napi::Value& v, const char* what);

// The current stream of a device with its serial number (0 for the default
// stream), which keys the allocator's stream-ordered reuse.
struct StreamRef {
  cudaStream_t stream = nullptr;
  uint64_t id = 0;
};
StreamRef current_stream_ref(int device);

// "2.00 GiB", as PyTorch prints sizes.
std::string format_bytes(size_t bytes);

// Throws a Napi::Error with `code` set (CUDA_OOM, CUDA_ERROR, CUDA_UNAVAILABLE).
[[noreturn]] void throw_coded(Napi::Env env, const std::string& msg, const char* code);

}  // namespace tl::cuda
