// cudaScatter(dtype, selfBlock, indexBlock, src, reduce) -> undefined
//
//   The arguments, meta layout and errors of ops/scatter.cc; self, index and a
//   tensor src are CUDA block tokens on one device, a scalar src is a JS
//   number / BigInt / boolean as on the CPU. Every index is checked on the
//   device first and the smallest bad row-major position read back, so the
//   error text is the CPU's and self is untouched when it is thrown.
//
//   Duplicate indices: add / multiply fold with atomics (float sums may then
//   differ from the CPU's in the last bits: the order is not fixed, as in
//   PyTorch). Plain assignment keeps the CPU's "last write in row-major order
//   wins" by letting each target slot record the largest position aiming at it
//   first; that needs 8 bytes of scratch per element of self's span, so when
//   the span is far larger than the index (see kMaxSpanPerIndex) duplicates
//   race instead, which PyTorch documents as undefined anyway.
//
//   Assumes blocks start 4-byte aligned and are padded to a multiple of 4
//   bytes (the caching allocator rounds up): 1-byte atomics are
//   compare-and-swap loops on the aligned 32-bit word that holds the byte.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../cpu/scatter.h"
#include "core.h"
#include "launch.cuh"

namespace tl {
namespace cuda {
namespace {

using cpu::scatter::combine;
using cpu::scatter::index_ok;
using cpu::scatter::kAdd;
using cpu::scatter::kAssign;
using cpu::scatter::kMultiply;

constexpr int kThreads = 256;
constexpr unsigned long long kNoBad = ~0ull;
constexpr int64_t kMinSpan = int64_t{1} << 24;
constexpr int64_t kMaxSpanPerIndex = 8;



struct ScatterArgs {
  Offsets<3> it;  // self (stride 0 along dim), index, src
  int64_t numel;
  int64_t dim_stride;  // self's stride along dim, elements
  int64_t size;        // self's size along dim
  char* self;
  const int64_t* index;
  const char* src;  // null: every position reads `scalar`
  uint64_t scalar;  // the value's bytes, low-addressed first
  int reduce;
};

template <class F>
__device__ __forceinline__ void for_each_position(const ScatterArgs& a, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t pos = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pos < a.numel; pos += step) {
    int64_t off[3];
    offsets_of<3>(a.it, pos, off);
    f(pos, off);
  }
}

__global__ void check_kernel(ScatterArgs a, unsigned long long* first_bad) {
  for_each_position(a, [&](int64_t pos, const int64_t* off) {
    if (!index_ok(a.index[off[1]], a.size)) atomicMin(first_bad, static_cast<unsigned long long>(pos));
  });
}

// Slot of each target in self's span, relative to its lowest element `lo`.
__global__ void claim_kernel(ScatterArgs a, int64_t lo, unsigned long long* winner) {
  for_each_position(a, [&](int64_t pos, const int64_t* off) {
    const int64_t slot = off[0] + a.index[off[1]] * a.dim_stride - lo;
    atomicMax(winner + slot, static_cast<unsigned long long>(pos) + 1);
  });
}

template <class T>
__device__ __forceinline__ T load_src(const ScatterArgs& a, int64_t off) {
  if (a.src != nullptr) return reinterpret_cast<const T*>(a.src)[off];
  T v;
  memcpy(&v, &a.scalar, sizeof(T));
  return v;
}

template <class T, class Bits>
__device__ __forceinline__ Bits bits_of(T v) {
  Bits b;
  memcpy(&b, &v, sizeof b);
  return b;
}

template <class T, class Bits>
__device__ __forceinline__ T from_bits(Bits b) {
  T v;
  memcpy(&v, &b, sizeof v);
  return v;
}

// dst = combine(dst, v) atomically; native adds where the hardware has them.
template <class T, bool IsBool>
__device__ void atomic_combine(T* dst, T v, int reduce) {
  if constexpr (sizeof(T) == 1) {
    const uintptr_t addr = reinterpret_cast<uintptr_t>(dst);
    unsigned int* word = reinterpret_cast<unsigned int*>(addr & ~uintptr_t{3});
    const unsigned shift = static_cast<unsigned>(addr & 3) * 8;
    unsigned int old = *reinterpret_cast<volatile unsigned int*>(word), seen;
    do {
      seen = old;
      const T cur = static_cast<T>((seen >> shift) & 0xFFu);
      const T next = combine<T, IsBool>(cur, v, reduce);
      const unsigned int repl = (seen & ~(0xFFu << shift)) | (static_cast<unsigned int>(next) << shift);
      if (repl == seen) return;
      old = atomicCAS(word, seen, repl);
    } while (old != seen);
  } else {
    if (reduce == kAdd) {
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        atomicAdd(dst, v);
        return;
      } else if constexpr (sizeof(T) == 4) {
        atomicAdd(reinterpret_cast<unsigned int*>(dst), static_cast<unsigned int>(v));  // wraps like the CPU
        return;
      } else {
        atomicAdd(reinterpret_cast<unsigned long long*>(dst), static_cast<unsigned long long>(v));
        return;
      }
    }
    using Bits = std::conditional_t<sizeof(T) == 4, unsigned int, unsigned long long>;
    Bits* word = reinterpret_cast<Bits*>(dst);
    Bits old = *reinterpret_cast<volatile Bits*>(word), seen;
    do {
      seen = old;
      // Compared as bits, so a NaN in self cannot make the loop spin.
      const Bits repl = bits_of<T, Bits>(combine<T, IsBool>(from_bits<T, Bits>(seen), v, reduce));
      old = atomicCAS(word, seen, repl);
    } while (old != seen);
  }
}

enum Mode { kStore = 0, kStoreWinner = 1, kAtomic = 2 };

template <class T, bool IsBool, int M>
__global__ void apply_kernel(ScatterArgs a, int64_t lo, const unsigned long long* winner) {
  for_each_position(a, [&](int64_t pos, const int64_t* off) {
    const int64_t target = off[0] + a.index[off[1]] * a.dim_stride;
    T* dst = reinterpret_cast<T*>(a.self) + target;
    const T v = load_src<T>(a, off[2]);
    if constexpr (M == kStore) {
      *dst = v;
    } else if constexpr (M == kStoreWinner) {
      if (winner[target - lo] == static_cast<unsigned long long>(pos) + 1) *dst = v;
    } else {
      atomic_combine<T, IsBool>(dst, v, a.reduce);
    }
  });
}

// The scalar source in the tensor's dtype, converted as ops/scatter.cc does.
uint64_t scalar_bits(const Napi::Value& v, DType dt) {
  double d = 0;
  int64_t i = 0;
  const bool is_big = v.IsBigInt();
  if (is_big) {
    bool lossless = true;
    i = v.As<Napi::BigInt>().Int64Value(&lossless);
    d = static_cast<double>(i);
  } else if (v.IsBoolean()) {
    d = v.As<Napi::Boolean>().Value() ? 1 : 0;
    i = static_cast<int64_t>(d);
  } else {
    d = v.As<Napi::Number>().DoubleValue();
    i = (d == d && d > -9.3e18 && d < 9.3e18) ? static_cast<int64_t>(d) : 0;
  }
  uint64_t bits = 0;
  auto put = [&](auto x) { memcpy(&bits, &x, sizeof x); };
  switch (dt) {
    case DType::Float32: put(static_cast<float>(d)); break;
    case DType::Float64: put(d); break;
    case DType::Int32: put(static_cast<int32_t>(i)); break;
    case DType::Int64: put(i); break;
    case DType::UInt8: put(static_cast<uint8_t>(i)); break;
    case DType::Bool: put(static_cast<uint8_t>((is_big ? i != 0 : d != 0) ? 1 : 0)); break;
    default: break;  // 16-bit floats never get here: CudaScatter refuses them first
  }
  return bits;
}



template <class T, bool IsBool>
void launch_apply(Napi::Env env, const ScatterArgs& a, unsigned grid, cudaStream_t s, int mode, int64_t lo,
                  const unsigned long long* winner) {
  switch (mode) {
    case kStore: apply_kernel<T, IsBool, kStore><<<grid, kThreads, 0, s>>>(a, lo, winner); break;
    case kStoreWinner: apply_kernel<T, IsBool, kStoreWinner><<<grid, kThreads, 0, s>>>(a, lo, winner); break;
    default: apply_kernel<T, IsBool, kAtomic><<<grid, kThreads, 0, s>>>(a, lo, winner); break;
  }
  check_launch(env, "scatter");
}

Napi::Value CudaScatter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) throw Napi::TypeError::New(env, "cudaScatter: expected (dtype, self, index, src, reduce)");
  const DType dt = get_dtype(info[0]);
  // 16-bit floats reach this impl widened to float32 (runtime/ops/half.ts); refuse them rather than misread.
  if (is_half_dtype(dt)) fail(info.Env(), "scatter: float16/bfloat16 are not supported by this CUDA impl (expected float32 or wider)");
  const DeviceBuffer self_d = get_device_buffer(info[1], "scatter: self");
  const DeviceBuffer idx_d = get_device_buffer(info[2], "scatter: index");
  same_device(env, self_d, idx_d);
  const bool src_is_scalar = info[3].IsNumber() || info[3].IsBigInt() || info[3].IsBoolean();
  DeviceBuffer src_d;
  if (!src_is_scalar) {
    src_d = get_device_buffer(info[3], "scatter: src");
    same_device(env, self_d, src_d);
  }
  if (!info[4].IsNumber()) throw Napi::TypeError::New(env, "scatter: reduce must be a number");
  const int reduce = info[4].As<Napi::Number>().Int32Value();
  if (reduce < kAssign || reduce > kMultiply) fail(env, "scatter: unknown reduce " + std::to_string(reduce));

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "scatter: at most 16 dimensions are supported");
  const int ndim = static_cast<int>(ndim64);
  int64_t shape[kMaxDims], self_shape[kMaxDims], self_st[kMaxDims], idx_st[kMaxDims], src_st[kMaxDims];
  for (int d = 0; d < ndim; ++d) shape[d] = m.i();
  const int64_t dim = m.i();
  if (dim < 0 || dim >= std::max(ndim, 1))
    fail(env, "scatter(): dim " + std::to_string(dim) + " out of range for a " + std::to_string(ndim) + "-d tensor");
  const int64_t self_off = m.i();
  for (int d = 0; d < ndim; ++d) self_st[d] = m.i();
  const int64_t size = m.i();
  const int64_t idx_off = m.i();
  for (int d = 0; d < ndim; ++d) idx_st[d] = m.i();
  const int64_t src_off = m.i();
  for (int d = 0; d < ndim; ++d) src_st[d] = m.i();
  if (size < 0) fail(env, "scatter: negative self size along dim");

  const size_t el = itemsize(dt);
  const Buffer self_buf{self_d.data, self_d.bytes}, idx_buf{idx_d.data, idx_d.bytes};
  View idx_v = make_view(env, idx_buf, sizeof(int64_t), ndim, shape, idx_off, idx_st, "scatter: index");
  // self's own shape (index's, with `size` along dim) and strides, for the span.
  int self_nd = ndim;
  int64_t eff_size = size, dim_stride = 0;
  const int64_t unit = 1;
  const int64_t* sst = self_st;
  if (ndim == 0) {
    eff_size = std::min<int64_t>(size, 1);
    self_nd = 1;
    self_shape[0] = eff_size;
    sst = &unit;
  } else {
    for (int d = 0; d < ndim; ++d) self_shape[d] = d == dim ? size : shape[d];
    dim_stride = self_st[dim];
  }
  View self_v = make_view(env, self_buf, el, self_nd, self_shape, self_off, sst, "scatter: self");
  View src_v;
  if (!src_is_scalar) {
    const Buffer src_buf{src_d.data, src_d.bytes};
    src_v = make_view(env, src_buf, el, ndim, shape, src_off, src_st, "scatter: src");
  }
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= shape[d];
  if (numel == 0) return env.Undefined();

  Iter<3> it;
  it.ndim = ndim;
  for (int d = 0; d < ndim; ++d) {
    it.shape[d] = shape[d];
    it.strides[0][d] = d == dim ? 0 : self_v.strides[d];
    it.strides[1][d] = idx_v.strides[d];
    it.strides[2][d] = src_is_scalar ? 0 : src_v.strides[d];
  }
  it.coalesce();
  ScatterArgs a;
  a.it.ndim = it.ndim;
  const int64_t els[3] = {static_cast<int64_t>(el), 8, static_cast<int64_t>(el)};
  for (int d = 0; d < it.ndim; ++d) {
    a.it.shape[d] = it.shape[d];
    for (int k = 0; k < 3; ++k) a.it.strides[k][d] = it.strides[k][d] / els[k];
  }
  a.numel = numel;
  a.dim_stride = dim_stride;
  a.size = eff_size;
  a.self = self_v.data;
  a.index = reinterpret_cast<const int64_t*>(idx_v.data);
  a.src = src_is_scalar ? nullptr : src_v.data;
  a.scalar = src_is_scalar ? scalar_bits(info[3], dt) : 0;
  a.reduce = reduce;

  const int device = self_d.device;
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const unsigned grid = grid_for(device, numel, kThreads, 32);
  {
    DeviceScratch flag(env, device, sizeof(unsigned long long));
    auto* first_bad = static_cast<unsigned long long*>(flag.get());
    check(env, cudaMemsetAsync(first_bad, 0xFF, sizeof(unsigned long long), stream), "scatter: clearing the error flag");
    check_kernel<<<grid, kThreads, 0, stream>>>(a, first_bad);
    check_launch(env, "scatter: index check");
    unsigned long long bad = kNoBad;
    check(env, cudaMemcpyAsync(&bad, first_bad, sizeof bad, cudaMemcpyDeviceToHost, stream), "scatter: reading the error flag");
    check(env, cudaStreamSynchronize(stream), "scatter: index check");
    if (bad != kNoBad) {
      int64_t rem = static_cast<int64_t>(bad), byte_off = 0;
      for (int d = it.ndim - 1; d >= 0; --d) {
        byte_off += (rem % it.shape[d]) * it.strides[1][d];
        rem /= it.shape[d];
      }
      int64_t value = 0;
      check(env, cudaMemcpyAsync(&value, idx_v.data + byte_off, sizeof value, cudaMemcpyDeviceToHost, stream),
            "scatter: reading the bad index");
      check(env, cudaStreamSynchronize(stream), "scatter");
      fail(env, "index " + std::to_string(value) + " is out of bounds for dimension " + std::to_string(dim) +
                    " with size " + std::to_string(eff_size));
    }
  }

  // self's span in elements relative to its first element: [lo, hi].
  int64_t lo = 0, hi = 0;
  for (int d = 0; d < self_nd; ++d) {
    const int64_t span = (self_shape[d] - 1) * sst[d];
    if (span < 0) lo += span; else hi += span;
  }
  int mode = reduce == kAssign ? kStore : kAtomic;
  const int64_t slots = hi - lo + 1;
  const bool deterministic = reduce == kAssign && numel > 1 && slots <= std::max(kMinSpan, kMaxSpanPerIndex * numel);
  std::optional<DeviceScratch> winner_buf;
  unsigned long long* winner = nullptr;
  if (deterministic) {
    mode = kStoreWinner;
    winner_buf.emplace(env, device, static_cast<size_t>(slots) * 8);
    winner = static_cast<unsigned long long*>(winner_buf->get());
    check(env, cudaMemsetAsync(winner, 0, static_cast<size_t>(slots) * 8, stream), "scatter: clearing slots");
    claim_kernel<<<grid, kThreads, 0, stream>>>(a, lo, winner);
    check_launch(env, "scatter: ordering duplicates");
  }
  switch (dt) {
    case DType::Float32: launch_apply<float, false>(env, a, grid, stream, mode, lo, winner); break;
    case DType::Float64: launch_apply<double, false>(env, a, grid, stream, mode, lo, winner); break;
    case DType::Int32: launch_apply<int32_t, false>(env, a, grid, stream, mode, lo, winner); break;
    case DType::Int64: launch_apply<int64_t, false>(env, a, grid, stream, mode, lo, winner); break;
    case DType::UInt8: launch_apply<uint8_t, false>(env, a, grid, stream, mode, lo, winner); break;
    case DType::Bool: launch_apply<uint8_t, true>(env, a, grid, stream, mode, lo, winner); break;
    default: fail(env, std::string("scatter: dtype ") + dtype_name(dt) + " is not supported on CUDA (the runtime computes 16-bit floats in float32)");
  }
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaScatter", CudaScatter);

}  // namespace cuda
}  // namespace tl
