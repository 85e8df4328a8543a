// cudaMatmul(dtype, outBlock, aBlock, bBlock) -> undefined
//
//   The arguments and meta layout of ops/matmul.cc (batched C[b] = A[b] @ B[b],
//   any strides, 0 for broadcast batches; K == 0 gives zeros; C must not
//   overlap A or B), with CUDA block tokens on one device.
//   float32 / float64 go to cuBLAS (cublas.h) when it loaded and the
//   implementation is "cublas": row-major C = A B is issued as the
//   column-major C^T = B^T A^T (or C = A B when C is column-major), each
//   operand read through cuBLAS's transpose flag and leading dimension when
//   its strides allow, else copied contiguous into scratch first (and C
//   computed in scratch and copied out when it has no usable layout).
//   float32 honours cudaSetAllowTF32. float16 / bfloat16 go to
//   cublasGemmStridedBatchedEx (CUDA_R_16F / CUDA_R_16BF in and out,
//   CUBLAS_COMPUTE_32F), as PyTorch's do. Integer and bool dtypes, and every
//   dtype without cuBLAS, use a tiled shared-memory GEMM with the CPU's
//   arithmetic: integers wrap (accumulated in uint32 / uint64), bool is "or"
//   of "and"s, and 16-bit floats are widened to float in shared memory,
//   accumulated in float and rounded once.
//
// cudaMatmulImpl(set?: "cublas" | "fallback") -> "cublas" | "fallback": what
//   float products use (switching lets tests check the fallback); asking for
//   "cublas" when it could not be loaded throws with the loader's reason.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "../core/args.h"
#include "../core/registry.h"
#include "core.h"
#include "launch.cuh"
#include "cublas.h"

namespace tl {
namespace cuda {
namespace {

std::atomic<bool> prefer_cublas{true};

struct Problem {
  int64_t batch, M, N, K;
  char* c;
  const char* a;
  const char* b;
  int64_t cs[3], as[3], bs[3];  // element strides: batch, row, column
};

// ---- the tiled fallback: 64 x 64 tiles of C, 16-deep slices of K, 256
// threads each holding a 4 x 4 block of accumulators.
constexpr int kTile = 64, kDepth = 16, kGemmThreads = 256;

template <class T>
struct Accum {
  using type = std::conditional_t<std::is_floating_point_v<T> || is_half_v<T>, opmath_t<T>,
                                  std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>>;
};

template <class T, bool IsBool>
__global__ void __launch_bounds__(kGemmThreads) gemm_tiled(Problem P) {
  using A = typename Accum<T>::type;
  using S = opmath_t<T>;  // the staged element: 16-bit floats are widened once, on load
  __shared__ S as[kDepth][kTile + 1];  // as[k][row]; +1 spreads the transposed stores over banks
  __shared__ S bs[kDepth][kTile];      // bs[k][col]
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const T* a0 = reinterpret_cast<const T*>(P.a);
  const T* b0 = reinterpret_cast<const T*>(P.b);
  T* c0 = reinterpret_cast<T*>(P.c);
  for (int64_t z = blockIdx.z; z < P.batch; z += gridDim.z) {
    const T* a = a0 + z * P.as[0];
    const T* b = b0 + z * P.bs[0];
    T* c = c0 + z * P.cs[0];
    for (int64_t row0 = int64_t{blockIdx.y} * kTile; row0 < P.M; row0 += int64_t{gridDim.y} * kTile) {
      for (int64_t col0 = int64_t{blockIdx.x} * kTile; col0 < P.N; col0 += int64_t{gridDim.x} * kTile) {
        A acc[4][4];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) acc[i][j] = A(0);
        for (int64_t k0 = 0; k0 < P.K; k0 += kDepth) {
          for (int e = threadIdx.x; e < kTile * kDepth; e += kGemmThreads) {
            const int r = e / kDepth, k = e % kDepth;  // consecutive threads walk K: coalesced for row-major A
            const int64_t gr = row0 + r, gk = k0 + k;
            as[k][r] = gr < P.M && gk < P.K ? to_opmath(a[gr * P.as[1] + gk * P.as[2]]) : S(0);
          }
          for (int e = threadIdx.x; e < kTile * kDepth; e += kGemmThreads) {
            const int k = e / kTile, col = e % kTile;
            const int64_t gk = k0 + k, gc = col0 + col;
            bs[k][col] = gk < P.K && gc < P.N ? to_opmath(b[gk * P.bs[1] + gc * P.bs[2]]) : S(0);
          }
          __syncthreads();
          for (int k = 0; k < kDepth; ++k) {
            A av[4], bv[4];
            for (int i = 0; i < 4; ++i) av[i] = static_cast<A>(as[k][ty + 16 * i]);
            for (int j = 0; j < 4; ++j) bv[j] = static_cast<A>(bs[k][tx + 16 * j]);
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j) {
                if constexpr (IsBool) acc[i][j] = acc[i][j] | ((av[i] != 0 && bv[j] != 0) ? 1u : 0u);
                else acc[i][j] += av[i] * bv[j];
              }
          }
          __syncthreads();
        }
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) {
            const int64_t gr = row0 + ty + 16 * i, gc = col0 + tx + 16 * j;
            if (gr < P.M && gc < P.N) c[gr * P.cs[1] + gc * P.cs[2]] = from_opmath<T>(static_cast<S>(acc[i][j]));
          }
      }
    }
  }
}

template <class T, bool IsBool>
void run_tiled(Napi::Env env, cudaStream_t stream, const Problem& P) {
  const dim3 grid(static_cast<unsigned>(std::min<int64_t>((P.N + kTile - 1) / kTile, INT_MAX)),
                  static_cast<unsigned>(std::min<int64_t>((P.M + kTile - 1) / kTile, 65535)),
                  static_cast<unsigned>(std::min<int64_t>(P.batch, 65535)));
  gemm_tiled<T, IsBool><<<grid, kGemmThreads, 0, stream>>>(P);
  check_launch(env, "matmul (tiled)");
}

// ---- cuBLAS

// Strided copies between a [batch, rows, cols] layout and a contiguous one.
template <class T, bool ToContiguous>
__global__ void copy3(T* strided, int64_t s0, int64_t s1, int64_t s2, T* dense, int64_t batch, int64_t rows,
                      int64_t cols) {
  const int64_t n = batch * rows * cols, step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; p < n; p += step) {
    const int64_t j = p % cols, q = p / cols, i = q % rows, z = q / rows;
    T* s = strided + z * s0 + i * s1 + j * s2;
    if constexpr (ToContiguous) dense[p] = *s;
    else *s = dense[p];
  }
}

template <class T, bool ToContiguous>
void launch_copy3(Napi::Env env, int device, cudaStream_t stream, T* strided, const int64_t* st, T* dense,
                  int64_t batch, int64_t rows, int64_t cols) {
  const int64_t n = batch * rows * cols;
  const int64_t cap = static_cast<int64_t>(std::max(1, multiprocessor_count(device))) * 32;
  const unsigned grid = static_cast<unsigned>(std::max<int64_t>(1, std::min((n + 255) / 256, cap)));
  copy3<T, ToContiguous><<<grid, 256, 0, stream>>>(strided, st[0], st[1], st[2], dense, batch, rows, cols);
  check_launch(env, "matmul: strided copy");
}

// How column-major cuBLAS reads a rows x cols matrix with element (i, j) at
// i * rs + j * cs: as itself (N) or as the transpose of what it stores (T).
// Strides of size-1 dims do not matter (the runtime sends 0 for them).
struct ColMajor {
  bool ok = false;
  blas::Op op = blas::Op::N;
  int64_t ld = 1;
};

ColMajor col_major(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  ColMajor r;
  if ((rs == 1 || rows == 1) && (cols == 1 || cs >= std::max<int64_t>(1, rows))) {
    r = {true, blas::Op::N, cols == 1 ? std::max<int64_t>(1, rows) : cs};
  } else if ((cs == 1 || cols == 1) && (rows == 1 || rs >= std::max<int64_t>(1, cols))) {
    r = {true, blas::Op::T, rows == 1 ? std::max<int64_t>(1, cols) : rs};
  }
  if (r.ld > INT_MAX) r.ok = false;
  return r;
}

// One operand as cuBLAS gets it: pointer, batch stride and its column-major view.
template <class T>
struct Operand {
  T* p;
  int64_t batch_stride;
  ColMajor cm;
};

// A rows x cols operand of `batch` matrices: as it is when cuBLAS can read
// it, else copied row-major into `scratch` (one matrix when broadcast).
template <class T>
Operand<T> prepare_input(Napi::Env env, int device, cudaStream_t stream, const T* base, const int64_t* st, int64_t batch,
                         int64_t rows, int64_t cols, bool transpose_view, std::optional<DeviceScratch>& scratch) {
  // transpose_view: cuBLAS sees this operand's transpose (the C^T = B^T A^T form).
  auto view = [&](int64_t rs, int64_t cs) {
    return transpose_view ? col_major(cols, rows, cs, rs) : col_major(rows, cols, rs, cs);
  };
  ColMajor cm = view(st[1], st[2]);
  if (cm.ok && st[0] >= 0) return {const_cast<T*>(base), st[0], cm};
  const int64_t copies = st[0] == 0 ? 1 : batch;
  scratch.emplace(env, device, static_cast<size_t>(copies * rows * cols) * sizeof(T));
  T* dense = static_cast<T*>(scratch->get());
  launch_copy3<T, true>(env, device, stream, const_cast<T*>(base), st, dense, copies, rows, cols);
  return {dense, copies == 1 ? 0 : rows * cols, view(cols, 1)};
}

// The cuBLAS GEMM for T: the typed Sgemm / Dgemm, or GemmEx for the 16-bit floats.
template <class T>
void blas_gemm(Napi::Env env, int device, cudaStream_t stream, blas::Op ta, blas::Op tb, int m, int n, int k,
               const T* a, int lda, long long sa, const T* b, int ldb, long long sb, T* c, int ldc, long long sc,
               int batch) {
  if constexpr (is_half_v<T>) {
    constexpr cudaDataType dt = std::is_same_v<T, Half> ? CUDA_R_16F : CUDA_R_16BF;
    blas::gemm_strided_batched_ex(env, device, stream, ta, tb, m, n, k, a, dt, lda, sa, b, dt, ldb, sb, c, dt, ldc, sc,
                                  batch);
  } else {
    blas::gemm_strided_batched(env, device, stream, ta, tb, m, n, k, a, lda, sa, b, ldb, sb, c, ldc, sc, batch);
  }
}

template <class T>
bool run_cublas(Napi::Env env, int device, cudaStream_t stream, const Problem& P) {
  if (P.M > INT_MAX || P.N > INT_MAX || P.K > INT_MAX || P.K == 0) return false;
  // Pick the form whose result cuBLAS can write in place (untransposed):
  // C^T (N x M) for a row-major C, or C (M x N) for a column-major one.
  const bool c_batches_ok = P.batch == 1 || P.cs[0] > 0;
  ColMajor ct = col_major(P.N, P.M, P.cs[2], P.cs[1]), cn = col_major(P.M, P.N, P.cs[1], P.cs[2]);
  bool transposed_form = true;
  bool c_direct = c_batches_ok && ct.ok && ct.op == blas::Op::N;
  if (!c_direct && c_batches_ok && cn.ok && cn.op == blas::Op::N) {
    transposed_form = false;
    c_direct = true;
  }
  std::optional<DeviceScratch> a_copy, b_copy, c_copy;
  T* c = reinterpret_cast<T*>(P.c);
  int64_t c_stride = P.cs[0], ldc = transposed_form ? ct.ld : cn.ld;
  if (!c_direct) {
    c_copy.emplace(env, device, static_cast<size_t>(P.batch * P.M * P.N) * sizeof(T));
    c = static_cast<T*>(c_copy->get());
    c_stride = P.M * P.N;
    ldc = P.N;  // row-major M x N is column-major C^T with ld N
  }
  const Operand<T> a = prepare_input<T>(env, device, stream, reinterpret_cast<const T*>(P.a), P.as, P.batch, P.M, P.K,
                                        transposed_form, a_copy);
  const Operand<T> b = prepare_input<T>(env, device, stream, reinterpret_cast<const T*>(P.b), P.bs, P.batch, P.K, P.N,
                                        transposed_form, b_copy);
  // The first operand cuBLAS multiplies: B^T then A^T, or A then B.
  const Operand<T>& x = transposed_form ? b : a;
  const Operand<T>& y = transposed_form ? a : b;
  const int m = static_cast<int>(transposed_form ? P.N : P.M), n = static_cast<int>(transposed_form ? P.M : P.N);
  for (int64_t z0 = 0; z0 < P.batch; z0 += INT_MAX) {
    const int count = static_cast<int>(std::min<int64_t>(INT_MAX, P.batch - z0));
    blas_gemm<T>(env, device, stream, x.cm.op, y.cm.op, m, n, static_cast<int>(P.K), x.p + z0 * x.batch_stride,
                 static_cast<int>(x.cm.ld), x.batch_stride, y.p + z0 * y.batch_stride, static_cast<int>(y.cm.ld),
                 y.batch_stride, c + z0 * c_stride, static_cast<int>(ldc), c_stride, count);
  }
  if (!c_direct)
    launch_copy3<T, false>(env, device, stream, reinterpret_cast<T*>(P.c), P.cs, c, P.batch, P.M, P.N);
  return true;
}


Napi::Value CudaMatmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) throw Napi::TypeError::New(env, "cudaMatmul: expected (dtype, out, a, b)");
  const DType dt = get_dtype_any(info[0]);
  const DeviceBuffer c_d = get_device_buffer(info[1], "matmul: out");
  const DeviceBuffer a_d = get_device_buffer(info[2], "matmul: a");
  const DeviceBuffer b_d = get_device_buffer(info[3], "matmul: b");
  same_device(env, c_d, a_d);
  same_device(env, c_d, b_d);

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
  View cv = make_view(env, Buffer{c_d.data, c_d.bytes}, el, 3, c_shape, off[0], st[0], "matmul: out");
  View av = make_view(env, Buffer{a_d.data, a_d.bytes}, el, 3, a_shape, off[1], st[1], "matmul: a");
  View bv = make_view(env, Buffer{b_d.data, b_d.bytes}, el, 3, b_shape, off[2], st[2], "matmul: b");
  if (P.batch == 0 || P.M == 0 || P.N == 0) return env.Undefined();
  P.c = cv.data;
  P.a = av.data;  // with K == 0 the operands are empty views and never read
  P.b = bv.data;
  for (int d = 0; d < 3; ++d) {
    P.cs[d] = st[0][d];
    P.as[d] = st[1][d];
    P.bs[d] = st[2][d];
  }

  const int device = c_d.device;
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const bool blas_ok = prefer_cublas.load() && is_floating(dt) && blas::status().loaded;
  switch (dt) {
    case DType::Float32:
      if (!(blas_ok && run_cublas<float>(env, device, stream, P))) run_tiled<float, false>(env, stream, P);
      break;
    case DType::Float64:
      if (!(blas_ok && run_cublas<double>(env, device, stream, P))) run_tiled<double, false>(env, stream, P);
      break;
    case DType::Int32: run_tiled<int32_t, false>(env, stream, P); break;
    case DType::Int64: run_tiled<int64_t, false>(env, stream, P); break;
    case DType::UInt8: run_tiled<uint8_t, false>(env, stream, P); break;
    case DType::Bool: run_tiled<uint8_t, true>(env, stream, P); break;
    case DType::Float16:
      if (!(blas_ok && run_cublas<Half>(env, device, stream, P))) run_tiled<Half, false>(env, stream, P);
      break;
    case DType::BFloat16:
      if (!(blas_ok && run_cublas<BFloat16>(env, device, stream, P))) run_tiled<BFloat16, false>(env, stream, P);
      break;
  }
  return env.Undefined();
}

Napi::Value CudaMatmulImpl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "cudaMatmulImpl: expected \"cublas\" or \"fallback\"");
    const std::string want = info[0].As<Napi::String>().Utf8Value();
    if (want == "cublas") {
      if (!blas::status().loaded) fail(env, "cudaMatmulImpl: cuBLAS could not be loaded (" + blas::status().error + ")");
      prefer_cublas = true;
    } else if (want == "fallback") {
      prefer_cublas = false;
    } else {
      fail(env, "cudaMatmulImpl: expected \"cublas\" or \"fallback\", got \"" + want + "\"");
    }
  }
  return Napi::String::New(env, prefer_cublas.load() && blas::status().loaded ? "cublas" : "fallback");
}

}  // namespace

TL_EXPORT("cudaMatmul", CudaMatmul);
TL_EXPORT("cudaMatmulImpl", CudaMatmulImpl);

}  // namespace cuda
}  // namespace tl
