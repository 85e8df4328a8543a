// Device memory: the per-device caching pools (pool.h, Note [Caching
// allocator]), the block tokens JS holds, scratch for the impls, and the
// statistics behind torch.cuda.memoryAllocated & co.
//
// cudaAlloc(device, nbytes) -> block     on failure an Error with code "CUDA_OOM"
// cudaFree(block)                        idempotent; the block returns to the cache
// cudaMemoryStats(device) -> {allocated, peakAllocated, reserved, activeBlocks,
//                             cachedBlocks, numAllocRetries, numOoms}   (bytes, counts)
// cudaEmptyCache();  cudaResetPeakMemoryStats(device)
//
// cudaSetGcHook(fn | null)               a full, synchronous collection (global.gc)
//
// Note [GPU memory and the collector]: V8 cannot see device memory, and a
// dropped tensor's block returns to the cache only when the collector finds
// its token dead (Note [GC finalizers] in addon.cc). Two things make the
// collector run when GPU memory is at stake:
// - The pool's reserved bytes (segments obtained from the driver) are
//   reported to V8 as external memory, so V8 collects sooner while GPU memory
//   grows. Not every block: V8 starts a collection for about every 64 MB of
//   external growth, and blocks that are dropped, not disposed, would then
//   buy a full collection every 64 MB of allocations. Measured with this
//   pool, these tokens and a fake 8 GiB device on the 2-core CPU machine,
//   in loops that drop every token: reporting every block cost 48 us per
//   1 MiB allocation and 440-940 us per 64 MiB one (peak reserved 106 MiB and
//   2.3 GiB); reporting reserved bytes cost 8-14 us and 90 us (peak 1.7 GiB,
//   then 8 GiB with the hook below doing the rest); reporting nothing cost
//   4-10 us and 33-39 us but filled the device before the first collection.
//   Tensors that are disposed, not dropped, cost nothing in any case.
// - When a segment cannot be had, the hook (the runtime registers a full GC)
//   runs before the cache is released: the collection returns dead blocks to
//   the cache, where the retry finds them without a device sync. Only then is
//   the cache released, and only then is the error CUDA_OOM thrown. This
//   covers scratch inside the impls too, which the runtime could not retry.
#include <napi.h>
#include <cuda_runtime.h>

#include <memory>
#include <string>
#include <vector>

#include "../core/registry.h"
#include "core.h"
#include "internal.h"
#include "pool.h"
#include "token.h"

namespace tl::cuda {
namespace {

// Set by seg_malloc so an allocation failure that is not "out of memory" (a
// broken context, say) is reported as what it is.
thread_local cudaError_t g_malloc_error = cudaSuccess;

bool seg_malloc(int device, size_t bytes, void** p) {
  DeviceGuard g(device);
  cudaError_t e = cudaMalloc(p, bytes);
  if (e == cudaSuccess) return true;
  (void)cudaGetLastError();
  g_malloc_error = e;
  *p = nullptr;
  return false;
}

void seg_free(int device, void* p) {
  DeviceGuard g(device);
  if (cudaFree(p) != cudaSuccess) (void)cudaGetLastError();
}

void seg_sync(int device) {
  DeviceGuard g(device);
  if (cudaDeviceSynchronize() != cudaSuccess) (void)cudaGetLastError();
}

std::vector<std::unique_ptr<Pool>>& pools() {
  // Leaked on purpose (see TokenRegistry::get); made on first use, when the
  // caller has already checked that there is a device.
  static std::vector<std::unique_ptr<Pool>>* p = [] {
    auto v = std::make_unique<std::vector<std::unique_ptr<Pool>>>();
    for (int d = 0; d < device_count(); ++d) v->push_back(std::make_unique<Pool>(d, SegmentSource{seg_malloc, seg_free, seg_sync}));
    return v.release();
  }();
  return *p;
}

Pool& pool(int device) { return *pools().at(static_cast<size_t>(device)); }

// Note [GPU memory and the collector]. One count for the process: a worker
// thread's segments would be reported to whichever isolate allocates next,
// which only shifts when V8 feels pressure, never what is freed.
int64_t g_reported = 0;

void report_reserved(Napi::Env env) {
  int64_t now = 0;
  for (auto& p : pools()) now += static_cast<int64_t>(p->stats().reserved);
  if (now == g_reported) return;
  int64_t total = 0;
  if (napi_adjust_external_memory(env, now - g_reported, &total) == napi_ok) g_reported = now;
}

// The collection to run before giving up on an allocation (cudaSetGcHook).
struct GcHook {
  napi_env env = nullptr;
  napi_ref fn = nullptr;
};
GcHook g_gc_hook;

bool run_gc_hook(Napi::Env env) {
  if (g_gc_hook.fn == nullptr || g_gc_hook.env != static_cast<napi_env>(env)) return false;
  napi_value fn = nullptr;
  if (napi_get_reference_value(env, g_gc_hook.fn, &fn) != napi_ok || fn == nullptr) return false;
  Napi::Function(env, fn).Call({});  // a throw from the hook propagates as a JS exception
  return true;
}

[[noreturn]] void throw_oom(Napi::Env env, int device, size_t bytes) {
  PoolStats s = pool(device).stats();
  size_t free_b = 0, total_b = 0;
  {
    DeviceGuard g(device);
    if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) (void)cudaGetLastError();
  }
  throw_coded(env,
              "CUDA out of memory. Tried to allocate " + format_bytes(bytes) + " (GPU " + std::to_string(device) + "; " +
                  format_bytes(total_b) + " total capacity; " + format_bytes(s.allocated) + " already allocated; " +
                  format_bytes(free_b) + " free; " + format_bytes(s.reserved) + " reserved in total by torchlab)",
              "CUDA_OOM");
}

// `bytes` (> 0) on `device`'s current stream, or a JS error.
char* alloc_or_throw(Napi::Env env, int device, size_t bytes) {
  if (bytes > Pool::kMaxRequest) throw_oom(env, device, bytes);
  uint64_t stream = current_stream_ref(device).id;
  g_malloc_error = cudaSuccess;
  bool hook = g_gc_hook.fn != nullptr && g_gc_hook.env == static_cast<napi_env>(env);
  char* p = pool(device).alloc(bytes, stream, !hook);
  if (p == nullptr && hook && g_malloc_error == cudaErrorMemoryAllocation && run_gc_hook(env)) {
    g_malloc_error = cudaSuccess;
    p = pool(device).alloc(bytes, stream, true);
  }
  report_reserved(env);
  if (p != nullptr) return p;
  if (g_malloc_error != cudaSuccess && g_malloc_error != cudaErrorMemoryAllocation) check(env, g_malloc_error, "cudaMalloc");
  throw_oom(env, device, bytes);
}

struct BlockHandle {
  static constexpr TokenKind kKind = TokenKind::Block;
  char* ptr = nullptr;  // nullptr for 0 bytes
  size_t bytes = 0;
  int device = 0;
  bool live = false;
  BlockHandle() = default;
  BlockHandle(const BlockHandle&) = delete;
  BlockHandle& operator=(const BlockHandle&) = delete;
  ~BlockHandle() { release(); }  // may run inside the GC: bookkeeping only (pool.h)
  void release() {
    if (!live) return;
    live = false;
    if (ptr != nullptr) pool(device).free(ptr);
  }
};

// ------------------------------------------------------------ entry points

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int d = get_device_arg(info[0], "cudaAlloc");
  size_t n = get_size_arg(info[1], "cudaAlloc: nbytes");
  auto h = std::make_unique<BlockHandle>();
  h->device = d;
  h->bytes = n;
  if (n > 0) h->ptr = alloc_or_throw(env, d, n);
  h->live = true;
  return make_token(env, std::move(h));
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  get_token<BlockHandle>(info[0], "cudaFree")->release();
  return env.Undefined();
}

Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int d = get_device_arg(info[0], "cudaMemoryStats");
  PoolStats s = pool(d).stats();
  auto o = Napi::Object::New(env);
  o.Set("allocated", Napi::Number::New(env, static_cast<double>(s.allocated)));
  o.Set("peakAllocated", Napi::Number::New(env, static_cast<double>(s.peak_allocated)));
  o.Set("reserved", Napi::Number::New(env, static_cast<double>(s.reserved)));
  o.Set("activeBlocks", Napi::Number::New(env, static_cast<double>(s.active_blocks)));
  o.Set("cachedBlocks", Napi::Number::New(env, static_cast<double>(s.cached_blocks)));
  o.Set("numAllocRetries", Napi::Number::New(env, static_cast<double>(s.alloc_retries)));
  o.Set("numOoms", Napi::Number::New(env, static_cast<double>(s.ooms)));
  o.Set("segmentAllocs", Napi::Number::New(env, static_cast<double>(s.segment_allocs)));
  return o;
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  require_device(env, 0, "cudaEmptyCache");
  for (auto& p : pools()) p->release_cached();
  report_reserved(env);
  return env.Undefined();
}

Napi::Value ResetPeakMemoryStats(const Napi::CallbackInfo& info) {
  int d = get_device_arg(info[0], "cudaResetPeakMemoryStats");
  pool(d).reset_peak();
  return info.Env().Undefined();
}

Napi::Value SetGcHook(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsFunction() && !info[0].IsNull() && !info[0].IsUndefined())
    throw Napi::TypeError::New(env, "cudaSetGcHook: expected a function (a full garbage collection) or null");
  if (g_gc_hook.fn != nullptr && g_gc_hook.env == static_cast<napi_env>(env)) napi_delete_reference(env, g_gc_hook.fn);
  g_gc_hook = GcHook{};
  if (info[0].IsFunction()) {
    napi_ref ref = nullptr;
    if (napi_create_reference(env, info[0], 1, &ref) != napi_ok) throw Napi::Error::New(env, "internal: cudaSetGcHook could not keep the function");
    g_gc_hook = GcHook{env, ref};
  }
  return env.Undefined();
}

TL_EXPORT("cudaAlloc", Alloc);
TL_EXPORT("cudaSetGcHook", SetGcHook);
TL_EXPORT("cudaFree", Free);
TL_EXPORT("cudaMemoryStats", MemoryStats);
TL_EXPORT("cudaEmptyCache", EmptyCache);
TL_EXPORT("cudaResetPeakMemoryStats", ResetPeakMemoryStats);

}  // namespace

DeviceBuffer get_device_buffer(const Napi::Value& v, const char* what) {
  BlockHandle& h = *get_token<BlockHandle>(v, what);
  if (!h.live) throw Napi::Error::New(v.Env(), std::string(what) + ": the CUDA block was already freed (cudaFree or dispose)");
  return DeviceBuffer{h.ptr, h.bytes, h.device};
}

DeviceScratch::DeviceScratch(Napi::Env env, int device, size_t bytes) : bytes_(bytes), device_(device) {
  if (bytes == 0) return;
  require_device(env, device, "device scratch");
  p_ = alloc_or_throw(env, device, bytes);
}

DeviceScratch::~DeviceScratch() {
  if (p_ != nullptr) pool(device_).free(static_cast<char*>(p_));
}

}  // namespace tl::cuda
