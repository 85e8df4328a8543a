// reduce(op, inDtype, outDtype, outBuf, inBuf) -> undefined
//
//   op: 0 sum, 1 prod, 2 max, 3 min, 4 argmax, 5 argmin.
//   meta (elements, not bytes):
//     [nOuter, outerShape[nOuter], outOffset, outStrides[nOuter],
//      inOffset, inOuterStrides[nOuter],
//      nInner, innerShape[nInner], inInnerStrides[nInner]]
//   nOuter + nInner <= 16. For every outer index the input is reduced over the
//   whole inner region.
//
//   sum/prod: any outDtype; accumulation is in float64 when outDtype is
//     floating (so float32 input is summed in double, then rounded once), else
//     in int64 with wrap-around. Empty inner region: 0 / 1.
//   max/min: outDtype == inDtype; NaN propagates.
//   argmax/argmin: outDtype == int64; the row-major linear index inside the
//     inner region, first occurrence; a NaN beats every number (first NaN wins,
//     for argmin as well, as in PyTorch).
//   max/min/argmax/argmin of an empty inner region throw.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/args.h"
#include "../core/iter.h"
#include "../core/registry.h"
#include "../core/threadpool.h"
#include "../cpu/reduce.h"

namespace tl {
namespace {

using namespace cpu::reduce;

enum ReduceOp { kSum = 0, kProd = 1, kMax = 2, kMin = 3, kArgmax = 4, kArgmin = 5 };

const char* op_name(int op) {
  static const char* names[] = {"sum", "prod", "max", "min", "argmax", "argmin"};
  return names[op];
}

// Inner work split into chunks of this many elements when there are too few
// outputs to keep every thread busy. A multiple of kBlock, so the split never
// changes where blocks start and results do not depend on the thread count.
constexpr int64_t kSplit = kBlock * 64;

struct Layout {
  Iter<2> outer;  // operand 0: out, operand 1: in (outer dims only)
  Iter<1> inner;  // the inner dims of in; data[0] is rebased per output
  int64_t n_outer = 1;
  int64_t n_inner = 1;
  DType out_dtype = DType::Float32;
};

template <class Acc>
void store(DType t, char* p, Acc v) {
  switch (t) {
    case DType::Float32: *reinterpret_cast<float*>(p) = convert<float>(v); break;
    case DType::Float64: *reinterpret_cast<double*>(p) = convert<double>(v); break;
    case DType::Int32: *reinterpret_cast<int32_t*>(p) = convert<int32_t>(v); break;
    case DType::Int64: *reinterpret_cast<int64_t*>(p) = convert<int64_t>(v); break;
    case DType::UInt8: *reinterpret_cast<uint8_t*>(p) = convert<uint8_t>(v); break;
    case DType::Bool: *reinterpret_cast<uint8_t*>(p) = convert<bool>(v) ? 1 : 0; break;
    case DType::Float16: case DType::BFloat16: break;  // get_dtype refuses them (Note [16-bit dtypes at the entry points])
  }
}

// Calls f(outPtr, inPtr) for every outer index in [begin, end).
template <class F>
void outer_range(const Iter<2>& outer, int64_t begin, int64_t end, F& f) {
  auto run = [&](char** p, const int64_t* st, int64_t n) {
    for (int64_t i = 0; i < n; ++i) f(p[0] + i * st[0], p[1] + i * st[1]);
  };
  iter_range(outer, begin, end, run);
}

template <class Op, class In>
typename Op::acc_t reduce_inner(const Iter<1>& tmpl, char* base, int64_t begin, int64_t end) {
  Iter<1> it = tmpl;
  it.data[0] = base;
  StreamReducer<Op, In> r;
  auto run = [&](char** p, const int64_t* st, int64_t n) {
    r.run(reinterpret_cast<const In*>(p[0]), st[0] / static_cast<int64_t>(sizeof(In)), n);
  };
  iter_range(it, begin, end, run);
  return r.result();
}

// Column reduction: the outputs' innermost dim is contiguous in the input but
// the reduced dims are not, e.g. sum(dim=0) of a row-major matrix. Walking each
// output's column separately would touch one cache line per element; instead a
// tile of adjacent outputs is accumulated row by row.
constexpr int64_t kTile = 1024;
constexpr int64_t kTileRows = 64;  // rows folded naively before the cascade

// Accumulators for one tile: a pairwise cascade of kTileRows-row blocks, one
// lane per output column. Allocated once per parallel chunk.
template <class Op>
struct TileCascade {
  using Acc = typename Op::acc_t;
  std::vector<Acc> store;  // levels x kTile, then the block being filled
  int levels = 0;
  uint64_t mask = 0;

  explicit TileCascade(int64_t n_inner) {
    int64_t blocks = (n_inner + kTileRows - 1) / kTileRows;
    while ((int64_t{1} << levels) <= blocks) ++levels;
    store.resize(static_cast<size_t>((levels + 1) * kTile));
  }
  Acc* level(int l) { return store.data() + l * kTile; }
  Acc* block() { return level(levels); }

  void push(const Acc* v, int64_t n) {
    int l = 0;
    const Acc* cur = v;
    while (mask & (uint64_t{1} << l)) {
      combine_rows<Op>(level(l), cur, n);
      cur = level(l);
      mask &= ~(uint64_t{1} << l);
      ++l;
    }
    std::copy(cur, cur + n, level(l));
    mask |= uint64_t{1} << l;
  }

  void result(Acc* out, int64_t n) {
    const Acc* r = nullptr;
    for (int l = 0; l < levels; ++l) {
      if (!(mask & (uint64_t{1} << l))) continue;
      if (r) combine_rows<Op>(level(l), r, n);
      r = level(l);
    }
    if (r) std::copy(r, r + n, out);
    else std::fill(out, out + n, Op::identity());
    mask = 0;
  }
};

template <class Op, class In>
void column_tile(const Iter<1>& tmpl, char* base, int64_t tn, int64_t n_inner, TileCascade<Op>& cascade,
                 typename Op::acc_t* out) {
  Iter<1> it = tmpl;
  it.data[0] = base;
  auto* blk = cascade.block();
  std::fill(blk, blk + tn, Op::identity());
  int64_t rows = 0;
  auto run = [&](char** p, const int64_t* st, int64_t n) {
    for (int64_t r = 0; r < n; ++r) {
      step_row<Op>(blk, reinterpret_cast<const In*>(p[0] + r * st[0]), tn);
      if (++rows == kTileRows) {
        cascade.push(blk, tn);
        std::fill(blk, blk + tn, Op::identity());
        rows = 0;
      }
    }
  };
  iter_range(it, 0, n_inner, run);
  if (rows) cascade.push(blk, tn);
  cascade.result(out, tn);
}

template <class Op, class In>
void run_reduce(const Layout& L) {
  using Acc = typename Op::acc_t;
  const Iter<2>& outer = L.outer;
  const Iter<1>& inner = L.inner;
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, L.n_inner));
  const int64_t elsize = sizeof(In);

  const bool column = outer.ndim >= 1 && outer.strides[1][outer.ndim - 1] == elsize &&
                      outer.shape[outer.ndim - 1] >= 8 && inner.ndim >= 1 &&
                      inner.strides[0][inner.ndim - 1] != elsize;
  if (column) {
    std::atomic<bool> oom{false};
    parallel_for(L.n_outer, grain, [&](int64_t b, int64_t e) {
      try {
        TileCascade<Op> cascade(L.n_inner);
        std::vector<Acc> acc(kTile);
        auto run = [&](char** p, const int64_t* st, int64_t n) {
          for (int64_t t0 = 0; t0 < n; t0 += kTile) {
            int64_t tn = std::min(kTile, n - t0);
            column_tile<Op, In>(inner, p[1] + t0 * st[1], tn, L.n_inner, cascade, acc.data());
            for (int64_t j = 0; j < tn; ++j) store(L.out_dtype, p[0] + (t0 + j) * st[0], acc[j]);
          }
        };
        iter_range(outer, b, e, run);
      } catch (const std::bad_alloc&) {
        oom = true;
      }
    });
    if (oom) throw std::bad_alloc();
    return;
  }

  if (L.n_inner >= 2 * kSplit && L.n_outer < 2 * num_threads()) {
    // Few outputs, long reductions: split each reduction across threads.
    const int64_t chunks = (L.n_inner + kSplit - 1) / kSplit;
    std::vector<Acc> partial(static_cast<size_t>(chunks));
    auto one = [&](char* out, char* in) {
      parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c)
          partial[c] = reduce_inner<Op, In>(inner, in, c * kSplit, std::min(L.n_inner, (c + 1) * kSplit));
      });
      Cascade<Op> cas;
      for (int64_t c = 0; c < chunks; ++c) cas.push(partial[c]);
      store(L.out_dtype, out, cas.result());
    };
    outer_range(outer, 0, L.n_outer, one);
    return;
  }

  parallel_for(L.n_outer, grain, [&](int64_t b, int64_t e) {
    auto one = [&](char* out, char* in) { store(L.out_dtype, out, reduce_inner<Op, In>(inner, in, 0, L.n_inner)); };
    outer_range(outer, b, e, one);
  });
}

template <class T, bool IsMax>
ArgState<T> arg_inner(const Iter<1>& tmpl, char* base, int64_t begin, int64_t end) {
  Iter<1> it = tmpl;
  it.data[0] = base;
  ArgState<T> s{T(), -1};
  int64_t lin = begin;
  auto run = [&](char** p, const int64_t* st, int64_t n) {
    arg_run<T, IsMax>(s, reinterpret_cast<const T*>(p[0]), st[0] / static_cast<int64_t>(sizeof(T)), n, lin);
    lin += n;
  };
  iter_range(it, begin, end, run);
  return s;
}

template <class T, bool IsMax>
void run_arg(const Layout& L) {
  const Iter<2>& outer = L.outer;
  const Iter<1>& inner = L.inner;
  if (L.n_inner >= 2 * kSplit && L.n_outer < 2 * num_threads()) {
    const int64_t chunks = (L.n_inner + kSplit - 1) / kSplit;
    std::vector<ArgState<T>> partial(static_cast<size_t>(chunks));
    auto one = [&](char* out, char* in) {
      parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c)
          partial[c] = arg_inner<T, IsMax>(inner, in, c * kSplit, std::min(L.n_inner, (c + 1) * kSplit));
      });
      ArgState<T> s{T(), -1};
      for (int64_t c = 0; c < chunks; ++c) s = arg_combine<T, IsMax>(s, partial[c]);
      *reinterpret_cast<int64_t*>(out) = s.index;
    };
    outer_range(outer, 0, L.n_outer, one);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, L.n_inner));
  parallel_for(L.n_outer, grain, [&](int64_t b, int64_t e) {
    auto one = [&](char* out, char* in) {
      *reinterpret_cast<int64_t*>(out) = arg_inner<T, IsMax>(inner, in, 0, L.n_inner).index;
    };
    outer_range(outer, b, e, one);
  });
}

// Bool is read as its 0/1 byte: max is "any", min is "all", sum counts.
template <class F>
void dispatch_in(DType t, F&& f) {
  if (t == DType::Bool) return f(uint8_t{});
  dispatch_numeric(t, f);
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
  Buffer out_buf = get_buffer(info[3], "reduce: out");
  Buffer in_buf = get_buffer(info[4], "reduce: input");

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

  View out_v = make_view(env, out_buf, itemsize(out_dt), no, shape, out_off, out_st, "reduce: out");
  View in_v = make_view(env, in_buf, itemsize(in_dt), no + ni, shape, in_off, in_st, "reduce: input");

  Layout L;
  L.out_dtype = out_dt;
  for (int d = 0; d < no; ++d) L.n_outer *= shape[d];
  for (int d = no; d < no + ni; ++d) L.n_inner *= shape[d];
  if (L.n_outer == 0) return env.Undefined();
  if (L.n_inner == 0 && op >= kMax)
    fail(env, std::string(op_name(op)) + "(): Expected reduction dim to have non-zero size.");

  L.outer.ndim = no;
  L.outer.data[0] = out_v.data;
  L.outer.data[1] = in_v.data;
  for (int d = 0; d < no; ++d) {
    L.outer.shape[d] = shape[d];
    L.outer.strides[0][d] = out_v.strides[d];
    L.outer.strides[1][d] = in_v.strides[d];
  }
  L.outer.coalesce();
  L.inner.ndim = ni;
  for (int d = 0; d < ni; ++d) {
    L.inner.shape[d] = shape[no + d];
    L.inner.strides[0][d] = in_v.strides[no + d];
  }
  L.inner.coalesce();

  if (L.n_inner == 0) {  // empty sum / prod: the identity everywhere
    auto fill = [&](char* out, char*) {
      if (op == kSum) store(out_dt, out, int64_t{0});
      else store(out_dt, out, int64_t{1});
    };
    outer_range(L.outer, 0, L.n_outer, fill);
    return env.Undefined();
  }

  const bool float_acc = is_floating(out_dt);
  try {
    dispatch_in(in_dt, [&](auto in_tag) {
      using In = decltype(in_tag);
      switch (op) {
        case kSum:
          // float32 into float32 accumulates in float32 lanes: twice the SIMD
          // width of double, and the blocked lanes plus the pairwise cascade keep
          // the error at PyTorch's level (its cascade sum is float32 too).
          if constexpr (std::is_same_v<In, float>) {
            if (out_dt == DType::Float32) {
              run_reduce<Sum<float>, In>(L);
              break;
            }
          }
          if (float_acc) run_reduce<Sum<double>, In>(L);
          else run_reduce<Sum<int64_t>, In>(L);
          break;
        case kProd:
          if (float_acc) run_reduce<Prod<double>, In>(L);
          else run_reduce<Prod<int64_t>, In>(L);
          break;
        case kMax: run_reduce<Max<In>, In>(L); break;
        case kMin: run_reduce<Min<In>, In>(L); break;
        case kArgmax: run_arg<In, true>(L); break;
        case kArgmin: run_arg<In, false>(L); break;
      }
    });
  } catch (const std::bad_alloc&) {
    fail(env, std::string(op_name(op)) + "(): out of memory for reduction scratch space");
  }
  return env.Undefined();
}

}  // namespace

TL_EXPORT("reduce", Reduce);

}  // namespace tl
