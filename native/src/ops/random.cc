// random(kind, dtype, outBuf, seed, offset, a, b) -> words consumed (JS number)
//
//   meta (elements): [numel, outOffset]; out is contiguous.
//   seed: JS number (integer up to 2^53) or BigInt (uint64), the Philox key.
//   offset: JS number or BigInt, the position in the stream of 32-bit words
//   where this call starts. Element i of the call reads words from
//   offset + i * W on (W below), so results depend only on (seed, offset, i):
//   never on the thread count. The return value is the number of words used;
//   the caller adds it to its offset.
//
//   kind 0 uniform [a, b)        float32 (W = 1) / float64 (W = 2)
//   kind 1 normal mean a, std b  float32 / float64, Box-Muller: elements 2p and
//                                2p+1 share words [2pW, 2pW + 2W); an odd numel
//                                still uses the whole last pair. float32 uses
//                                vectorized float polynomials for log/sin/cos
//                                (about 1 ulp), float64 uses libm
//   kind 2 integers in [a, b)    any dtype (W = 2: 64 random bits per value);
//                                a, b are integers (numbers or BigInts) with a < b
//   kind 3 randperm              a permutation of 0..numel-1 (int64, or any
//                                dtype that holds the values): the positions
//                                sorted by a 64-bit random key each (W = 2)
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <new>
#include <string>
#include <vector>

#include "../core/alloc.h"
#include "../core/scratch.h"
#include "../core/args.h"
#include "../core/registry.h"
#include "../core/threadpool.h"
#include "../cpu/random.h"

namespace tl {
namespace {

using namespace cpu::random;

enum Kind { kUniform = 0, kNormal = 1, kInteger = 2, kRandperm = 3 };

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

template <class T>
T from_int(int64_t v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0;
  else return static_cast<T>(v);
}

struct Keyed {
  uint64_t key;
  int64_t index;
};

// Stable LSD radix sort by key (records start in index order, so equal keys
// stay in index order). Returns the buffer that holds the result.
Keyed* radix_sort_keys(Keyed* a, Keyed* tmp, int64_t n) {
  std::vector<int64_t> count(8 * 256, 0);
  for (int64_t i = 0; i < n; ++i)
    for (int p = 0; p < 8; ++p) ++count[p * 256 + ((a[i].key >> (8 * p)) & 0xFF)];
  for (int p = 0; p < 8; ++p) {
    int64_t* c = count.data() + p * 256;
    if (c[(a[0].key >> (8 * p)) & 0xFF] == n) continue;
    int64_t sum = 0;
    for (int d = 0; d < 256; ++d) {
      const int64_t k = c[d];
      c[d] = sum;
      sum += k;
    }
    for (int64_t i = 0; i < n; ++i) tmp[c[(a[i].key >> (8 * p)) & 0xFF]++] = a[i];
    std::swap(a, tmp);
  }
  return a;
}

template <class F>
void parallel_elements(int64_t n, F body) {
  parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) { body(b, e); });
}

Napi::Value Random(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "random: kind must be a number");
  const int kind = info[0].As<Napi::Number>().Int32Value();
  if (kind < kUniform || kind > kRandperm) fail(env, "random: unknown kind " + std::to_string(kind));
  const DType dt = get_dtype(info[1]);
  Buffer out_buf = get_buffer(info[2], "random: out");
  const uint64_t seed = u64_arg(info, 3, "seed");
  const uint64_t offset = u64_arg(info, 4, "offset");

  MetaReader m(env);
  const int64_t numel = m.i();
  const int64_t out_off = m.i();
  const int64_t unit = 1;
  View v = make_view(env, out_buf, itemsize(dt), 1, &numel, out_off, &unit, "random: out");
  char* out = v.data;

  if ((kind == kUniform || kind == kNormal) && !is_floating(dt))
    fail(env, std::string(kind == kUniform ? "uniform_" : "normal_") + "(): expected a floating point dtype, got " +
                  dtype_name(dt));
  if (numel == 0) return Napi::Number::New(env, 0);

  if (kind == kUniform) {
    const double a = num_arg(info, 5), b = num_arg(info, 6);
    if (!(a <= b)) fail(env, "uniform_ expects to return a [from, to) range, but found from=" + std::to_string(a) +
                                 " > to=" + std::to_string(b));
    const bool f32 = dt == DType::Float32;
    const int64_t w = f32 ? 1 : 2;
    dispatch_floating(dt, [&](auto tag) {
      using T = decltype(tag);
      T* o = reinterpret_cast<T*>(out);
      const T ta = static_cast<T>(a), tb = static_cast<T>(b);
      const T span = tb - ta, below_b = tb > ta ? std::nextafter(tb, ta) : tb;
      parallel_elements(numel, [&](int64_t s, int64_t e) {
        constexpr int64_t kTile = 512;
        uint32_t words[2 * kTile];
        for (int64_t i0 = s; i0 < e; i0 += kTile) {
          const int64_t n = std::min(kTile, e - i0);
          fill_words(seed, offset + static_cast<uint64_t>(i0 * w), n * w, words);
          T* oi = o + i0;
          if constexpr (std::is_same_v<T, float>) {
#pragma omp simd
            for (int64_t j = 0; j < n; ++j) oi[j] = scale_uniform<T>(unit_float(words[j]), ta, span, tb, below_b);
          } else {
#pragma omp simd
            for (int64_t j = 0; j < n; ++j) {
              const uint64_t bits = (static_cast<uint64_t>(words[2 * j + 1]) << 32) | words[2 * j];
              oi[j] = scale_uniform<T>(unit_double(bits), ta, span, tb, below_b);
            }
          }
        }
      });
    });
    return Napi::Number::New(env, static_cast<double>(w * numel));
  }

  if (kind == kNormal) {
    const double mean = num_arg(info, 5), std = num_arg(info, 6);
    if (!(std >= 0)) fail(env, "normal expects std >= 0.0, but found std " + std::to_string(std));
    const int64_t pairs = (numel + 1) / 2;
    const bool f32 = dt == DType::Float32;
    const int64_t w = f32 ? 1 : 2;
    if (f32) {
      float* o = reinterpret_cast<float*>(out);
      const float fm = static_cast<float>(mean), fs = static_cast<float>(std);
      parallel_elements(pairs, [&](int64_t s, int64_t e) {
        Stream st(seed);
        constexpr int kTile = 256;
        float u1[kTile], u2[kTile], r2[kTile], c[kTile], sn[kTile];
        for (int64_t p0 = s; p0 < e; p0 += kTile) {
          const int n = static_cast<int>(std::min<int64_t>(kTile, e - p0));
          for (int j = 0; j < n; ++j) {
            const uint64_t pos = offset + 2 * (p0 + j);
            u1[j] = unit_open_float(st.word(pos));
            u2[j] = unit_float(st.word(pos + 1));
          }
#pragma omp simd
          for (int j = 0; j < n; ++j) box_muller_parts(u1[j], u2[j], r2[j], c[j], sn[j]);
          for (int j = 0; j < n; ++j) {
            const float r = std::sqrt(r2[j]);
            const int64_t i = 2 * (p0 + j);
            o[i] = fm + fs * (r * c[j]);
            if (i + 1 < numel) o[i + 1] = fm + fs * (r * sn[j]);
          }
        }
      });
    } else {
      double* o = reinterpret_cast<double*>(out);
      parallel_elements(pairs, [&](int64_t s, int64_t e) {
        Stream st(seed);
        for (int64_t p = s; p < e; ++p) {
          const uint64_t pos = offset + 4 * p;
          double z0, z1;
          box_muller(unit_open_double(st.word64(pos)), unit_double(st.word64(pos + 2)), z0, z1);
          const int64_t i = 2 * p;
          o[i] = mean + std * z0;
          if (i + 1 < numel) o[i + 1] = mean + std * z1;
        }
      });
    }
    return Napi::Number::New(env, static_cast<double>(pairs * 2 * w));
  }

  if (kind == kInteger) {
    int64_t lo = 0, hi = 0;
    if (!int_arg(info, 5, lo) || !int_arg(info, 6, hi))
      fail(env, "random_(): from and to must be integers within int64");
    if (!(lo < hi))
      fail(env, "random_ expects 'from' to be less than 'to', but got from=" + std::to_string(lo) +
                    " >= to=" + std::to_string(hi));
    const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    dispatch_all(dt, [&](auto tag) {
      using T = decltype(tag);
      // bool is written as its 0/1 byte
      using S = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
      S* o = reinterpret_cast<S*>(out);
      parallel_elements(numel, [&](int64_t s, int64_t e) {
        Stream st(seed);
        for (int64_t i = s; i < e; ++i)
          o[i] = static_cast<S>(from_int<T>(bounded_int(st.word64(offset + 2 * i), lo, range)));
      });
    });
    return Napi::Number::New(env, static_cast<double>(2 * numel));
  }

  // randperm: sort positions by (random key, position).
  if (dt == DType::Bool || (dt == DType::UInt8 && numel > 256) ||
      (dt == DType::Float32 && numel > (int64_t{1} << 24)) || (dt == DType::Int32 && numel > 0x7FFFFFFFLL))
    fail(env, std::string("randperm(): ") + dtype_name(dt) + " cannot hold the values 0.." + std::to_string(numel - 1));
  Scratch<Keyed> keys_buf, tmp_buf;
  Keyed* keys = nullptr;
  Keyed* tmp = nullptr;
  try {
    keys = keys_buf.get(static_cast<size_t>(numel));
    tmp = tmp_buf.get(static_cast<size_t>(numel));
  } catch (const std::bad_alloc&) {
    fail(env, "randperm(): out of memory");
  }
  parallel_elements(numel, [&](int64_t s, int64_t e) {
    Stream st(seed);
    for (int64_t i = s; i < e; ++i) keys[i] = Keyed{st.word64(offset + 2 * i), i};
  });
  const Keyed* sorted = radix_sort_keys(keys, tmp, numel);
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    using S = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    S* o = reinterpret_cast<S*>(out);
    for (int64_t j = 0; j < numel; ++j) o[j] = static_cast<S>(sorted[j].index);
  });
  return Napi::Number::New(env, static_cast<double>(2 * numel));
}

}  // namespace

TL_EXPORT("random", Random);

}  // namespace tl
