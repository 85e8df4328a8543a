// cat(dtype, outBuf, parts: ArrayBuffer[]): copies every part into its slice of
// out along `dim` in one call (cat is often used on small tensors, where a call
// per part costs more than the copying). All parts have `dtype` (any dtype,
// float16 / bfloat16 included: only its element size matters).
// Meta: [ndim, dim, nparts, outShape..., outOffset, outStrides...,
//        then per part: sizeAlongDim, offset, strides...].
#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

#include "../core/iter.h"
#include "../core/registry.h"

namespace tl {
namespace {

Napi::Value Cat(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  DType dt = get_dtype_any(info[0]);
  const size_t es = itemsize(dt);
  Buffer out = get_buffer(info[1], "cat: output");
  if (!info[2].IsArray()) fail(env, "cat: expected an array of buffers");
  auto parts = info[2].As<Napi::Array>();
  MetaReader m(env);
  const int ndim = static_cast<int>(m.i());
  const int dim = static_cast<int>(m.i());
  const int64_t nparts = m.i();
  if (ndim < 1 || ndim > kMaxDims || dim < 0 || dim >= ndim) fail(env, "cat: invalid dims");
  if (nparts != static_cast<int64_t>(parts.Length())) fail(env, "cat: part count does not match the layouts");
  int64_t out_shape[kMaxDims], out_st[kMaxDims];
  for (int d = 0; d < ndim; ++d) out_shape[d] = m.i();
  const int64_t out_off = m.i();
  for (int d = 0; d < ndim; ++d) out_st[d] = m.i();
  // The whole output is validated once; each slice lies inside it.
  make_view(env, out, es, ndim, out_shape, out_off, out_st, "cat: output");
  int64_t at = 0;
  for (int64_t p = 0; p < nparts; ++p) {
    Iter<2> it;
    it.ndim = ndim;
    for (int d = 0; d < ndim; ++d) it.shape[d] = out_shape[d];
    const int64_t n = m.i();
    if (n < 0 || at + n > out_shape[dim]) fail(env, "cat: parts exceed the output along dim");
    it.shape[dim] = n;
    const int64_t off = m.i();
    int64_t st[kMaxDims];
    for (int d = 0; d < ndim; ++d) st[d] = m.i();
    Buffer src = get_buffer(parts.Get(static_cast<uint32_t>(p)), "cat: part");
    View sv = make_view(env, src, es, ndim, it.shape, off, st, "cat: part");
    View ov = make_view(env, out, es, ndim, it.shape, out_off + at * out_st[dim], out_st, "cat: output slice");
    at += n;
    if (n == 0) continue;
    it.data[0] = ov.data;
    it.data[1] = sv.data;
    for (int d = 0; d < ndim; ++d) {
      it.strides[0][d] = ov.strides[d];
      it.strides[1][d] = sv.strides[d];
    }
    it.coalesce();
    iter_parallel(it, [es](char* const* q, const int64_t* s, int64_t cnt) {
      if (s[0] == static_cast<int64_t>(es) && s[1] == static_cast<int64_t>(es)) {
        std::memmove(q[0], q[1], static_cast<size_t>(cnt) * es);
        return;
      }
      char* o = q[0];
      const char* i = q[1];
      for (int64_t k = 0; k < cnt; ++k, o += s[0], i += s[1]) std::memcpy(o, i, es);
    });
  }
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cat", Cat);

}  // namespace tl
