// Argument unpacking shared by every op entry point. Layouts (shape, strides,
// offsets) arrive in a Float64Array the runtime registers once with setMeta()
// and fills before each call, so a call costs one N-API crossing rather than
// one per number. Every layout is checked against its buffer's length before
// any pointer is formed.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "dtype.h"

namespace tl {

constexpr int kMaxDims = 16;

// The registered meta array (see setMeta in ops/storage.cc) and its length.
const double* meta_data(Napi::Env env, size_t* length);

class MetaReader {
 public:
  explicit MetaReader(Napi::Env env) : env_(env) { p_ = meta_data(env, &len_); }
  int64_t i() { return static_cast<int64_t>(next()); }
  double d() { return next(); }
 private:
  double next() {
    if (pos_ >= len_) throw Napi::Error::New(env_, "internal: layout description longer than the meta array (" + std::to_string(pos_) + " of " + std::to_string(len_) + ")");
    return p_[pos_++];
  }
  Napi::Env env_;
  const double* p_ = nullptr;
  size_t len_ = 0;
  size_t pos_ = 0;
};

struct Buffer {
  char* data = nullptr;
  size_t bytes = 0;
};

Buffer get_buffer(const Napi::Value& v, const char* what);
DType get_dtype(const Napi::Value& v);

[[noreturn]] inline void fail(Napi::Env env, const std::string& msg) {
  throw Napi::Error::New(env, msg);
}

// A strided view of a buffer: base pointer (already offset), strides in bytes.
struct View {
  char* data = nullptr;
  int64_t strides[kMaxDims];  // bytes; the first ndim entries are set by make_view
};

// Validates that offset/strides over `shape` stay inside `buf` for elements of
// `elsize` bytes and returns the view. Strides may be 0 (broadcast) or negative.
View make_view(Napi::Env env, const Buffer& buf, size_t elsize, int ndim, const int64_t* shape,
               int64_t offset, const int64_t* strides_elems, const char* what);

}  // namespace tl
