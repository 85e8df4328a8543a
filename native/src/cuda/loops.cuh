// The elementwise machinery of the CUDA impls: operands resolved from JS,
// strided index arithmetic, a vectorized contiguous path and a strided
// fallback, both grid-stride loops with int64 element indices.
//
// Layouts come from tl::read_iter (core/iter.h), the same reader the CPU impls
// use, so a CUDA entry point accepts exactly the CPU meta layout. read_iter and
// make_view only do arithmetic on the base pointer, never dereference it, which
// is what makes them usable with device addresses.
#pragma once
#include <napi.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>

#include "core.h"
#include "../core/args.h"
#include "../core/dtype.h"
#include "../core/iter.h"
#include "../cpu/copy.h"

namespace tl::cuda {

constexpr int kThreads = 256;
constexpr int kWarp = 32;

// Note [CUDA dtype dispatch]: every CUDA impl picks its element type here.
// dispatch_dtype covers the six dtypes every impl handles (get_dtype refuses
// the rest, see core/dtype.h); dispatch_dtype_half adds Half and BFloat16
// (core/half.h) for the impls that take them: copy, fill, cat, where, unary,
// binary (and matmul, which dispatches itself). Their functors widen each
// 16-bit element to float, compute, and round the result back.
template <class F>
auto dispatch_dtype(DType t, F&& fn) {
  switch (t) {
    case DType::Float32: return fn(float{});
    case DType::Float64: return fn(double{});
    case DType::Int32: return fn(int32_t{});
    case DType::Int64: return fn(int64_t{});
    case DType::UInt8: return fn(uint8_t{});
    case DType::Bool: return fn(bool{});
    default: break;
  }
  return fn(float{});
}

template <class F>
auto dispatch_dtype_half(DType t, F&& fn) {
  switch (t) {
    case DType::Float16: return fn(Half{});
    case DType::BFloat16: return fn(BFloat16{});
    default: return dispatch_dtype(t, fn);
  }
}

// ---------------------------------------------------------------- host side

// A tensor argument: device memory, or host memory (device == -1), which the
// impls accept only as a broadcast 0-dim value, like PyTorch's CPU scalars.
struct Operand {
  Buffer buf;
  int device = -1;
  bool host() const { return device < 0; }
};

inline bool is_host_buffer(const Napi::Value& v) { return v.IsArrayBuffer() || v.IsTypedArray(); }

inline Operand device_operand(const Napi::Value& v, const char* what) {
  DeviceBuffer d = get_device_buffer(v, what);
  Operand o;
  o.buf = Buffer{d.data, d.bytes};
  o.device = d.device;
  return o;
}

inline Operand any_operand(const Napi::Value& v, const char* what) {
  if (!is_host_buffer(v)) return device_operand(v, what);
  Operand o;
  o.buf = get_buffer(v, what);
  return o;
}

inline std::string device_name(int device) { return device < 0 ? "cpu" : "cuda:" + std::to_string(device); }

[[noreturn]] inline void fail_devices(Napi::Env env, int a, int b) {
  fail(env, "Expected all tensors to be on the same device, but found at least two devices, " + device_name(a) +
                " and " + device_name(b) + "!");
}

// The one device of the device operands (host ones are checked where they are read).
inline int common_device(Napi::Env env, std::initializer_list<const Operand*> ops) {
  int dev = -1;
  for (const Operand* o : ops) {
    if (o->host()) continue;
    if (dev < 0) dev = o->device;
    else if (o->device != dev) fail_devices(env, dev, o->device);
  }
  if (dev < 0) fail(env, "internal: a CUDA op received no CUDA tensor");
  return dev;
}

// Grid size for a grid-stride loop over `work` items of one thread each:
// enough blocks to fill every SM, no more (the loop covers the rest).
inline unsigned blocks_for(int64_t work, int device, int threads = kThreads) {
  const int64_t full = static_cast<int64_t>(multiprocessor_count(device)) * (2048 / threads);
  int64_t b = (work + threads - 1) / threads;
  if (b > full) b = full;
  return static_cast<unsigned>(b < 1 ? 1 : b);
}

// A JS scalar (number, bigint or boolean) as the bytes of a `t` element, with
// the CPU entry points' conversion (a bigint keeps all 64 bits for int64; a
// 16-bit float rounds as a cast does, so `x * 0.1` multiplies by half(0.1)
// here as on the CPU: Note [16-bit floats] in runtime/ops/half.ts).
inline void scalar_bytes(const Napi::Value& v, DType t, unsigned char* out8) {
  double d = 0;
  // napi_get_value_bigint_int64 rejects a null `lossless`, so always pass one.
  bool lossless = false;
  if (v.IsBoolean()) d = v.As<Napi::Boolean>().Value() ? 1.0 : 0.0;
  else if (v.IsBigInt()) d = static_cast<double>(v.As<Napi::BigInt>().Int64Value(&lossless));
  else d = v.As<Napi::Number>().DoubleValue();
  std::memset(out8, 0, 8);
  dispatch_dtype_half(t, [&](auto tag) {
    using T = decltype(tag);
    T tv = convert<T>(d);
    if constexpr (std::is_same_v<T, int64_t>) {
      if (v.IsBigInt()) tv = v.As<Napi::BigInt>().Int64Value(&lossless);
    }
    std::memcpy(out8, &tv, sizeof(T));
    return 0;
  });
}

inline bool is_js_scalar(const Napi::Value& v) { return v.IsNumber() || v.IsBigInt() || v.IsBoolean(); }

// ------------------------------------------------------------ device side

// What a kernel needs of its operands (operand 0 is the output). Values of
// scalar operands travel in the kernel's parameters, so no device memory is
// touched for `x * 2`.
template <int N>
struct Operands {
  char* data[N] = {};
  unsigned scalar_mask = 0;  // operand k's value is scalar[k]
  unsigned bcast_mask = 0;   // contiguous path only: operand k is one element read from data[k]
  alignas(8) unsigned char scalar[N][8] = {};
};

// Linear index -> byte offset of each operand (only the first ndim entries
// are meaningful). Sizes under 2^31 elements take 32-bit division, which
// is several times cheaper on the GPU than 64-bit.
template <int N>
struct Indexer {
  int ndim = 0;
  bool wide = false;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims][N] = {};  // bytes; one dim's strides side by side

  __device__ __forceinline__ void offsets(int64_t i, int64_t* off) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    if (ndim == 0) return;
    if (wide) {
      for (int d = ndim - 1; d > 0; --d) {
        const int64_t q = i / shape[d];
        const int64_t r = i - q * shape[d];
#pragma unroll
        for (int k = 0; k < N; ++k) off[k] += r * strides[d][k];
        i = q;
      }
    } else {
      uint32_t j = static_cast<uint32_t>(i);
      for (int d = ndim - 1; d > 0; --d) {
        const uint32_t s = static_cast<uint32_t>(shape[d]);
        const uint32_t q = j / s;
        const int64_t r = static_cast<int64_t>(j - q * s);
#pragma unroll
        for (int k = 0; k < N; ++k) off[k] += r * strides[d][k];
        j = q;
      }
      i = j;
    }
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] += i * strides[0][k];
  }
};

template <int N, int M>
Indexer<N> make_indexer(const Iter<M>& it, int first = 0) {
  static_assert(N <= M, "indexer over more operands than the iterator has");
  Indexer<N> ix;
  ix.ndim = it.ndim;
  int64_t n = 1;
  for (int d = 0; d < it.ndim; ++d) {
    ix.shape[d] = it.shape[d];
    n *= it.shape[d];
    for (int k = 0; k < N; ++k) ix.strides[d][k] = it.strides[first + k][d];
  }
  ix.wide = n > INT32_MAX;
  return ix;
}

__device__ __forceinline__ int64_t global_thread() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t grid_threads() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// Warp shuffles for any arithmetic scalar (the intrinsics take 4- and 8-byte
// types only). Every lane of the warp must take part.
constexpr unsigned kFullMask = 0xffffffffu;

template <class T>
__device__ __forceinline__ T shfl_down(T v, int delta) {
  if constexpr (std::is_integral_v<T> && sizeof(T) < 4) {
    return static_cast<T>(__shfl_down_sync(kFullMask, static_cast<int>(v), delta));
  } else if constexpr (std::is_integral_v<T> && sizeof(T) == 8) {
    return static_cast<T>(__shfl_down_sync(kFullMask, static_cast<long long>(v), delta));
  } else {
    return __shfl_down_sync(kFullMask, v, delta);
  }
}

template <class T>
__device__ __forceinline__ T shfl_up(T v, int delta) {
  if constexpr (std::is_integral_v<T> && sizeof(T) < 4) {
    return static_cast<T>(__shfl_up_sync(kFullMask, static_cast<int>(v), delta));
  } else if constexpr (std::is_integral_v<T> && sizeof(T) == 8) {
    return static_cast<T>(__shfl_up_sync(kFullMask, static_cast<long long>(v), delta));
  } else {
    return __shfl_up_sync(kFullMask, v, delta);
  }
}

template <class T>
__device__ __forceinline__ T shfl_idx(T v, int lane) {
  if constexpr (std::is_integral_v<T> && sizeof(T) < 4) {
    return static_cast<T>(__shfl_sync(kFullMask, static_cast<int>(v), lane));
  } else if constexpr (std::is_integral_v<T> && sizeof(T) == 8) {
    return static_cast<T>(__shfl_sync(kFullMask, static_cast<long long>(v), lane));
  } else {
    return __shfl_sync(kFullMask, v, lane);
  }
}

template <class T>
__device__ __forceinline__ T scalar_value(const unsigned char* bytes) {
  T v;
  memcpy(&v, bytes, sizeof(T));
  return v;
}

template <class A, int N>
__device__ __forceinline__ A fetch(const Operands<N>& ops, int k, int64_t byte_off) {
  if ((ops.scalar_mask >> k) & 1u) return scalar_value<A>(ops.scalar[k]);
  return *reinterpret_cast<const A*>(ops.data[k] + byte_off);
}

template <class R, class... A>
struct Sig {
  static constexpr int N = 1 + static_cast<int>(sizeof...(A));
};

template <class R, class... A, class F, size_t... I>
__device__ __forceinline__ void apply_strided(Sig<R, A...>, const F& f, const Operands<Sig<R, A...>::N>& ops,
                                              const int64_t* off, std::index_sequence<I...>) {
  const R r = f(fetch<A>(ops, static_cast<int>(I) + 1, off[I + 1])...);
  *reinterpret_cast<R*>(ops.data[0] + off[0]) = r;
}

template <class F, class R, class... A>
__global__ void __launch_bounds__(kThreads)
    strided_kernel(int64_t n, Indexer<Sig<R, A...>::N> ix, Operands<Sig<R, A...>::N> ops, F f) {
  constexpr int N = Sig<R, A...>::N;
  for (int64_t i = global_thread(); i < n; i += grid_threads()) {
    int64_t off[N];
    ix.offsets(i, off);
    apply_strided(Sig<R, A...>{}, f, ops, off, std::index_sequence_for<A...>{});
  }
}

template <class T, int V>
struct alignas(sizeof(T) * V) Vec {
  T v[V];
};

// The inputs of V consecutive elements, loaded before anything is stored, so
// an output that aliases an input (in-place ops) reads the old values.
template <int V, class... A>
struct Pack;

template <int V>
struct Pack<V> {
  template <int N>
  __device__ __forceinline__ void load(const Operands<N>&, int, int64_t) {}
  template <class F, class... Got>
  __device__ __forceinline__ auto call(const F& f, int, Got... got) const {
    return f(got...);
  }
};

template <int V, class A0, class... Rest>
struct Pack<V, A0, Rest...> {
  Vec<A0, V> head;
  Pack<V, Rest...> tail;

  template <int N>
  __device__ __forceinline__ void load(const Operands<N>& ops, int k, int64_t first) {
    if (((ops.scalar_mask | ops.bcast_mask) >> k) & 1u) {
      const A0 s = fetch<A0>(ops, k, 0);
#pragma unroll
      for (int j = 0; j < V; ++j) head.v[j] = s;
    } else {
      head = *reinterpret_cast<const Vec<A0, V>*>(reinterpret_cast<const A0*>(ops.data[k]) + first);
    }
    tail.load(ops, k + 1, first);
  }
  template <class F, class... Got>
  __device__ __forceinline__ auto call(const F& f, int j, Got... got) const {
    return tail.call(f, j, got..., head.v[j]);
  }
};

template <int V, class F, class R, class... A>
__global__ void __launch_bounds__(kThreads) contig_kernel(int64_t n, Operands<Sig<R, A...>::N> ops, F f) {
  R* out = reinterpret_cast<R*>(ops.data[0]);
  const int64_t nvec = n / V;
  for (int64_t v = global_thread(); v < nvec; v += grid_threads()) {
    Pack<V, A...> in;
    in.load(ops, 1, v * V);
    Vec<R, V> r;
#pragma unroll
    for (int j = 0; j < V; ++j) r.v[j] = in.call(f, j);
    reinterpret_cast<Vec<R, V>*>(out)[v] = r;
  }
  for (int64_t i = nvec * V + global_thread(); i < n; i += grid_threads()) {
    Pack<1, A...> in;
    in.load(ops, 1, i);
    out[i] = in.call(f, 0);
  }
}

template <class T>
constexpr size_t max_size_of() { return sizeof(T); }
template <class T, class U, class... Rest>
constexpr size_t max_size_of() { return sizeof(T) > max_size_of<U, Rest...>() ? sizeof(T) : max_size_of<U, Rest...>(); }

// Runs out = f(in...) over `it` on `device`'s current stream. Operand k of
// `it` has element type (R, A...)[k]; `ops` carries the scalar operands (set
// by the caller) and receives the data pointers from `it`.
template <class R, class... A, class F>
void launch_elementwise(Napi::Env env, int device, const Iter<Sig<R, A...>::N>& it, Operands<Sig<R, A...>::N> ops,
                        const F& f, const char* what) {
  constexpr int N = Sig<R, A...>::N;
  const int64_t n = it.numel();
  if (n == 0) return;
  for (int k = 0; k < N; ++k) ops.data[k] = ((ops.scalar_mask >> k) & 1u) ? nullptr : it.data[k];
  const size_t sizes[N] = {sizeof(R), sizeof(A)...};
  constexpr int V = static_cast<int>(16 / max_size_of<R, A...>());

  // The vector path: one run (after read_iter's coalescing) where every input
  // is contiguous or a single broadcast element, and every pointer that is
  // read or written as a vector is aligned to the vector.
  bool contig = it.ndim == 0 || it.strides[0][0] == static_cast<int64_t>(sizeof(R));
  ops.bcast_mask = 0;
  for (int k = 1; k < N && contig; ++k) {
    if ((ops.scalar_mask >> k) & 1u) continue;
    const int64_t s = it.ndim == 0 ? 0 : it.strides[k][0];
    if (s == 0) ops.bcast_mask |= 1u << k;
    else if (s != static_cast<int64_t>(sizes[k])) contig = false;
  }
  if (it.ndim > 1) contig = false;
  for (int k = 0; k < N && contig; ++k) {
    if (((ops.scalar_mask | ops.bcast_mask) >> k) & 1u) continue;
    if (reinterpret_cast<uintptr_t>(ops.data[k]) % (sizes[k] * V) != 0) contig = false;
  }

  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  if (contig) {
    const int64_t work = n / V > 0 ? n / V : n;
    contig_kernel<V, F, R, A...><<<blocks_for(work, device), kThreads, 0, stream>>>(n, ops, f);
  } else {
    strided_kernel<F, R, A...><<<blocks_for(n, device), kThreads, 0, stream>>>(n, make_indexer<N>(it), ops, f);
  }
  check_launch(env, what);
}

// Host operand k (device < 0 in `devs`) of an iterator built over host
// memory becomes a kernel-parameter scalar: it must be one element broadcast
// over the whole shape (a 0-dim CPU tensor), anything else is a device mismatch.
template <int N>
void host_operands_to_scalars(Napi::Env env, const Iter<N>& it, Operands<N>& ops, const Operand* const* operands,
                              const size_t* elsizes, int device) {
  if (it.numel() == 0) return;
  for (int k = 0; k < N; ++k) {
    if (!operands[k] || !operands[k]->host() || ((ops.scalar_mask >> k) & 1u)) continue;
    for (int d = 0; d < it.ndim; ++d)
      if (it.strides[k][d] != 0) fail_devices(env, device, -1);
    std::memcpy(ops.scalar[k], it.data[k], elsizes[k]);
    ops.scalar_mask |= 1u << k;
  }
}

}  // namespace tl::cuda
