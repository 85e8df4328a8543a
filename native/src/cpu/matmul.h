// Element math for matmul: a cache-blocked GEMM (BLIS-style packing plus a
// register-blocked micro-kernel written as plain loops the compiler vectorizes
// with AVX2/FMA), a direct loop for small products, and the integer/bool loops.
// Everything takes raw pointers, element strides and caller-owned scratch.
#pragma once
#include <cstdint>
#include <type_traits>

#include "../core/hd.h"

#if defined(__AVX2__) && !defined(__CUDACC__)
#include <immintrin.h>
#endif

namespace tl {
namespace cpu {
namespace matmul {

// Micro-tile: MR rows x NR columns of C held in registers (float: 6 x 16 = 12
// ymm accumulators; double: 6 x 8). Block sizes: KC x NR panels of B stay in
// L1, MC x KC of A in L2, KC x NC of B in L3.
template <class T>
struct Blocking;
template <>
struct Blocking<float> {
  static constexpr int MR = 6, NR = 16;
  static constexpr int64_t KC = 256, MC = 96, NC = 2048;
};
template <>
struct Blocking<double> {
  static constexpr int MR = 6, NR = 8;
  static constexpr int64_t KC = 256, MC = 72, NC = 1024;
};

// A strided matrix: element (i, j) at data[i * rs + j * cs].
template <class T>
struct Mat {
  T* data;
  int64_t rs, cs;
};

// Packs rows [0, mc) x cols [0, kc) of A into MR-row panels, each stored
// k-major (MR values per k), zero-padding the last panel.
template <class T>
void pack_a(const T* a, int64_t rs, int64_t cs, int64_t mc, int64_t kc, T* dst) {
  constexpr int MR = Blocking<T>::MR;
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    const int64_t rows = mc - i0 < MR ? mc - i0 : MR;
    if (rows == MR && cs == 1) {
      for (int64_t k = 0; k < kc; ++k)
        for (int i = 0; i < MR; ++i) dst[k * MR + i] = a[(i0 + i) * rs + k];
    } else {
      for (int64_t k = 0; k < kc; ++k)
        for (int i = 0; i < MR; ++i) dst[k * MR + i] = i < rows ? a[(i0 + i) * rs + k * cs] : T(0);
    }
    dst += kc * MR;
  }
}

// Packs rows [0, kc) x cols [0, nc) of B into NR-column panels, each stored
// k-major (NR values per k), zero-padding the last panel.
template <class T>
void pack_b(const T* b, int64_t rs, int64_t cs, int64_t kc, int64_t nc, T* dst) {
  constexpr int NR = Blocking<T>::NR;
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    const int64_t cols = nc - j0 < NR ? nc - j0 : NR;
    if (cols == NR && cs == 1) {
      for (int64_t k = 0; k < kc; ++k) {
        const T* src = b + k * rs + j0;
#pragma omp simd
        for (int j = 0; j < NR; ++j) dst[k * NR + j] = src[j];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k)
        for (int j = 0; j < NR; ++j) dst[k * NR + j] = j < cols ? b[k * rs + (j0 + j) * cs] : T(0);
    }
    dst += kc * NR;
  }
}

// acc = Apanel (MR x kc) * Bpanel (kc x NR); then C (rows x cols of it) is
// overwritten (first k block) or accumulated into.
template <class T>
TL_HD void micro_kernel(int64_t kc, const T* __restrict a, const T* __restrict b, T* c, int64_t rsc, int64_t csc,
                        int64_t rows, int64_t cols, bool overwrite) {
  constexpr int MR = Blocking<T>::MR, NR = Blocking<T>::NR;
  T acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = T(0);
  for (int64_t k = 0; k < kc; ++k) {
    const T* ak = a + k * MR;
    const T* bk = b + k * NR;
    for (int i = 0; i < MR; ++i) {
      const T ai = ak[i];
#pragma omp simd
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * bk[j];
    }
  }
  if (rows == MR && cols == NR && csc == 1) {
    for (int i = 0; i < MR; ++i) {
      T* ci = c + i * rsc;
      if (overwrite) {
#pragma omp simd
        for (int j = 0; j < NR; ++j) ci[j] = acc[i][j];
      } else {
#pragma omp simd
        for (int j = 0; j < NR; ++j) ci[j] += acc[i][j];
      }
    }
    return;
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      T* p = c + i * rsc + j * csc;
      *p = overwrite ? acc[i][j] : *p + acc[i][j];
    }
}

// C[rows i0.., all nc cols] for one packed A block (mc x kc) against a packed
// B block (kc x nc).
template <class T>
void macro_kernel(const T* ap, const T* bp, int64_t mc, int64_t nc, int64_t kc, T* c, int64_t rsc, int64_t csc,
                  bool overwrite) {
  constexpr int MR = Blocking<T>::MR, NR = Blocking<T>::NR;
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    const int64_t cols = nc - j0 < NR ? nc - j0 : NR;
    for (int64_t i0 = 0; i0 < mc; i0 += MR) {
      const int64_t rows = mc - i0 < MR ? mc - i0 : MR;
      micro_kernel<T>(kc, ap + i0 * kc, bp + j0 * kc, c + i0 * rsc + j0 * csc, rsc, csc, rows, cols, overwrite);
    }
  }
}

// Scratch sizes (elements) for gemm_block.
template <class T>
constexpr int64_t gemm_a_scratch() {
  return Blocking<T>::MC * Blocking<T>::KC;
}
template <class T>
constexpr int64_t gemm_b_scratch() {
  return Blocking<T>::KC * Blocking<T>::NC;  // NC is a multiple of NR
}

// C[r0:r1, c0:c1] = A[r0:r1, :] @ B[:, c0:c1] (overwritten), blocked for the
// caches: KC x NC panels of B and MC x KC blocks of A are packed into the
// caller's scratch (sizes above) and fed to the micro-kernel.
template <class T>
void gemm_block(int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t k, Mat<const T> a, Mat<const T> b,
                Mat<T> c, T* ap, T* bp) {
  using Bl = Blocking<T>;
  for (int64_t jc = c0; jc < c1; jc += Bl::NC) {
    const int64_t nc = c1 - jc < Bl::NC ? c1 - jc : Bl::NC;
    for (int64_t pc = 0; pc < k; pc += Bl::KC) {
      const int64_t kc = k - pc < Bl::KC ? k - pc : Bl::KC;
      pack_b(b.data + pc * b.rs + jc * b.cs, b.rs, b.cs, kc, nc, bp);
      for (int64_t ic = r0; ic < r1; ic += Bl::MC) {
        const int64_t mc = r1 - ic < Bl::MC ? r1 - ic : Bl::MC;
        pack_a(a.data + ic * a.rs + pc * a.cs, a.rs, a.cs, mc, kc, ap);
        macro_kernel<T>(ap, bp, mc, nc, kc, c.data + ic * c.rs + jc * c.cs, c.rs, c.cs, pc == 0);
      }
    }
  }
}

#if defined(__AVX2__) && !defined(__CUDACC__)
// c[0..32) = sum_p a[p * as] * b[p * brs + 0..32), the accumulators in four
// registers (the compiler kept a plain array of them on the stack).
inline void row_tile32(float* c, const float* a, int64_t as, const float* b, int64_t brs, int64_t k) {
  __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
  for (int64_t p = 0; p < k; ++p) {
    const __m256 x = _mm256_broadcast_ss(a + p * as);
    const float* bp = b + p * brs;
    c0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(bp), c0);
    c1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(bp + 8), c1);
    c2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(bp + 16), c2);
    c3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(bp + 24), c3);
  }
  _mm256_storeu_ps(c, c0);
  _mm256_storeu_ps(c + 8, c1);
  _mm256_storeu_ps(c + 16, c2);
  _mm256_storeu_ps(c + 24, c3);
}

// Two rows at once: eight independent accumulators hide the FMA latency that
// bounds a single row when k is small.
inline void row_tile32x2(float* c, int64_t crs, const float* a, int64_t ars, int64_t as, const float* b, int64_t brs,
                         int64_t k) {
  __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
  for (int64_t p = 0; p < k; ++p) {
    const __m256 x = _mm256_broadcast_ss(a + p * as);
    const __m256 y = _mm256_broadcast_ss(a + ars + p * as);
    const float* bp = b + p * brs;
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8), b2 = _mm256_loadu_ps(bp + 16),
                 b3 = _mm256_loadu_ps(bp + 24);
    c0 = _mm256_fmadd_ps(x, b0, c0);
    c1 = _mm256_fmadd_ps(x, b1, c1);
    c2 = _mm256_fmadd_ps(x, b2, c2);
    c3 = _mm256_fmadd_ps(x, b3, c3);
    d0 = _mm256_fmadd_ps(y, b0, d0);
    d1 = _mm256_fmadd_ps(y, b1, d1);
    d2 = _mm256_fmadd_ps(y, b2, d2);
    d3 = _mm256_fmadd_ps(y, b3, d3);
  }
  _mm256_storeu_ps(c, c0);
  _mm256_storeu_ps(c + 8, c1);
  _mm256_storeu_ps(c + 16, c2);
  _mm256_storeu_ps(c + 24, c3);
  _mm256_storeu_ps(c + crs, d0);
  _mm256_storeu_ps(c + crs + 8, d1);
  _mm256_storeu_ps(c + crs + 16, d2);
  _mm256_storeu_ps(c + crs + 24, d3);
}

inline void row_tile16(double* c, const double* a, int64_t as, const double* b, int64_t brs, int64_t k) {
  __m256d c0 = _mm256_setzero_pd(), c1 = c0, c2 = c0, c3 = c0;
  for (int64_t p = 0; p < k; ++p) {
    const __m256d x = _mm256_broadcast_sd(a + p * as);
    const double* bp = b + p * brs;
    c0 = _mm256_fmadd_pd(x, _mm256_loadu_pd(bp), c0);
    c1 = _mm256_fmadd_pd(x, _mm256_loadu_pd(bp + 4), c1);
    c2 = _mm256_fmadd_pd(x, _mm256_loadu_pd(bp + 8), c2);
    c3 = _mm256_fmadd_pd(x, _mm256_loadu_pd(bp + 12), c3);
  }
  _mm256_storeu_pd(c, c0);
  _mm256_storeu_pd(c + 4, c1);
  _mm256_storeu_pd(c + 8, c2);
  _mm256_storeu_pd(c + 12, c3);
}
#endif

// Direct product for small shapes, where packing costs more than it saves:
// row i of C accumulates a[i][k] * row k of B (unit-stride B rows vectorize).
// With unit column strides each row is done in tiles whose accumulators stay
// in registers across k, so C is written once instead of once per k.
template <class T>
TL_HD void small_gemm(int64_t m, int64_t n, int64_t k, Mat<const T> a, Mat<const T> b, Mat<T> c) {
  int64_t i = 0;
#if defined(__AVX2__) && !defined(__CUDACC__)
  if constexpr (std::is_same_v<T, float>) {
    if (c.cs == 1 && b.cs == 1 && n % 32 == 0) {
      for (; i + 2 <= m; i += 2)
        for (int64_t j0 = 0; j0 < n; j0 += 32)
          row_tile32x2(c.data + i * c.rs + j0, c.rs, a.data + i * a.rs, a.rs, a.cs, b.data + j0, b.rs, k);
    }
  }
#endif
  for (; i < m; ++i) {
    T* ci = c.data + i * c.rs;
    const T* ai = a.data + i * a.rs;
    int64_t j0 = 0;
#if defined(__AVX2__) && !defined(__CUDACC__)
    if (c.cs == 1 && b.cs == 1) {
      if constexpr (std::is_same_v<T, float>) {
        for (; j0 + 32 <= n; j0 += 32) row_tile32(ci + j0, ai, a.cs, b.data + j0, b.rs, k);
      } else if constexpr (std::is_same_v<T, double>) {
        for (; j0 + 16 <= n; j0 += 16) row_tile16(ci + j0, ai, a.cs, b.data + j0, b.rs, k);
      }
    }
#endif
    for (int64_t j = j0; j < n; ++j) ci[j * c.cs] = T(0);
    for (int64_t p = 0; p < k && j0 < n; ++p) {
      const T aip = ai[p * a.cs];
      const T* bp = b.data + p * b.rs;
      if (c.cs == 1 && b.cs == 1) {
#pragma omp simd
        for (int64_t j = j0; j < n; ++j) ci[j] += aip * bp[j];
      } else {
        for (int64_t j = j0; j < n; ++j) ci[j * c.cs] += aip * bp[j * b.cs];
      }
    }
  }
}

// Matrix-vector shapes are memory bound; packing would only add traffic.
// N == 1: c[i] = dot(a[i, :], b[:, 0]) for rows [i0, i1).
template <class T>
TL_HD void gemv_rows(int64_t i0, int64_t i1, int64_t k, Mat<const T> a, Mat<const T> b, Mat<T> c) {
  // Independent partial sums (four AVX2 registers) hide the FMA latency that
  // a single running sum would serialize on.
  constexpr int L = static_cast<int>(128 / sizeof(T));
  for (int64_t i = i0; i < i1; ++i) {
    const T* ai = a.data + i * a.rs;
    T s = T(0);
    int64_t p = 0;
    if (a.cs == 1 && b.rs == 1) {
      T lane[L];
      for (int j = 0; j < L; ++j) lane[j] = T(0);
      for (; p + L <= k; p += L) {
#pragma omp simd
        for (int j = 0; j < L; ++j) lane[j] += ai[p + j] * b.data[p + j];
      }
      for (int j = 0; j < L; ++j) s += lane[j];
    }
    for (; p < k; ++p) s += ai[p * a.cs] * b.data[p * b.rs];
    c.data[i * c.rs] = s;
  }
}

// M == 1: c[0, j] = sum_k a[0, k] * b[k, j] for columns [j0, j1), accumulated
// row of B by row of B so that unit-stride rows vectorize.
template <class T>
TL_HD void gevm_cols(int64_t j0, int64_t j1, int64_t k, Mat<const T> a, Mat<const T> b, Mat<T> c) {
  for (int64_t j = j0; j < j1; ++j) c.data[j * c.cs] = T(0);
  for (int64_t p = 0; p < k; ++p) {
    const T ap = a.data[p * a.cs];
    const T* bp = b.data + p * b.rs;
    if (b.cs == 1 && c.cs == 1) {
#pragma omp simd
      for (int64_t j = j0; j < j1; ++j) c.data[j] += ap * bp[j];
    } else {
      for (int64_t j = j0; j < j1; ++j) c.data[j * c.cs] += ap * bp[j * b.cs];
    }
  }
}

// Integer product with two's-complement wrap (PyTorch keeps the dtype and
// wraps); bool is "or" over k of "and". Rows [r0, r1) of C.
template <class T, bool IsBool>
TL_HD void int_gemm_rows(int64_t r0, int64_t r1, int64_t n, int64_t k, Mat<const T> a, Mat<const T> b, Mat<T> c) {
  using U = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
  for (int64_t i = r0; i < r1; ++i) {
    T* ci = c.data + i * c.rs;
    if constexpr (IsBool) {
      for (int64_t j = 0; j < n; ++j) {
        uint8_t any = 0;
        for (int64_t p = 0; p < k && !any; ++p)
          any = (a.data[i * a.rs + p * a.cs] != 0 && b.data[p * b.rs + j * b.cs] != 0) ? 1 : 0;
        ci[j * c.cs] = any;
      }
    } else {
      for (int64_t j = 0; j < n; ++j) ci[j * c.cs] = T(0);
      for (int64_t p = 0; p < k; ++p) {
        const U aip = static_cast<U>(a.data[i * a.rs + p * a.cs]);
        const T* bp = b.data + p * b.rs;
        for (int64_t j = 0; j < n; ++j)
          ci[j * c.cs] = static_cast<T>(static_cast<U>(ci[j * c.cs]) + aip * static_cast<U>(bp[j * b.cs]));
      }
    }
  }
}

}  // namespace matmul
}  // namespace cpu
}  // namespace tl
