// Storage: host blocks from the caching allocator exposed to JavaScript as
// external ArrayBuffers, plus the meta array registration and thread settings.
//
// Note [Storage lifetime]: a block is returned to the cache either by free()
// (dispose/tidy: immediately, after detaching the ArrayBuffer so no JavaScript
// view can reach the memory again) or by the ArrayBuffer's finalizer when the
// garbage collector drops it. A Block record says which happened first, so the
// memory is returned exactly once.
#include <napi.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "../core/alloc.h"
#include "../core/args.h"
#include "../core/registry.h"
#include "../core/threadpool.h"

namespace tl {
namespace {

struct Block {
  void* data;
  size_t bytes;      // bytes requested (reported to V8)
  size_t actual;     // bytes held from the allocator
  bool returned = false;
};

std::mutex live_mu;
std::unordered_map<void*, Block*> live;  // not owning: each Block is owned by its finalizer

void give_back(Napi::Env env, Block* b) {
  if (b->returned) return;
  b->returned = true;
  host_free(b->data, b->actual);
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(b->bytes));
}

void finalize(napi_env env, void* /*data*/, void* hint) {
  std::unique_ptr<Block> b(static_cast<Block*>(hint));
  {
    std::lock_guard<std::mutex> g(live_mu);
    if (!b->returned) live.erase(b->data);
  }
  give_back(Napi::Env(env), b.get());
}

// alloc(nbytes, zero) -> ArrayBuffer
Napi::Value Alloc(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  double req = info[0].As<Napi::Number>().DoubleValue();
  if (!(req >= 0)) fail(env, "alloc: invalid byte count");
  if (req > 1.0e15) fail(env, "out of memory: tried to allocate " + std::to_string(req) + " bytes on the CPU");
  bool zero = info[1].ToBoolean();
  size_t n = static_cast<size_t>(req);
  auto b = std::make_unique<Block>();
  try {
    b->data = host_alloc(n, &b->actual);
  } catch (const std::bad_alloc&) {
    fail(env, "out of memory: tried to allocate " + std::to_string(n) + " bytes on the CPU");
  }
  b->bytes = n;
  if (zero) std::memset(b->data, 0, n);
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(n));
  Block* raw = b.get();
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(env, raw->data, n == 0 ? 1 : n, finalize, raw, &ab);
  if (st != napi_ok) {
    give_back(env, raw);
    fail(env, "alloc: could not create an external ArrayBuffer");
  }
  b.release();  // now owned by the finalizer
  {
    std::lock_guard<std::mutex> g(live_mu);
    live[raw->data] = raw;
  }
  return Napi::Value(env, ab);
}

// free(arrayBuffer): returns the block now and detaches the buffer. Buffers
// that did not come from alloc() are left alone (returns false).
Napi::Value Free(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsArrayBuffer()) fail(env, "free: expected an ArrayBuffer");
  auto ab = info[0].As<Napi::ArrayBuffer>();
  void* data = ab.Data();
  Block* b = nullptr;
  {
    std::lock_guard<std::mutex> g(live_mu);
    auto it = live.find(data);
    if (it == live.end()) return Napi::Boolean::New(env, false);
    b = it->second;
    live.erase(it);
  }
  ab.Detach();
  give_back(env, b);
  return Napi::Boolean::New(env, true);
}

Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  AllocStats s = host_stats();
  auto o = Napi::Object::New(env);
  o.Set("allocated", static_cast<double>(s.allocated));
  o.Set("peakAllocated", static_cast<double>(s.peak_allocated));
  o.Set("liveBlocks", static_cast<double>(s.live_blocks));
  o.Set("cached", static_cast<double>(s.cached));
  o.Set("cacheHits", static_cast<double>(s.cache_hits));
  o.Set("systemAllocs", static_cast<double>(s.system_allocs));
  return o;
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  host_empty_cache();
  return info.Env().Undefined();
}

struct MetaSlot {
  Napi::Reference<Napi::Float64Array> ref;
  const double* data = nullptr;
  size_t length = 0;
};

Napi::Value SetMeta(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    fail(env, "setMeta: expected a Float64Array");
  auto arr = info[0].As<Napi::Float64Array>();
  if (arr.ElementLength() < 1024) fail(env, "setMeta: the meta array needs at least 1024 slots");
  auto* slot = env.GetInstanceData<MetaSlot>();
  if (slot == nullptr) {
    // N-API owns instance data from here and deletes it at env teardown.
    env.SetInstanceData(std::make_unique<MetaSlot>().release());
    slot = env.GetInstanceData<MetaSlot>();
  }
  slot->ref = Napi::Persistent(arr);
  slot->data = arr.Data();
  slot->length = arr.ElementLength();
  return env.Undefined();
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber()) set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return Napi::Number::New(info.Env(), num_threads());
}

}  // namespace

const double* meta_data(Napi::Env env, size_t* length) {
  auto* slot = env.GetInstanceData<MetaSlot>();
  if (slot == nullptr || slot->data == nullptr) fail(env, "internal: setMeta() was not called");
  *length = slot->length;
  return slot->data;
}

TL_EXPORT("alloc", Alloc);
TL_EXPORT("free", Free);
TL_EXPORT("memoryStats", MemoryStats);
TL_EXPORT("emptyCache", EmptyCache);
TL_EXPORT("setMeta", SetMeta);
TL_EXPORT("numThreads", NumThreads);

}  // namespace tl
