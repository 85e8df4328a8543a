// Each op file registers its entry points with TL_EXPORT at static-init time, so
// adding an op never touches addon.cc.
#pragma once
#include <napi.h>

#include <utility>
#include <vector>

namespace tl {

using Entry = Napi::Value (*)(const Napi::CallbackInfo&);

inline std::vector<std::pair<const char*, Entry>>& registry() {
  static std::vector<std::pair<const char*, Entry>> r;
  return r;
}

struct Registrar {
  Registrar(const char* name, Entry fn) { registry().emplace_back(name, fn); }
};

}  // namespace tl

#define TL_CONCAT_(a, b) a##b
#define TL_CONCAT(a, b) TL_CONCAT_(a, b)
#define TL_EXPORT(name, fn) static ::tl::Registrar TL_CONCAT(tl_registrar_, __LINE__)(name, fn)
