// cudaCat(dtype, out, parts): ops/cat.cc on CUDA blocks, same meta layout:
//   [ndim, dim, nparts, outShape..., outOffset, outStrides...,
//    then per part: sizeAlongDim, offset, strides...]
// Each part is one launch (or one memcpy when both sides are a dense run) on
// the stream, so the parts queue back to back without host synchronization.
// Every layout is validated before anything is queued, so a bad part leaves
// the output untouched. Any dtype (float16 / bfloat16 too): only its size matters.
#include <napi.h>

#include <string>
#include <vector>

#include "core.h"
#include "loops.cuh"
#include "../core/registry.h"

namespace tl::cuda {
namespace {

// Copies elements as raw bits: cat never converts, so one kernel per element size.
template <class U>
struct Bits {
  __device__ __forceinline__ U operator()(U v) const { return v; }
};

void copy_part(Napi::Env env, int device, const Iter<2>& it, size_t es) {
  const int64_t n = it.numel();
  if (n == 0) return;
  if (it.ndim <= 1 && (it.ndim == 0 || (it.strides[0][0] == static_cast<int64_t>(es) &&
                                        it.strides[1][0] == static_cast<int64_t>(es)))) {
    check(env, cudaMemcpyAsync(it.data[0], it.data[1], static_cast<size_t>(n) * es, cudaMemcpyDeviceToDevice,
                               current_stream(device)),
          "cudaCat");
    return;
  }
  switch (es) {
    case 1: return launch_elementwise<uint8_t, uint8_t>(env, device, it, Operands<2>{}, Bits<uint8_t>{}, "cudaCat");
    case 2: return launch_elementwise<uint16_t, uint16_t>(env, device, it, Operands<2>{}, Bits<uint16_t>{}, "cudaCat");
    case 4: return launch_elementwise<uint32_t, uint32_t>(env, device, it, Operands<2>{}, Bits<uint32_t>{}, "cudaCat");
    case 8: return launch_elementwise<uint64_t, uint64_t>(env, device, it, Operands<2>{}, Bits<uint64_t>{}, "cudaCat");
    default: fail(env, "cudaCat: unsupported element size " + std::to_string(es));
  }
}

Napi::Value Cat(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const DType dt = get_dtype_any(info[0]);
  const size_t es = itemsize(dt);
  Operand out = device_operand(info[1], "cudaCat: output");
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
  make_view(env, out.buf, es, ndim, out_shape, out_off, out_st, "cat: output");

  std::vector<Iter<2>> copies;
  copies.reserve(static_cast<size_t>(nparts));
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
    Operand src = device_operand(parts.Get(static_cast<uint32_t>(p)), "cudaCat: part");
    if (src.device != out.device) fail_devices(env, out.device, src.device);
    View sv = make_view(env, src.buf, es, ndim, it.shape, off, st, "cat: part");
    View ov = make_view(env, out.buf, es, ndim, it.shape, out_off + at * out_st[dim], out_st, "cat: output slice");
    at += n;
    if (n == 0) continue;
    it.data[0] = ov.data;
    it.data[1] = sv.data;
    for (int d = 0; d < ndim; ++d) {
      it.strides[0][d] = ov.strides[d];
      it.strides[1][d] = sv.strides[d];
    }
    it.coalesce();
    copies.push_back(it);
  }
  DeviceGuard guard(out.device);
  for (const Iter<2>& it : copies) copy_part(env, out.device, it, es);
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaCat", Cat);

}  // namespace tl::cuda
