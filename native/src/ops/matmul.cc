// matmul(dtype, outBuf, aBuf, bBuf) -> undefined
//
//   Batched C[b] = A[b] @ B[b], C overwritten (beta = 0).
//   meta (elements): [batch, M, N, K,
//                     outOffset, outStrideBatch, outStrideM, outStrideN,
//                     aOffset, aStrideBatch, aStrideM, aStrideK,
//                     bOffset, bStrideBatch, bStrideK, bStrideN]
//   Any strides (0 for broadcast batches, negative, transposed). K == 0 gives
//   zeros. float32/float64 go to CBLAS (OpenBLAS) when the build has it and each
//   matrix has a unit stride (row- or column-major) and the product is not
//   small; otherwise to the built-in blocked GEMM. Integer dtypes wrap like
//   PyTorch; bool is "or" of "and"s. C must not overlap A or B.
//
// matmulImpl() -> "openblas" | "builtin": what large float products use.
// matmulImpl("builtin" | "openblas") selects it (for tests and benchmarks;
// "openblas" throws when the build has no CBLAS) and returns the new value.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <string>
#include <vector>

#ifdef TL_HAVE_CBLAS
#include <cblas.h>
#endif

#include "../core/args.h"
#include "../core/registry.h"
#include "../core/threadpool.h"
#include "../cpu/matmul.h"

namespace tl {
namespace {

using namespace cpu::matmul;

#ifdef TL_HAVE_CBLAS
std::atomic<bool> use_blas{true};
#else
std::atomic<bool> use_blas{false};
#endif

// Products up to this many multiply-adds skip packing (e.g. 32x4 @ 4x32).
constexpr int64_t kSmallFlops = 16 * 1024;
// Below this (about 112^3) the built-in kernel beats BLAS's call and threading
// overhead (measured with 2 threads on an AVX2 machine; worth re-tuning on more).
constexpr int64_t kBlasMinFlops = int64_t{112} * 112 * 112;
// Batches of products below this size run one product per thread.
constexpr int64_t kBatchParallelFlops = 1 << 21;

// Per-thread packing buffers (Slot 0: A, 1: B), kept across calls by the pool's long-lived
// threads (so it is zero-filled only when it first grows). A std::vector, not
// the caching allocator: thread-local destructors can run at exit after that
// allocator's statics are gone.
template <class T, int Slot>
T* thread_scratch(size_t n) {
  thread_local std::vector<T> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// Work (multiply-adds) below which another thread costs more than it saves.
constexpr int64_t kMinTaskFlops = int64_t{1} << 19;

// Splits `threads` tasks into mp row parts x np column parts giving the most
// square pieces of an m x n block (least redundant packing, even balance).
void split_tasks(int threads, int64_t m, int64_t n, int& mp, int& np) {
  mp = threads;
  np = 1;
  double best = -1;
  for (int r = 1; r <= threads; ++r) {
    if (threads % r) continue;
    const int c = threads / r;
    const double pm = static_cast<double>(m) / r, pn = static_cast<double>(n) / c;
    const double score = std::min(pm, pn) / std::max(pm, pn);
    if (score > best) {
      best = score;
      mp = r;
      np = c;
    }
  }
}

// The blocked GEMM for one product. With `parallel`, C is cut into one
// rectangle per thread and each thread runs the whole blocked loop nest on its
// rectangle with its own packing buffers: one parallel region per product, at
// the price of packing A np times and B mp times (a fraction np/N + mp/M of
// the work). Returns false when scratch memory could not be had.
template <class T>
bool blocked_gemm(int64_t M, int64_t N, int64_t K, Mat<const T> a, Mat<const T> b, Mat<T> c, bool parallel) {
  using Bl = Blocking<T>;
  constexpr int64_t MR = Bl::MR, NR = Bl::NR;
  const int64_t units = (M + MR - 1) / MR, panels = (N + NR - 1) / NR;
  int threads = 1;
  if (parallel) {
    const int64_t by_work = std::max<int64_t>(1, M * N * K / kMinTaskFlops);
    threads = static_cast<int>(std::min<int64_t>({num_threads(), by_work, units * panels}));
  }
  int mp = 1, np = 1;
  split_tasks(threads, M, N, mp, np);
  std::atomic<bool> oom{false};
  auto run_tasks = [&](int64_t t0, int64_t t1) {
    try {
      T* ap = thread_scratch<T, 0>(static_cast<size_t>(gemm_a_scratch<T>()));
      T* bp = thread_scratch<T, 1>(static_cast<size_t>(gemm_b_scratch<T>()));
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t pm = t / np, pn = t % np;
        const int64_t r0 = std::min(M, units * pm / mp * MR), r1 = std::min(M, units * (pm + 1) / mp * MR);
        const int64_t c0 = std::min(N, panels * pn / np * NR), c1 = std::min(N, panels * (pn + 1) / np * NR);
        if (r0 < r1 && c0 < c1) gemm_block<T>(r0, r1, c0, c1, K, a, b, c, ap, bp);
      }
    } catch (const std::bad_alloc&) {
      oom = true;
    }
  };
  const int64_t tasks = static_cast<int64_t>(mp) * np;
  if (tasks > 1) parallel_for(tasks, 1, run_tasks);
  else run_tasks(0, tasks);
  return !oom;
}

// Matrix-vector shapes (M == 1 or N == 1), split over the output.
template <class T>
void gemv(int64_t M, int64_t N, int64_t K, Mat<const T> a, Mat<const T> b, Mat<T> c, bool parallel) {
  const int64_t outputs = M == 1 ? N : M;
  const int64_t grain = std::max<int64_t>(64, kElementwiseGrain / std::max<int64_t>(1, K));
  auto body = [&](int64_t o0, int64_t o1) {
    if (N == 1) gemv_rows<T>(o0, o1, K, a, b, c);
    else gevm_cols<T>(o0, o1, K, a, b, c);
  };
  if (parallel) parallel_for(outputs, grain, body);
  else body(0, outputs);
}

#ifdef TL_HAVE_CBLAS
struct BlasMat {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};

// How BLAS (row-major API) can read a rows x cols matrix with these strides:
// directly (unit column stride) or as the transpose of a row-major matrix
// (unit row stride). Strides of size-1 dims are free.
BlasMat blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  BlasMat r;
  const int64_t kMax = 0x7FFFFFFF;  // blasint is 32-bit in the system OpenBLAS
  if ((cs == 1 || cols == 1) && (rows == 1 || rs >= std::max<int64_t>(1, cols))) {
    r.ok = true;
    r.ld = rows == 1 ? std::max<int64_t>(1, cols) : rs;
  } else if ((rs == 1 || rows == 1) && (cols == 1 || cs >= std::max<int64_t>(1, rows))) {
    r.ok = true;
    r.trans = true;
    r.ld = cols == 1 ? std::max<int64_t>(1, rows) : cs;
  }
  if (r.ld > kMax) r.ok = false;
  return r;
}

inline void blas_gemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                      float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda,
              b, ldb, 0.0f, c, ldc);
}
inline void blas_gemm(bool ta, bool tb, int m, int n, int k, const double* a, int lda, const double* b, int ldb,
                      double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0, a, lda, b,
              ldb, 0.0, c, ldc);
}

// Tries one product through BLAS; false when the layout does not fit.
template <class T>
bool try_blas(int64_t M, int64_t N, int64_t K, Mat<const T> a, Mat<const T> b, Mat<T> c) {
  const int64_t kMax = 0x7FFFFFFF;
  if (M > kMax || N > kMax || K > kMax) return false;
  BlasMat lc = blas_layout(M, N, c.rs, c.cs);
  if (!lc.ok) return false;
  if (lc.trans) {
    // C is column-major: compute C^T = B^T A^T into it as a row-major N x M.
    std::swap(M, N);
    Mat<const T> at{b.data, b.cs, b.rs}, bt{a.data, a.cs, a.rs};
    a = at;
    b = bt;
  }
  BlasMat la = blas_layout(M, K, a.rs, a.cs), lb = blas_layout(K, N, b.rs, b.cs);
  if (!la.ok || !lb.ok) return false;
  blas_gemm(la.trans, lb.trans, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), a.data,
            static_cast<int>(la.ld), b.data, static_cast<int>(lb.ld), c.data, static_cast<int>(lc.ld));
  return true;
}
#endif

// One product. `parallel`: may use the thread pool (false inside a
// batch-parallel region).
template <class T>
bool gemm_one(int64_t M, int64_t N, int64_t K, Mat<const T> a, Mat<const T> b, Mat<T> c, bool parallel) {
  if (M == 0 || N == 0) return true;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) c.data[i * c.rs + j * c.cs] = T(0);
    return true;
  }
  const int64_t flops = M * N * K;
  if (flops <= kSmallFlops) {
    small_gemm<T>(M, N, K, a, b, c);
    return true;
  }
  if (M == 1 || N == 1) {  // also ahead of BLAS, whose gemm is slower on these shapes
    gemv<T>(M, N, K, a, b, c, parallel);
    return true;
  }
#ifdef TL_HAVE_CBLAS
  // Only from the calling thread: BLAS threads itself, and concurrent calls
  // into a pthreads OpenBLAS from our workers would oversubscribe the cores.
  if (parallel && use_blas.load(std::memory_order_relaxed) && flops >= kBlasMinFlops && try_blas<T>(M, N, K, a, b, c))
    return true;
#endif
  return blocked_gemm<T>(M, N, K, a, b, c, parallel);
}

struct Problem {
  int64_t batch, M, N, K;
  char* c;
  const char* a;
  const char* b;
  int64_t cs[3], as[3], bs[3];  // element strides: batch, row, column
};

template <class T>
bool run_float(const Problem& P) {
  auto mats = [&](int64_t i, Mat<const T>& a, Mat<const T>& b, Mat<T>& c) {
    a = {reinterpret_cast<const T*>(P.a) + i * P.as[0], P.as[1], P.as[2]};
    b = {reinterpret_cast<const T*>(P.b) + i * P.bs[0], P.bs[1], P.bs[2]};
    c = {reinterpret_cast<T*>(P.c) + i * P.cs[0], P.cs[1], P.cs[2]};
  };
  const int64_t flops = P.M * P.N * std::max<int64_t>(P.K, 1);
  if (P.batch > 1 && flops < kBatchParallelFlops) {
    std::atomic<bool> ok{true};
    const int64_t grain = std::max<int64_t>(1, (kSmallFlops * 4) / std::max<int64_t>(1, flops));
    parallel_for(P.batch, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i) {
        Mat<const T> a, b;
        Mat<T> c;
        mats(i, a, b, c);
        if (!gemm_one<T>(P.M, P.N, P.K, a, b, c, false)) ok = false;
      }
    });
    return ok;
  }
  for (int64_t i = 0; i < P.batch; ++i) {
    Mat<const T> a, b;
    Mat<T> c;
    mats(i, a, b, c);
    if (!gemm_one<T>(P.M, P.N, P.K, a, b, c, true)) return false;
  }
  return true;
}

template <class T, bool IsBool>
void run_int(const Problem& P) {
  const int64_t rows = P.batch * P.M;
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, P.N * std::max<int64_t>(P.K, 1)));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    while (r0 < r1) {
      const int64_t i = r0 / P.M, row = r0 % P.M;
      const int64_t end = std::min(r1 - r0, P.M - row) + row;
      Mat<const T> a{reinterpret_cast<const T*>(P.a) + i * P.as[0], P.as[1], P.as[2]};
      Mat<const T> b{reinterpret_cast<const T*>(P.b) + i * P.bs[0], P.bs[1], P.bs[2]};
      Mat<T> c{reinterpret_cast<T*>(P.c) + i * P.cs[0], P.cs[1], P.cs[2]};
      int_gemm_rows<T, IsBool>(row, end, P.N, P.K, a, b, c);
      r0 += end - row;
    }
  });
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DType dt = get_dtype(info[0]);
  Buffer c_buf = get_buffer(info[1], "matmul: out");
  Buffer a_buf = get_buffer(info[2], "matmul: a");
  Buffer b_buf = get_buffer(info[3], "matmul: b");

  MetaReader m(env);
  Problem P;
  P.batch = m.i();
  P.M = m.i();
  P.N = m.i();
  P.K = m.i();
  int64_t off[3], st[3][3];
  for (int k = 0; k < 3; ++k) {
    off[k] = m.i();
    for (int d = 0; d < 3; ++d) st[k][d] = m.i();
  }
  const int64_t c_shape[3] = {P.batch, P.M, P.N}, a_shape[3] = {P.batch, P.M, P.K}, b_shape[3] = {P.batch, P.K, P.N};
  const size_t el = itemsize(dt);
  View cv = make_view(env, c_buf, el, 3, c_shape, off[0], st[0], "matmul: out");
  View av = make_view(env, a_buf, el, 3, a_shape, off[1], st[1], "matmul: a");
  View bv = make_view(env, b_buf, el, 3, b_shape, off[2], st[2], "matmul: b");
  if (P.batch == 0 || P.M == 0 || P.N == 0) return env.Undefined();
  P.c = cv.data;
  // With K == 0 the operands are empty views and never read.
  P.a = av.data;
  P.b = bv.data;
  for (int d = 0; d < 3; ++d) {
    P.cs[d] = st[0][d];
    P.as[d] = st[1][d];
    P.bs[d] = st[2][d];
  }

  bool ok = true;
  try {
    switch (dt) {
      case DType::Float32: ok = run_float<float>(P); break;
      case DType::Float64: ok = run_float<double>(P); break;
      case DType::Int32: run_int<int32_t, false>(P); break;
      case DType::Int64: run_int<int64_t, false>(P); break;
      case DType::UInt8: run_int<uint8_t, false>(P); break;
      case DType::Bool: run_int<uint8_t, true>(P); break;
      case DType::Float16: case DType::BFloat16: break;  // get_dtype refuses them (Note [16-bit dtypes at the entry points])
    }
  } catch (const std::bad_alloc&) {
    ok = false;
  }
  if (!ok) fail(env, "matmul(): out of memory for packing buffers");
  return env.Undefined();
}

Napi::Value MatmulImpl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string want = info[0].As<Napi::String>().Utf8Value();
    if (want == "builtin") {
      use_blas = false;
    } else if (want == "openblas") {
#ifdef TL_HAVE_CBLAS
      use_blas = true;
#else
      fail(env, "matmulImpl: this build has no CBLAS");
#endif
    } else {
      fail(env, "matmulImpl: expected \"builtin\" or \"openblas\"");
    }
  }
  return Napi::String::New(env, use_blas ? "openblas" : "builtin");
}

}  // namespace

TL_EXPORT("matmul", Matmul);
TL_EXPORT("matmulImpl", MatmulImpl);

}  // namespace tl
