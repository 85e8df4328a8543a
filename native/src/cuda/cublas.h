// cuBLAS, opened at run time with dlopen and never linked, so the addon loads
// (and matmul falls back to its own GEMM) where cuBLAS is not installed. The
// few types and enum values used are declared in cublas.cu from cuBLAS's
// documented ABI; cublas_v2.h is not needed to build.
//
// Search order (first that loads and has every symbol wins):
//   1. $TORCHLAB_CUBLAS: a library file, or a directory holding
//      libcublas.so.13 / libcublas.so.12;
//   2. libcublas.so.13, then libcublas.so.12, each first by bare name (the
//      dynamic loader's own search: LD_LIBRARY_PATH, ldconfig's cache), then in
//      the CUDA toolkit dirs (/usr/local/cuda/lib64, /usr/local/cuda-*/lib64,
//      .../targets/x86_64-linux/lib), the distro dirs (/usr/lib/x86_64-linux-gnu,
//      /usr/lib64) and the Python wheels' dirs (nvidia/cu13/lib and
//      nvidia/cublas/lib under {/usr/local/lib,/usr/lib,~/.local/lib,
//      $VIRTUAL_ENV/lib,$CONDA_PREFIX/lib,/opt/conda/lib}/python3*/{dist,site}-packages).
// libcublasLt from the same directory is opened first (RTLD_GLOBAL), since
// libcublas needs it and a wheel directory is not on the loader's path.
#pragma once
#include <napi.h>
#include <cuda_runtime.h>
#include <library_types.h>

#include <string>

namespace tl {
namespace cuda {
namespace blas {

enum class Op : int { N = 0, T = 1 };  // cublasOperation_t values

struct Status {
  bool loaded = false;
  std::string path;   // the library that was opened
  std::string error;  // why none was, when !loaded
};

// Searches on first use (thread-safe); later calls return the same answer.
const Status& status();

// torch.backends.cuda.matmul.allowTF32: float32 products may use TF32 tensor
// cores. Off by default, as in PyTorch.
bool allow_tf32();
void set_allow_tf32(bool on);

// Column-major C[i] = op(A[i]) op(B[i]) for i < batch (alpha 1, beta 0), on
// `stream` with `device` current. Throws a Napi::Error when cuBLAS is not
// loaded or the call fails.
void gemm_strided_batched(Napi::Env env, int device, cudaStream_t stream, Op ta, Op tb, int m, int n, int k,
                          const float* a, int lda, long long sa, const float* b, int ldb, long long sb, float* c,
                          int ldc, long long sc, int batch);
void gemm_strided_batched(Napi::Env env, int device, cudaStream_t stream, Op ta, Op tb, int m, int n, int k,
                          const double* a, int lda, long long sa, const double* b, int ldb, long long sb, double* c,
                          int ldc, long long sc, int batch);
// Reduced-precision operands (CUDA_R_16F, CUDA_R_16BF) with float32
// accumulation (CUBLAS_COMPUTE_32F): the float16 / bfloat16 matmuls.
void gemm_strided_batched_ex(Napi::Env env, int device, cudaStream_t stream, Op ta, Op tb, int m, int n, int k,
                             const void* a, cudaDataType at, int lda, long long sa, const void* b, cudaDataType bt,
                             int ldb, long long sb, void* c, cudaDataType ct, int ldc, long long sc, int batch);

}  // namespace blas
}  // namespace cuda
}  // namespace tl
