// Opaque tokens: how a native handle (a CUDA block, stream or event) reaches
// JavaScript. Free of CUDA types so the GC behaviour is tested on the CPU.
//
// Note [Token design]: a token is an empty plain object with the handle
// attached by napi_wrap, plus an entry in a registry of live handles. Measured
// on Node 20.20 (this project's 2-core CPU machine, 1e6 tokens in a loop):
// object + napi_wrap took 370-470 ns to make, napi_unwrap 57-67 ns to read;
// napi_create_external took ~1000 ns to make (55 ns to read with a type tag);
// a type tag on the wrapped object raised make/read to 530/105-134 ns. As
// built here (registry, node-addon-api entry): make + collect 600 ns, read
// 130 ns. The registry (one hash lookup) is what proves that an object
// wrapped by someone else is not taken for a handle, without ever
// dereferencing a pointer we did not make.
//
// The finalizer runs inside the garbage collector (Note [GC finalizers] in
// addon.cc): it must not call Node-API, and it only runs the handle's
// destructor, which returns memory to a cache or releases a CUDA handle.
#pragma once
#include <napi.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tl::cuda {

enum class TokenKind : uint8_t { Block, Stream, Event };

inline const char* token_kind_name(TokenKind k) {
  switch (k) {
    case TokenKind::Block: return "a CUDA block (from cudaAlloc)";
    case TokenKind::Stream: return "a CUDA stream (from cudaStreamCreate)";
    case TokenKind::Event: return "a CUDA event (from cudaEventCreate)";
  }
  return "a token";
}

class TokenRegistry {
 public:
  static TokenRegistry& get() {
    // Leaked on purpose: finalizers may run at environment teardown, after
    // static destructors would have destroyed a plain static.
    static TokenRegistry* r = std::make_unique<TokenRegistry>().release();
    return *r;
  }
  void add(const void* h, TokenKind k) {
    std::lock_guard<std::mutex> g(mu_);
    live_[h] = k;
  }
  void remove(const void* h) {
    std::lock_guard<std::mutex> g(mu_);
    live_.erase(h);
  }
  bool is(const void* h, TokenKind k) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = live_.find(h);
    return it != live_.end() && it->second == k;
  }

 private:
  std::mutex mu_;
  std::unordered_map<const void*, TokenKind> live_;
};

namespace detail {

template <class H>
void finalize_token(napi_env, void* data, void*) {
  TokenRegistry::get().remove(data);
  std::unique_ptr<H> owned(static_cast<H*>(data));
}

inline std::string describe(Napi::Env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  if (napi_typeof(env, v, &t) != napi_ok) return "a value";
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_bigint: return "a bigint";
    case napi_function: return "a function";
    default: break;
  }
  bool yes = false;
  if (napi_is_arraybuffer(env, v, &yes) == napi_ok && yes) return "an ArrayBuffer (host memory)";
  if (napi_is_typedarray(env, v, &yes) == napi_ok && yes) return "a typed array (host memory)";
  return "another object";
}

}  // namespace detail

// Hands `h` to JavaScript. H names its kind as `static constexpr TokenKind kKind`;
// its destructor is what runs when the token is collected.
template <class H>
Napi::Object make_token(Napi::Env env, std::unique_ptr<H> h) {
  Napi::Object obj = Napi::Object::New(env);
  TokenRegistry::get().add(h.get(), H::kKind);
  if (napi_wrap(env, obj, h.get(), &detail::finalize_token<H>, nullptr, nullptr) != napi_ok) {
    TokenRegistry::get().remove(h.get());
    throw Napi::Error::New(env, std::string("internal: could not attach ") + token_kind_name(H::kKind) + " to its token");
  }
  h.release();  // owned by the token's finalizer from here
  return obj;
}

// The live handle behind token `v`; throws a JS error naming `what` otherwise.
template <class H>
H* get_token(const Napi::Value& v, const char* what) {
  Napi::Env env = v.Env();
  void* p = nullptr;
  // typeof first: napi_unwrap would coerce a primitive and leave a pending
  // exception for null/undefined.
  if (!v.IsObject() || napi_unwrap(env, v, &p) != napi_ok || p == nullptr || !TokenRegistry::get().is(p, H::kKind))
    throw Napi::Error::New(env, std::string(what) + ": expected " + token_kind_name(H::kKind) + ", got " +
                                    detail::describe(env, v));
  return static_cast<H*>(p);
}

}  // namespace tl::cuda
