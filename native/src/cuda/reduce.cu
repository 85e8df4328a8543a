// cudaReduce(op, inDtype, outDtype, out, input): ops/reduce.cc on CUDA blocks,
// with its meta layout, checks and semantics:
//   op: 0 sum, 1 prod, 2 max, 3 min, 4 argmax, 5 argmin.
//   meta: [nOuter, outerShape[nOuter], outOffset, outStrides[nOuter],
//          inOffset, inOuterStrides[nOuter], nInner, innerShape[nInner],
//          inInnerStrides[nInner]]
//   Accumulation types are the CPU's: float32 -> float32 sums in float, other
//   sums and all products in double when the output is floating, else in
//   wrapping int64; max/min in the input type with NaN propagating; argmax /
//   argmin give the first row-major index of the extreme inside the inner
//   region, the first NaN beating every number.
//
// Three kernels, chosen by layout (Note [CUDA reduce plans]):
//   reduce_rows  one warp (short rows) or one block per output; a dense inner
//                run is read with plain pointer arithmetic, anything else
//                through the inner indexer;
//   reduce_cols  one thread per output, adjacent threads on adjacent outputs:
//                for reductions over outer dims (sum(dim=0) of a matrix),
//                where the outputs, not the reduced elements, are contiguous;
//   reduce_finish  combines per-split partials when one output's elements
//                are spread over several blocks (few outputs, long rows).
// The split of work depends only on the shape and the SM count, never on
// timing, so results are deterministic.
#include <napi.h>
#include <cuda/std/limits>

#include <algorithm>
#include <string>
#include <type_traits>

#include "core.h"
#include "loops.cuh"
#include "../core/registry.h"
#include "../cpu/reduce.h"

namespace tl::cuda {
namespace {

enum ReduceOp { kSum = 0, kProd = 1, kMax = 2, kMin = 3, kArgmax = 4, kArgmin = 5 };

const char* op_name(int op) {
  static const char* names[] = {"sum", "prod", "max", "min", "argmax", "argmin"};
  return names[op];
}

// ------------------------------------------------------------------ the ops
// Each op: identity, step (fold one element at inner index r), combine (two
// partial results, in any order) and project (the value stored).

template <class Base, class In>
struct Fold {  // Sum / Prod of cpu/reduce.h
  using acc_t = typename Base::acc_t;
  static __device__ __forceinline__ acc_t identity() { return Base::identity(); }
  static __device__ __forceinline__ acc_t step(acc_t a, In x, int64_t) { return Base::step(a, x); }
  static __device__ __forceinline__ acc_t combine(acc_t a, acc_t b) { return Base::combine(a, b); }
  static __device__ __forceinline__ acc_t project(acc_t a) { return a; }
};

// Max / Min of cpu/reduce.h, whose identity() relies on std::numeric_limits,
// which device code cannot call without --expt-relaxed-constexpr.
template <class T, bool IsMax>
struct Extreme {
  using acc_t = T;
  using Base = std::conditional_t<IsMax, cpu::reduce::Max<T>, cpu::reduce::Min<T>>;
  static __device__ __forceinline__ T identity() {
    using L = ::cuda::std::numeric_limits<T>;
    if constexpr (std::is_floating_point_v<T>) return IsMax ? -L::infinity() : L::infinity();
    else return IsMax ? L::lowest() : L::max();
  }
  static __device__ __forceinline__ T step(T a, T x, int64_t) { return Base::step(a, x); }
  static __device__ __forceinline__ T combine(T a, T b) { return Base::step(a, b); }
  static __device__ __forceinline__ T project(T a) { return a; }
};

template <class T>
struct ArgAcc {
  T value;
  int64_t index;  // -1: nothing seen
};

// Within one thread elements arrive in increasing index order, so step keeps
// the first of equals as cpu::reduce::arg_run does. Partials from different
// threads interleave, so combine breaks ties by index instead of by order.
template <class T, bool IsMax>
struct Arg {
  using acc_t = ArgAcc<T>;
  static __device__ __forceinline__ acc_t identity() { return {T(0), -1}; }
  static __device__ __forceinline__ acc_t step(acc_t a, T x, int64_t r) {
    if (a.index < 0 || cpu::reduce::arg_better<T, IsMax>(x, a.value)) return {x, r};
    return a;
  }
  static __device__ __forceinline__ acc_t combine(acc_t a, acc_t b) {
    if (a.index < 0) return b;
    if (b.index < 0) return a;
    const bool an = a.value != a.value, bn = b.value != b.value;
    if (an || bn) {
      if (an && bn) return a.index < b.index ? a : b;
      return an ? a : b;
    }
    if (IsMax ? b.value > a.value : b.value < a.value) return b;
    if (IsMax ? a.value > b.value : a.value < b.value) return a;
    return a.index < b.index ? a : b;
  }
  static __device__ __forceinline__ int64_t project(acc_t a) { return a.index; }
};

// ------------------------------------------------------- warp / block steps

using ::tl::cuda::shfl_down;  // the scalar ones (loops.cuh), next to this overload

template <class T>
__device__ __forceinline__ ArgAcc<T> shfl_down(ArgAcc<T> v, int delta) {
  return {shfl_down(v.value, delta), shfl_down(v.index, delta)};
}

// All 32 lanes must take part; lane 0 ends with the warp's result.
template <class Op>
__device__ __forceinline__ typename Op::acc_t warp_reduce(typename Op::acc_t v) {
#pragma unroll
  for (int delta = kWarp / 2; delta > 0; delta /= 2) v = Op::combine(v, shfl_down(v, delta));
  return v;
}

// Every thread of a 1-D block must call it; thread 0 ends with the result.
template <class Op>
__device__ __forceinline__ typename Op::acc_t block_reduce(typename Op::acc_t v, typename Op::acc_t* smem) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp, warps = blockDim.x / kWarp;
  v = warp_reduce<Op>(v);
  __syncthreads();  // the previous output's reads of smem are done
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < warps ? smem[lane] : Op::identity();
    v = warp_reduce<Op>(v);
  }
  return v;
}

// One thread's running result, folded into its total every kRun elements, so
// the rounding error of a long serial float sum grows like n / kRun + kRun
// rather than n.
template <class Op, class In>
struct Running {
  static constexpr int kRun = 256;
  using Acc = typename Op::acc_t;
  Acc total = Op::identity(), part = Op::identity();
  int count = 0;
  __device__ __forceinline__ void add(In x, int64_t r) {
    part = Op::step(part, x, r);
    if (++count == kRun) {
      total = Op::combine(total, part);
      part = Op::identity();
      count = 0;
    }
  }
  __device__ __forceinline__ Acc result() const { return Op::combine(total, part); }
};

// --------------------------------------------------------------- kernels

struct ReduceParams {
  char* out = nullptr;
  const char* in = nullptr;
  Indexer<2> outer;  // output index -> (out offset, in offset), bytes
  Indexer<1> inner;  // inner index -> in offset, bytes
  int64_t n_outer = 1, n_inner = 1;
  int64_t chunk = 1;  // inner elements per split (blockIdx.y)
  int splits = 1;
  bool contig_inner = false;  // inner element r sits at in + r * sizeof(In)
  bool warp_rows = false;     // reduce_rows: a warp per output, else a block
  DType out_dtype = DType::Float32;
};

template <class V>
__device__ __forceinline__ void store_as(DType t, char* p, V v) {
  switch (t) {
    case DType::Float32: *reinterpret_cast<float*>(p) = convert<float>(v); break;
    case DType::Float64: *reinterpret_cast<double*>(p) = convert<double>(v); break;
    case DType::Int32: *reinterpret_cast<int32_t*>(p) = convert<int32_t>(v); break;
    case DType::Int64: *reinterpret_cast<int64_t*>(p) = convert<int64_t>(v); break;
    case DType::UInt8: *reinterpret_cast<uint8_t*>(p) = convert<uint8_t>(v); break;
    case DType::Bool: *reinterpret_cast<uint8_t*>(p) = convert<bool>(v) ? 1 : 0; break;
  }
}

template <class In>
__device__ __forceinline__ In load_inner(const ReduceParams& p, const char* base, int64_t r) {
  int64_t off;
  p.inner.offsets(r, &off);
  return *reinterpret_cast<const In*>(base + off);
}

template <class Op>
__device__ __forceinline__ void finish(const ReduceParams& p, typename Op::acc_t* partial, int64_t o, int64_t out_off,
                                       typename Op::acc_t acc) {
  if (p.splits == 1) store_as(p.out_dtype, p.out + out_off, Op::project(acc));
  else partial[o * p.splits + blockIdx.y] = acc;
}

template <class Op, class In>
__global__ void __launch_bounds__(kThreads) reduce_rows(ReduceParams p, typename Op::acc_t* partial) {
  using Acc = typename Op::acc_t;
  __shared__ __align__(16) unsigned char smem_raw[kWarp * sizeof(Acc)];
  Acc* smem = reinterpret_cast<Acc*>(smem_raw);
  const int lanes = p.warp_rows ? kWarp : static_cast<int>(blockDim.x);
  const int t = p.warp_rows ? static_cast<int>(threadIdx.x) % kWarp : static_cast<int>(threadIdx.x);
  const int64_t per_block = p.warp_rows ? blockDim.x / kWarp : 1;
  const int64_t begin = static_cast<int64_t>(blockIdx.y) * p.chunk;
  const int64_t end = min(p.n_inner, begin + p.chunk);
  // o is uniform across a warp (warp mode) or the block (block mode), which
  // is what the shuffles and __syncthreads below require.
  for (int64_t o = blockIdx.x * per_block + (p.warp_rows ? threadIdx.x / kWarp : 0); o < p.n_outer;
       o += gridDim.x * per_block) {
    int64_t off[2];
    p.outer.offsets(o, off);
    const char* base = p.in + off[1];
    Running<Op, In> run;
    if (p.contig_inner) {
      const In* x = reinterpret_cast<const In*>(base);
      int64_t r = begin + t;
      for (; r + 3 * lanes < end; r += 4 * lanes) {
        const In a0 = x[r], a1 = x[r + lanes], a2 = x[r + 2 * lanes], a3 = x[r + 3 * lanes];
        run.add(a0, r);
        run.add(a1, r + lanes);
        run.add(a2, r + 2 * lanes);
        run.add(a3, r + 3 * lanes);
      }
      for (; r < end; r += lanes) run.add(x[r], r);
    } else {
      for (int64_t r = begin + t; r < end; r += lanes) run.add(load_inner<In>(p, base, r), r);
    }
    const Acc acc = p.warp_rows ? warp_reduce<Op>(run.result()) : block_reduce<Op>(run.result(), smem);
    if (t == 0) finish<Op>(p, partial, o, off[0], acc);
  }
}

// blockDim (bx, ty), bx * ty <= kThreads: x walks adjacent outputs, y splits
// each output's elements between ty threads that meet in shared memory.
template <class Op, class In>
__global__ void __launch_bounds__(kThreads) reduce_cols(ReduceParams p, typename Op::acc_t* partial) {
  using Acc = typename Op::acc_t;
  __shared__ __align__(16) unsigned char smem_raw[kThreads * sizeof(Acc)];
  Acc* smem = reinterpret_cast<Acc*>(smem_raw);
  const int bx = blockDim.x, ty = blockDim.y;
  const int64_t begin = static_cast<int64_t>(blockIdx.y) * p.chunk;
  const int64_t end = min(p.n_inner, begin + p.chunk);
  for (int64_t o0 = static_cast<int64_t>(blockIdx.x) * bx; o0 < p.n_outer; o0 += static_cast<int64_t>(gridDim.x) * bx) {
    const int64_t o = o0 + threadIdx.x;
    int64_t off[2] = {0, 0};
    Running<Op, In> run;
    if (o < p.n_outer) {
      p.outer.offsets(o, off);
      const char* base = p.in + off[1];
      for (int64_t r = begin + threadIdx.y; r < end; r += ty) run.add(load_inner<In>(p, base, r), r);
    }
    Acc acc = run.result();
    if (ty > 1) {
      __syncthreads();  // the previous tile's reads of smem are done
      smem[threadIdx.y * bx + threadIdx.x] = acc;
      __syncthreads();
      if (threadIdx.y == 0)
        for (int y = 1; y < ty; ++y) acc = Op::combine(acc, smem[y * bx + threadIdx.x]);
    }
    if (threadIdx.y == 0 && o < p.n_outer) finish<Op>(p, partial, o, off[0], acc);
  }
}

template <class Op>
__global__ void __launch_bounds__(kThreads) reduce_finish(ReduceParams p, const typename Op::acc_t* partial) {
  for (int64_t o = global_thread(); o < p.n_outer; o += grid_threads()) {
    typename Op::acc_t acc = partial[o * p.splits];
    for (int s = 1; s < p.splits; ++s) acc = Op::combine(acc, partial[o * p.splits + s]);
    int64_t off[2];
    p.outer.offsets(o, off);
    store_as(p.out_dtype, p.out + off[0], Op::project(acc));
  }
}

// ------------------------------------------------------------------ host

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Note [CUDA reduce plans]: `want` splits of the inner elements, at most one
// per `min_chunk` elements and 65535 (gridDim.y); returns the chunk length and
// sets p.splits so that every split is non-empty.
void split_inner(ReduceParams& p, int64_t want, int64_t min_chunk) {
  int64_t splits = std::max<int64_t>(1, std::min<int64_t>({want, ceil_div(p.n_inner, min_chunk), 65535}));
  p.chunk = std::max<int64_t>(1, ceil_div(p.n_inner, splits));
  p.splits = static_cast<int>(std::max<int64_t>(1, ceil_div(p.n_inner, p.chunk)));
}

template <class Op, class In>
void run_reduce(Napi::Env env, int device, ReduceParams p, bool cols) {
  using Acc = typename Op::acc_t;
  // Blocks that keep every SM busy with several resident blocks; fewer
  // outputs than that get their elements split across blocks.
  const int64_t target = static_cast<int64_t>(multiprocessor_count(device)) * 4;
  const int64_t max_grid = int64_t{1} << 30;  // the kernels' loops cover the rest
  dim3 block, grid;
  if (cols) {
    const int ty = p.n_inner >= 64 ? 8 : 1;
    const int bx = kThreads / ty;
    const int64_t tiles = ceil_div(p.n_outer, bx);
    split_inner(p, tiles < target ? ceil_div(target, tiles) : 1, int64_t{ty} * 256);
    block = dim3(bx, ty);
    grid = dim3(static_cast<unsigned>(std::min(tiles, max_grid)), p.splits);
  } else {
    p.warp_rows = p.n_inner <= 2048;
    if (p.warp_rows) {
      split_inner(p, 1, 1);
      grid = dim3(static_cast<unsigned>(std::min(ceil_div(p.n_outer, kThreads / kWarp), max_grid)), 1);
    } else {
      split_inner(p, p.n_outer < target ? ceil_div(target, p.n_outer) : 1, int64_t{kThreads} * 16);
      grid = dim3(static_cast<unsigned>(std::min(p.n_outer, max_grid)), p.splits);
    }
    block = dim3(kThreads);
  }
  cudaStream_t stream = current_stream(device);
  if (p.splits == 1) {
    if (cols) reduce_cols<Op, In><<<grid, block, 0, stream>>>(p, nullptr);
    else reduce_rows<Op, In><<<grid, block, 0, stream>>>(p, nullptr);
    check_launch(env, "cudaReduce");
    return;
  }
  DeviceScratch partial(env, device, static_cast<size_t>(p.n_outer) * p.splits * sizeof(Acc));
  Acc* part = static_cast<Acc*>(partial.get());
  if (cols) reduce_cols<Op, In><<<grid, block, 0, stream>>>(p, part);
  else reduce_rows<Op, In><<<grid, block, 0, stream>>>(p, part);
  check_launch(env, "cudaReduce");
  reduce_finish<Op><<<blocks_for(p.n_outer, device), kThreads, 0, stream>>>(p, part);
  check_launch(env, "cudaReduce: combining partial results");
}

// Bool is read as its 0/1 byte, as on the CPU: max is "any", min is "all".
template <class F>
void dispatch_in(DType t, F&& f) {
  if (t == DType::Bool) return f(uint8_t{});
  dispatch_dtype(t, [&](auto tag) {
    if constexpr (!std::is_same_v<decltype(tag), bool>) f(tag);
    return 0;
  });
}

int int_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("reduce: ") + what + " must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = int_arg(info, 0, "op");
  if (op < kSum || op > kArgmin) fail(env, "reduce: unknown op " + std::to_string(op));
  const DType in_dt = get_dtype(info[1]);
  const DType out_dt = get_dtype(info[2]);
  // 16-bit floats reach this impl widened to float32 (runtime/ops/half.ts); refuse them rather than misread.
  if (is_half_dtype(in_dt) || is_half_dtype(out_dt)) fail(info.Env(), "reduce: float16/bfloat16 are not supported by this CUDA impl (expected float32 or wider)");
  Operand out_o = device_operand(info[3], "cudaReduce: out");
  Operand in_o = device_operand(info[4], "cudaReduce: input");
  const int device = common_device(env, {&out_o, &in_o});

  if ((op == kMax || op == kMin) && out_dt != in_dt)
    fail(env, std::string(op_name(op)) + "(): expected out dtype " + dtype_name(in_dt) + ", got " + dtype_name(out_dt));
  if ((op == kArgmax || op == kArgmin) && out_dt != DType::Int64)
    fail(env, std::string(op_name(op)) + "(): expected out dtype int64, got " + dtype_name(out_dt));

  MetaReader m(env);
  const int64_t n_outer_dims = m.i();
  if (n_outer_dims < 0 || n_outer_dims > kMaxDims) fail(env, "reduce: at most 16 dimensions are supported");
  const int no = static_cast<int>(n_outer_dims);
  int64_t shape[kMaxDims], out_st[kMaxDims], in_st[kMaxDims];
  for (int d = 0; d < no; ++d) shape[d] = m.i();
  const int64_t out_off = m.i();
  for (int d = 0; d < no; ++d) out_st[d] = m.i();
  const int64_t in_off = m.i();
  for (int d = 0; d < no; ++d) in_st[d] = m.i();
  const int64_t n_inner_dims = m.i();
  if (n_inner_dims < 0 || no + n_inner_dims > kMaxDims) fail(env, "reduce: at most 16 dimensions are supported");
  const int ni = static_cast<int>(n_inner_dims);
  for (int d = 0; d < ni; ++d) shape[no + d] = m.i();
  for (int d = 0; d < ni; ++d) in_st[no + d] = m.i();

  const View out_v = make_view(env, out_o.buf, itemsize(out_dt), no, shape, out_off, out_st, "reduce: out");
  const View in_v = make_view(env, in_o.buf, itemsize(in_dt), no + ni, shape, in_off, in_st, "reduce: input");

  ReduceParams p;
  p.out_dtype = out_dt;
  for (int d = 0; d < no; ++d) p.n_outer *= shape[d];
  for (int d = no; d < no + ni; ++d) p.n_inner *= shape[d];
  if (p.n_outer == 0) return env.Undefined();
  if (p.n_inner == 0 && op >= kMax)
    fail(env, std::string(op_name(op)) + "(): Expected reduction dim to have non-zero size.");

  Iter<2> outer;
  outer.ndim = no;
  outer.data[0] = out_v.data;
  outer.data[1] = in_v.data;
  for (int d = 0; d < no; ++d) {
    outer.shape[d] = shape[d];
    outer.strides[0][d] = out_v.strides[d];
    outer.strides[1][d] = in_v.strides[d];
  }
  outer.coalesce();
  Iter<1> inner;
  inner.ndim = ni;
  for (int d = 0; d < ni; ++d) {
    inner.shape[d] = shape[no + d];
    inner.strides[0][d] = in_v.strides[no + d];
  }
  inner.coalesce();
  p.out = out_v.data;
  p.in = in_v.data;
  p.outer = make_indexer<2>(outer);
  p.inner = make_indexer<1>(inner);

  const int64_t es = static_cast<int64_t>(itemsize(in_dt));
  p.contig_inner = inner.ndim == 0 || (inner.ndim == 1 && inner.strides[0][0] == es);
  // Note [CUDA reduce plans]: reduce_cols when the outputs are what is
  // contiguous (a warp's worth of adjacent outputs at least) or when the rows
  // are too short to occupy a warp; reduce_rows otherwise.
  const bool column = outer.ndim >= 1 && outer.strides[1][outer.ndim - 1] == es && outer.shape[outer.ndim - 1] >= 16 &&
                      !p.contig_inner;
  const bool cols = column || p.n_inner < kWarp;

  DeviceGuard guard(device);
  const bool float_acc = is_floating(out_dt);
  dispatch_in(in_dt, [&](auto in_tag) {
    using In = decltype(in_tag);
    using namespace cpu::reduce;
    switch (op) {
      case kSum:
        if constexpr (std::is_same_v<In, float>) {
          if (out_dt == DType::Float32) return run_reduce<Fold<Sum<float>, In>, In>(env, device, p, cols);
        }
        if (float_acc) run_reduce<Fold<Sum<double>, In>, In>(env, device, p, cols);
        else run_reduce<Fold<Sum<int64_t>, In>, In>(env, device, p, cols);
        break;
      case kProd:
        if (float_acc) run_reduce<Fold<Prod<double>, In>, In>(env, device, p, cols);
        else run_reduce<Fold<Prod<int64_t>, In>, In>(env, device, p, cols);
        break;
      case kMax: run_reduce<Extreme<In, true>, In>(env, device, p, cols); break;
      case kMin: run_reduce<Extreme<In, false>, In>(env, device, p, cols); break;
      case kArgmax: run_reduce<Arg<In, true>, In>(env, device, p, cols); break;
      case kArgmin: run_reduce<Arg<In, false>, In>(env, device, p, cols); break;
    }
  });
  return env.Undefined();
}

}  // namespace

TL_EXPORT("cudaReduce", Reduce);

}  // namespace tl::cuda
