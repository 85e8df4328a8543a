// Element conversion with PyTorch's rules: to bool is "!= 0"; float to a
// narrower integer goes through int64 so out-of-range values wrap instead of
// being undefined behaviour for uint8. float16 / bfloat16 convert through
// float (Note [16-bit rounding] in core/half.h), as c10 does.
#pragma once
#include <cstdint>
#include <type_traits>

#include "../core/half.h"
#include "../core/hd.h"

namespace tl {

template <class To, class From>
TL_HD To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_half_v<From>) {
    return convert<To>(to_float(v));
  } else if constexpr (is_half_v<To>) {
    return from_float<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> && sizeof(To) < 8) {
    return static_cast<To>(static_cast<int64_t>(v));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace tl
