// Sorting keys: every element type maps to an unsigned integer whose order is
// the wanted value order (NaN above +inf, -0.0 equal to +0.0), so one stable
// integer sort serves every dtype and both directions.
#pragma once
#include <cstdint>
#include <cstring>

#include "../core/hd.h"

namespace tl {
namespace cpu {
namespace sort {

TL_HD uint32_t key_of(float v) {
  if (v != v) return 0xFFFFFFFFu;  // every NaN equal, above +inf (0xFF800000)
  if (v == 0.0f) v = 0.0f;         // -0.0 ties with +0.0, as in PyTorch
  uint32_t b;
  memcpy(&b, &v, sizeof b);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

TL_HD uint64_t key_of(double v) {
  if (v != v) return ~uint64_t{0};
  if (v == 0.0) v = 0.0;
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  const uint64_t sign = uint64_t{1} << 63;
  return (b & sign) ? ~b : (b | sign);
}

TL_HD uint32_t key_of(int32_t v) { return static_cast<uint32_t>(v) ^ 0x80000000u; }
TL_HD uint64_t key_of(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }
TL_HD uint32_t key_of(uint8_t v) { return v; }

// Descending order is ascending order of the complemented key; equal keys stay
// equal, so the stable order of ties is the same in both directions.
template <class K>
TL_HD K directed(K key, bool descending) {
  return descending ? static_cast<K>(~key) : key;
}

// A 64-bit key and its position, for 8-byte element types.
struct Wide {
  uint64_t key;
  uint64_t index;
};

TL_HD bool operator<(const Wide& a, const Wide& b) {
  return a.key < b.key || (a.key == b.key && a.index < b.index);
}

// Byte `pass` of the sort key of a record. Packed 32-bit keys live in the high
// half of a uint64 whose low half is the position.
TL_HD unsigned digit(uint64_t packed, int pass) { return static_cast<unsigned>(packed >> (32 + 8 * pass)) & 0xFFu; }
TL_HD unsigned digit(const Wide& w, int pass) { return static_cast<unsigned>(w.key >> (8 * pass)) & 0xFFu; }

}  // namespace sort
}  // namespace cpu
}  // namespace tl
