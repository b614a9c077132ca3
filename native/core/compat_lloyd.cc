#include "compat_lloyd.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#if defined(__SSE4_1__) || defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "compat_lanes.h"
#include "kept_spare.h"
#include "memory.h"

namespace gaussmix {
namespace {

// Rows of more than 4 features are assigned in blocks of kBlock, feature-major (xT: D x
// kBlock), so that every inner loop runs over the rows of a block and vectorises whatever K is
// (fewer features: assignSmall below). Each (row, centre) sum still adds
// the features in order, exactly as the JavaScript loops do:
// acc = ((0 + t_0²) + t_1²) + ..., t_j = x_j − c_j (0 + t_0² is t_0² exactly).
constexpr Index kBlock = 64;

// The scratch one thread needs: xT (D x kBlock), the distances to one centre, the best so far.
inline size_t scratchSize(Index d) { return static_cast<size_t>((d + 2) * kBlock); }

// Stores m new labels over the previous ones; with `changed` (K flags, null on the first step,
// when the previous labels mean nothing) marks both clusters of every row that moved: a
// cluster that no row entered or left has the same rows, in the same order, as when its centre
// was last computed, so the update can keep that centre (bit for bit what it would compute).
inline void storeLabels(const std::int32_t* label, Index m, std::int32_t* labels, char* changed) {
  if (changed != nullptr) {
    for (Index i = 0; i < m; ++i) {
      if (labels[i] != label[i]) changed[labels[i]] = changed[label[i]] = 1;
    }
  }
  std::copy_n(label, m, labels);
}

// The labels of rows [begin, end) for D > 4 without bounds (the bounded passes compute the
// second-nearest distances too, in nearestListed); the nearest/second arguments are unused.
template <bool kLaterWins>
void assignRows(const double* x, Index d, Index k, const double* centers, Index begin,
                Index end, double* scratch, std::int32_t* labels, double*, double*,
                char* changed) {
  double* xT = scratch;
  double* acc = xT + d * kBlock;
  double* best = acc + kBlock;
  std::int32_t label[kBlock];
  for (Index first = begin; first < end; first += kBlock) {
    const Index m = std::min(kBlock, end - first);
    const double* rows = x + first * d;
    for (Index j = 0; j < d; ++j) {
      double* to = xT + j * kBlock;
      const double* from = rows + j;
      for (Index i = 0; i < m; ++i) to[i] = from[i * d];
    }
    // Feature j of row i of the block.
    const auto at = [&](Index j, Index i) { return xT[j * kBlock + i]; };
    // skmeans: min = Infinity, idx = 0, take when dist <= min. ml-nearest-vector: min =
    // Number.MAX_VALUE, take when dist < min (it answers -1 when every distance overflows;
    // 0 keeps the label a valid index).
    const double start = kLaterWins ? std::numeric_limits<double>::infinity() : DBL_MAX;
    for (Index i = 0; i < m; ++i) {
      best[i] = start;
      label[i] = 0;
    }
    for (Index c = 0; c < k; ++c) {
      const double* center = centers + c * d;
      const double c0 = center[0];
      for (Index i = 0; i < m; ++i) {
        const double t = at(0, i) - c0;
        acc[i] = t * t;
      }
      for (Index j = 1; j < d; ++j) {
        const double cj = center[j];
        for (Index i = 0; i < m; ++i) {
          const double t = at(j, i) - cj;
          acc[i] += t * t;
        }
      }
      const std::int32_t id = static_cast<std::int32_t>(c);
      for (Index i = 0; i < m; ++i) {
        const bool take = kLaterWins ? acc[i] <= best[i] : acc[i] < best[i];
        best[i] = take ? acc[i] : best[i];
        label[i] = take ? id : label[i];
      }
    }
    storeLabels(label, m, labels + first, changed);
  }
}

// Small D (1 to 4): kLanes rows at a time in vector registers (compat_lanes.h): the rows'
// features, the best and second best distances so far and the labels (as doubles: every
// vector has the distances' width), with the same sums and the same rule as assignRows.
// kSecond: whether the second-nearest distances are wanted (only for the bounds).
using compat_lanes::kLanes;
using compat_lanes::Labels;
using compat_lanes::Lanes;
using compat_lanes::Mask;

// Whether two label vectors differ in any lane, with one vector test where the target has it
// (moving the words to general registers to OR them was a third of the assignment at
// 1,000 x 2, K 3).
inline bool anyDiffer(const Labels& a, const Labels& b) {
  const Labels x = a ^ b;
#if defined(__AVX__)
  if constexpr (sizeof(Labels) == sizeof(__m256i)) {
    __m256i v;
    std::memcpy(&v, &x, sizeof(v));
    return _mm256_testz_si256(v, v) == 0;
  }
#endif
#if defined(__SSE4_1__)
  if constexpr (sizeof(Labels) == sizeof(__m128i)) {
    __m128i v;
    std::memcpy(&v, &x, sizeof(v));
    return _mm_testz_si128(v, v) == 0;
  }
#endif
  std::uint64_t words[(sizeof(Labels) + 7) / 8] = {};
  std::memcpy(words, &x, sizeof(x));
  std::uint64_t any = 0;
  for (const std::uint64_t w : words) any |= w;
  return any != 0;
}
template <bool kLaterWins, bool kAbsolute, int kD, bool kSecond>
inline void assignLanes(const double* rows, Index k, const double* centers, Labels& label,
                        double* nearest, double* second) {
  Lanes xs[kD];
  for (int j = 0; j < kD; ++j) {
    for (int i = 0; i < kLanes; ++i) xs[j][i] = rows[i * kD + j];
  }
  Lanes best = Lanes{} + (kLaterWins ? std::numeric_limits<double>::infinity() : DBL_MAX);
  Lanes next = Lanes{} + std::numeric_limits<double>::infinity();
  Lanes id = Lanes{};
  Lanes centre = Lanes{};  // c in every lane (counted up: exact)
  for (Index c = 0; c < k; ++c, centre += 1.0) {
    const double* center = centers + c * kD;
    Lanes acc;
    {
      const Lanes t = xs[0] - center[0];
      if (kAbsolute) {
        acc = reinterpret_cast<Lanes>(reinterpret_cast<Mask>(t) & (Mask{} + INT64_MAX));  // |t|
      } else {
        acc = t * t;
      }
    }
    for (int j = 1; j < kD; ++j) {
      const Lanes t = xs[j] - center[j];
      acc += t * t;
    }
    const Mask take = kLaterWins ? acc <= best : acc < best;
    // std::min(a, b) is b < a ? b : a.
    if (kSecond) next = take ? (next < best ? next : best) : (next < acc ? next : acc);
    best = take ? acc : best;
    id = take ? centre : id;
  }
  label = __builtin_convertvector(id, Labels);
  if (kSecond) {
    for (int i = 0; i < kLanes; ++i) {
      nearest[i] = best[i];
      second[i] = next[i];
    }
  }
}

template <bool kLaterWins, bool kAbsolute, int kD>
void assignSmall(const double* x, Index, Index k, const double* centers, Index begin, Index end,
                 double*, std::int32_t* labels, double* nearest, double* second, char* changed) {
  const bool wantSecond = nearest != nullptr;
  Labels label;
  Index first = begin;
  for (; first + kLanes <= end; first += kLanes) {
    const double* rows = x + first * kD;
    if (wantSecond) {
      assignLanes<kLaterWins, kAbsolute, kD, true>(rows, k, centers, label, nearest + first,
                                                   second + first);
    } else {
      assignLanes<kLaterWins, kAbsolute, kD, false>(rows, k, centers, label, nullptr, nullptr);
    }
    if (changed != nullptr) {
      // Compared in registers: a memcmp reads the new labels back from a wide store in parts
      // (a store-forwarding stall each time).
      Labels before;
      std::memcpy(&before, labels + first, sizeof(before));
      if (anyDiffer(before, label)) {
        std::int32_t was[kLanes], now[kLanes];
        std::memcpy(was, &before, sizeof(was));
        std::memcpy(now, &label, sizeof(now));
        for (int i = 0; i < kLanes; ++i) {
          if (was[i] != now[i]) changed[was[i]] = changed[now[i]] = 1;
        }
      }
    }
    std::memcpy(labels + first, &label, sizeof(label));
  }
  const Index m = end - first;
  if (m == 0) return;
  // The last rows, padded with copies of the first of them (their answers are dropped).
  double rows[kLanes * kD];
  double best[kLanes], next[kLanes];
  for (Index i = 0; i < kLanes; ++i) {
    std::copy_n(x + (first + std::min(i, m - 1)) * kD, kD, rows + i * kD);
  }
  assignLanes<kLaterWins, kAbsolute, kD, true>(rows, k, centers, label, best, next);
  std::int32_t last[kLanes];
  std::memcpy(last, &label, sizeof(label));
  storeLabels(last, m, labels + first, changed);
  if (wantSecond) {
    std::copy_n(best, m, nearest + first);
    std::copy_n(next, m, second + first);
  }
}

using AssignFn = void (*)(const double*, Index, Index, const double*, Index, Index, double*,
                          std::int32_t*, double*, double*, char*);

template <bool kLaterWins>
AssignFn assignForD(Index d) {
  switch (d) {
    case 1: return assignSmall<kLaterWins, false, 1>;
    case 2: return assignSmall<kLaterWins, false, 2>;
    case 3: return assignSmall<kLaterWins, false, 3>;
    case 4: return assignSmall<kLaterWins, false, 4>;
    default: return assignRows<kLaterWins>;
  }
}

AssignFn assignFor(const CompatLloydRules& rules, Index d) {
  if (rules.absolute) return rules.laterWins ? assignSmall<true, true, 1> : assignSmall<false, true, 1>;
  return rules.laterWins ? assignForD<true>(d) : assignForD<false>(d);
}

// The centres feature-major, K padded to whole lane groups (zeros, never chosen): centre c's
// feature j at j·kp + c, so that one row's distances to kLanes centres are one vector.
struct WideCenters {
  Index kp = 0;
  std::vector<double> t;  // D x kp

  void set(const double* centers, Index k, Index d) {
    kp = (k + kLanes - 1) / kLanes * kLanes;
    t.assign(static_cast<size_t>(d * kp), 0.0);
    for (Index c = 0; c < k; ++c) {
      for (Index j = 0; j < d; ++j) t[j * kp + c] = centers[c * d + j];
    }
  }
};

// The distances of R listed rows to every centre into acc (row q's kp distances at q·kp),
// kLanes centres at a time, as assignRows sums them (features in order for every centre).
// Several rows side by side run that many chains of additions where one row waits for each
// addition (D 16, K 16: two chains of 16).
template <bool kAbsolute, int R>
inline void distancesOf(const double* x, Index d, const WideCenters& wide,
                        const std::int32_t* rows, double* acc) {
  const Index kp = wide.kp;
  const double* t = wide.t.data();
  const double* row[R];
  for (int q = 0; q < R; ++q) row[q] = x + Index{rows[q]} * d;
  for (Index g = 0; g < kp; g += kLanes) {
    Lanes center;
    std::memcpy(&center, t + g, sizeof(center));
    Lanes sum[R];
    for (int q = 0; q < R; ++q) {
      const Lanes diff = row[q][0] - center;
      sum[q] = kAbsolute ? reinterpret_cast<Lanes>(reinterpret_cast<Mask>(diff) & (Mask{} + INT64_MAX))
                         : diff * diff;
    }
    for (Index j = 1; j < d; ++j) {
      std::memcpy(&center, t + j * kp + g, sizeof(center));
      for (int q = 0; q < R; ++q) {
        const Lanes diff = row[q][j] - center;
        sum[q] += diff * diff;
      }
    }
    for (int q = 0; q < R; ++q) std::memcpy(acc + q * kp + g, &sum[q], sizeof(sum[q]));
  }
}

// The nearest centres of the rows listed in rows[0..count) (those whose bounds do not settle
// their label, or every row of a bounded first pass), as assignRows would choose them, with
// their distances and second-nearest distances: four rows at a time, then one by one.
// acc: 4·kp doubles.
template <bool kLaterWins, bool kAbsolute>
void nearestListed(const double* x, Index d, Index k, const WideCenters& wide,
                   const std::int32_t* rows, Index count, double* acc, std::int32_t* label,
                   double* nearest, double* second) {
  const Index kp = wide.kp;
  Index r = 0;
  for (; r + 4 <= count; r += 4) {
    distancesOf<kAbsolute, 4>(x, d, wide, rows + r, acc);
    for (Index q = 0; q < 4; ++q) {
      compat_lanes::choose<kLaterWins>(acc + q * kp, k, kp, label + r + q, nearest + r + q,
                                       second + r + q);
    }
  }
  for (; r < count; ++r) {
    distancesOf<kAbsolute, 1>(x, d, wide, rows + r, acc);
    compat_lanes::choose<kLaterWins>(acc, k, kp, label + r, nearest + r, second + r);
  }
}

using NearestListedFn = void (*)(const double*, Index, Index, const WideCenters&,
                                 const std::int32_t*, Index, double*, std::int32_t*, double*,
                                 double*);

NearestListedFn nearestListedFor(const CompatLloydRules& rules) {
  if (rules.absolute) {
    return rules.laterWins ? nearestListed<true, true> : nearestListed<false, true>;
  }
  return rules.laterWins ? nearestListed<true, false> : nearestListed<false, false>;
}

typedef double Pair __attribute__((vector_size(2 * sizeof(double))));

// Σ of the rows of each label, rows added in index order (as both packages do); kD: D when
// known at compile time, else 0.
// Only the clusters flagged in `changed` (all when it is null).
template <int kD>
void addRows(const double* x, Index n, Index d, const std::int32_t* labels, const char* changed,
             double* sums, Index* counts) {
  const Index dd = kD > 0 ? kD : d;
  for (Index i = 0; i < n; ++i) {
    const Index c = labels[i];
    if (changed != nullptr && changed[c] == 0) continue;
    ++counts[c];
    double* sum = sums + c * dd;
    const double* row = x + i * dd;
    if constexpr (kD == 2) {  // one vector addition (GCC does not pair the two itself)
      Pair total, add;
      std::memcpy(&total, sum, sizeof(total));
      std::memcpy(&add, row, sizeof(add));
      total += add;
      std::memcpy(sum, &total, sizeof(total));
    } else {
      for (Index j = 0; j < dd; ++j) sum[j] += row[j];
    }
  }
}

// addRows for every cluster at once when K·D <= kSumLanes and D <= 2, the sums in registers:
// lane l holds feature l % D of cluster l / D, and every row is added to every lane, masked to
// +0 outside its cluster (a sum that starts at +0 is never -0 and s + (+0) = s, so each lane is
// still its cluster's rows added in index order, bit for bit). A row costs one addition's
// latency, where addRows pays a load-add-store round trip per row of the busiest cluster: the
// better choice when one cluster holds more than about half the rows (measured: 1,000 x 2,
// K 3, AVX-512: 1.5 us a step here against 2.0 us for 625 rows in one cluster, 0.6 us for
// 190).
constexpr int kSumLanes = 8;

template <int kD>
void addRowsInLanes(const double* __restrict__ x, Index n, Index k,
                    const std::int32_t* __restrict__ labels, double* sums, Index* counts) {
  constexpr int kGroups = kSumLanes / kLanes;
  static_assert(kSumLanes % kLanes == 0 && kLanes % kD == 0, "a row fills whole lanes");
  Lanes lane[kGroups];  // the cluster of each lane
  Lanes acc[kGroups];
  Lanes count[kGroups];  // every lane of a cluster counts its rows
  for (int g = 0; g < kGroups; ++g) {
    for (int l = 0; l < kLanes; ++l) lane[g][l] = static_cast<double>((g * kLanes + l) / kD);
    acc[g] = Lanes{};
    count[g] = Lanes{};
  }
  Mask first = Mask{};  // the lanes of feature 0
  for (int l = 0; l < kLanes; ++l) first[l] = l % kD == 0 ? -1 : 0;
  const Lanes one = Lanes{} + 1.0;
  for (Index i = 0; i < n; ++i) {
    const Lanes c = Lanes{} + static_cast<double>(labels[i]);
    const double* row = x + i * kD;
    const Lanes values = kD == 1 ? Lanes{} + row[0] : (first ? Lanes{} + row[0] : Lanes{} + row[kD - 1]);
    for (int g = 0; g < kGroups; ++g) {
      const Mask mine = lane[g] == c;
      acc[g] += mine ? values : Lanes{};
      count[g] += mine ? one : Lanes{};
    }
  }
  for (Index c = 0; c < k; ++c) {
    for (int j = 0; j < kD; ++j) {
      const Index l = c * kD + j;
      sums[l] = acc[l / kLanes][l % kLanes];
    }
    counts[c] = static_cast<Index>(count[c * kD / kLanes][c * kD % kLanes]);
  }
}

#if defined(__AVX512F__)
// addRows with AVX-512 for D <= 16: the rows of every recomputed cluster listed first (16
// labels at a time, compressed to their row indices), then each cluster's sum kept in a
// register and its rows added from the list, four clusters interleaved. Each sum still adds
// its rows one after another in index order (bit for bit addRows's), but a cluster's chain of
// additions is only as long as its own rows and runs next to the others', where addRows waits
// for a store and a load per row and addRowsInLanes adds every row to every lane (1,000 x 2,
// K 3: 0.5 us a step against 0.8 to 1.5).
constexpr bool kListedSums = true;
constexpr Index kListRows = 1024;  // rows listed at a time
constexpr Index kListedMaxD = 16;  // a row in one or two registers
constexpr Index kListedMaxK = 64;

// The listed rows of clusters [first, last) added to their sums, four clusters interleaved; a
// row in one register (kTwo false: D <= 8) or two (D <= 16).
template <bool kTwo>
void addListed(const double* x, Index d, Index first, Index last, const std::int32_t* lists,
               const Index* size, double* sums, Index* counts) {
  constexpr Index kStride = kListRows + 16;
  const __mmask8 lo = static_cast<__mmask8>(kTwo ? 0xFFu : (1u << d) - 1);
  const __mmask8 hi = static_cast<__mmask8>(kTwo ? (1u << (d - 8)) - 1 : 0u);
  for (Index c0 = first; c0 < last; c0 += 4) {
    const Index group = std::min<Index>(4, last - c0);
    // (named registers: GCC keeps an array of them on the stack, a store and a load per row)
    const auto listOf = [&](Index j) { return lists + (c0 + std::min(j, group - 1)) * kStride; };
    const auto rowsOf = [&](Index j) { return j < group ? size[c0 + j] : Index{0}; };
    const auto sumOf = [&](Index j, Index half) {
      const double* sum = sums + (c0 + std::min(j, group - 1)) * d + 8 * half;
      return _mm512_maskz_loadu_pd(half == 0 ? lo : hi, sum);
    };
    const std::int32_t *l0 = listOf(0), *l1 = listOf(1), *l2 = listOf(2), *l3 = listOf(3);
    const Index n0 = rowsOf(0), n1 = rowsOf(1), n2 = rowsOf(2), n3 = rowsOf(3);
    __m512d s0 = sumOf(0, 0), s1 = sumOf(1, 0), s2 = sumOf(2, 0), s3 = sumOf(3, 0);
    __m512d t0 = _mm512_setzero_pd(), t1 = t0, t2 = t0, t3 = t0;
    if constexpr (kTwo) t0 = sumOf(0, 1), t1 = sumOf(1, 1), t2 = sumOf(2, 1), t3 = sumOf(3, 1);
    const auto row = [&](const std::int32_t* list, Index r) {
      return _mm512_maskz_loadu_pd(lo, x + Index{list[r]} * d);
    };
    const auto rowHigh = [&](const std::int32_t* list, Index r) {
      return _mm512_maskz_loadu_pd(hi, x + Index{list[r]} * d + 8);
    };
    // Row r of a list into its sum (s: features 0-7, t: 8-15), when the list has one.
    const auto add = [&](__m512d& s, __m512d& t, const std::int32_t* list, Index rows, Index r) {
      if (r >= rows) return;
      s = _mm512_add_pd(s, row(list, r));
      if constexpr (kTwo) t = _mm512_add_pd(t, rowHigh(list, r));
    };
    const Index longest = std::max(std::max(n0, n1), std::max(n2, n3));
    for (Index r = 0; r < longest; ++r) {
      add(s0, t0, l0, n0, r);
      add(s1, t1, l1, n1, r);
      add(s2, t2, l2, n2, r);
      add(s3, t3, l3, n3, r);
    }
    const __m512d done[4] = {s0, s1, s2, s3};
    const __m512d high[4] = {t0, t1, t2, t3};
    for (Index j = 0; j < group; ++j) {
      _mm512_mask_storeu_pd(sums + (c0 + j) * d, lo, done[j]);
      if constexpr (kTwo) _mm512_mask_storeu_pd(sums + (c0 + j) * d + 8, hi, high[j]);
      counts[c0 + j] += size[c0 + j];
    }
  }
}

// For clusters [first, last) (which may run beside the other clusters' call on another thread:
// each cluster's list, sum and count are its own). lists: K·(kListRows + 16) indices.
void addRowsListed(const double* x, Index n, Index d, Index first, Index last,
                   const std::int32_t* labels, const char* changed, double* sums, Index* counts,
                   std::int32_t* lists) {
  constexpr Index kStride = kListRows + 16;  // a full 16-index store past the last one
  Index size[kListedMaxK];
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (Index begin = 0; begin < n; begin += kListRows) {
    const Index end = std::min(n, begin + kListRows);
    std::fill_n(size + first, last - first, Index{0});
    Index i = begin;
    for (; i + 16 <= end; i += 16) {
      const __m512i label = _mm512_loadu_si512(labels + i);
      const __m512i index = _mm512_add_epi32(iota, _mm512_set1_epi32(static_cast<int>(i)));
      for (Index c = first; c < last; ++c) {
        if (changed != nullptr && changed[c] == 0) continue;
        const __mmask16 mine = _mm512_cmpeq_epi32_mask(label, _mm512_set1_epi32(static_cast<int>(c)));
        // (compressed in a register, then stored whole: the compressing store is slow on Zen 4)
        _mm512_storeu_si512(lists + c * kStride + size[c], _mm512_maskz_compress_epi32(mine, index));
        size[c] += __builtin_popcount(mine);
      }
    }
    for (; i < end; ++i) {
      const Index c = labels[i];
      if (c >= first && c < last && (changed == nullptr || changed[c] != 0)) {
        lists[c * kStride + size[c]++] = static_cast<std::int32_t>(i);
      }
    }
    if (d <= 8) addListed<false>(x, d, first, last, lists, size, sums, counts);
    else addListed<true>(x, d, first, last, lists, size, sums, counts);
  }
}
#else
constexpr bool kListedSums = false;
constexpr Index kListRows = 0, kListedMaxD = 0, kListedMaxK = 0;
void addRowsListed(const double*, Index, Index, Index, Index, const std::int32_t*, const char*,
                   double*, Index*, std::int32_t*) {}
#endif

// New centres from the labels: Σ rows in index order, then / count; returns whether the
// stopping test holds. `centers` holds the previous centres on entry; only the clusters flagged
// in `changed` (all when it is null) are recomputed, the others keep their centres (moved 0).
bool updateCenters(const double* x, Index n, Index d, Index k, const std::int32_t* labels,
                   const char* changed, const CompatLloydRules& rules, std::vector<double>& sums,
                   std::vector<Index>& counts, std::int32_t* lists, double* centers,
                   double* moved, ThreadPool* pool) {
  const auto recomputed = [&](Index c) { return changed == nullptr || changed[c] != 0; };
  // Rows in the busiest recomputed cluster at the previous step (all rows on the first).
  Index busiest = changed == nullptr ? n : 0;
  for (Index c = 0; c < k && changed != nullptr; ++c) {
    if (changed[c] != 0) busiest = std::max(busiest, counts[c]);
  }
  bool any = false;
  for (Index c = 0; c < k; ++c) {
    if (!recomputed(c)) continue;
    any = true;
    std::fill_n(sums.begin() + c * d, d, 0.0);
    counts[c] = 0;
  }
  if (any && lists != nullptr) {
    // With threads: groups of four clusters (each cluster's list, sum and count its own), taken
    // as the threads come free, so that the second thread does not idle through the update.
    const Index groups = (k + 3) / 4;
    const auto group = [&](Index g, unsigned) {
      addRowsListed(x, n, d, 4 * g, std::min(k, 4 * g + 4), labels, changed, sums.data(),
                    counts.data(), lists);
    };
    if (pool != nullptr && groups > 1) pool->forEach(groups, group);
    else addRowsListed(x, n, d, 0, k, labels, changed, sums.data(), counts.data(), lists);
  } else if (any && d <= 2 && k * d <= kSumLanes && 2 * busiest > n) {
    if (d == 1) addRowsInLanes<1>(x, n, k, labels, sums.data(), counts.data());
    else addRowsInLanes<2>(x, n, k, labels, sums.data(), counts.data());
  } else if (any) {
    switch (d) {  // a compile-time D unrolls the row loop for the common small ones
      case 1: addRows<1>(x, n, 1, labels, changed, sums.data(), counts.data()); break;
      case 2: addRows<2>(x, n, 2, labels, changed, sums.data(), counts.data()); break;
      case 3: addRows<3>(x, n, 3, labels, changed, sums.data(), counts.data()); break;
      case 4: addRows<4>(x, n, 4, labels, changed, sums.data(), counts.data()); break;
      default: addRows<0>(x, n, d, labels, changed, sums.data(), counts.data());
    }
  }
  bool converged = true;
  for (Index c = 0; c < k; ++c) {
    if (!recomputed(c)) {
      moved[c] = 0.0;
      if (!rules.stopUnchanged && 0.0 > rules.tolerance) converged = false;
      continue;
    }
    double* center = centers + c * d;
    const double* sum = sums.data() + c * d;
    double moved2 = 0.0;  // ml-kmeans: squaredEuclidean(new, old)
    for (Index j = 0; j < d; ++j) {
      double next;
      if (rules.emptyToZero) {
        // skmeans: sum / count || 0 (0/0 = NaN, and -0, become +0).
        const double mean = sum[j] / static_cast<double>(counts[c]);
        next = (mean != mean || mean == 0.0) ? 0.0 : mean;
      } else {
        next = counts[c] > 0 ? sum[j] / static_cast<double>(counts[c]) : center[j];
      }
      if (rules.stopUnchanged && next != center[j]) converged = false;
      const double t = next - center[j];
      moved2 += t * t;
      center[j] = next;
    }
    moved[c] = moved2;
    // ml-kmeans: not converged when distance(new, old) > tolerance (false for NaN).
    if (!rules.stopUnchanged && moved2 > rules.tolerance) converged = false;
  }
  return converged;
}

// Below this many distance terms (N·K·D) a step takes microseconds: no thread joins it.
constexpr Index kParallelTerms = Index{1} << 20;
// K·D from which later steps keep Hamerly's bounds (below, a row's K distances cost about what
// updating and testing its bounds does).
constexpr Index kBoundsFrom = 24;

// Hamerly's bounds, kept so that they decide a label only when the exact sums could not decide
// otherwise. upper >= the true distance to the row's centre, lower <= the true distance to every
// other centre (Euclidean; |x − c| on 1-D data), each widened by kSlack relative: a sum of D
// rounded squares is within (D + 2)·u of the true one, a square root or a bound update adds an
// ulp. While upper < lower the computed distance to the row's centre is strictly below every
// other computed distance, so both tie rules keep the label; otherwise the row is recomputed.
struct Bounds {
  double* upper;
  double* lower;
  double slack;  // relative
};

// The bounds' storage (2·N doubles), kept from one fit to the next up to kKeptBoundBytes
// (kept_spare.h; on a virtual machine fresh memory cost 6% of a 100,000 x 16 fit repeated):
// the first pass writes every bound anyway (left uninitialised).
constexpr size_t kKeptBoundBytes = size_t{64} << 20;

class BoundStorage {
 public:
  explicit BoundStorage(size_t doubles) {
    if (doubles == 0) return;
    Kept::take(storage_);
    resizeUninitialised(storage_.values, doubles);
  }
  ~BoundStorage() { Kept::give(storage_, kKeptBoundBytes); }
  BoundStorage(const BoundStorage&) = delete;
  BoundStorage& operator=(const BoundStorage&) = delete;
  double* data() { return storage_.values.data(); }

 private:
  struct Doubles {
    LargeVector<double> values;
    size_t bytes() const { return values.capacity() * sizeof(double); }
    void swap(Doubles& other) { values.swap(other.values); }
  };
  using Kept = KeptSpare<Doubles, BoundStorage>;
  Doubles storage_;
};

inline double distanceOf(double computed, bool absolute) {
  return absolute ? computed : std::sqrt(computed);
}

// The squared distance (|Δ| for the absolute metric, D = 1) from row to center, for a bound
// only: summed in lanes, not in feature order (any order's relative error is at most about
// (D + 2)·ε, well inside the bounds' slack of 8(D + 4)·ε), so that a row's tightening is not
// a chain of D dependent additions.
inline double boundDistance(const double* row, const double* center, Index d, bool absolute) {
  if (absolute) return std::fabs(row[0] - center[0]);
  double sum = 0.0;
  Index j = 0;
  if (d >= kLanes) {
    Lanes acc = Lanes{};
    for (; j + kLanes <= d; j += kLanes) {
      Lanes a, b;
      std::memcpy(&a, row + j, sizeof(a));
      std::memcpy(&b, center + j, sizeof(b));
      const Lanes t = a - b;
      acc += t * t;
    }
    sum = compat_lanes::laneSum<kLanes>(acc);
  }
  for (; j < d; ++j) {
    const double t = row[j] - center[j];
    sum += t * t;
  }
  return sum;
}

void setBounds(double* upper, double* lower, Index i, double nearest, double second,
               bool absolute, double slack) {
  // An overflowed distance (>= DBL_MAX) never settles a label.
  upper[i] = nearest < DBL_MAX ? distanceOf(nearest, absolute) * (1 + slack)
                               : std::numeric_limits<double>::infinity();
  lower[i] = distanceOf(second, absolute) * (1 - slack);
}

// How far the centres moved in the last update (widened outward).
struct Shifts {
  const double* shift;  // K
  double max;           // the largest
  double second;        // the largest but the farthest centre's
  std::int32_t farthest;
  double eps;           // relative widening
  // The farthest centre (its new coordinates) when it moved much farther than any other (an
  // emptied skmeans cluster jumping to 0 and back): each row's lower bound then shrinks by the
  // second largest shift only and is capped by the row's distance to that centre, where
  // shrinking it by the largest shift would unsettle nearly every row. Else null.
  const double* far;
};

// Whether a row whose moved bounds (upper, lower) do not separate its centre from the others
// is settled by tightening its upper bound to the distance to its own centre.
inline bool tightened(const double* x, Index d, const double* centers, Index i, double lower,
                      double grow, bool absolute, const std::int32_t* labels,
                      double* upperBound) {
  if (!(lower > 0)) return false;
  const double upper =
      distanceOf(boundDistance(x + i * d, centers + labels[i] * d, d, absolute), absolute) * grow;
  upperBound[i] = upper;
  return upper < lower;
}

// A later step's assignment of rows [begin, end): the bounds move with the centres (upper grows
// by its centre's shift, lower shrinks by the largest shift of the others); a row whose bounds
// still separate its centre from the others keeps its label, else its upper bound is
// tightened, and if that does not settle it either, its nearest centre is recomputed with
// fresh bounds. acc: 4·kp doubles.
void settleRows(const double* x, Index d, Index k, const double* centers, Index begin, Index end,
                const Shifts s, bool absolute, NearestListedFn nearestRows, const WideCenters& wide, double* acc, std::int32_t* labels, double* upperBound,
                double* lowerBound, char* changed) {
  const double grow = 1 + s.eps;
  Index i = begin;
#if defined(__AVX512F__)
  // Most rows keep their label (84% at 100,000 x 16, K 16): their bounds move 8 rows at a
  // time, and the rows left unsettled are listed, then tightened with their rows fetched ahead
  // (they are sparse: the hardware prefetcher misses them), and those still unsettled get their
  // nearest centres four rows at a time.
  constexpr Index kChunk = 256;
  std::int32_t list[kChunk + 16];
  std::int32_t label[kChunk];
  double best[kChunk], next[kChunk];
  const __m512d vgrow = _mm512_set1_pd(grow), veps = _mm512_set1_pd(s.eps);
  const __m512d vmax = _mm512_set1_pd(s.max), vsecond = _mm512_set1_pd(s.second);
  const __m256i vfarthest = _mm256_set1_epi32(s.farthest);
  const __m512i iota = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  while (s.far == nullptr && i + 8 <= end) {
    const Index stop = std::min(end, i + kChunk);
    Index listed = 0;
    for (; i + 8 <= stop; i += 8) {
      const __m256i own = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(labels + i));
      const __m512d shiftOwn = _mm512_i32gather_pd(own, s.shift, 8);
      const __mmask8 far = _mm256_cmpeq_epi32_mask(own, vfarthest);
      const __m512d others = _mm512_mask_blend_pd(far, vmax, vsecond);
      const __m512d ub = _mm512_loadu_pd(upperBound + i), lb = _mm512_loadu_pd(lowerBound + i);
      const __m512d upper = _mm512_mul_pd(_mm512_add_pd(ub, shiftOwn), vgrow);
      const __m512d lower = _mm512_sub_pd(_mm512_sub_pd(lb, others),
                                          _mm512_mul_pd(veps, _mm512_add_pd(lb, others)));
      _mm512_storeu_pd(upperBound + i, upper);
      _mm512_storeu_pd(lowerBound + i, lower);
      const __mmask8 open = _mm512_cmp_pd_mask(upper, lower, _CMP_NLT_UQ);  // !(upper < lower)
      const __m512i rows = _mm512_add_epi64(iota, _mm512_set1_epi64(i));
      // (compressed in a register, then stored whole: the compressing store is slow on Zen 4)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(list + listed),
                          _mm512_cvtepi64_epi32(_mm512_maskz_compress_epi64(open, rows)));
      listed += __builtin_popcount(open);
    }
    constexpr Index kAhead = 4;
    const Index lineBytes = d * Index(sizeof(double));
    const auto fetch = [&](Index r) {
      const char* row = reinterpret_cast<const char*>(x + r * d);
      for (Index b = 0; b < lineBytes; b += 64) __builtin_prefetch(row + b);
    };
    for (Index j = 0; j < std::min(listed, kAhead); ++j) fetch(list[j]);
    Index open = 0;  // the rows still unsettled, listed again in place
    for (Index j = 0; j < listed; ++j) {
      if (j + kAhead < listed) fetch(list[j + kAhead]);
      const Index r = list[j];
      if (!tightened(x, d, centers, r, lowerBound[r], grow, absolute, labels, upperBound)) {
        list[open++] = static_cast<std::int32_t>(r);
      }
    }
    nearestRows(x, d, k, wide, list, open, acc, label, best, next);
    for (Index j = 0; j < open; ++j) {
      const Index r = list[j];
      storeLabels(label + j, 1, labels + r, changed);
      setBounds(upperBound, lowerBound, r, best[j], next[j], absolute, s.eps);
    }
  }
#endif
  for (; i < end; ++i) {
    const std::int32_t own = labels[i];
    const double others = own == s.farthest || s.far != nullptr ? s.second : s.max;
    const double upper = (upperBound[i] + s.shift[own]) * grow;
    double lower = (lowerBound[i] - others) - s.eps * (lowerBound[i] + others);
    if (s.far != nullptr && own != s.farthest) {
      const double far = distanceOf(boundDistance(x + i * d, s.far, d, absolute), absolute);
      lower = std::min(lower, far * (1 - s.eps));
    }
    lowerBound[i] = lower;
    upperBound[i] = upper;
    if (upper < lower || tightened(x, d, centers, i, lower, grow, absolute, labels, upperBound)) {
      continue;
    }
    const std::int32_t row = static_cast<std::int32_t>(i);
    double best, next;
    std::int32_t label;
    nearestRows(x, d, k, wide, &row, 1, acc, &label, &best, &next);
    storeLabels(&label, 1, labels + i, changed);
    setBounds(upperBound, lowerBound, i, best, next, absolute, s.eps);
  }
}

}  // namespace

CompatLloydResult compatLloyd(const double* x, Index n, Index d, Index k, double* centers,
                              std::int32_t* labels, const CompatLloydRules& rules,
                              ThreadPool& pool) {
  const AssignFn assignAll = assignFor(rules, d);
  const NearestListedFn nearestRows = nearestListedFor(rules);
  const bool parallel = pool.size() > 1 && n * k * d >= kParallelTerms;
  const Index blocks = (n + kBlockRows - 1) / kBlockRows;
  const size_t scratch = scratchSize(d);
  const unsigned workers = parallel ? pool.size() : 1;
  std::vector<double> buffers(scratch * workers);
  // Per worker, the clusters a row entered or left in this step (K flags each).
  std::vector<char> changed(static_cast<size_t>(k) * workers);
  std::vector<double> sums(static_cast<size_t>(k * d));
  std::vector<Index> counts(static_cast<size_t>(k));
  std::vector<double> moved(static_cast<size_t>(k));
  // Bounds pay off where a row's distances cost more than keeping them (K·D >= kBoundsFrom).
  const bool bounded = k * d >= kBoundsFrom;
  const size_t boundRows = bounded ? static_cast<size_t>(n) : 0;
  BoundStorage boundStorage(2 * boundRows);
  Bounds bounds{boundStorage.data(), boundStorage.data() + boundRows,
                8.0 * static_cast<double>(d + 4) * DBL_EPSILON};
  const double eps = bounds.slack;
  // The centres as nearestListed reads them (set after every update when bounded), and its
  // distances, per worker.
  WideCenters wide;
  std::vector<double> wideAcc;
  // How far each centre moved in the last update (widened), and the most any did.
  std::vector<double> shift(static_cast<size_t>(k));

  // addRowsListed's index lists, where it applies (uninitialised: written before read).
  const bool listed = kListedSums && d <= kListedMaxD && k <= kListedMaxK;
  const std::unique_ptr<std::int32_t[]> lists(
      listed ? new std::int32_t[static_cast<size_t>(k * (kListRows + 16))] : nullptr);

  if (bounded) {
    wide.set(centers, k, d);  // (kp depends on K alone: the size of wideAcc holds)
    wideAcc.resize(static_cast<size_t>(wide.kp) * 4 * workers);
  }
  CompatLloydResult result;
  // Step 1 (and every step without bounds): every row with the block kernel; later steps row
  // by row where the bounds fail.
  // (null on the first step: every cluster is computed)
  const auto changedOf = [&](unsigned worker) {
    return result.steps == 0 ? nullptr : changed.data() + static_cast<size_t>(worker) * k;
  };
  const auto firstPass = [&](Index begin, Index end, unsigned worker) {
    if (!bounded) {
      assignAll(x, d, k, centers, begin, end, buffers.data() + worker * scratch, labels, nullptr,
                nullptr, changedOf(worker));
      return;
    }
    if (d <= 4) {  // assignSmall: 8 rows at a time in registers
      // (lower holds the second-nearest distances until setBounds turns both into bounds)
      double* upper = bounds.upper;
      double* lower = bounds.lower;
      assignAll(x, d, k, centers, begin, end, nullptr, labels, upper, lower, changedOf(worker));
      for (Index i = begin; i < end; ++i) setBounds(upper, lower, i, upper[i], lower[i], rules.absolute, eps);
      return;
    }
    // More features: the later passes' kernel, four rows at a time with the centres in lanes, a
    // quarter less per row than assignRows's blocks at 100,000 x 16, K 16 (the same sums,
    // features in order, and the same rule).
    constexpr Index kRows = 256;
    std::int32_t list[kRows], label[kRows];
    double best[kRows], next[kRows];
    double* acc = wideAcc.data() + static_cast<size_t>(worker) * 4 * wide.kp;
    for (Index first = begin; first < end; first += kRows) {
      const Index m = std::min(kRows, end - first);
      for (Index j = 0; j < m; ++j) list[j] = static_cast<std::int32_t>(first + j);
      nearestRows(x, d, k, wide, list, m, acc, label, best, next);
      storeLabels(label, m, labels + first, changedOf(worker));
      for (Index j = 0; j < m; ++j) {
        setBounds(bounds.upper, bounds.lower, first + j, best[j], next[j], rules.absolute, eps);
      }
    }
  };
  Shifts shifts{shift.data(), 0.0, 0.0, 0, eps, nullptr};  // (set after every update)
  const auto laterPass = [&](Index begin, Index end, unsigned worker) {
    settleRows(x, d, k, centers, begin, end, shifts, rules.absolute, nearestRows, wide,
               wideAcc.data() + static_cast<size_t>(worker) * 4 * wide.kp, labels,
               bounds.upper, bounds.lower, changedOf(worker));
  };
  std::int64_t unconverged = 0;
  for (;;) {
    std::fill(changed.begin(), changed.end(), 0);
    if (parallel) {
      pool.forEach(blocks, [&](Index b, unsigned worker) {
        const Index begin = b * kBlockRows;
        const Index end = std::min(n, begin + kBlockRows);
        if (result.steps == 0 || !bounded) firstPass(begin, end, worker);
        else laterPass(begin, end, worker);
      });
    } else if (result.steps == 0 || !bounded) {
      firstPass(0, n, 0);
    } else {
      laterPass(0, n, 0);
    }
    for (unsigned w = 1; w < workers; ++w) {
      for (Index c = 0; c < k; ++c) changed[c] |= changed[w * k + c];
    }
    const char* recompute = result.steps == 0 ? nullptr : changed.data();
    ++result.steps;
    result.converged = updateCenters(x, n, d, k, labels, recompute, rules, sums, counts,
                                     lists.get(), centers, moved.data(), parallel ? &pool : nullptr);
    if (result.converged || ++unconverged >= rules.maxSteps) break;
    if (bounded) wide.set(centers, k, d);
    shifts.max = shifts.second = 0.0;
    shifts.farthest = 0;
    for (Index c = 0; c < k; ++c) {
      shift[c] = distanceOf(moved[c], false) * (1 + eps);  // √Σ(Δ)² in both metrics (|Δ| for D = 1)
      if (shift[c] > shifts.max) {
        shifts.second = shifts.max;
        shifts.max = shift[c];
        shifts.farthest = static_cast<std::int32_t>(c);
      } else {
        shifts.second = std::max(shifts.second, shift[c]);
      }
    }
    // (A factor 2 between the two largest shifts: below, a distance per row costs more than
    // the rows it settles.)
    shifts.far = shifts.max > 2 * shifts.second ? centers + shifts.farthest * d : nullptr;
  }
  return result;
}

}  // namespace gaussmix
