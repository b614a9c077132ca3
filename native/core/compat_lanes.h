// The drop-ins' lane vectors (GCC/Clang vector extensions) and the nearest-centre choice made
// in them, shared by compat_lloyd.cc and the unit tests' probes (one copy per SIMD variant).
#pragma once

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <cstring>
#include <limits>

#include "types.h"

namespace gaussmix::compat_lanes {

// kLanes is the target's register width: a wider vector is split into halves that GCC keeps on
// the stack, written lane by lane and read whole, which stalls every read (8 lanes on AVX2 were
// 8 times slower than 4).
#if defined(__AVX512F__)
constexpr int kLanes = 8;
#elif defined(__AVX__)
constexpr int kLanes = 4;
#else
constexpr int kLanes = 2;
#endif
typedef double Lanes __attribute__((vector_size(kLanes * sizeof(double))));
typedef std::int64_t Mask __attribute__((vector_size(kLanes * sizeof(double))));
typedef std::int32_t Labels __attribute__((vector_size(kLanes * sizeof(std::int32_t))));

// (No helper functions return these vectors: the baseline copy would warn that their ABI
// differs from the AVX-512 copy's. `Lanes{} + v` puts v in every lane, exactly for v != -0.)

// v with lanes 0 and 1 (2 and 3, ...) swapped.
template <int kN, class V>
inline V swapPairs(const V& v) {
  if constexpr (kN == 8) return __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
  else if constexpr (kN == 4) return __builtin_shufflevector(v, v, 1, 0, 3, 2);
  else return __builtin_shufflevector(v, v, 1, 0);
}

// The smallest lane of v, halving in registers (V is Lanes: a template parameter so that the
// shuffles of the other widths are not checked).
template <int kN, class V>
inline double laneMin(const V& v) {
  V m = v;
  if constexpr (kN == 8) {
    const V h = __builtin_shufflevector(m, m, 4, 5, 6, 7, 0, 1, 2, 3);
    m = h < m ? h : m;
  }
  if constexpr (kN == 8) {
    const V h = __builtin_shufflevector(m, m, 2, 3, 0, 1, 6, 7, 4, 5);
    m = h < m ? h : m;
  } else if constexpr (kN == 4) {
    const V h = __builtin_shufflevector(m, m, 2, 3, 0, 1);
    m = h < m ? h : m;
  }
  // The last step in a vector too: as scalars GCC branched on it (mispredicted half the time).
  m = swapPairs<kN>(m) < m ? swapPairs<kN>(m) : m;
  return m[0];
}

// The sum of v's lanes, halving in registers (in that order: for bounds, not exact sums).
template <int kN, class V>
inline double laneSum(const V& v) {
  V m = v;
  if constexpr (kN == 8) m += __builtin_shufflevector(m, m, 4, 5, 6, 7, 0, 1, 2, 3);
  if constexpr (kN == 8) m += __builtin_shufflevector(m, m, 2, 3, 0, 1, 6, 7, 4, 5);
  else if constexpr (kN == 4) m += __builtin_shufflevector(m, m, 2, 3, 0, 1);
  m += swapPairs<kN>(m);
  return m[0];
}

// The smallest lane of v and the largest of w, halving in registers.
template <int kN, class V>
inline void laneMinMax(const V& v, const V& w, double* least, double* most) {
  V lo = v, hi = w;
  if constexpr (kN == 8) {
    const V a = __builtin_shufflevector(lo, lo, 4, 5, 6, 7, 0, 1, 2, 3);
    const V b = __builtin_shufflevector(hi, hi, 4, 5, 6, 7, 0, 1, 2, 3);
    lo = a < lo ? a : lo;
    hi = b > hi ? b : hi;
  }
  if constexpr (kN == 8) {
    const V a = __builtin_shufflevector(lo, lo, 2, 3, 0, 1, 6, 7, 4, 5);
    const V b = __builtin_shufflevector(hi, hi, 2, 3, 0, 1, 6, 7, 4, 5);
    lo = a < lo ? a : lo;
    hi = b > hi ? b : hi;
  } else if constexpr (kN == 4) {
    const V a = __builtin_shufflevector(lo, lo, 2, 3, 0, 1);
    const V b = __builtin_shufflevector(hi, hi, 2, 3, 0, 1);
    lo = a < lo ? a : lo;
    hi = b > hi ? b : hi;
  }
  const V a = swapPairs<kN>(lo), b = swapPairs<kN>(hi);
  lo = a < lo ? a : lo;
  hi = b > hi ? b : hi;
  *least = lo[0];
  *most = hi[0];
}

// One row's choice from its distances acc[0..k) (kp of them, padded): the first (kLaterWins:
// last) nearest centre, its distance and the second-nearest distance, by the drop-ins' scalar
// rule: first-wins starts best at DBL_MAX and takes acc < best, later-wins starts at +inf and
// takes acc <= best, and next is the least value not taken last. The same answer without a
// branch per centre (which centre is nearest is data, so that branch mispredicted: half of
// the recomputation's time): with m the least distance, the label is the first (last) centre
// at m, next is m again when two centres are at m, else the least distance above m, and
// first-wins caps it at DBL_MAX. A row with no distance below DBL_MAX (first-wins) or +inf
// (later-wins), or with a NaN, takes the scalar loop.
template <bool kLaterWins>
inline void choose(const double* acc, Index k, Index kp, std::int32_t* label, double* nearest,
                   double* second) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Lanes iota = Lanes{};
  for (int i = 0; i < kLanes; ++i) iota[i] = i;  // (a constant)
  const Lanes padding = Lanes{} + kInf;
  const auto load = [&](Index c) {  // centres c.. (a whole stored vector: forwarded)
    Lanes v;
    std::memcpy(&v, acc + c, sizeof(v));
    return c + kLanes > k ? (iota + static_cast<double>(c) < static_cast<double>(k) ? v : padding)
                          : v;
  };
  Lanes least = padding;
  Mask nan = Mask{};
  for (Index c = 0; c < kp; c += kLanes) {
    const Lanes v = load(c);
    nan |= v != v;
    least = v < least ? v : least;
  }
  const double m = laneMin<kLanes>(least);
  bool anyNan = false;
  for (int i = 0; i < kLanes; ++i) anyNan |= nan[i] != 0;
  if (!anyNan && m < (kLaterWins ? kInf : DBL_MAX)) {
    Lanes firstAt = padding, lastAt = Lanes{} - 1.0, above = padding;
    Lanes index = iota;
    for (Index c = 0; c < kp; c += kLanes, index += static_cast<double>(kLanes)) {
      const Lanes v = load(c);
      const Mask at = v == m;
      firstAt = (at & (index < firstAt)) != 0 ? index : firstAt;
      lastAt = at != 0 ? index : lastAt;  // (the indexes grow)
      above = ((v > m) & (v < above)) != 0 ? v : above;
    }
    double first, last;
    laneMinMax<kLanes>(firstAt, lastAt, &first, &last);
    double next = first != last ? m : laneMin<kLanes>(above);
    if (!kLaterWins && next > DBL_MAX) next = DBL_MAX;
    *label = static_cast<std::int32_t>(kLaterWins ? last : first);
    *nearest = m;
    *second = next;
    return;
  }
  double best = kLaterWins ? kInf : DBL_MAX;
  double next = kInf;
  std::int32_t id = 0;
  for (Index c = 0; c < k; ++c) {
    const bool take = kLaterWins ? acc[c] <= best : acc[c] < best;
    next = take ? std::min(best, next) : std::min(acc[c], next);
    if (take) {
      best = acc[c];
      id = static_cast<std::int32_t>(c);
    }
  }
  *label = id;
  *nearest = best;
  *second = next;
}

}  // namespace gaussmix::compat_lanes
