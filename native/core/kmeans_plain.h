// The plain K-means pass, for few centres times features: every row of a sub-chunk measured
// against every centre, vectorised along the rows laid out by column, and the sub-chunk's sums
// (kmeans_block.h's canonical order) taken in the same sweep.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kmeans_block.h"
#include "kmeans_nearest.h"
#include "memory.h"

namespace gaussmix::kmeans {

// Below this many centres times features, plain passes are cheaper than the bounds.
constexpr Index kBoundedWork = 32;

// Per-thread scratch of the plain pass: the chunk laid out by column (D x stride, zero-padded
// rows copied from its first row), the row weights (0 on the padding), the labels as doubles
// (−1 on the padding) and the squared distances.
struct PlainScratch {
  LargeVector<double> xt;
  LargeVector<double> weight;
  LargeVector<double> label;
  LargeVector<double> d2;
  Index overflowRow = -1;  // the first row whose squared distance passed kSafeSquare
};

// foldLanes of eight lanes held as packets, in registers (the same bits: a + b == b + a): when
// the sums' arrays went through memory to be folded, GCC kept them there and stored every sum
// at every row group (k2's pass 30% slower).
#if defined(EIGEN_VECTORIZE_AVX512)
inline double foldRegisters(__m512d a) {
  const __m512d pairs = _mm512_add_pd(a, _mm512_permute_pd(a, 0x55));  // a0 + a1, ...
  const __m512d quads = _mm512_add_pd(pairs, _mm512_permutex_pd(pairs, 0x4e));
  return _mm512_cvtsd_f64(_mm512_add_pd(quads, _mm512_shuffle_f64x2(quads, quads, 0x4e)));
}
#elif defined(EIGEN_VECTORIZE_AVX)
inline __m256d quadSums(__m256d a) {  // lane 0: (a0 + a1) + (a2 + a3)
  const __m256d pairs = _mm256_add_pd(a, _mm256_permute_pd(a, 0x5));
  return _mm256_add_pd(pairs, _mm256_permute2f128_pd(pairs, pairs, 0x1));
}
inline double foldRegisters(__m256d a, __m256d b) {
  return _mm256_cvtsd_f64(quadSums(a)) + _mm256_cvtsd_f64(quadSums(b));
}
#elif defined(EIGEN_VECTORIZE_SSE2)
inline double pairSum(__m128d a) { return _mm_cvtsd_f64(_mm_add_sd(a, _mm_unpackhi_pd(a, a))); }
inline double foldRegisters(__m128d a, __m128d b, __m128d c, __m128d d) {
  return (pairSum(a) + pairSum(b)) + (pairSum(c) + pairSum(d));
}
#endif
template <class Packets>
double foldInRegisters(const Packets& p) {
#if defined(EIGEN_VECTORIZE_AVX512)
  return foldRegisters(p[0]);
#elif defined(EIGEN_VECTORIZE_AVX)
  return foldRegisters(p[0], p[1]);
#elif defined(EIGEN_VECTORIZE_SSE2)
  return foldRegisters(p[0], p[1], p[2], p[3]);
#else
  return foldPackets(p);
#endif
}

// The sums of the kGroup centres from j0 on over the chunk (labels in s.label), folded into
// out (per cluster D + 1: Σw, Σw·x); unrolled over the centres, whose sums stay in registers.
template <int kD, int kGroup>
void groupSums(const Data& data, Index j0, Index n, const PlainScratch& s, double* out) {
  using namespace Eigen::internal;
  using Packet = detail::Packet;
  constexpr int kPacket = detail::kPacket;
  constexpr int kPackets = kLanes / kPacket;
  constexpr Index kMaxD = kD > 0 ? kD : kBoundedWork;
  const Index d = kD > 0 ? kD : data.d;
  const bool weighted = data.weights != nullptr;
  const double* __restrict xt = s.xt.data();
  const double* __restrict labels = s.label.data();
  const double* __restrict weights = s.weight.data();
  const Packet one = pset1<Packet>(1.0);
  Packet label[kGroup], w[kGroup][kPackets], sx[kGroup][kMaxD][kPackets];
  for (int u = 0; u < kGroup; ++u) {
    label[u] = pset1<Packet>(static_cast<double>(j0 + u));
    for (int q = 0; q < kPackets; ++q) {
      w[u][q] = pset1<Packet>(0.0);
      for (Index t = 0; t < d; ++t) sx[u][t][q] = pset1<Packet>(0.0);
    }
  }
  for (Index i = 0; i < n; i += kLanes) {
    for (int q = 0; q < kPackets; ++q) {
      const Index at0 = i + q * kPacket;
      const Packet at = ploadu<Packet>(labels + at0);
      const Packet weight = weighted ? ploadu<Packet>(weights + at0) : one;
      // w·x once for every centre of the group (a masked-out lane adds nothing either way).
      Packet wx[kMaxD];
      for (Index t = 0; t < d; ++t) wx[t] = pmul(weight, ploadu<Packet>(xt + t * n + at0));
#pragma GCC unroll 16
      for (int u = 0; u < kGroup; ++u) {
        const detail::LaneMask mine = detail::equalTo(at, label[u]);
        w[u][q] = detail::addWhere(mine, w[u][q], weight);
#pragma GCC unroll 16
        for (Index t = 0; t < d; ++t) sx[u][t][q] = detail::addWhere(mine, sx[u][t][q], wx[t]);
      }
    }
  }
  for (int u = 0; u < kGroup; ++u) {
    double* at = out + (j0 + u) * (d + 1);
    at[0] = foldInRegisters(w[u]);
    for (Index t = 0; t < d; ++t) at[1 + t] = foldInRegisters(sx[u][t]);
  }
}

// The sums per centre over the chunk: centres in groups whose sums fit three quarters of the
// registers (then groups of 4, 2, 1), so that their chains of adds overlap.
template <int kD>
void clusterSums(const Data& data, Index k, Index n, const PlainScratch& s, double* out) {
  constexpr int kPackets = kLanes / detail::kPacket;
  constexpr int kPerCentre = (1 + std::max(kD, 1)) * kPackets;
  constexpr int kRegisters = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS * 3 / 4;
  constexpr int kGroup = kD > 0 ? std::max(1, kRegisters / kPerCentre) : 1;
  Index j0 = 0;
  for (; j0 + kGroup <= k; j0 += kGroup) groupSums<kD, kGroup>(data, j0, n, s, out);
  if constexpr (kGroup > 4) {
    if (j0 + 4 <= k) {
      groupSums<kD, 4>(data, j0, n, s, out);
      j0 += 4;
    }
  }
  if constexpr (kGroup > 2) {
    if (j0 + 2 <= k) {
      groupSums<kD, 2>(data, j0, n, s, out);
      j0 += 2;
    }
  }
  if (j0 < k) groupSums<kD, 1>(data, j0, n, s, out);
}

// A plain pass over the sub-chunk [begin, begin + rows): each row's label (the centre at the
// smallest squared distance, measured as squaredDistance measures it, ties to the lowest
// index) into labels[0, rows), its squared distance into s.d2, and the sub-chunk's folded sums
// into out (per cluster D + 1: Σw, Σw·x; then Σ w·d2).
template <int kD>
void plainChunk(const Data& data, const Centres& cs, Index begin, Index rows, PlainScratch& s,
                double* out, std::int32_t* labels, const RowsAhead& ahead = {}) {
  using namespace Eigen::internal;
  using Packet = detail::Packet;
  constexpr int kPacket = detail::kPacket;
  constexpr int kPackets = kLanes / kPacket;
  constexpr Index kMaxD = kD > 0 ? kD : kBoundedWork;  // plain: K·D < kBoundedWork
  const Index d = kD > 0 ? kD : data.d;
  const Index k = cs.k();
  const Index n = paddedRows(rows);
  const bool weighted = data.weights != nullptr;
  s.xt.resize(static_cast<size_t>(d * n));
  s.label.resize(static_cast<size_t>(n));
  s.d2.resize(static_cast<size_t>(n));
  const double* x = data.x + begin * d;
  for (Index j = 0; j < d; ++j) {
    double* col = s.xt.data() + j * n;
    for (Index i = 0; i < rows; ++i) col[i] = x[i * d + j];
    for (Index i = rows; i < n; ++i) col[i] = x[j];
  }
  if (weighted) {
    s.weight.resize(static_cast<size_t>(n));
    std::copy_n(data.weights + begin, rows, s.weight.data());
    std::fill(s.weight.data() + rows, s.weight.data() + n, 0.0);
  }
  const double* xt = s.xt.data();
  const double* centres = cs.c.data();
  const Packet one = pset1<Packet>(1.0);
  const Packet safe = pset1<Packet>(kSafeSquare);
  // Unweighted: weight 1 on the rows, 0 on the padding lanes of the last group.
  double lastWeights[kLanes];
  for (Index l = 0; l < kLanes; ++l) lastWeights[l] = n - kLanes + l < rows ? 1.0 : 0.0;
  Packet objective[kPackets], bad = pset1<Packet>(0.0);
  for (int q = 0; q < kPackets; ++q) objective[q] = pset1<Packet>(0.0);
  for (Index i = 0; i < n; i += kLanes) {
    ahead.ask(i, kLanes);  // (as many of the next rows per row measured)
    for (int q = 0; q < kPackets; ++q) {
      const Index at0 = i + q * kPacket;
      Packet xv[kMaxD];
      for (Index t = 0; t < d; ++t) xv[t] = ploadu<Packet>(xt + t * n + at0);
      const auto distance = [&](Index j) { return packetDistance(xv, centres + j * d, d); };
      Packet best = distance(0), at = pset1<Packet>(0.0);
      Packet label = at;  // j as a double, counted up (not converted at every j)
      for (Index j = 1; j < k; ++j) {
        const Packet v = distance(j);
        const detail::LaneMask less = detail::lessThan(v, best);
        label = padd(label, one);
        best = detail::selectWhere(less, v, best);
        at = detail::selectWhere(less, label, at);
      }
      pstoreu(s.label.data() + at0, at);
      pstoreu(s.d2.data() + at0, best);
      const Packet w = weighted         ? ploadu<Packet>(s.weight.data() + at0)
                       : i + kLanes <= rows ? one
                                            : ploadu<Packet>(lastWeights + q * kPacket);
      objective[q] = padd(objective[q], pmul(w, best));
      bad = por(bad, pandnot(one, pcmp_le(best, safe)));  // any lane with e > safe (or NaN)
    }
  }
  out[k * (d + 1)] = foldPackets(objective);
  for (Index i = rows; i < n; ++i) s.label[i] = -1.0;  // padding: no centre's row
  for (Index i = 0; i < rows; ++i) labels[i] = static_cast<std::int32_t>(s.label[i]);
  if (predux_any(bad) && s.overflowRow < 0) {
    for (Index i = 0; i < rows; ++i) {
      if (!(s.d2[i] <= kSafeSquare)) {
        s.overflowRow = begin + i;
        break;
      }
    }
  }
  clusterSums<kD>(data, k, n, s, out);
}

}  // namespace gaussmix::kmeans
