// cudaNonzero(dtype, outBlock | null, inBlock) -> count (JS number)
//
//   The arguments, meta layout and return convention of ops/nonzero.cc, with
//   CUDA block tokens: null out only counts; otherwise the int64 [count, ndim]
//   coordinates are written row-major from byte 0 of out, in row-major order of
//   the input, and count is returned. Both calls wait for the stream (the count
//   decides the result's shape on the host, as in PyTorch).
//
//   Counting and writing walk the same fixed chunks of linear positions; an
//   exclusive scan of the chunk counts gives each chunk its first output row,
//   and within a chunk a block-wide ballot scan keeps row-major order.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../cpu/nonzero.h"
#include "core.h"
#include "launch.cuh"

namespace tl {
namespace cuda {
namespace {

using cpu::nonzero::is_nonzero;

constexpr int kThreads = 256;  // 8 warps; the write kernel's scan assumes it
constexpr int kWarps = kThreads / 32;
constexpr int kRounds = 16;
constexpr int64_t kChunk = int64_t{kThreads} * kRounds;
constexpr int kScanThreads = 1024;

struct Layout {
  int ndim = 0;                 // the input's own dims, for coordinates
  int64_t shape[kMaxDims];
  int addr_ndim = 0;            // coalesced dims, for addresses
  int64_t addr_shape[kMaxDims];
  int64_t addr_strides[kMaxDims];  // elements
  int64_t numel = 0;
  const char* data = nullptr;
};

__device__ __forceinline__ int64_t address_of(const Layout& L, int64_t pos) {
  int64_t off = 0;
  for (int d = L.addr_ndim - 1; d >= 0; --d) {
    const int64_t c = d == 0 ? pos : pos % L.addr_shape[d];
    if (d > 0) pos /= L.addr_shape[d];
    off += c * L.addr_strides[d];
  }
  return off;
}

template <class T>
__device__ __forceinline__ bool flag_at(const Layout& L, int64_t pos) {
  return pos < L.numel && is_nonzero(reinterpret_cast<const T*>(L.data)[address_of(L, pos)]);
}

template <class T>
__global__ void count_kernel(Layout L, int64_t chunks, uint32_t* counts) {
  for (int64_t c = blockIdx.x; c < chunks; c += gridDim.x) {
    uint32_t total = 0;
    for (int r = 0; r < kRounds; ++r) {
      const int64_t pos = c * kChunk + int64_t{r} * kThreads + threadIdx.x;
      total += static_cast<uint32_t>(__syncthreads_count(flag_at<T>(L, pos)));
    }
    if (threadIdx.x == 0) counts[c] = total;
  }
}

// Exclusive scan of the chunk counts into starts[0..n), the total in starts[n].
// One block: the chunk count is numel / 4096, so this is never the long pole.
__global__ void scan_kernel(const uint32_t* counts, int64_t n, int64_t* starts) {
  __shared__ int64_t warp_sums[kScanThreads / 32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  int64_t carry = 0;
  for (int64_t base = 0; base < n; base += kScanThreads) {
    const int64_t i = base + threadIdx.x;
    const int64_t v = i < n ? counts[i] : 0;
    int64_t x = v;
    for (int o = 1; o < 32; o <<= 1) {
      const int64_t y = __shfl_up_sync(0xFFFFFFFFu, x, o);
      if (lane >= o) x += y;
    }
    if (lane == 31) warp_sums[warp] = x;
    __syncthreads();
    if (warp == 0) {
      int64_t s = warp_sums[lane];
      for (int o = 1; o < 32; o <<= 1) {
        const int64_t y = __shfl_up_sync(0xFFFFFFFFu, s, o);
        if (lane >= o) s += y;
      }
      warp_sums[lane] = s;
    }
    __syncthreads();
    if (i < n) starts[i] = carry + (warp > 0 ? warp_sums[warp - 1] : 0) + x - v;
    carry += warp_sums[kScanThreads / 32 - 1];
    __syncthreads();  // warp_sums is rewritten by the next tile
  }
  if (threadIdx.x == 0) starts[n] = carry;
}

template <class T>
__global__ void write_kernel(Layout L, int64_t chunks, const int64_t* starts, int64_t* out) {
  __shared__ int warp_counts[kWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int64_t c = blockIdx.x; c < chunks; c += gridDim.x) {
    int64_t row = starts[c];
    if (starts[c + 1] == row) continue;  // uniform across the block
    for (int r = 0; r < kRounds; ++r) {
      const int64_t pos = c * kChunk + int64_t{r} * kThreads + threadIdx.x;
      const bool f = flag_at<T>(L, pos);
      const unsigned mask = __ballot_sync(0xFFFFFFFFu, f);
      if (lane == 0) warp_counts[warp] = __popc(mask);
      __syncthreads();
      int before = __popc(mask & ((1u << lane) - 1)), total = 0;
      for (int w = 0; w < kWarps; ++w) {
        if (w < warp) before += warp_counts[w];
        total += warp_counts[w];
      }
      if (f) {
        int64_t* o = out + (row + before) * L.ndim;
        int64_t rem = pos;
        for (int d = L.ndim - 1; d >= 0; --d) {
          o[d] = d == 0 ? rem : rem % L.shape[d];
          if (d > 0) rem /= L.shape[d];
        }
      }
      row += total;
      __syncthreads();  // warp_counts is rewritten by the next round
    }
  }
}


template <class T>
int64_t run_nonzero(Napi::Env env, int device, const Layout& L, const DeviceBuffer* out) {
  cudaStream_t stream = current_stream(device);
  const int64_t chunks = (L.numel + kChunk - 1) / kChunk;
  DeviceScratch counts(env, device, static_cast<size_t>(chunks) * sizeof(uint32_t));
  DeviceScratch starts(env, device, static_cast<size_t>(chunks + 1) * sizeof(int64_t));
  auto* cnt = static_cast<uint32_t*>(counts.get());
  auto* st = static_cast<int64_t*>(starts.get());
  const unsigned grid = grid_for(device, chunks, 1, 8);
  count_kernel<T><<<grid, kThreads, 0, stream>>>(L, chunks, cnt);
  check_launch(env, "nonzero: count");
  scan_kernel<<<1, kScanThreads, 0, stream>>>(cnt, chunks, st);
  check_launch(env, "nonzero: scan");
  int64_t total = 0;
  check(env, cudaMemcpyAsync(&total, st + chunks, sizeof total, cudaMemcpyDeviceToHost, stream), "nonzero: reading the count");
  check(env, cudaStreamSynchronize(stream), "nonzero");
  if (out == nullptr || L.ndim == 0 || total == 0) return total;
  const uint64_t need = static_cast<uint64_t>(total) * static_cast<uint64_t>(L.ndim) * sizeof(int64_t);
  if (need > out->bytes)
    fail(env, "nonzero: out holds " + std::to_string(out->bytes / sizeof(int64_t)) + " int64 values, " +
                  std::to_string(total * L.ndim) + " needed");
  write_kernel<T><<<grid, kThreads, 0, stream>>>(L, chunks, st, reinterpret_cast<int64_t*>(out->data));
  check_launch(env, "nonzero: write");
  return total;
}

Napi::Value CudaNonzero(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throw Napi::TypeError::New(env, "cudaNonzero: expected (dtype, out | null, input)");
  const DType dt = get_dtype(info[0]);
  // 16-bit floats reach this impl widened to float32 (runtime/ops/half.ts); refuse them rather than misread.
  if (is_half_dtype(dt)) fail(info.Env(), "nonzero: float16/bfloat16 are not supported by this CUDA impl (expected float32 or wider)");
  const bool want_out = !info[1].IsNull() && !info[1].IsUndefined();
  DeviceBuffer out_d;
  if (want_out) out_d = get_device_buffer(info[1], "nonzero: out");
  const DeviceBuffer in_d = get_device_buffer(info[2], "nonzero: input");
  if (want_out && out_d.device != in_d.device)
    fail(env, "Expected all tensors to be on the same device, but found at least two devices, cuda:" +
                  std::to_string(out_d.device) + " and cuda:" + std::to_string(in_d.device) + "!");

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "nonzero: at most 16 dimensions are supported");
  Layout L;
  L.ndim = static_cast<int>(ndim64);
  int64_t st[kMaxDims];
  for (int d = 0; d < L.ndim; ++d) L.shape[d] = m.i();
  const int64_t off = m.i();
  for (int d = 0; d < L.ndim; ++d) st[d] = m.i();
  const size_t el = itemsize(dt);
  View v = make_view(env, Buffer{in_d.data, in_d.bytes}, el, L.ndim, L.shape, off, st, "nonzero: input");
  L.numel = 1;
  for (int d = 0; d < L.ndim; ++d) L.numel *= L.shape[d];
  if (L.numel == 0) return Napi::Number::New(env, 0);

  Iter<1> it;
  it.ndim = L.ndim;
  it.data[0] = v.data;
  for (int d = 0; d < L.ndim; ++d) {
    it.shape[d] = L.shape[d];
    it.strides[0][d] = v.strides[d];
  }
  it.coalesce();
  L.addr_ndim = it.ndim;
  for (int d = 0; d < it.ndim; ++d) {
    L.addr_shape[d] = it.shape[d];
    L.addr_strides[d] = it.strides[0][d] / static_cast<int64_t>(el);
  }
  L.data = v.data;

  DeviceGuard guard(in_d.device);
  int64_t count = 0;
  auto go = [&](auto tag) { count = run_nonzero<decltype(tag)>(env, in_d.device, L, want_out ? &out_d : nullptr); };
  if (dt == DType::Bool) go(uint8_t{});
  else dispatch_numeric(dt, go);
  return Napi::Number::New(env, static_cast<double>(count));
}

}  // namespace

TL_EXPORT("cudaNonzero", CudaNonzero);

}  // namespace cuda
}  // namespace tl
