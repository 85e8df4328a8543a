#include "args.h"

namespace tl {

Buffer get_buffer(const Napi::Value& v, const char* what) {
  Buffer b;
  // One N-API call for the common case (an ArrayBuffer): it fails cleanly for anything else.
  void* data = nullptr;
  size_t len = 0;
  if (napi_get_arraybuffer_info(v.Env(), v, &data, &len) == napi_ok) {
    b.data = static_cast<char*>(data);
    b.bytes = len;
    return b;
  }
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    auto ab = ta.ArrayBuffer();
    b.data = static_cast<char*>(ab.Data()) + ta.ByteOffset();
    b.bytes = ta.ByteLength();
    return b;
  }
  throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an ArrayBuffer");
}

DType get_dtype(const Napi::Value& v) {
  int code = v.As<Napi::Number>().Int32Value();
  if (code < 0 || code >= kNumDTypes) throw Napi::TypeError::New(v.Env(), "unknown dtype code " + std::to_string(code));
  return static_cast<DType>(code);
}

View make_view(Napi::Env env, const Buffer& buf, size_t elsize, int ndim, const int64_t* shape,
               int64_t offset, const int64_t* strides, const char* what) {
  if (ndim < 0 || ndim > kMaxDims) fail(env, std::string(what) + ": at most 16 dimensions are supported");
  int64_t lo = offset, hi = offset;
  bool empty = false;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] < 0) fail(env, std::string(what) + ": negative dimension size");
    if (shape[d] == 0) empty = true;
    int64_t span = (shape[d] - 1) * strides[d];
    if (span < 0) lo += span; else hi += span;
  }
  View v;
  if (!empty && (lo < 0 || static_cast<uint64_t>(hi + 1) * elsize > buf.bytes)) {
    fail(env, std::string(what) + ": layout reaches outside its storage (elements " + std::to_string(lo) + ".." +
                  std::to_string(hi) + ", storage holds " + std::to_string(buf.bytes / elsize) + ")");
  }
  v.data = buf.data + (empty ? 0 : offset * static_cast<int64_t>(elsize));
  for (int d = 0; d < ndim; ++d) v.strides[d] = strides[d] * static_cast<int64_t>(elsize);
  return v;
}

}  // namespace tl
