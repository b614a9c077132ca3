// The arithmetic under ExactSums (exact_sum.h): an exact sum of doubles as an integer count of
// 2^−1074 (the smallest subnormal) written in digits of 52 bits,
//   value = Σ_j d_j · 2^(52·j − 1074),   j in [0, kDigits),
// each d_j an int64. A double m·2^(f−1074) (m < 2^53 its significand, f = max(e, 1) − 1 in
// [0, 2045] from its biased exponent e) is the two parts low = (m·2^(f mod 52)) mod 2^52 at
// digit f/52 and high = ⌊m·2^(f mod 52) / 2^52⌋ at the next, both under 2^52 (the small
// superaccumulator of R. M. Neal, "Fast exact summation using small and large
// superaccumulators", 2015, with 52-bit digits instead of 32-bit ones). Normalised, the digits
// are balanced, |d_j| <= 2^51 (the representation is then unique, and the sign of the value is
// that of its highest non-zero digit), so an int64 digit takes kMaxParts more parts before it
// can overflow.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

namespace gaussmix {
namespace exact {

constexpr int kDigitBits = 52;
constexpr std::int64_t kRadix = std::int64_t{1} << kDigitBits;
constexpr std::int64_t kHalfRadix = kRadix / 2;
constexpr std::uint64_t kDigitMask = static_cast<std::uint64_t>(kRadix) - 1;
// Digits 0..42: the largest double's parts reach digit 40; the sum of 2^62 of them, 2^1086, has
// its top balanced digit at 41; digit 42 takes the carries of anything larger unnormalised.
constexpr int kDigits = 43;
// Parts (each under 2^52) an int64 digit takes after normalisation before it must be normalised
// again: 2^51 + 2041·2^52 (one more for a single addition) + carries stays far below 2^63.
constexpr int kMaxParts = 2040;
// Values are below 2^(kMaxBits − 1074): their balanced digit 42 is then under 2^50.
constexpr int kMaxBits = kDigitBits * (kDigits - 1) + 50;

constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;
constexpr std::uint64_t kMantissaMask = (std::uint64_t{1} << 52) - 1;
constexpr std::uint64_t kExponentAll = 0x7ff;  // ∞ or NaN

inline std::uint64_t bitsOf(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
inline double fromBits(std::uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}
// Of v != 0.
#if defined(_MSC_VER) && !defined(__clang__)
inline int leadingZeros(std::uint64_t v) {
  unsigned long at;
  _BitScanReverse64(&at, v);
  return 63 - static_cast<int>(at);
}
inline int trailingZeros(std::uint64_t v) {
  unsigned long at;
  _BitScanForward64(&at, v);
  return static_cast<int>(at);
}
#else
inline int leadingZeros(std::uint64_t v) { return __builtin_clzll(v); }
inline int trailingZeros(std::uint64_t v) { return __builtin_ctzll(v); }
#endif

// Where the parts of a double with biased exponent e go: digit f/52 and the shift f mod 52
// (f = max(e, 1) − 1), and its hidden bit (0 for zeros and subnormals). For e = 0x7ff (∞, NaN)
// the digit is kNoDigit, out of every window's reach.
struct Placement {
  std::int32_t digit;
  std::uint8_t shift;
  std::uint8_t hidden;
};
constexpr std::int32_t kNoDigit = std::int32_t{1} << 24;
struct Placements {
  Placement at[2048];
};
constexpr Placements makePlacements() {
  Placements p{};
  for (int e = 0; e < 2048; ++e) {
    const int f = e == 0 ? 0 : e - 1;
    p.at[e].digit = e == 0x7ff ? kNoDigit : f / kDigitBits;
    p.at[e].shift = static_cast<std::uint8_t>(f % kDigitBits);
    p.at[e].hidden = e != 0;
  }
  return p;
}
inline constexpr Placements kPlacements = makePlacements();

// A finite double as its two signed parts: value = low·2^(52·digit) + high·2^(52·(digit+1)).
struct Parts {
  int digit;
  std::int64_t low;
  std::int64_t high;
};
inline Parts partsOf(std::uint64_t bits) {
  const Placement& at = kPlacements.at[bits >> 52 & 0x7ff];
  const std::uint64_t m = (bits & kMantissaMask) | (std::uint64_t{at.hidden} << 52);
  const std::int64_t sign = 1 - static_cast<std::int64_t>(bits >> 63 << 1);  // ±1
  const auto low = static_cast<std::int64_t>((m << at.shift) & kDigitMask);
  const auto high = static_cast<std::int64_t>(m >> (kDigitBits - at.shift));
  return {at.digit, low * sign, high * sign};
}

// Balances d[0..count) (|d_j| <= 2^51 after) and returns the carry out of the top digit.
inline std::int64_t normalise(std::int64_t* d, int count) {
  std::int64_t carry = 0;
  for (int j = 0; j < count; ++j) {
    const std::int64_t v = d[j] + carry;
    carry = (v + kHalfRadix) >> kDigitBits;  // ⌊(v + 2^51) / 2^52⌋ (arithmetic shift)
    d[j] = v - carry * kRadix;
  }
  return carry;
}

// Turns balanced digits d[0..count) of a non-zero value into the digits of its magnitude, each
// in [0, 2^52); returns the new count (the top digit non-zero) and sets `negative`.
inline int toMagnitude(std::int64_t* d, int count, bool& negative) {
  while (count > 0 && d[count - 1] == 0) --count;
  negative = count > 0 && d[count - 1] < 0;
  if (negative) {
    for (int j = 0; j < count; ++j) d[j] = -d[j];
  }
  std::int64_t carry = 0;
  for (int j = 0; j < count; ++j) {
    const std::int64_t v = d[j] + carry;
    carry = v >> kDigitBits;  // ⌊v / 2^52⌋: 0 or −1
    d[j] = v - carry * kRadix;
  }
  while (count > 0 && d[count - 1] == 0) --count;
  return count;
}

// The 64 bits [pos, pos + 63] of the magnitude u[0..count) (digits in [0, 2^52)); bits below
// 0 and above the top digit read as 0. pos >= −63.
inline std::uint64_t bitsAt(const std::int64_t* u, int count, int pos) {
  std::uint64_t r = 0;
  for (int j = pos < 0 ? 0 : pos / kDigitBits; j < count && j * kDigitBits <= pos + 63; ++j) {
    const int shift = j * kDigitBits - pos;  // where bit 0 of digit j lands in r
    const auto digit = static_cast<std::uint64_t>(u[j]);
    r |= shift >= 0 ? digit << shift : digit >> -shift;
  }
  return r;
}

// Whether any bit below pos is set in the magnitude u[0..count).
inline bool anyBitBelow(const std::int64_t* u, int count, int pos) {
  if (pos <= 0) return false;
  const int whole = std::min(pos / kDigitBits, count);
  for (int j = 0; j < whole; ++j) {
    if (u[j] != 0) return true;
  }
  const int rest = pos - whole * kDigitBits;
  return whole < count && rest > 0 &&
         (static_cast<std::uint64_t>(u[whole]) & ((std::uint64_t{1} << rest) - 1)) != 0;
}

// The index of the highest set bit of the magnitude u[0..count) (u[count − 1] != 0).
inline int topBit(const std::int64_t* u, int count) {
  return (count - 1) * kDigitBits + 63 - leadingZeros(static_cast<std::uint64_t>(u[count - 1]));
}

// The double nearest (ties to even) to Σ u_j 2^(52·(lo + j) − 1074), a magnitude as above
// (count >= 1): ∞ beyond the range, subnormals exact.
inline double roundMagnitude(const std::int64_t* u, int count, int lo, bool negative) {
  const int top = topBit(u, count);            // within u
  const int topGlobal = top + kDigitBits * lo;  // the same bit counted from 2^−1074
  // The lowest bit a double keeps: 52 below its leading bit, never below 2^−1074.
  const int keepFrom = std::max(topGlobal - 52, 0);
  const int drop = 63 - (topGlobal - keepFrom);  // bits of `window` under the kept ones: >= 11
  const std::uint64_t window = bitsAt(u, count, top - 63);
  std::uint64_t m = window >> drop;
  const std::uint64_t rest = window & ((std::uint64_t{1} << drop) - 1);
  const std::uint64_t half = std::uint64_t{1} << (drop - 1);
  if (rest > half || (rest == half && ((m & 1) != 0 || anyBitBelow(u, count, top - 63)))) ++m;
  // m·2^(keepFrom − 1074) as a double: exponent field keepFrom + 1 when m has 53 bits (a
  // carry into bit 53 moves into the exponent), and 0 with the subnormal m when keepFrom = 0.
  std::uint64_t bits = (static_cast<std::uint64_t>(keepFrom) << 52) + m;
  if (bits >= (kExponentAll << 52)) bits = kExponentAll << 52;  // overflow: ∞
  return fromBits(negative ? bits | kSignBit : bits);
}

// roundMagnitude of Σ d_j 2^(52·(lo + j) − 1074) for digits in any state (normalised or not,
// within the bounds above), count <= kDigits: one pass of floor carries gives digits in
// [0, 2^52) and a signed carry out whose sign is the value's; a negative value takes a second
// pass on its negation.
inline double roundDigits(const std::int64_t* d, int count, int lo) {
  std::int64_t u[kDigits + 1];
  std::int64_t carry = 0;
  for (int j = 0; j < count; ++j) {
    const std::int64_t v = d[j] + carry;
    carry = v >> kDigitBits;  // ⌊v / 2^52⌋
    u[j] = v - carry * kRadix;
  }
  u[count++] = carry;
  const bool negative = carry < 0;
  if (negative) {
    carry = 0;
    for (int j = 0; j < count; ++j) {
      const std::int64_t v = carry - u[j];
      carry = v >> kDigitBits;
      u[j] = v - carry * kRadix;
    }
  }
  while (count > 0 && u[count - 1] == 0) --count;
  return count == 0 ? 0.0 : roundMagnitude(u, count, lo, negative);
}

}  // namespace exact
}  // namespace gaussmix
