// The one module entry point. Op files add themselves through TL_EXPORT.
#include <napi.h>

#include "core/registry.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto& [name, fn] : tl::registry()) exports.Set(name, Napi::Function::New(env, fn, name));
#ifdef TL_WITH_CUDA
  exports.Set("cudaBuilt", Napi::Boolean::New(env, true));
#else
  exports.Set("cudaBuilt", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace

// Note [GC finalizers]: Node-API runs an addon's finalizers between turns of
// the event loop, unless the module declares the experimental API version:
// then it calls them synchronously from inside V8's garbage collector. A
// synchronous training loop on the GPU never yields to the event loop, so
// only the second way returns the blocks of dropped tensors while it runs
// (measured on Node 20.20: of 2M tokens made in one loop, ~99.5% were
// finalized before the loop ended; with version 8, none).
//
// So the module is registered by hand (what NODE_API_MODULE expands to,
// except for the version it reports), while node-addon-api and every op file
// keep compiling against Node-API 8. The price, for every finalizer in this
// addon (token.h's, and node-addon-api's own, e.g. for Function data): it must
// not call into JS or any Node-API function that can touch the GC state, or
// Node aborts the process. Ours only do native bookkeeping.
extern "C" {

NAPI_MODULE_EXPORT int32_t node_api_module_get_api_version_v1(void) { return NAPI_VERSION_EXPERIMENTAL; }

NAPI_MODULE_EXPORT napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  return Napi::RegisterModule(env, exports, Init);
}

}
