// Element math for full and partial reductions (sum, prod, max, min, argmax,
// argmin). Everything here is plain loops over raw pointers so the same code can
// later be compiled for a device; threading and layout live in ops/reduce.cc.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#include "copy.h"

#if defined(__AVX2__) && !defined(__CUDACC__)
#include <immintrin.h>
#endif

#include "../core/hd.h"

namespace tl {
namespace cpu {
namespace reduce {

// Independent accumulators per block: 128 bytes of them (four AVX2 registers)
// give the vectorizer a dependency-free body wide enough to hide add latency
// and keep rounding error from growing linearly. More lanes than fit in
// registers make the compiler keep them in memory, which is far slower.
// float32 sums get 64 lanes (eight AVX2 registers in sum_block_f32_avx2):
// with four, the adds' latency, not memory, bounded a contiguous sum.
template <class Acc>
constexpr int lanes_for() {
  if constexpr (std::is_same_v<Acc, float>) return 64;
  return static_cast<int>(128 / sizeof(Acc)) < 64 ? static_cast<int>(128 / sizeof(Acc)) : 64;
}
// Elements folded into lanes before the partial result enters the pairwise
// cascade. Block boundaries sit at fixed linear positions, so a result never
// depends on how the work was split across threads.
constexpr int64_t kBlock = 4096;

// Element conversion is tl::convert (cpu/copy.h), shared with casts.
using ::tl::convert;

// Integer sums and products wrap like PyTorch's two's-complement arithmetic;
// going through uint64 keeps that out of signed-overflow UB.
template <class Acc>
TL_HD Acc add(Acc a, Acc b) {
  if constexpr (std::is_integral_v<Acc>)
    return static_cast<Acc>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  else
    return a + b;
}
template <class Acc>
TL_HD Acc mul(Acc a, Acc b) {
  if constexpr (std::is_integral_v<Acc>)
    return static_cast<Acc>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else
    return a * b;
}

template <class Acc>
struct Sum {
  using acc_t = Acc;
  static TL_HD Acc identity() { return Acc(0); }
  template <class In>
  static TL_HD Acc step(Acc a, In x) { return add(a, convert<Acc>(x)); }
  static TL_HD Acc combine(Acc a, Acc b) { return add(a, b); }
};

template <class Acc>
struct Prod {
  using acc_t = Acc;
  static TL_HD Acc identity() { return Acc(1); }
  template <class In>
  static TL_HD Acc step(Acc a, In x) { return mul(a, convert<Acc>(x)); }
  static TL_HD Acc combine(Acc a, Acc b) { return mul(a, b); }
};

template <class T>
TL_HD T lowest_value() {
  if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::lowest();
}
template <class T>
TL_HD T highest_value() {
  if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::max();
}

// NaN is sticky: once the accumulator is NaN no comparison replaces it, and a
// NaN input always replaces a number (x != x is false for integers).
template <class T>
struct Max {
  using acc_t = T;
  static TL_HD T identity() { return lowest_value<T>(); }
  static TL_HD T step(T a, T x) { return (x > a || x != x) ? x : a; }
  static TL_HD T combine(T a, T b) { return step(a, b); }
};

template <class T>
struct Min {
  using acc_t = T;
  static TL_HD T identity() { return highest_value<T>(); }
  static TL_HD T step(T a, T x) { return (x < a || x != x) ? x : a; }
  static TL_HD T combine(T a, T b) { return step(a, b); }
};

// Folds lanes pairwise (j with j + W/2). Constant trip counts keep the lanes
// in vector registers: a variable lane index anywhere in reduce_block makes the
// compiler keep them in memory, and the loop then runs at store-forwarding speed.
template <class Op, int W>
TL_HD typename Op::acc_t fold_lanes(typename Op::acc_t* lane) {
  if constexpr (W == 1) {
    return lane[0];
  } else {
#pragma omp simd
    for (int j = 0; j < W / 2; ++j) lane[j] = Op::combine(lane[j], lane[j + W / 2]);
    return fold_lanes<Op, W / 2>(lane);
  }
}

#if defined(__AVX2__) && !defined(__CUDACC__)
// Contiguous float32 sums with the lanes pinned in eight AVX2 registers. Same
// lane assignment and the same folding tree as the generic loop below (lane j
// holds elements i with i % 64 == j; fold j with j + 32, then + 16, + 8, + 4,
// + 2, + 1), so results are bit-identical to it; only the speed differs.
inline float sum_block_f32_avx2(const float* p, int64_t n) {
  __m256 a[8];
  for (auto& r : a) r = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int k = 0; k < 8; ++k) a[k] = _mm256_add_ps(a[k], _mm256_loadu_ps(p + i + 8 * k));
  for (int k = 0; k < 4; ++k) a[k] = _mm256_add_ps(a[k], a[k + 4]);  // j + 32
  for (int k = 0; k < 2; ++k) a[k] = _mm256_add_ps(a[k], a[k + 2]);  // j + 16
  __m256 c = _mm256_add_ps(a[0], a[1]);                              // j + 8
  __m128 d = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));  // j + 4
  __m128 e = _mm_add_ps(d, _mm_movehl_ps(d, d));                     // j + 2
  __m128 f = _mm_add_ss(e, _mm_shuffle_ps(e, e, 1));                 // j + 1
  float acc = _mm_cvtss_f32(f);
  for (; i < n; ++i) acc += p[i];
  return acc;
}
#endif

// Reduces n <= kBlock elements p[0], p[stride], ... Element i goes to lane
// i % kLanes, the lanes are folded as a tree and the last n % kLanes elements
// are added in order, so the arithmetic (and the rounding) is the same for any
// stride.
template <class Op, class In>
TL_HD typename Op::acc_t reduce_block(const In* p, int64_t stride, int64_t n) {
  using Acc = typename Op::acc_t;
#if defined(__AVX2__) && !defined(__CUDACC__)
  if constexpr (std::is_same_v<Op, Sum<float>> && std::is_same_v<In, float>) {
    static_assert(lanes_for<float>() == 64, "the AVX2 path assumes 64 float lanes");
    if (stride == 1) return sum_block_f32_avx2(p, n);
  }
#endif
  constexpr int kLanes = lanes_for<Acc>();
  Acc lane[kLanes];
  for (int j = 0; j < kLanes; ++j) lane[j] = Op::identity();
  int64_t i = 0;
  if (stride == 1) {
    for (; i + kLanes <= n; i += kLanes) {
      const In* q = p + i;
#pragma omp simd
      for (int j = 0; j < kLanes; ++j) lane[j] = Op::step(lane[j], q[j]);
    }
  } else {
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) lane[j] = Op::step(lane[j], p[(i + j) * stride]);
  }
  Acc acc = fold_lanes<Op, kLanes>(lane);
  for (; i < n; ++i) acc = Op::step(acc, p[i * stride]);
  return acc;
}

// Pairwise combination of block results as they stream in (a binary counter):
// level l holds the combination of 2^l consecutive blocks, so the error of a
// float sum grows with log(number of blocks), as in PyTorch's cascade sum.
template <class Op>
struct Cascade {
  using Acc = typename Op::acc_t;
  Acc level[64];
  uint64_t mask = 0;

  TL_HD void push(Acc v) {
    int l = 0;
    while (mask & (uint64_t{1} << l)) {
      v = Op::combine(level[l], v);  // level[l] holds the earlier elements
      mask &= ~(uint64_t{1} << l);
      ++l;
    }
    level[l] = v;
    mask |= uint64_t{1} << l;
  }

  TL_HD Acc result() const {
    Acc r = Op::identity();
    bool any = false;
    for (int l = 0; l < 64; ++l) {
      if (!(mask & (uint64_t{1} << l))) continue;
      r = any ? Op::combine(level[l], r) : level[l];
      any = true;
    }
    return r;
  }
};

// Reduces a stream of strided runs (the inner region in row-major order),
// cutting it into kBlock-element blocks at fixed positions of the stream.
template <class Op, class In>
struct StreamReducer {
  using Acc = typename Op::acc_t;
  Cascade<Op> cascade;
  Acc pending = Op::identity();
  int64_t pending_n = 0;

  TL_HD void run(const In* p, int64_t stride, int64_t n) {
    while (n > 0) {
      int64_t c = n < kBlock - pending_n ? n : kBlock - pending_n;
      Acc part = reduce_block<Op>(p, stride, c);
      pending = pending_n ? Op::combine(pending, part) : part;
      pending_n += c;
      p += c * stride;
      n -= c;
      if (pending_n == kBlock) {
        cascade.push(pending);
        pending_n = 0;
      }
    }
  }

  TL_HD Acc result() {
    if (pending_n) {
      cascade.push(pending);
      pending_n = 0;
    }
    return cascade.result();
  }
};

// One row of a column reduction: acc[t] folds in row[t] for t < n. The tile of
// accumulators is contiguous, so this vectorizes across output columns.
template <class Op, class In>
TL_HD void step_row(typename Op::acc_t* acc, const In* row, int64_t n) {
#pragma omp simd
  for (int64_t t = 0; t < n; ++t) acc[t] = Op::step(acc[t], row[t]);
}

template <class Op>
TL_HD void combine_rows(typename Op::acc_t* into, const typename Op::acc_t* later, int64_t n) {
#pragma omp simd
  for (int64_t t = 0; t < n; ++t) into[t] = Op::combine(into[t], later[t]);
}

// argmax / argmin. NaN wins over every number and the first occurrence wins
// among equals, as in PyTorch.
template <class T, bool IsMax>
TL_HD bool arg_better(T x, T best) {
  if (x != x) return best == best;  // first NaN only
  if constexpr (IsMax) return x > best;
  else return x < best;
}

template <class T>
struct ArgState {
  T value;
  int64_t index;  // -1: nothing seen yet
};

template <class T, bool IsMax>
TL_HD void arg_run(ArgState<T>& s, const T* p, int64_t stride, int64_t n, int64_t first_index) {
  int64_t i = 0;
  if (s.index < 0 && n > 0) {
    s.value = p[0];
    s.index = first_index;
    i = 1;
  }
  T best = s.value;
  int64_t bi = s.index;
  if (stride == 1) {
    // Most blocks cannot beat the best so far: find each block's extreme with
    // the vectorized reduction and only rescan the rare block that wins.
    using Ext = std::conditional_t<IsMax, Max<T>, Min<T>>;
    while (i < n) {
      const int64_t c = n - i < kBlock ? n - i : kBlock;
      const T m = reduce_block<Ext>(p + i, 1, c);
      if (arg_better<T, IsMax>(m, best)) {
        const bool want_nan = m != m;
        int64_t j = 0;
        while (want_nan ? p[i + j] == p[i + j] : p[i + j] != m) ++j;
        best = p[i + j];
        bi = first_index + i + j;
      }
      i += c;
    }
  } else {
    for (; i < n; ++i)
      if (arg_better<T, IsMax>(p[i * stride], best)) {
        best = p[i * stride];
        bi = first_index + i;
      }
  }
  s.value = best;
  s.index = bi;
}

// `later` covers positions after `earlier`'s, so ties keep `earlier`.
template <class T, bool IsMax>
TL_HD ArgState<T> arg_combine(ArgState<T> earlier, ArgState<T> later) {
  if (earlier.index < 0) return later;
  if (later.index < 0) return earlier;
  return arg_better<T, IsMax>(later.value, earlier.value) ? later : earlier;
}

}  // namespace reduce
}  // namespace cpu
}  // namespace tl
