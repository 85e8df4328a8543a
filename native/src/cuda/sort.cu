// cudaSort(dtype, valuesBlock, indicesBlock, inBlock, descending, stable) -> undefined
//
//   The arguments and meta layout of ops/sort.cc (every 1-D slice along `dim`
//   is sorted; values may be the input's own memory), with CUDA block tokens.
//   Same order as the CPU: the key maps of cpu/sort.h (NaN above +inf, -0.0
//   tied with 0.0, descending = complemented key), and ties broken by the
//   original position, so the sort is stable in both directions.
//
//   Each element becomes a record (key, position): a uint64 key << 32 | pos for
//   4-byte keys, a Wide {key, pos} for 8-byte keys or rows of 2^32 elements or
//   more. Records are unique, so an unstable sorting network still gives the
//   stable order.
//   - Rows up to a tile (4096 slots, fewer when shared memory is short): one
//     fused pass, read -> bitonic sort in shared memory -> write; short rows
//     share a block (at least 1024 slots per block).
//   - Longer rows: records packed into scratch, sorted a tile at a time, then
//     merged pairwise in global memory (each element finds its place by binary
//     search in the other run), then unpacked.
//   cub's segmented sorts would also compile with our flags (header-only), but
//   they cannot read strided rows or apply our key maps without the same
//   packing passes, and they add a lot of compile time; this file needs no
//   library at all.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../cpu/sort.h"
#include "core.h"
#include "launch.cuh"

namespace tl {
namespace cuda {

using cpu::sort::Wide;

namespace {

using cpu::sort::directed;
using cpu::sort::key_of;

constexpr int kThreads = 512;
constexpr int kMaxSlots = 4096;
constexpr int kMinSlots = 1024;
constexpr int kDefaultShared = 48 * 1024;

template <class Rec>
struct RecOps;

template <>
struct RecOps<uint64_t> {
  static __device__ __forceinline__ uint64_t make(uint64_t key, int64_t i) { return (key << 32) | static_cast<uint64_t>(i); }
  static __device__ __forceinline__ int64_t index(uint64_t r) { return static_cast<int64_t>(r & 0xFFFFFFFFu); }
  static __device__ __forceinline__ uint64_t sentinel() { return ~0ull; }
  static __device__ __forceinline__ bool less(uint64_t a, uint64_t b) { return a < b; }
};

template <>
struct RecOps<Wide> {
  static __device__ __forceinline__ Wide make(uint64_t key, int64_t i) { return Wide{key, static_cast<uint64_t>(i)}; }
  static __device__ __forceinline__ int64_t index(const Wide& r) { return static_cast<int64_t>(r.index); }
  static __device__ __forceinline__ Wide sentinel() { return Wide{~0ull, ~0ull}; }
  static __device__ __forceinline__ bool less(const Wide& a, const Wide& b) { return a < b; }
};

template <class T>
__device__ __forceinline__ uint64_t sort_key(T v, bool desc) {
  return static_cast<uint64_t>(directed(key_of(v), desc));
}

// Rows of the sort: every dim but `dim`, coalesced; element strides.
struct Rows {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[3][kMaxDims];  // values, indices, input
  int64_t along[3];              // stride along the sorted dim
  int64_t rows = 1, len = 1;
  char* values = nullptr;
  int64_t* indices = nullptr;
  const char* in = nullptr;
};

__device__ __forceinline__ void row_bases(const Rows& R, int64_t r, int64_t* base) {
  base[0] = base[1] = base[2] = 0;
  for (int d = R.ndim - 1; d >= 0; --d) {
    const int64_t c = d == 0 ? r : r % R.shape[d];
    if (d > 0) r /= R.shape[d];
    for (int k = 0; k < 3; ++k) base[k] += c * R.strides[k][d];
  }
}

// Sorts `slots` records in shared memory as independent segments of S (a
// power of two). Every step ends with a barrier; with S == 1 there is none,
// and each slot is then only read by the thread that wrote it.
template <class Rec>
__device__ void bitonic(Rec* a, int slots, int S) {
  const int half = slots >> 1;
  for (int k = 2; k <= S; k <<= 1) {
    for (int j = k >> 1; j > 0; j >>= 1) {
      for (int p = threadIdx.x; p < half; p += blockDim.x) {
        const int i = ((p & ~(j - 1)) << 1) | (p & (j - 1));
        const bool up = (i & (S - 1) & k) == 0;  // each segment ends ascending
        const Rec x = a[i], y = a[i + j];
        if (RecOps<Rec>::less(y, x) == up) {
          a[i] = y;
          a[i + j] = x;
        }
      }
      __syncthreads();
    }
  }
}

// Shared memory of the fused kernel: records, row bases, values.
template <class T, class Rec>
size_t fused_bytes(int S, int rows_per_block) {
  const size_t slots = static_cast<size_t>(S) * rows_per_block;
  return slots * (sizeof(Rec) + sizeof(T)) + static_cast<size_t>(rows_per_block) * 3 * sizeof(int64_t);
}

template <class T, class Rec>
__global__ void fused_kernel(Rows R, int S, int log_s, int rows_per_block, bool desc) {
  extern __shared__ __align__(16) unsigned char smem[];
  const int slots = S * rows_per_block;
  Rec* recs = reinterpret_cast<Rec*>(smem);
  int64_t* bases = reinterpret_cast<int64_t*>(recs + slots);
  T* vals = reinterpret_cast<T*>(bases + 3 * rows_per_block);
  const T* in = reinterpret_cast<const T*>(R.in);
  T* values = reinterpret_cast<T*>(R.values);
  for (int64_t row0 = static_cast<int64_t>(blockIdx.x) * rows_per_block; row0 < R.rows;
       row0 += static_cast<int64_t>(gridDim.x) * rows_per_block) {
    for (int q = threadIdx.x; q < rows_per_block; q += blockDim.x)
      if (row0 + q < R.rows) row_bases(R, row0 + q, bases + 3 * q);
    __syncthreads();
    for (int s = threadIdx.x; s < slots; s += blockDim.x) {
      const int q = s >> log_s, j = s & (S - 1);
      if (row0 + q < R.rows && j < R.len) {
        const T v = in[bases[3 * q + 2] + j * R.along[2]];
        vals[s] = v;
        recs[s] = RecOps<Rec>::make(sort_key(v, desc), j);
      } else {
        recs[s] = RecOps<Rec>::sentinel();
      }
    }
    __syncthreads();
    bitonic(recs, slots, S);
    for (int s = threadIdx.x; s < slots; s += blockDim.x) {
      const int q = s >> log_s, j = s & (S - 1);
      if (row0 + q < R.rows && j < R.len) {
        const int64_t i = RecOps<Rec>::index(recs[s]);
        values[bases[3 * q] + j * R.along[0]] = vals[(q << log_s) + i];
        R.indices[bases[3 * q + 1] + j * R.along[1]] = i;
      }
    }
    __syncthreads();  // shared memory is refilled for the next rows
  }
}

template <class T, class Rec>
__global__ void pack_kernel(Rows R, Rec* recs, T* copy, bool desc) {
  const int64_t n = R.rows * R.len, step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t pos = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pos < n; pos += step) {
    const int64_t r = pos / R.len, j = pos - r * R.len;
    int64_t b[3];
    row_bases(R, r, b);
    const T v = reinterpret_cast<const T*>(R.in)[b[2] + j * R.along[2]];
    recs[pos] = RecOps<Rec>::make(sort_key(v, desc), j);
    if (copy != nullptr) copy[pos] = v;
  }
}

template <class T, class Rec>
__global__ void unpack_kernel(Rows R, const Rec* recs, const T* copy) {
  const int64_t n = R.rows * R.len, step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t pos = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pos < n; pos += step) {
    const int64_t r = pos / R.len, j = pos - r * R.len;
    int64_t b[3];
    row_bases(R, r, b);
    const int64_t i = RecOps<Rec>::index(recs[pos]);
    const T v = copy != nullptr ? copy[r * R.len + i] : reinterpret_cast<const T*>(R.in)[b[2] + i * R.along[2]];
    reinterpret_cast<T*>(R.values)[b[0] + j * R.along[0]] = v;
    R.indices[b[1] + j * R.along[1]] = i;
  }
}

// Sorts each tile of S records of every contiguous row in place.
template <class Rec>
__global__ void tile_kernel(Rec* recs, int64_t rows, int64_t len, int S) {
  extern __shared__ __align__(16) unsigned char smem[];
  Rec* t = reinterpret_cast<Rec*>(smem);
  const int64_t per_row = (len + S - 1) / S, tiles = rows * per_row;
  for (int64_t id = blockIdx.x; id < tiles; id += gridDim.x) {
    const int64_t r = id / per_row, c = id - r * per_row;
    Rec* base = recs + r * len + c * S;
    const int64_t left = len - c * S;
    const int n = left < S ? static_cast<int>(left) : S;
    for (int s = threadIdx.x; s < S; s += blockDim.x) t[s] = s < n ? base[s] : RecOps<Rec>::sentinel();
    __syncthreads();
    bitonic(t, S, S);
    for (int s = threadIdx.x; s < n; s += blockDim.x) base[s] = t[s];
    __syncthreads();
  }
}

// Number of records in a[0..n) below x.
template <class Rec>
__device__ __forceinline__ int64_t rank_in(const Rec* a, int64_t n, const Rec& x) {
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    const int64_t mid = lo + ((hi - lo) >> 1);
    if (RecOps<Rec>::less(a[mid], x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Merges sorted runs of w records pairwise within every row: src -> dst.
template <class Rec>
__global__ void merge_kernel(const Rec* src, Rec* dst, int64_t rows, int64_t len, int64_t w) {
  const int64_t n = rows * len, step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t pos = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pos < n; pos += step) {
    const int64_t r = pos / len, j = pos - r * len;
    const int64_t run = j / w, start = run * w;
    const Rec* row = src + r * len;
    const Rec x = src[pos];
    int64_t to;
    if ((run & 1) == 0) {
      const int64_t other = start + w, other_n = len - other < w ? len - other : w;
      to = other_n > 0 ? j + rank_in(row + other, other_n, x) : j;
    } else {
      to = (j - w) + rank_in(row + start - w, w, x);  // the left run is full
    }
    dst[r * len + to] = x;
  }
}


int shared_limit(Napi::Env env, int device) {
  int v = 0;
  check(env, cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), "sort: shared memory size");
  return std::max(v, kDefaultShared);
}

// Lets `kernel` use `bytes` of dynamic shared memory (beyond 48 KiB is opt-in).
template <class K>
void allow_shared(Napi::Env env, K kernel, size_t bytes) {
  if (bytes > static_cast<size_t>(kDefaultShared))
    check(env, cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)),
          "sort: shared memory opt-in");
}

int log2i(int s) {
  int l = 0;
  while ((1 << l) < s) ++l;
  return l;
}

template <class Rec>
int tile_slots(Napi::Env env, int device) {
  int S = kMaxSlots;
  while (S > 256 && static_cast<size_t>(S) * sizeof(Rec) > static_cast<size_t>(shared_limit(env, device))) S >>= 1;
  return S;
}

}  // namespace

// Sorts `rows` contiguous rows of `len` records (a and b: rows * len each);
// returns whichever of a, b holds the result. Shared with random.cu (randperm).
template <class Rec>
Rec* sort_records(Napi::Env env, int device, cudaStream_t stream, Rec* a, Rec* b, int64_t rows, int64_t len) {
  if (rows <= 0 || len <= 1) return a;
  const int S = tile_slots<Rec>(env, device);
  const size_t bytes = static_cast<size_t>(S) * sizeof(Rec);
  allow_shared(env, tile_kernel<Rec>, bytes);
  const int64_t tiles = rows * ((len + S - 1) / S);
  tile_kernel<Rec><<<grid_for(device, tiles, 1, 16), kThreads, bytes, stream>>>(a, rows, len, S);
  check_launch(env, "sort: tiles");
  for (int64_t w = S; w < len; w *= 2) {
    merge_kernel<Rec><<<grid_for(device, rows * len, kThreads, 16), kThreads, 0, stream>>>(a, b, rows, len, w);
    check_launch(env, "sort: merge");
    std::swap(a, b);
  }
  return a;
}

template Wide* sort_records<Wide>(Napi::Env, int, cudaStream_t, Wide*, Wide*, int64_t, int64_t);

namespace {

template <class T, class Rec>
void sort_long(Napi::Env env, int device, cudaStream_t stream, const Rows& R, bool desc, bool alias) {
  const int64_t n = R.rows * R.len;
  DeviceScratch a(env, device, static_cast<size_t>(n) * sizeof(Rec));
  DeviceScratch b(env, device, static_cast<size_t>(n) * sizeof(Rec));
  // A copy of the input only when values overwrite it before unpack reads it.
  DeviceScratch copy(env, device, alias ? static_cast<size_t>(n) * sizeof(T) : sizeof(T));
  T* cp = alias ? static_cast<T*>(copy.get()) : nullptr;
  const unsigned grid = grid_for(device, n, kThreads, 16);
  pack_kernel<T, Rec><<<grid, kThreads, 0, stream>>>(R, static_cast<Rec*>(a.get()), cp, desc);
  check_launch(env, "sort: pack");
  const Rec* sorted = sort_records<Rec>(env, device, stream, static_cast<Rec*>(a.get()), static_cast<Rec*>(b.get()),
                                        R.rows, R.len);
  unpack_kernel<T, Rec><<<grid, kThreads, 0, stream>>>(R, sorted, cp);
  check_launch(env, "sort: unpack");
}

// Largest power-of-two row the fused kernel takes on this device (0: none).
template <class T, class Rec>
int fused_slots(Napi::Env env, int device) {
  const size_t limit = static_cast<size_t>(shared_limit(env, device));
  for (int S = kMaxSlots; S >= 1; S >>= 1)
    if (fused_bytes<T, Rec>(S, std::max(1, kMinSlots / S)) <= limit) return S;
  return 0;
}

template <class T, class Rec>
bool try_fused(Napi::Env env, int device, cudaStream_t stream, const Rows& R, bool desc) {
  const int max_s = fused_slots<T, Rec>(env, device);
  if (R.len > max_s) return false;
  int S = 1;
  while (S < R.len) S <<= 1;
  const int per_block = std::max(1, kMinSlots / S);
  const size_t bytes = fused_bytes<T, Rec>(S, per_block);
  allow_shared(env, fused_kernel<T, Rec>, bytes);
  const unsigned grid = grid_for(device, R.rows, per_block, 16);
  fused_kernel<T, Rec><<<grid, kThreads, bytes, stream>>>(R, S, log2i(S), per_block, desc);
  check_launch(env, "sort");
  return true;
}

template <class T>
void run_sort(Napi::Env env, int device, const Rows& R, bool desc, bool alias) {
  cudaStream_t stream = current_stream(device);
  using Key = decltype(key_of(T{}));
  if constexpr (sizeof(Key) == 4) {
    if (try_fused<T, uint64_t>(env, device, stream, R, desc)) return;
    if (R.len <= (int64_t{1} << 32)) return sort_long<T, uint64_t>(env, device, stream, R, desc, alias);
  } else {
    if (try_fused<T, Wide>(env, device, stream, R, desc)) return;
  }
  sort_long<T, Wide>(env, device, stream, R, desc, alias);
}


Napi::Value CudaSort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) throw Napi::TypeError::New(env, "cudaSort: expected (dtype, values, indices, input, descending, stable)");
  const DType dt = get_dtype(info[0]);
  // 16-bit floats reach this impl widened to float32 (runtime/ops/half.ts); refuse them rather than misread.
  if (is_half_dtype(dt)) fail(info.Env(), "sort: float16/bfloat16 are not supported by this CUDA impl (expected float32 or wider)");
  const DeviceBuffer vals_d = get_device_buffer(info[1], "sort: values");
  const DeviceBuffer idx_d = get_device_buffer(info[2], "sort: indices");
  const DeviceBuffer in_d = get_device_buffer(info[3], "sort: input");
  same_device(env, vals_d, idx_d);
  same_device(env, vals_d, in_d);
  const bool desc = info.Length() > 4 && info[4].ToBoolean().Value();

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "sort: at most 16 dimensions are supported");
  const int ndim = static_cast<int>(ndim64);
  int64_t shape[kMaxDims], st[3][kMaxDims], off[3];
  for (int d = 0; d < ndim; ++d) shape[d] = m.i();
  const int64_t dim = m.i();
  if (dim < 0 || dim >= std::max(ndim, 1))
    fail(env, "sort(): dim " + std::to_string(dim) + " out of range for a " + std::to_string(ndim) + "-d tensor");
  for (int k = 0; k < 3; ++k) {
    off[k] = m.i();
    for (int d = 0; d < ndim; ++d) st[k][d] = m.i();
  }
  const size_t el = itemsize(dt);
  View v[3] = {
      make_view(env, Buffer{vals_d.data, vals_d.bytes}, el, ndim, shape, off[0], st[0], "sort: values"),
      make_view(env, Buffer{idx_d.data, idx_d.bytes}, sizeof(int64_t), ndim, shape, off[1], st[1], "sort: indices"),
      make_view(env, Buffer{in_d.data, in_d.bytes}, el, ndim, shape, off[2], st[2], "sort: input"),
  };
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= shape[d];
  if (numel == 0) return env.Undefined();

  Rows R;
  R.values = v[0].data;
  R.indices = reinterpret_cast<int64_t*>(v[1].data);
  R.in = v[2].data;
  R.along[0] = R.along[1] = R.along[2] = 0;
  if (ndim > 0) {
    R.len = shape[dim];
    for (int k = 0; k < 3; ++k) R.along[k] = st[k][dim];
    Iter<3> outer;
    int j = 0;
    for (int d = 0; d < ndim; ++d) {
      if (d == dim) continue;
      outer.shape[j] = shape[d];
      for (int k = 0; k < 3; ++k) outer.strides[k][j] = st[k][d];  // elements: coalescing is unit-free
      ++j;
    }
    outer.ndim = j;
    outer.coalesce();
    R.ndim = outer.ndim;
    for (int d = 0; d < outer.ndim; ++d) {
      R.shape[d] = outer.shape[d];
      for (int k = 0; k < 3; ++k) R.strides[k][d] = outer.strides[k][d];
    }
    R.rows = numel / R.len;
  }

  DeviceGuard guard(vals_d.device);
  const bool alias = vals_d.data == in_d.data;
  auto go = [&](auto tag) { run_sort<decltype(tag)>(env, vals_d.device, R, desc, alias); };
  if (dt == DType::Bool) go(uint8_t{});  // 0/1 bytes sort as integers
  else dispatch_numeric(dt, go);
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaSort", CudaSort);

}  // namespace cuda
}  // namespace tl
