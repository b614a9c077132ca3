// Checks over a whole array of doubles, vectorised and spread over the compute threads (the
// TypeScript layer's input validation calls them on every X).
#pragma once

#include <cstdint>
#include <cstring>

#include "types.h"

namespace gaussmix {

// The index of the first value of x[0, n) that is not finite (NaN or ±∞), or -1.
Index firstNonFinite(const double* x, Index n, unsigned threads);

// Copies from[0, n) to to[0, n) as doubles; whether every value is finite. The check is on
// the exponent bits, an integer OR that vectorises with the copy (v − v != 0 does not: a
// floating reduction is never reordered).
template <class T>
inline bool copyFinite(const T* from, Index n, double* to) {
  constexpr std::uint64_t kExponent = 0x7ff0000000000000ULL;
  std::uint64_t bad = 0;
  for (Index i = 0; i < n; ++i) {
    const double v = static_cast<double>(from[i]);
    to[i] = v;
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    bad |= static_cast<std::uint64_t>((bits & kExponent) == kExponent);
  }
  return bad == 0;
}

}  // namespace gaussmix
