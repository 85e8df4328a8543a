// Storage-side entry points: statistics and cache of the host caching
// allocator (which serves the impls' scratch buffers; tensor storages are
// ArrayBuffers owned by V8, see runtime/storage.ts Note [Large storages]),
// the meta array registration and thread settings.
#include <napi.h>

#include <memory>

#include "../core/alloc.h"
#include "../core/args.h"
#include "../core/registry.h"
#include "../core/threadpool.h"

namespace tl {
namespace {

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

TL_EXPORT("memoryStats", MemoryStats);
TL_EXPORT("emptyCache", EmptyCache);
TL_EXPORT("setMeta", SetMeta);
TL_EXPORT("numThreads", NumThreads);

}  // namespace tl
