// cudaGather(dtype, outBlock, inBlock, indexBlock) -> undefined
//
//   The arguments, meta layout and errors of ops/gather.cc, with CUDA block
//   tokens for the three buffers (all on one device). Every position is copied
//   or flagged in one pass; the smallest flagged row-major position is read
//   back, so the error names the same index the CPU impl names:
//   "index 5 is out of bounds for dimension 0 with size 3". The read-back
//   waits for the stream, as PyTorch's device-side assert would (only later).
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../cpu/gather.h"
#include "core.h"
#include "launch.cuh"

namespace tl {
namespace cuda {
namespace {

constexpr int kThreads = 256;
constexpr unsigned long long kNoBad = ~0ull;



struct GatherArgs {
  Offsets<3> it;  // out, in (stride 0 along dim), index
  int64_t numel;
  int64_t dim_stride;  // in's stride along dim, elements
  int64_t size;        // in's size along dim
  char* out;
  const char* in;
  const int64_t* index;
  unsigned long long* first_bad;
};

// W: an unsigned integer of the element's width (only the bytes move).
template <class W>
__global__ void gather_kernel(GatherArgs a) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t pos = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pos < a.numel; pos += step) {
    int64_t off[3];
    offsets_of<3>(a.it, pos, off);
    const int64_t i = a.index[off[2]];
    if (!cpu::gather::index_ok(i, a.size)) {
      atomicMin(a.first_bad, static_cast<unsigned long long>(pos));
      continue;
    }
    reinterpret_cast<W*>(a.out)[off[0]] = reinterpret_cast<const W*>(a.in)[off[1] + i * a.dim_stride];
  }
}



Napi::Value CudaGather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) throw Napi::TypeError::New(env, "cudaGather: expected (dtype, out, input, index)");
  const DType dt = get_dtype(info[0]);
  // 16-bit floats reach this impl widened to float32 (runtime/ops/half.ts); refuse them rather than misread.
  if (is_half_dtype(dt)) fail(info.Env(), "gather: float16/bfloat16 are not supported by this CUDA impl (expected float32 or wider)");
  const DeviceBuffer out_d = get_device_buffer(info[1], "gather: out");
  const DeviceBuffer in_d = get_device_buffer(info[2], "gather: input");
  const DeviceBuffer idx_d = get_device_buffer(info[3], "gather: index");
  same_device(env, out_d, in_d);
  same_device(env, out_d, idx_d);

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "gather: at most 16 dimensions are supported");
  const int ndim = static_cast<int>(ndim64);
  int64_t shape[kMaxDims], in_shape[kMaxDims], out_st[kMaxDims], in_st[kMaxDims], idx_st[kMaxDims];
  for (int d = 0; d < ndim; ++d) shape[d] = m.i();
  const int64_t dim = m.i();
  if (dim < 0 || dim >= std::max(ndim, 1))
    fail(env, "gather(): dim " + std::to_string(dim) + " out of range for a " + std::to_string(ndim) + "-d tensor");
  const int64_t out_off = m.i();
  for (int d = 0; d < ndim; ++d) out_st[d] = m.i();
  const int64_t in_off = m.i();
  for (int d = 0; d < ndim; ++d) in_st[d] = m.i();
  const int64_t size = m.i();
  const int64_t idx_off = m.i();
  for (int d = 0; d < ndim; ++d) idx_st[d] = m.i();
  if (size < 0) fail(env, "gather: negative input size along dim");

  const size_t el = itemsize(dt);
  const Buffer out_buf{out_d.data, out_d.bytes}, in_buf{in_d.data, in_d.bytes}, idx_buf{idx_d.data, idx_d.bytes};
  View out_v = make_view(env, out_buf, el, ndim, shape, out_off, out_st, "gather: out");
  View idx_v = make_view(env, idx_buf, sizeof(int64_t), ndim, shape, idx_off, idx_st, "gather: index");
  int64_t eff_size = size;
  int64_t in_dim_stride = 0;  // elements
  View in_v;
  if (ndim == 0) {
    const int64_t unit = 1;
    eff_size = std::min<int64_t>(size, 1);
    in_v = make_view(env, in_buf, el, 1, &eff_size, in_off, &unit, "gather: input");
  } else {
    for (int d = 0; d < ndim; ++d) in_shape[d] = d == dim ? size : shape[d];
    in_v = make_view(env, in_buf, el, ndim, in_shape, in_off, in_st, "gather: input");
    in_dim_stride = in_st[dim];
  }
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= shape[d];
  if (numel == 0) return env.Undefined();

  // Coalesced on the host in byte strides (the CPU's merge rule), then turned
  // into element strides for the device.
  Iter<3> it;
  it.ndim = ndim;
  for (int d = 0; d < ndim; ++d) {
    it.shape[d] = shape[d];
    it.strides[0][d] = out_v.strides[d];
    it.strides[1][d] = d == dim ? 0 : in_v.strides[d];
    it.strides[2][d] = idx_v.strides[d];
  }
  it.coalesce();
  GatherArgs a;
  a.it.ndim = it.ndim;
  const int64_t els[3] = {static_cast<int64_t>(el), static_cast<int64_t>(el), 8};
  for (int d = 0; d < it.ndim; ++d) {
    a.it.shape[d] = it.shape[d];
    for (int k = 0; k < 3; ++k) a.it.strides[k][d] = it.strides[k][d] / els[k];
  }
  a.numel = numel;
  a.dim_stride = in_dim_stride;
  a.size = eff_size;
  a.out = out_v.data;
  a.in = in_v.data;
  a.index = reinterpret_cast<const int64_t*>(idx_v.data);

  const int device = out_d.device;
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  DeviceScratch flag(env, device, sizeof(unsigned long long));
  a.first_bad = static_cast<unsigned long long*>(flag.get());
  check(env, cudaMemsetAsync(a.first_bad, 0xFF, sizeof(unsigned long long), stream), "gather: clearing the error flag");
  const unsigned grid = grid_for(device, numel, kThreads, 32);
  switch (el) {
    case 1: gather_kernel<uint8_t><<<grid, kThreads, 0, stream>>>(a); break;
    case 4: gather_kernel<uint32_t><<<grid, kThreads, 0, stream>>>(a); break;
    default: gather_kernel<uint64_t><<<grid, kThreads, 0, stream>>>(a); break;
  }
  check_launch(env, "gather");

  unsigned long long bad = kNoBad;
  check(env, cudaMemcpyAsync(&bad, a.first_bad, sizeof bad, cudaMemcpyDeviceToHost, stream), "gather: reading the error flag");
  check(env, cudaStreamSynchronize(stream), "gather");
  if (bad == kNoBad) return env.Undefined();

  // The offending index itself, read from its place in the index layout.
  int64_t rem = static_cast<int64_t>(bad), byte_off = 0;
  for (int d = it.ndim - 1; d >= 0; --d) {
    byte_off += (rem % it.shape[d]) * it.strides[2][d];
    rem /= it.shape[d];
  }
  int64_t value = 0;
  check(env, cudaMemcpyAsync(&value, idx_v.data + byte_off, sizeof value, cudaMemcpyDeviceToHost, stream),
        "gather: reading the bad index");
  check(env, cudaStreamSynchronize(stream), "gather");
  fail(env, "index " + std::to_string(value) + " is out of bounds for dimension " + std::to_string(dim) +
                " with size " + std::to_string(eff_size));
}

}  // namespace

TL_EXPORT("cudaGather", CudaGather);

}  // namespace cuda
}  // namespace tl
