// Unary elementwise math, one functor per op, shared with the CUDA impls.
// Codes are part of the ABI with runtime/ops/unary.ts (UNARY_OPS).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../core/hd.h"

namespace tl {

enum class UnaryOp : int {
  Neg = 0, Abs, Sign, Exp, Expm1, Log, Log1p, Log2, Sqrt, Rsqrt,
  Sin = 10, Cos, Tan, Tanh, Sigmoid, Relu, Floor, Ceil, Round, Reciprocal,
  Erf = 20, LogicalNot, IsNan, IsInf, Square, BitwiseNot, Trunc, Asin, Acos, Atan,
  Sinh = 30, Cosh, Log10, Exp2, IsFinite, Frac, Count
};

// True when op applies to integer inputs without promotion to float.
inline bool unary_integral_ok(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Relu:
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
    case UnaryOp::LogicalNot: case UnaryOp::IsNan: case UnaryOp::IsInf: case UnaryOp::IsFinite:
    case UnaryOp::Square: case UnaryOp::BitwiseNot:
      return true;
    default:
      return false;
  }
}

inline bool unary_returns_bool(UnaryOp op) {
  return op == UnaryOp::LogicalNot || op == UnaryOp::IsNan || op == UnaryOp::IsInf || op == UnaryOp::IsFinite;
}

template <class T>
TL_HD T sign_of(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    if (v != v) return T(0);  // PyTorch 1.13: sign(NaN) is 0
  }
  if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return static_cast<T>(v != T(0));
  else return static_cast<T>((T(0) < v) - (v < T(0)));
}

// Float ops. round() is half-to-even like PyTorch (nearbyint under the
// default rounding mode).
template <UnaryOp OP, class T>
TL_HD T unary_float(T x) {
  if constexpr (OP == UnaryOp::Neg) return -x;
  else if constexpr (OP == UnaryOp::Abs) return std::fabs(x);
  else if constexpr (OP == UnaryOp::Sign) return sign_of(x);
  else if constexpr (OP == UnaryOp::Exp) return std::exp(x);
  else if constexpr (OP == UnaryOp::Expm1) return std::expm1(x);
  else if constexpr (OP == UnaryOp::Log) return std::log(x);
  else if constexpr (OP == UnaryOp::Log1p) return std::log1p(x);
  else if constexpr (OP == UnaryOp::Log2) return std::log2(x);
  else if constexpr (OP == UnaryOp::Sqrt) return std::sqrt(x);
  else if constexpr (OP == UnaryOp::Rsqrt) return T(1) / std::sqrt(x);
  else if constexpr (OP == UnaryOp::Sin) return std::sin(x);
  else if constexpr (OP == UnaryOp::Cos) return std::cos(x);
  else if constexpr (OP == UnaryOp::Tan) return std::tan(x);
  else if constexpr (OP == UnaryOp::Tanh) return std::tanh(x);
  else if constexpr (OP == UnaryOp::Sigmoid) return T(1) / (T(1) + std::exp(-x));
  else if constexpr (OP == UnaryOp::Relu) return x != x ? x : (x > T(0) ? x : T(0));
  else if constexpr (OP == UnaryOp::Floor) return std::floor(x);
  else if constexpr (OP == UnaryOp::Ceil) return std::ceil(x);
  else if constexpr (OP == UnaryOp::Round) return std::nearbyint(x);
  else if constexpr (OP == UnaryOp::Reciprocal) return T(1) / x;
  else if constexpr (OP == UnaryOp::Erf) return std::erf(x);
  else if constexpr (OP == UnaryOp::Square) return x * x;
  else if constexpr (OP == UnaryOp::Trunc) return std::trunc(x);
  else if constexpr (OP == UnaryOp::Asin) return std::asin(x);
  else if constexpr (OP == UnaryOp::Acos) return std::acos(x);
  else if constexpr (OP == UnaryOp::Atan) return std::atan(x);
  else if constexpr (OP == UnaryOp::Sinh) return std::sinh(x);
  else if constexpr (OP == UnaryOp::Cosh) return std::cosh(x);
  else if constexpr (OP == UnaryOp::Log10) return std::log10(x);
  else if constexpr (OP == UnaryOp::Exp2) return std::exp2(x);
  else if constexpr (OP == UnaryOp::Frac) return x - std::trunc(x);
  else return x;
}

template <UnaryOp OP, class T>
TL_HD T unary_int(T x) {
  if constexpr (OP == UnaryOp::Neg) return static_cast<T>(-x);
  else if constexpr (OP == UnaryOp::Abs) {
    if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return x;
    else return x < 0 ? static_cast<T>(-x) : x;
  } else if constexpr (OP == UnaryOp::Sign) return sign_of(x);
  else if constexpr (OP == UnaryOp::Relu) return x > T(0) ? x : T(0);
  else if constexpr (OP == UnaryOp::Square) return static_cast<T>(x * x);
  else if constexpr (OP == UnaryOp::BitwiseNot) {
    if constexpr (std::is_same_v<T, bool>) return !x;
    else return static_cast<T>(~x);
  } else return x;  // floor/ceil/round/trunc of an integer
}

template <UnaryOp OP, class T>
TL_HD bool unary_pred(T x) {
  if constexpr (OP == UnaryOp::LogicalNot) return x == T(0);
  else if constexpr (std::is_floating_point_v<T>) {
    if constexpr (OP == UnaryOp::IsNan) return x != x;
    else if constexpr (OP == UnaryOp::IsInf) return std::isinf(x);
    else return std::isfinite(x);
  } else {
    return OP == UnaryOp::IsFinite;
  }
}

}  // namespace tl
