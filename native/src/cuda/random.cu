// cudaRandom(kind, dtype, outBlock, seed, offset, a, b) -> words consumed (JS number)
//
//   The arguments, meta layout ([numel, outOffset], out contiguous), kinds,
//   errors and return value of ops/random.cc: element i of a call reads the
//   32-bit words from offset + i * W of the Philox4x32-10 stream keyed by seed
//   (cpu/random.h), and the return value is the number of words used, which
//   the caller adds to its generator's offset. Same seed and offset give the
//   same bits as the CPU for uniform, integers and randperm; normals use the
//   same formulas (float32: the shared polynomials; float64: the device's
//   log/sin/cos), so they agree to rounding (FMA contraction may differ).
//
//   One thread per Philox block of 4 words: it computes the block once and
//   emits every element whose first word lies in it (an element that spills
//   into the next block computes that one too, through Stream's cache).
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "../core/args.h"
#include "../core/registry.h"
#include "../cpu/random.h"
#include "../cpu/sort.h"
#include "core.h"

namespace tl {
namespace cuda {

// Defined in sort.cu: sorts contiguous rows of records, returns a or b.
template <class Rec>
Rec* sort_records(Napi::Env env, int device, cudaStream_t stream, Rec* a, Rec* b, int64_t rows, int64_t len);

namespace {

using namespace cpu::random;
using cpu::sort::Wide;

enum Kind { kUniform = 0, kNormal = 1, kInteger = 2, kRandperm = 3 };
constexpr int kThreads = 256;

// Units (elements, or normal pairs) of W words from `offset` on.
struct Span {
  uint64_t seed, offset;
  int64_t units;
  uint64_t w;
  uint64_t first_block, blocks;
};

template <class F>
__global__ void philox_kernel(Span s, F f) {
  const uint64_t step = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t b = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; b < s.blocks; b += step) {
    const uint64_t c = s.first_block + b;
    const uint64_t lo = 4 * c > s.offset ? 4 * c : s.offset;
    const uint64_t u0 = (lo - s.offset + s.w - 1) / s.w;
    uint64_t u1 = (4 * c + 4 - s.offset + s.w - 1) / s.w;
    if (u1 > static_cast<uint64_t>(s.units)) u1 = static_cast<uint64_t>(s.units);
    Stream st(s.seed);
    for (uint64_t u = u0; u < u1; ++u) f(st, s.offset + u * s.w, static_cast<int64_t>(u));
  }
}

template <class T>
struct Uniform {
  T* out;
  T a, span, b, below_b;
  __device__ void operator()(Stream& st, uint64_t pos, int64_t i) const {
    if constexpr (std::is_same_v<T, float>) out[i] = scale_uniform<T>(unit_float(st.word(pos)), a, span, b, below_b);
    else out[i] = scale_uniform<T>(unit_double(st.word64(pos)), a, span, b, below_b);
  }
};

struct NormalF32 {
  float* out;
  int64_t numel;
  float mean, sd;
  __device__ void operator()(Stream& st, uint64_t pos, int64_t p) const {
    float r2, c, s;
    box_muller_parts(unit_open_float(st.word(pos)), unit_float(st.word(pos + 1)), r2, c, s);
    const float r = sqrtf(r2);
    const int64_t i = 2 * p;
    out[i] = mean + sd * (r * c);
    if (i + 1 < numel) out[i + 1] = mean + sd * (r * s);
  }
};

struct NormalF64 {
  double* out;
  int64_t numel;
  double mean, sd;
  __device__ void operator()(Stream& st, uint64_t pos, int64_t p) const {
    double z0, z1;
    box_muller(unit_open_double(st.word64(pos)), unit_double(st.word64(pos + 2)), z0, z1);
    const int64_t i = 2 * p;
    out[i] = mean + sd * z0;
    if (i + 1 < numel) out[i + 1] = mean + sd * z1;
  }
};

// S: the stored type (bool as its 0/1 byte).
template <class T>
struct Integers {
  using S = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  S* out;
  int64_t lo;
  uint64_t range;
  __device__ void operator()(Stream& st, uint64_t pos, int64_t i) const {
    const int64_t v = bounded_int(st.word64(pos), lo, range);
    if constexpr (std::is_same_v<T, bool>) out[i] = v != 0 ? 1 : 0;
    else out[i] = static_cast<S>(v);
  }
};

struct PermKeys {
  Wide* recs;
  __device__ void operator()(Stream& st, uint64_t pos, int64_t i) const {
    recs[i] = Wide{st.word64(pos), static_cast<uint64_t>(i)};
  }
};

template <class S>
__global__ void perm_write_kernel(const Wide* sorted, int64_t n, S* out) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < n; j += step)
    out[j] = static_cast<S>(sorted[j].index);
}

unsigned grid_for(int device, uint64_t work) {
  const uint64_t want = (work + kThreads - 1) / kThreads;
  const uint64_t cap = static_cast<uint64_t>(std::max(1, multiprocessor_count(device))) * 32;
  return static_cast<unsigned>(want < 1 ? 1 : (want < cap ? want : cap));
}

template <class F>
void launch(Napi::Env env, int device, cudaStream_t stream, uint64_t seed, uint64_t offset, int64_t units, uint64_t w,
            F f) {
  Span s{seed, offset, units, w, 0, 0};
  const uint64_t words = static_cast<uint64_t>(units) * w;
  if (offset > ~uint64_t{0} - words) fail(env, "random: the generator offset would wrap past 2^64 words");
  s.first_block = offset >> 2;
  s.blocks = ((offset + words - 1) >> 2) - s.first_block + 1;
  philox_kernel<F><<<grid_for(device, s.blocks), kThreads, 0, stream>>>(s, f);
  check_launch(env, "random");
}

// Argument readers with the CPU entry point's rules and messages.
uint64_t u64_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() > i && info[i].IsBigInt()) {
    bool lossless = true;
    return info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  }
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("random: ") + what + " must be a number or BigInt");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 18446744073709551615.0 || d != std::floor(d))
    fail(info.Env(), std::string("random: ") + what + " must be a non-negative integer");
  return static_cast<uint64_t>(d);
}

double num_arg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() > i && info[i].IsNumber()) return info[i].As<Napi::Number>().DoubleValue();
  if (info.Length() > i && info[i].IsBigInt()) {
    bool lossless = true;
    return static_cast<double>(info[i].As<Napi::BigInt>().Int64Value(&lossless));
  }
  return 0;
}

bool int_arg(const Napi::CallbackInfo& info, size_t i, int64_t& out) {
  if (info.Length() > i && info[i].IsBigInt()) {
    bool lossless = true;
    out = info[i].As<Napi::BigInt>().Int64Value(&lossless);
    return lossless;
  }
  if (info.Length() <= i || !info[i].IsNumber()) return false;
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d == std::floor(d)) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) return false;
  out = static_cast<int64_t>(d);
  return true;
}

Napi::Value CudaRandom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "random: kind must be a number");
  const int kind = info[0].As<Napi::Number>().Int32Value();
  if (kind < kUniform || kind > kRandperm) fail(env, "random: unknown kind " + std::to_string(kind));
  if (info.Length() < 3) throw Napi::TypeError::New(env, "cudaRandom: expected (kind, dtype, out, seed, offset, a, b)");
  const DType dt = get_dtype(info[1]);
  // 16-bit floats reach this impl widened to float32 (runtime/ops/half.ts); refuse them rather than misread.
  if (is_half_dtype(dt)) fail(info.Env(), "random: float16/bfloat16 are not supported by this CUDA impl (expected float32 or wider)");
  const DeviceBuffer out_d = get_device_buffer(info[2], "random: out");
  const uint64_t seed = u64_arg(info, 3, "seed");
  const uint64_t offset = u64_arg(info, 4, "offset");

  MetaReader m(env);
  const int64_t numel = m.i();
  const int64_t out_off = m.i();
  const int64_t unit = 1;
  View v = make_view(env, Buffer{out_d.data, out_d.bytes}, itemsize(dt), 1, &numel, out_off, &unit, "random: out");
  char* out = v.data;

  if ((kind == kUniform || kind == kNormal) && !is_floating(dt))
    fail(env, std::string(kind == kUniform ? "uniform_" : "normal_") + "(): expected a floating point dtype, got " +
                  dtype_name(dt));
  if (numel == 0) return Napi::Number::New(env, 0);
  const int device = out_d.device;

  if (kind == kUniform) {
    const double a = num_arg(info, 5), b = num_arg(info, 6);
    if (!(a <= b)) fail(env, "uniform_ expects to return a [from, to) range, but found from=" + std::to_string(a) +
                                 " > to=" + std::to_string(b));
    const int64_t w = dt == DType::Float32 ? 1 : 2;
    DeviceGuard guard(device);
    cudaStream_t stream = current_stream(device);
    dispatch_floating(dt, [&](auto tag) {
      using T = decltype(tag);
      const T ta = static_cast<T>(a), tb = static_cast<T>(b);
      const Uniform<T> f{reinterpret_cast<T*>(out), ta, tb - ta, tb, tb > ta ? std::nextafter(tb, ta) : tb};
      launch(env, device, stream, seed, offset, numel, w, f);
    });
    return Napi::Number::New(env, static_cast<double>(w * numel));
  }

  if (kind == kNormal) {
    const double mean = num_arg(info, 5), sd = num_arg(info, 6);
    if (!(sd >= 0)) fail(env, "normal expects std >= 0.0, but found std " + std::to_string(sd));
    const int64_t pairs = (numel + 1) / 2;
    const int64_t w = dt == DType::Float32 ? 1 : 2;
    DeviceGuard guard(device);
    cudaStream_t stream = current_stream(device);
    if (dt == DType::Float32)
      launch(env, device, stream, seed, offset, pairs, 2,
             NormalF32{reinterpret_cast<float*>(out), numel, static_cast<float>(mean), static_cast<float>(sd)});
    else
      launch(env, device, stream, seed, offset, pairs, 4, NormalF64{reinterpret_cast<double*>(out), numel, mean, sd});
    return Napi::Number::New(env, static_cast<double>(pairs * 2 * w));
  }

  if (kind == kInteger) {
    int64_t lo = 0, hi = 0;
    if (!int_arg(info, 5, lo) || !int_arg(info, 6, hi)) fail(env, "random_(): from and to must be integers within int64");
    if (!(lo < hi))
      fail(env, "random_ expects 'from' to be less than 'to', but got from=" + std::to_string(lo) +
                    " >= to=" + std::to_string(hi));
    const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    DeviceGuard guard(device);
    cudaStream_t stream = current_stream(device);
    dispatch_all(dt, [&](auto tag) {
      using T = decltype(tag);
      using S = typename Integers<T>::S;
      launch(env, device, stream, seed, offset, numel, 2, Integers<T>{reinterpret_cast<S*>(out), lo, range});
    });
    return Napi::Number::New(env, static_cast<double>(2 * numel));
  }

  // randperm: positions sorted by (random key, position), as on the CPU.
  if (dt == DType::Bool || (dt == DType::UInt8 && numel > 256) ||
      (dt == DType::Float32 && numel > (int64_t{1} << 24)) || (dt == DType::Int32 && numel > 0x7FFFFFFFLL))
    fail(env, std::string("randperm(): ") + dtype_name(dt) + " cannot hold the values 0.." + std::to_string(numel - 1));
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  DeviceScratch a(env, device, static_cast<size_t>(numel) * sizeof(Wide));
  DeviceScratch b(env, device, static_cast<size_t>(numel) * sizeof(Wide));
  launch(env, device, stream, seed, offset, numel, 2, PermKeys{static_cast<Wide*>(a.get())});
  const Wide* sorted =
      sort_records<Wide>(env, device, stream, static_cast<Wide*>(a.get()), static_cast<Wide*>(b.get()), 1, numel);
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    using S = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    perm_write_kernel<S><<<grid_for(device, static_cast<uint64_t>(numel)), kThreads, 0, stream>>>(
        sorted, numel, reinterpret_cast<S*>(out));
    check_launch(env, "randperm");
  });
  return Napi::Number::New(env, static_cast<double>(2 * numel));
}

}  // namespace

TL_EXPORT("cudaRandom", CudaRandom);

}  // namespace cuda
}  // namespace tl
