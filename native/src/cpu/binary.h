// Binary elementwise math shared with the CUDA impls. Codes are part of the
// ABI with runtime/ops/binary.ts (BINARY_OPS). Integer division and remainder
// by zero set `bad` instead of trapping; the entry point then throws.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../core/hd.h"

namespace tl {

enum class BinaryOp : int {
  Add = 0, Sub, Mul, Div, FloorDiv, Pow, Remainder, Maximum, Minimum, Atan2,
  Eq = 10, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor, BitwiseAnd,
  BitwiseOr = 20, BitwiseXor, TruncDiv, Fmod, Count
};

inline bool binary_returns_bool(BinaryOp op) {
  int c = static_cast<int>(op);
  return c >= static_cast<int>(BinaryOp::Eq) && c <= static_cast<int>(BinaryOp::LogicalXor);
}

// Python-style floor division for floats, computed through fmod so that
// a == b * q + r holds as closely as the operands allow.
template <class T>
TL_HD T floor_div_float(T a, T b) {
  if (b == T(0)) return a / b;
  T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
  if (div == T(0)) return std::copysign(T(0), a / b);
  T fl = std::floor(div);
  if (div - fl > T(0.5)) fl += T(1);
  return fl;
}

template <class T>
TL_HD T remainder_float(T a, T b) {
  T m = std::fmod(a, b);
  if (m != T(0) && ((b < T(0)) != (m < T(0)))) m += b;
  return m;
}

template <class T>
TL_HD T int_pow(T base, T exp) {
  T r = 1;
  while (exp > 0) {
    if (exp & 1) r = static_cast<T>(r * base);
    base = static_cast<T>(base * base);
    exp = static_cast<T>(exp >> 1);
  }
  return r;
}

template <BinaryOp OP, class T>
struct BinaryFn {
  bool* bad;  // per-thread flag, see header comment
  using R = std::conditional_t<(OP >= BinaryOp::Eq && OP <= BinaryOp::LogicalXor), bool, T>;
  static constexpr bool kFloat = std::is_floating_point_v<T>;

  TL_HD R operator()(T a, T b) const {
    if constexpr (OP == BinaryOp::Add) return static_cast<T>(a + b);
    else if constexpr (OP == BinaryOp::Sub) return static_cast<T>(a - b);
    else if constexpr (OP == BinaryOp::Mul) {
      if constexpr (std::is_same_v<T, bool>) return a && b;
      else return static_cast<T>(a * b);
    } else if constexpr (OP == BinaryOp::Div) {
      if constexpr (kFloat) return a / b;
      else return int_div(a, b, false);
    } else if constexpr (OP == BinaryOp::FloorDiv) {
      if constexpr (kFloat) return floor_div_float(a, b);
      else return int_div(a, b, true);
    } else if constexpr (OP == BinaryOp::TruncDiv) {
      if constexpr (kFloat) return std::trunc(a / b);
      else return int_div(a, b, false);
    } else if constexpr (OP == BinaryOp::Pow) {
      if constexpr (kFloat) return std::pow(a, b);
      else if constexpr (std::is_same_v<T, bool>) return a || !b;
      else {
        if constexpr (std::is_signed_v<T>) {
          if (b < 0) {
            if (a == 1) return T(1);
            if (a == -1) return (b & 1) ? T(-1) : T(1);
            *bad = true;
            return T(0);
          }
        }
        return int_pow(a, b);
      }
    } else if constexpr (OP == BinaryOp::Remainder) {
      if constexpr (kFloat) return remainder_float(a, b);
      else {
        if (b == 0) { *bad = true; return T(0); }
        if constexpr (std::is_signed_v<T>) {
          if (b == -1) return T(0);  // avoids INT_MIN % -1 overflow
          T m = static_cast<T>(a % b);
          if (m != 0 && ((b < 0) != (m < 0))) m = static_cast<T>(m + b);
          return m;
        } else {
          return static_cast<T>(a % b);
        }
      }
    } else if constexpr (OP == BinaryOp::Fmod) {
      if constexpr (kFloat) return std::fmod(a, b);
      else {
        if (b == 0) { *bad = true; return T(0); }
        if constexpr (std::is_signed_v<T>) { if (b == -1) return T(0); }
        return static_cast<T>(a % b);
      }
    } else if constexpr (OP == BinaryOp::Maximum) {
      if constexpr (kFloat) { if (a != a) return a; if (b != b) return b; }
      return a > b ? a : b;
    } else if constexpr (OP == BinaryOp::Minimum) {
      if constexpr (kFloat) { if (a != a) return a; if (b != b) return b; }
      return a < b ? a : b;
    } else if constexpr (OP == BinaryOp::Atan2) {
      if constexpr (kFloat) return std::atan2(a, b);
      else return static_cast<T>(std::atan2(static_cast<double>(a), static_cast<double>(b)));
    } else if constexpr (OP == BinaryOp::Eq) return a == b;
    else if constexpr (OP == BinaryOp::Ne) return a != b;
    else if constexpr (OP == BinaryOp::Lt) return a < b;
    else if constexpr (OP == BinaryOp::Le) return a <= b;
    else if constexpr (OP == BinaryOp::Gt) return a > b;
    else if constexpr (OP == BinaryOp::Ge) return a >= b;
    else if constexpr (OP == BinaryOp::LogicalAnd) return (a != T(0)) && (b != T(0));
    else if constexpr (OP == BinaryOp::LogicalOr) return (a != T(0)) || (b != T(0));
    else if constexpr (OP == BinaryOp::LogicalXor) return (a != T(0)) != (b != T(0));
    else if constexpr (kFloat) return a;  // bitwise ops: the runtime refuses floats
    else if constexpr (OP == BinaryOp::BitwiseAnd) return static_cast<T>(a & b);
    else if constexpr (OP == BinaryOp::BitwiseOr) return static_cast<T>(a | b);
    else return static_cast<T>(a ^ b);
  }

  TL_HD T int_div(T a, T b, bool floor) const {
    if (b == 0) { *bad = true; return T(0); }
    if constexpr (std::is_same_v<T, bool>) return a;
    else if constexpr (std::is_signed_v<T>) {
      if (b == -1) return static_cast<T>(-a);  // INT_MIN / -1 wraps instead of trapping
      T q = static_cast<T>(a / b);
      if (floor && (a % b != 0) && ((a < 0) != (b < 0))) --q;
      return q;
    } else {
      return static_cast<T>(a / b);
    }
  }
};

}  // namespace tl
