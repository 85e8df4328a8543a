// scan(op, inDtype, outDtype, outBuf, inBuf) -> undefined
//
//   op: 0 cumsum, 1 cumprod.
//   meta (elements): [ndim, shape[ndim], dim, outOffset, outStrides[ndim],
//                     inOffset, inStrides[ndim]]
//   out has the input's shape. outDtype: float32 / float64 / int32 / int64.
//   PyTorch's default is int64 for integer and bool input and the input dtype
//   for floats. Accumulation is in float64 when outDtype is floating (float32
//   input included, as PyTorch's CPU kernel does) and in wrapping int64
//   otherwise. out may be the same memory as in (same layout) for in-place use.
//   ndim 0 is a single element (dim must be 0).
#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../core/threadpool.h"
#include "../cpu/scan.h"

namespace tl {
namespace {

using namespace cpu::scan;

constexpr int64_t kTile = 512;

struct ScanLayout {
  Iter<2> outer;  // every dim but `dim`; operand 0 out, 1 in
  int64_t len = 1;
  int64_t out_stride = 0, in_stride = 0;  // along dim, bytes
  int64_t n_outer = 1;
};

template <class Op, class Acc, class In, class Out>
void run_scan(const ScanLayout& L) {
  const Iter<2>& outer = L.outer;
  const int64_t is = L.in_stride / static_cast<int64_t>(sizeof(In));
  const int64_t os = L.out_stride / static_cast<int64_t>(sizeof(Out));
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, L.len));
  const int nd = outer.ndim;
  // Lines adjacent and contiguous in both operands, while the scanned dim is not
  // contiguous: scan a tile of lines together (cumsum(dim=0) of a matrix).
  const bool tile = nd >= 1 && outer.strides[0][nd - 1] == static_cast<int64_t>(sizeof(Out)) &&
                    outer.strides[1][nd - 1] == static_cast<int64_t>(sizeof(In)) && outer.shape[nd - 1] >= 4 &&
                    L.len > 1 && !(is == 1 && os == 1);
  parallel_for(L.n_outer, grain, [&](int64_t b, int64_t e) {
    auto run = [&](char** p, const int64_t* st, int64_t n) {
      if (tile) {
        Acc acc[kTile];
        for (int64_t t0 = 0; t0 < n; t0 += kTile) {
          const int64_t w = std::min(kTile, n - t0);
          scan_tile<Op, Acc>(reinterpret_cast<const In*>(p[1]) + t0, is, reinterpret_cast<Out*>(p[0]) + t0, os,
                             L.len, acc, w);
        }
        return;
      }
      for (int64_t j = 0; j < n; ++j)
        scan_line<Op, Acc>(reinterpret_cast<const In*>(p[1] + j * st[1]), is,
                           reinterpret_cast<Out*>(p[0] + j * st[0]), os, L.len);
    };
    iter_range(outer, b, e, run);
  });
}

template <template <class> class Op, class In>
void dispatch_out(DType out_dt, const ScanLayout& L) {
  switch (out_dt) {
    case DType::Float32: return run_scan<Op<double>, double, In, float>(L);
    case DType::Float64: return run_scan<Op<double>, double, In, double>(L);
    case DType::Int32: return run_scan<Op<int64_t>, int64_t, In, int32_t>(L);
    default: return run_scan<Op<int64_t>, int64_t, In, int64_t>(L);
  }
}

int int_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("scan: ") + what + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

Napi::Value Scan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = int_arg(info, 0, "op");
  if (op != 0 && op != 1) fail(env, "scan: unknown op " + std::to_string(op));
  const char* name = op == 0 ? "cumsum" : "cumprod";
  const DType in_dt = get_dtype(info[1]);
  const DType out_dt = get_dtype(info[2]);
  if (out_dt == DType::UInt8 || out_dt == DType::Bool)
    fail(env, std::string(name) + "(): unsupported output dtype " + dtype_name(out_dt));
  Buffer out_buf = get_buffer(info[3], "scan: out");
  Buffer in_buf = get_buffer(info[4], "scan: input");

  MetaReader m(env);
  const int64_t ndim64 = m.i();
  if (ndim64 < 0 || ndim64 > kMaxDims) fail(env, "scan: at most 16 dimensions are supported");
  const int ndim = static_cast<int>(ndim64);
  int64_t shape[kMaxDims], out_st[kMaxDims], in_st[kMaxDims];
  for (int d = 0; d < ndim; ++d) shape[d] = m.i();
  const int64_t dim = m.i();
  if (dim < 0 || dim >= std::max(ndim, 1))
    fail(env, std::string(name) + "(): dim " + std::to_string(dim) + " out of range for a " + std::to_string(ndim) +
                  "-d tensor");
  const int64_t out_off = m.i();
  for (int d = 0; d < ndim; ++d) out_st[d] = m.i();
  const int64_t in_off = m.i();
  for (int d = 0; d < ndim; ++d) in_st[d] = m.i();

  View out_v = make_view(env, out_buf, itemsize(out_dt), ndim, shape, out_off, out_st, "scan: out");
  View in_v = make_view(env, in_buf, itemsize(in_dt), ndim, shape, in_off, in_st, "scan: input");
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= shape[d];
  if (numel == 0) return env.Undefined();

  ScanLayout L;
  L.outer.data[0] = out_v.data;
  L.outer.data[1] = in_v.data;
  if (ndim > 0) {
    L.len = shape[dim];
    L.out_stride = out_v.strides[dim];
    L.in_stride = in_v.strides[dim];
    for (int d = 0, k = 0; d < ndim; ++d) {
      if (d == dim) continue;
      L.outer.shape[k] = shape[d];
      L.outer.strides[0][k] = out_v.strides[d];
      L.outer.strides[1][k] = in_v.strides[d];
      L.n_outer *= shape[d];
      ++k;
    }
    L.outer.ndim = ndim - 1;
    L.outer.coalesce();
  }

  auto by_in = [&](auto in_tag) {
    using In = decltype(in_tag);
    if (op == 0) dispatch_out<CumSum, In>(out_dt, L);
    else dispatch_out<CumProd, In>(out_dt, L);
  };
  if (in_dt == DType::Bool) by_in(uint8_t{});  // read the 0/1 byte
  else dispatch_numeric(in_dt, by_in);
  return env.Undefined();
}

}  // namespace

TL_EXPORT("scan", Scan);

}  // namespace tl
