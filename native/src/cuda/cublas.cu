// The run-time cuBLAS loader (see cublas.h for the search order) and its JS
// entry points:
//   cudaBlasInfo() -> {loaded: boolean, path: string | null, error: string | null}
//   cudaSetAllowTF32(on: boolean) -> undefined;  cudaGetAllowTF32() -> boolean
//
// Handles (one per device, created with that device current) and the library
// stay open until the process ends: destroying them from static destructors
// would race the CUDA runtime's own teardown.
#include "cublas.h"

#include <dlfcn.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "../core/args.h"
#include "../core/registry.h"

namespace tl {
namespace cuda {
namespace blas {
namespace {

// cuBLAS's ABI, as documented: opaque handle, int-sized enums and status.
struct Context;
using Handle = Context*;
using CreateFn = int (*)(Handle*);
using DestroyFn = int (*)(Handle);
using SetStreamFn = int (*)(Handle, cudaStream_t);
using SetMathFn = int (*)(Handle, int);
template <class T>
using GemmFn = int (*)(Handle, int, int, int, int, int, const T*, const T*, int, long long, const T*, int, long long,
                       const T*, T*, int, long long, int);
using GemmExFn = int (*)(Handle, int, int, int, int, int, const void*, const void*, cudaDataType, int, long long,
                         const void*, cudaDataType, int, long long, const void*, void*, cudaDataType, int, long long, int,
                         int, int);
constexpr int kDefaultMath = 0;        // CUBLAS_DEFAULT_MATH
constexpr int kTf32Math = 3;           // CUBLAS_TF32_TENSOR_OP_MATH
constexpr int kCompute32F = 68;        // CUBLAS_COMPUTE_32F
constexpr int kGemmDefaultAlgo = -1;   // CUBLAS_GEMM_DEFAULT

struct Lib {
  Status status;
  CreateFn create = nullptr;
  DestroyFn destroy = nullptr;
  SetStreamFn set_stream = nullptr;
  SetMathFn set_math = nullptr;
  GemmFn<float> sgemm = nullptr;
  GemmFn<double> dgemm = nullptr;
  GemmExFn gemm_ex = nullptr;
};

std::atomic<bool> tf32{false};

bool is_file(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Newest first: glob sorts ascending, and cuda-13.0 should beat cuda-12.8.
void add_glob(std::vector<std::string>& out, const std::string& pattern) {
  glob_t g{};
  if (glob(pattern.c_str(), GLOB_ONLYDIR, nullptr, &g) == 0)
    for (size_t i = g.gl_pathc; i > 0; --i) out.emplace_back(g.gl_pathv[i - 1]);
  globfree(&g);
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::vector<std::string> search_dirs() {
  std::vector<std::string> dirs = {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"};
  add_glob(dirs, "/usr/local/cuda-*/lib64");
  add_glob(dirs, "/usr/local/cuda-*/targets/x86_64-linux/lib");
  dirs.insert(dirs.end(), {"/usr/lib/x86_64-linux-gnu", "/usr/lib64"});
  std::vector<std::string> prefixes = {"/usr/local/lib", "/usr/lib", "/opt/conda/lib"};
  for (const char* var : {"HOME", "VIRTUAL_ENV", "CONDA_PREFIX"}) {
    const std::string v = env_or_empty(var);
    if (!v.empty()) prefixes.push_back(v + (std::string(var) == "HOME" ? "/.local/lib" : "/lib"));
  }
  for (const std::string& p : prefixes) {
    add_glob(dirs, p + "/python3*/*-packages/nvidia/cu13/lib");
    add_glob(dirs, p + "/python3*/*-packages/nvidia/cublas/lib");
  }
  const std::string conda = env_or_empty("CONDA_PREFIX");
  if (!conda.empty()) dirs.push_back(conda + "/lib");
  return dirs;
}

template <class F>
bool resolve(void* so, const char* name, F& fn, std::string& err) {
  fn = reinterpret_cast<F>(dlsym(so, name));
  if (fn == nullptr) err = std::string("no symbol ") + name;
  return fn != nullptr;
}

// Opens one candidate; on success fills L and keeps it open for good.
bool try_open(Lib& L, const std::string& path, std::string& err) {
  void* lt = nullptr;
  const size_t slash = path.rfind('/'), so_at = path.rfind(".so.");
  if (slash != std::string::npos && so_at != std::string::npos && so_at > slash) {
    const std::string ver = path.substr(so_at + 4);
    const std::string lt_path = path.substr(0, slash) + "/libcublasLt.so." + ver.substr(0, ver.find('.'));
    if (is_file(lt_path)) lt = dlopen(lt_path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  }
  void* so = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (so == nullptr) {
    const char* e = dlerror();
    err = e != nullptr ? e : path + ": dlopen failed";
    if (lt != nullptr) dlclose(lt);
    return false;
  }
  std::string missing;
  const bool ok = resolve(so, "cublasCreate_v2", L.create, missing) && resolve(so, "cublasDestroy_v2", L.destroy, missing) &&
                  resolve(so, "cublasSetStream_v2", L.set_stream, missing) &&
                  resolve(so, "cublasSetMathMode", L.set_math, missing) &&
                  resolve(so, "cublasSgemmStridedBatched", L.sgemm, missing) &&
                  resolve(so, "cublasDgemmStridedBatched", L.dgemm, missing) &&
                  resolve(so, "cublasGemmStridedBatchedEx", L.gemm_ex, missing);
  if (!ok) {
    err = path + ": " + missing;
    dlclose(so);
    if (lt != nullptr) dlclose(lt);
    return false;
  }
  Dl_info di{};
  L.status.path = dladdr(reinterpret_cast<void*>(L.sgemm), &di) != 0 && di.dli_fname != nullptr ? di.dli_fname : path;
  L.status.loaded = true;
  return true;
}

void load(Lib& L) {
  std::string last, env_err;
  const std::string env = env_or_empty("TORCHLAB_CUBLAS");
  if (!env.empty()) {
    std::vector<std::string> picks;
    if (is_dir(env)) picks = {env + "/libcublas.so.13", env + "/libcublas.so.12"};
    else picks = {env};
    for (const std::string& p : picks) {
      if (is_dir(env) && !is_file(p)) continue;
      if (try_open(L, p, env_err)) return;
    }
    if (env_err.empty()) env_err = "no libcublas.so.13 or libcublas.so.12 in that directory";
  }
  const std::vector<std::string> dirs = search_dirs();
  int tried = 0;
  for (const char* name : {"libcublas.so.13", "libcublas.so.12"}) {
    ++tried;
    if (try_open(L, name, last)) return;
    for (const std::string& d : dirs) {
      const std::string p = d + "/" + name;
      if (!is_file(p)) continue;
      ++tried;
      if (try_open(L, p, last)) return;
    }
  }
  L.status.error = "cuBLAS not found: tried libcublas.so.13 and libcublas.so.12 by name and in " +
                   std::to_string(dirs.size()) + " directories (" + std::to_string(tried) + " attempts; last: " + last + ")";
  if (!env.empty()) L.status.error += "; TORCHLAB_CUBLAS=" + env + ": " + env_err;
  L.status.error += ". Set TORCHLAB_CUBLAS to the library or its directory.";
}

Lib& lib() {
  static Lib L;
  static std::once_flag once;
  std::call_once(once, [] { load(L); });
  return L;
}

const char* status_name(int s) {
  switch (s) {
    case 1: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case 3: return "CUBLAS_STATUS_ALLOC_FAILED";
    case 7: return "CUBLAS_STATUS_INVALID_VALUE";
    case 8: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case 11: return "CUBLAS_STATUS_MAPPING_ERROR";
    case 13: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case 14: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case 15: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case 16: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "unknown cuBLAS status";
  }
}

void check_status(Napi::Env env, int s, const char* what) {
  if (s != 0) fail(env, std::string("cuBLAS error: ") + status_name(s) + " (" + std::to_string(s) + ") in " + what);
}

std::mutex handles_mu;
std::vector<Handle> handles;

// The device's handle, bound to `stream` and the wanted math mode.
Handle ready(Napi::Env env, int device, cudaStream_t stream, bool allow_tf32_math) {
  const Lib& L = lib();
  if (!L.status.loaded) fail(env, "matmul: cuBLAS is not available (" + L.status.error + ")");
  if (device < 0) fail(env, "matmul: invalid device index " + std::to_string(device));
  Handle h = nullptr;
  {
    std::lock_guard<std::mutex> lock(handles_mu);
    if (handles.size() <= static_cast<size_t>(device)) handles.resize(static_cast<size_t>(device) + 1, nullptr);
    if (handles[device] == nullptr) {
      Handle made = nullptr;
      check_status(env, L.create(&made), "cublasCreate");
      handles[device] = made;
    }
    h = handles[device];
  }
  check_status(env, L.set_stream(h, stream), "cublasSetStream");
  check_status(env, L.set_math(h, allow_tf32_math ? kTf32Math : kDefaultMath), "cublasSetMathMode");
  return h;
}

}  // namespace

const Status& status() { return lib().status; }
bool allow_tf32() { return tf32.load(std::memory_order_relaxed); }
void set_allow_tf32(bool on) { tf32.store(on, std::memory_order_relaxed); }

void gemm_strided_batched(Napi::Env env, int device, cudaStream_t stream, Op ta, Op tb, int m, int n, int k,
                          const float* a, int lda, long long sa, const float* b, int ldb, long long sb, float* c,
                          int ldc, long long sc, int batch) {
  Handle h = ready(env, device, stream, allow_tf32());
  const float one = 1.0f, zero = 0.0f;
  check_status(env, lib().sgemm(h, static_cast<int>(ta), static_cast<int>(tb), m, n, k, &one, a, lda, sa, b, ldb, sb,
                                &zero, c, ldc, sc, batch),
               "cublasSgemmStridedBatched");
}

void gemm_strided_batched(Napi::Env env, int device, cudaStream_t stream, Op ta, Op tb, int m, int n, int k,
                          const double* a, int lda, long long sa, const double* b, int ldb, long long sb, double* c,
                          int ldc, long long sc, int batch) {
  Handle h = ready(env, device, stream, false);
  const double one = 1.0, zero = 0.0;
  check_status(env, lib().dgemm(h, static_cast<int>(ta), static_cast<int>(tb), m, n, k, &one, a, lda, sa, b, ldb, sb,
                                &zero, c, ldc, sc, batch),
               "cublasDgemmStridedBatched");
}

void gemm_strided_batched_ex(Napi::Env env, int device, cudaStream_t stream, Op ta, Op tb, int m, int n, int k,
                             const void* a, cudaDataType at, int lda, long long sa, const void* b, cudaDataType bt,
                             int ldb, long long sb, void* c, cudaDataType ct, int ldc, long long sc, int batch) {
  Handle h = ready(env, device, stream, false);
  const float one = 1.0f, zero = 0.0f;  // alpha/beta in the compute type
  check_status(env, lib().gemm_ex(h, static_cast<int>(ta), static_cast<int>(tb), m, n, k, &one, a, at, lda, sa, b, bt,
                                  ldb, sb, &zero, c, ct, ldc, sc, batch, kCompute32F, kGemmDefaultAlgo),
               "cublasGemmStridedBatchedEx");
}

namespace {

Napi::Value CudaBlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Status& s = status();
  Napi::Object o = Napi::Object::New(env);
  o.Set("loaded", Napi::Boolean::New(env, s.loaded));
  o.Set("path", s.loaded ? Napi::Value(Napi::String::New(env, s.path)) : env.Null());
  o.Set("error", s.loaded ? env.Null() : Napi::Value(Napi::String::New(env, s.error)));
  return o;
}

Napi::Value CudaSetAllowTF32(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean())
    throw Napi::TypeError::New(info.Env(), "cudaSetAllowTF32: expected a boolean");
  set_allow_tf32(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value CudaGetAllowTF32(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), allow_tf32()); }

}  // namespace

TL_EXPORT("cudaBlasInfo", CudaBlasInfo);
TL_EXPORT("cudaSetAllowTF32", CudaSetAllowTF32);
TL_EXPORT("cudaGetAllowTF32", CudaGetAllowTF32);

}  // namespace blas
}  // namespace cuda
}  // namespace tl
