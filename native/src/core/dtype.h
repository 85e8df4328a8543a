// Element types shared by every impl. The numeric codes are part of the ABI with
// runtime/native.ts (DTYPE_CODES there): change both together.
#pragma once
#include <cstdint>
#include <cstddef>

namespace tl {

enum class DType : int { Float32 = 0, Float64 = 1, Int32 = 2, Int64 = 3, UInt8 = 4, Bool = 5 };
constexpr int kNumDTypes = 6;

inline size_t itemsize(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::UInt8: return 1;
    case DType::Bool: return 1;
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
  }
  return "?";
}

inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }

// Calls fn(T{}) with T the C++ type of `t`; the lambda reads the type with decltype.
template <class F>
auto dispatch_all(DType t, F&& fn) {
  switch (t) {
    case DType::Float32: return fn(float{});
    case DType::Float64: return fn(double{});
    case DType::Int32: return fn(int32_t{});
    case DType::Int64: return fn(int64_t{});
    case DType::UInt8: return fn(uint8_t{});
    case DType::Bool: return fn(bool{});
  }
  return fn(float{});
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
