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

NODE_API_MODULE(torchlab, Init)
