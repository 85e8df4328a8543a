// cudaScan(op, inDtype, outDtype, out, input): ops/scan.cc on CUDA blocks,
// same meta layout, checks and accumulation:
//   op: 0 cumsum, 1 cumprod (the CPU impl has no other scan).
//   meta: [ndim, shape[ndim], dim, outOffset, outStrides[ndim], inOffset,
//          inStrides[ndim]]
//   outDtype float32 / float64 accumulate in double, int32 / int64 in
//   wrapping int64; bool input is read as its 0/1 byte. out may be the same
//   memory as in (same layout).
//
// A line (the elements along dim for one index of the other dims) is scanned
// by one thread when lines sit side by side in memory (cumsum(dim=0) of a
// matrix: adjacent threads read adjacent addresses) or are short, and by one
// warp otherwise (each lane scans 4 consecutive elements, then the lanes'
// totals are scanned with shuffles). When there are too few lines to fill the
// GPU, each line is cut into chunks: pass 1 takes every chunk's total, pass 2
// turns the totals into each chunk's carry-in, pass 3 scans the chunks again
// starting from their carry.
#include <napi.h>

#include <algorithm>
#include <string>
#include <type_traits>

#include "core.h"
#include "loops.cuh"
#include "../core/registry.h"
#include "../cpu/scan.h"

namespace tl::cuda {
namespace {

struct ScanParams {
  char* out = nullptr;
  const char* in = nullptr;
  Indexer<2> outer;  // line -> (out offset, in offset), bytes
  int64_t n_outer = 1, len = 1;
  int64_t chunk = 1, nchunks = 1;  // a line is nchunks chunks of `chunk` elements
  int64_t is = 0, os = 0;          // strides along dim, elements
};

// Tasks are (line, chunk) pairs; the slot of a chunk's total or carry is
// line * nchunks + chunk. Adjacent threads take adjacent lines.
template <class Op, class Acc, class In, class Out>
__global__ void __launch_bounds__(kThreads) scan_thread(ScanParams p, const Acc* carry, Acc* totals, bool write) {
  const int64_t tasks = p.n_outer * p.nchunks;
  for (int64_t task = global_thread(); task < tasks; task += grid_threads()) {
    const int64_t c = task / p.n_outer, line = task - c * p.n_outer;
    const int64_t slot = line * p.nchunks + c;
    int64_t off[2];
    p.outer.offsets(line, off);
    const In* in = reinterpret_cast<const In*>(p.in + off[1]);
    Out* out = reinterpret_cast<Out*>(p.out + off[0]);
    const int64_t begin = c * p.chunk, end = min(p.len, begin + p.chunk);
    Acc acc = carry ? carry[slot] : Op::identity();
    for (int64_t i = begin; i < end; ++i) {
      acc = Op::step(acc, convert<Acc>(in[i * p.is]));  // read before the write: in-place scans
      if (write) out[i * p.os] = convert<Out>(acc);
    }
    if (totals) totals[slot] = acc;
  }
}

constexpr int kItems = 4;  // consecutive elements per lane in scan_warp
constexpr int64_t kWarpTile = kWarp * kItems;

template <class Op, class Acc, class In, class Out>
__global__ void __launch_bounds__(kThreads) scan_warp(ScanParams p, const Acc* carry, Acc* totals, bool write) {
  const int lane = static_cast<int>(threadIdx.x % kWarp);
  const int64_t tasks = p.n_outer * p.nchunks;
  const int64_t warps = grid_threads() / kWarp;
  // task is uniform across the warp, as the shuffles require.
  for (int64_t task = global_thread() / kWarp; task < tasks; task += warps) {
    const int64_t line = task / p.nchunks, c = task - line * p.nchunks;
    int64_t off[2];
    p.outer.offsets(line, off);
    const In* in = reinterpret_cast<const In*>(p.in + off[1]);
    Out* out = reinterpret_cast<Out*>(p.out + off[0]);
    const int64_t begin = c * p.chunk, end = min(p.len, begin + p.chunk);
    Acc acc = carry ? carry[task] : Op::identity();
    for (int64_t t0 = begin; t0 < end; t0 += kWarpTile) {
      const int64_t first = t0 + lane * kItems;
      Acc local[kItems];
      Acc run = Op::identity();
#pragma unroll
      for (int j = 0; j < kItems; ++j) {
        if (first + j < end) run = Op::step(run, convert<Acc>(in[(first + j) * p.is]));
        local[j] = run;
      }
      Acc incl = run;
#pragma unroll
      for (int d = 1; d < kWarp; d *= 2) {
        const Acc u = shfl_up(incl, d);
        if (lane >= d) incl = Op::step(u, incl);
      }
      Acc excl = shfl_up(incl, 1);
      if (lane == 0) excl = Op::identity();
      const Acc prefix = Op::step(acc, excl);
      if (write) {
#pragma unroll
        for (int j = 0; j < kItems; ++j)
          if (first + j < end) out[(first + j) * p.os] = convert<Out>(Op::step(prefix, local[j]));
      }
      acc = Op::step(acc, shfl_idx(incl, kWarp - 1));
    }
    if (totals && lane == 0) totals[task] = acc;
  }
}

// Chunk totals -> exclusive carries, one thread per line, in place.
template <class Op, class Acc>
__global__ void __launch_bounds__(kThreads) scan_carry(int64_t n_outer, int64_t nchunks, Acc* totals) {
  for (int64_t line = global_thread(); line < n_outer; line += grid_threads()) {
    Acc run = Op::identity();
    for (int64_t c = 0; c < nchunks; ++c) {
      const Acc t = totals[line * nchunks + c];
      totals[line * nchunks + c] = run;
      run = Op::step(run, t);
    }
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

template <class Op, class Acc, class In, class Out>
void run_scan(Napi::Env env, int device, ScanParams p, bool per_thread) {
  // Enough parallel tasks to fill the GPU; fewer lines than that get chunked,
  // with chunks long enough that the two extra passes stay cheap.
  const int64_t sm = multiprocessor_count(device);
  const int64_t target = per_thread ? sm * 2048 : sm * 64;
  const int64_t min_chunk = per_thread ? 256 : 1024;
  int64_t want = p.n_outer < target ? ceil_div(target, p.n_outer) : 1;
  want = std::max<int64_t>(1, std::min(want, ceil_div(p.len, min_chunk)));
  p.chunk = ceil_div(p.len, want);
  p.nchunks = ceil_div(p.len, p.chunk);
  const int64_t tasks = p.n_outer * p.nchunks;
  const unsigned blocks = per_thread ? blocks_for(tasks, device) : blocks_for(tasks * kWarp, device);
  cudaStream_t stream = current_stream(device);
  auto launch = [&](const Acc* carry, Acc* totals, bool write) {
    if (per_thread) scan_thread<Op, Acc, In, Out><<<blocks, kThreads, 0, stream>>>(p, carry, totals, write);
    else scan_warp<Op, Acc, In, Out><<<blocks, kThreads, 0, stream>>>(p, carry, totals, write);
    check_launch(env, "cudaScan");
  };
  if (p.nchunks == 1) {
    launch(nullptr, nullptr, true);
    return;
  }
  DeviceScratch scratch(env, device, static_cast<size_t>(tasks) * sizeof(Acc));
  Acc* totals = static_cast<Acc*>(scratch.get());
  launch(nullptr, totals, false);
  scan_carry<Op, Acc><<<blocks_for(p.n_outer, device), kThreads, 0, stream>>>(p.n_outer, p.nchunks, totals);
  check_launch(env, "cudaScan: chunk carries");
  launch(totals, nullptr, true);
}

template <template <class> class Op, class In>
void dispatch_out(Napi::Env env, int device, DType out_dt, const ScanParams& p, bool per_thread) {
  switch (out_dt) {
    case DType::Float32: return run_scan<Op<double>, double, In, float>(env, device, p, per_thread);
    case DType::Float64: return run_scan<Op<double>, double, In, double>(env, device, p, per_thread);
    case DType::Int32: return run_scan<Op<int64_t>, int64_t, In, int32_t>(env, device, p, per_thread);
    default: return run_scan<Op<int64_t>, int64_t, In, int64_t>(env, device, p, per_thread);
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
  // 16-bit floats reach this impl widened to float32 (runtime/ops/half.ts); refuse them rather than misread.
  if (is_half_dtype(in_dt) || is_half_dtype(out_dt)) fail(info.Env(), "scan: float16/bfloat16 are not supported by this CUDA impl (expected float32 or wider)");
  if (out_dt == DType::UInt8 || out_dt == DType::Bool)
    fail(env, std::string(name) + "(): unsupported output dtype " + dtype_name(out_dt));
  Operand out_o = device_operand(info[3], "cudaScan: out");
  Operand in_o = device_operand(info[4], "cudaScan: input");
  const int device = common_device(env, {&out_o, &in_o});

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

  const size_t out_es = itemsize(out_dt), in_es = itemsize(in_dt);
  const View out_v = make_view(env, out_o.buf, out_es, ndim, shape, out_off, out_st, "scan: out");
  const View in_v = make_view(env, in_o.buf, in_es, ndim, shape, in_off, in_st, "scan: input");
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) numel *= shape[d];
  if (numel == 0) return env.Undefined();

  ScanParams p;
  p.out = out_v.data;
  p.in = in_v.data;
  Iter<2> outer;
  outer.ndim = 0;
  if (ndim > 0) {
    p.len = shape[dim];
    p.os = out_v.strides[dim] / static_cast<int64_t>(out_es);
    p.is = in_v.strides[dim] / static_cast<int64_t>(in_es);
    for (int d = 0, k = 0; d < ndim; ++d) {
      if (d == dim) continue;
      outer.shape[k] = shape[d];
      outer.strides[0][k] = out_v.strides[d];
      outer.strides[1][k] = in_v.strides[d];
      p.n_outer *= shape[d];
      ++k;
    }
    outer.ndim = ndim - 1;
    outer.coalesce();
  }
  p.outer = make_indexer<2>(outer);
  // Lines side by side in both operands (the CPU impl's tile case), or lines
  // too short to occupy a warp: one thread per line.
  const int nd = outer.ndim;
  const bool adjacent = nd >= 1 && outer.strides[0][nd - 1] == static_cast<int64_t>(out_es) &&
                        outer.strides[1][nd - 1] == static_cast<int64_t>(in_es) && outer.shape[nd - 1] >= 4 &&
                        p.len > 1 && !(p.is == 1 && p.os == 1);
  const bool per_thread = adjacent || p.len < kWarp;

  DeviceGuard guard(device);
  auto by_in = [&](auto in_tag) {
    using In = decltype(in_tag);
    if constexpr (!std::is_same_v<In, bool>) {
      if (op == 0) dispatch_out<cpu::scan::CumSum, In>(env, device, out_dt, p, per_thread);
      else dispatch_out<cpu::scan::CumProd, In>(env, device, out_dt, p, per_thread);
    }
    return 0;
  };
  if (in_dt == DType::Bool) by_in(uint8_t{});  // read the 0/1 byte
  else dispatch_dtype(in_dt, by_in);
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaScan", Scan);

}  // namespace tl::cuda
