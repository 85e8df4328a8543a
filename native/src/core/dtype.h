// Element types shared by every impl. The numeric codes are part of the ABI with
// runtime/native.ts (DTYPE_CODES there): change both together.
#pragma once
#include <napi.h>

#include <cstdint>
#include <cstddef>
#include <string>

#include "half.h"

namespace tl {

enum class DType : int { Float32 = 0, Float64 = 1, Int32 = 2, Int64 = 3, UInt8 = 4, Bool = 5, Float16 = 6, BFloat16 = 7 };

// Note [16-bit dtypes at the entry points]: get_dtype (core/args.h) accepts the
// first kNumDTypes codes only, so an impl that dispatches with dispatch_all and
// friends can never meet float16 / bfloat16 and read 2-byte elements as floats.
// The entry points that take them (copy, fill, cat, where; on CUDA also unary,
// binary, matmul) read their code with get_dtype_any; for every other op the
// runtime computes in float32 (runtime/ops/half.ts).
constexpr int kNumDTypes = 6;
constexpr int kNumAllDTypes = 8;

inline size_t itemsize(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::UInt8: return 1;
    case DType::Bool: return 1;
    case DType::Float16: return 2;
    case DType::BFloat16: return 2;
  }
  return 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::UInt8: return "uint8";
    case DType::Bool: return "bool";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
  }
  return "?";
}

inline bool is_half_dtype(DType t) { return t == DType::Float16 || t == DType::BFloat16; }
inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64 || is_half_dtype(t); }

// A dtype code from JS for an entry point with 16-bit float support (see the Note above).
inline DType get_dtype_any(const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "expected a dtype code (a number)");
  const int code = v.As<Napi::Number>().Int32Value();
  if (code < 0 || code >= kNumAllDTypes) throw Napi::TypeError::New(v.Env(), "unknown dtype code " + std::to_string(code));
  return static_cast<DType>(code);
}

// Calls fn(T{}) with T the C++ type of `t`; the lambda reads the type with decltype.
// The 16-bit codes never get here (get_dtype refuses them); they fall to float
// only to give the switch a return.
template <class F>
auto dispatch_all(DType t, F&& fn) {
  switch (t) {
    case DType::Float32: return fn(float{});
    case DType::Float64: return fn(double{});
    case DType::Int32: return fn(int32_t{});
    case DType::Int64: return fn(int64_t{});
    case DType::UInt8: return fn(uint8_t{});
    case DType::Bool: return fn(bool{});
    default: break;
  }
  return fn(float{});
}

// dispatch_all plus Half and BFloat16 (core/half.h), for the get_dtype_any entry points.
template <class F>
auto dispatch_all_half(DType t, F&& fn) {
  switch (t) {
    case DType::Float16: return fn(Half{});
    case DType::BFloat16: return fn(BFloat16{});
    default: return dispatch_all(t, fn);
  }
}

template <class F>
auto dispatch_numeric(DType t, F&& fn) {  // everything but bool
  switch (t) {
    case DType::Float32: return fn(float{});
    case DType::Float64: return fn(double{});
    case DType::Int32: return fn(int32_t{});
    case DType::Int64: return fn(int64_t{});
    default: return fn(uint8_t{});
  }
}

template <class F>
auto dispatch_floating(DType t, F&& fn) {
  if (t == DType::Float64) return fn(double{});
  return fn(float{});
}

}  // namespace tl
