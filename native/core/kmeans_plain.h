// The plain K-means pass (no bounds), for few centres times features: every row of a chunk
// measured against every centre, vectorised along the rows of the chunk laid out by column.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kmeans_sums.h"

namespace gaussmix::kmeans {

// Below this many centres times features, plain passes are cheaper than the bounds.
constexpr Index kBoundedWork = 32;

// clusterSums of the kGroup centres from j0 on, unrolled over them (the sums in registers).
template <int kD, bool kUpdate, int kGroup>
void groupSums(const Data& data, Index j0, Index n, const double* xt, const ChunkScratch& c,
               Sums& sums) {
  using namespace Eigen::internal;
  using Packet = detail::Packet;
  constexpr int kPacket = detail::kPacket;
  constexpr int kPackets = kLanes / kPacket;
  constexpr Index kMaxD = kD > 0 ? kD : kBoundedWork;
  const Index d = kD > 0 ? kD : data.d;
  const bool weighted = data.weights != nullptr;
  const Packet one = pset1<Packet>(1.0);
  Packet label[kGroup], w[kGroup][kPackets], sx[kGroup][kUpdate ? kMaxD : 1][kPackets];
  for (int u = 0; u < kGroup; ++u) {
    label[u] = pset1<Packet>(static_cast<double>(j0 + u));
    for (int q = 0; q < kPackets; ++q) {
      w[u][q] = pset1<Packet>(0.0);
      for (Index t = 0; t < d && kUpdate; ++t) sx[u][t][q] = pset1<Packet>(0.0);
    }
  }
  for (Index i = 0; i < n; i += kLanes) {
    for (int q = 0; q < kPackets; ++q) {
      const Index at0 = i + q * kPacket;
      const Packet at = ploadu<Packet>(c.label.data() + at0);
      const Packet weight = weighted ? ploadu<Packet>(c.weight.data() + at0) : one;
      // w·x once for every centre of the group (the same products as with w masked first:
      // a masked-out lane adds nothing either way).
      Packet wx[kUpdate ? kMaxD : 1];
      for (Index t = 0; t < d && kUpdate; ++t) {
        wx[t] = pmul(weight, ploadu<Packet>(xt + t * n + at0));
      }
      for (int u = 0; u < kGroup; ++u) {
        const detail::LaneMask mine = detail::equalTo(at, label[u]);
        w[u][q] = detail::addWhere(mine, w[u][q], weight);
        for (Index t = 0; t < d && kUpdate; ++t) {
          sx[u][t][q] = detail::addWhere(mine, sx[u][t][q], wx[t]);
        }
      }
    }
  }
  for (int u = 0; u < kGroup; ++u) {
    sums.weight[j0 + u] += foldPackets(w[u]);
    for (Index t = 0; t < d && kUpdate; ++t) sums.sum(j0 + u, t) += foldPackets(sx[u][t]);
  }
}

// plainChunk's sums per centre over the chunk laid out by column (labels in c.label, -1 on
// padding): Σw and, with kUpdate, Σw·x, each in kLanes lanes added row group after row group
// and folded in a fixed order. Centres in groups whose sums fit three quarters of the
// registers (then groups of 4, 2, 1), so that their chains of adds overlap.
template <int kD, bool kUpdate>
void clusterSums(const Data& data, Index k, Index n, const double* xt, const ChunkScratch& c,
                 Sums& sums) {
  constexpr int kPackets = kLanes / detail::kPacket;
  constexpr int kPerCentre = (1 + (kUpdate ? std::max(kD, 1) : 0)) * kPackets;
  constexpr int kRegisters = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS * 3 / 4;
  constexpr int kGroup = kD > 0 ? std::max(1, kRegisters / kPerCentre) : 1;
  Index j0 = 0;
  for (; j0 + kGroup <= k; j0 += kGroup) groupSums<kD, kUpdate, kGroup>(data, j0, n, xt, c, sums);
  if constexpr (kGroup > 4) {
    if (j0 + 4 <= k) {
      groupSums<kD, kUpdate, 4>(data, j0, n, xt, c, sums);
      j0 += 4;
    }
  }
  if constexpr (kGroup > 2) {
    if (j0 + 2 <= k) {
      groupSums<kD, kUpdate, 2>(data, j0, n, xt, c, sums);
      j0 += 2;
    }
  }
  if (j0 < k) groupSums<kD, kUpdate, 1>(data, j0, n, xt, c, sums);
}

// A plain Lloyd pass over rows [begin, begin + rows): each row's nearest centre by c2 − 2x·c
// as nearestSmall decides it (ties to the lowest), carrying that centre's coordinates along,
// and its squared distance as squaredDistance sums it; then, with update, per centre over the
// rows it took, Σw and Σw·x.
template <int kD>
void plainChunk(const Data& data, const RowVector& origin, const Centres& cs, Index begin,
                Index rows, bool update, Scratch& s, std::int32_t* labels) {
  using namespace Eigen::internal;
  using Packet = detail::Packet;
  constexpr int kPacket = detail::kPacket;
  constexpr int kPackets = kLanes / kPacket;
  constexpr Index kMaxD = kD > 0 ? kD : kBoundedWork;  // plain: K·D < kBoundedWork
  const Index d = kD > 0 ? kD : data.d;
  const Index k = cs.k();
  const Index n = paddedRows(rows);
  const bool weighted = data.weights != nullptr;
  ChunkScratch& c = s.chunk;
  Sums& sums = s.sums;
  c.xt.resize(d, n);
  c.label.resize(static_cast<size_t>(n));
  const double* x = data.x + begin * d;
  for (Index j = 0; j < d; ++j) {
    double* col = c.xt.row(j).data();
    const double o = origin[j];
    for (Index i = 0; i < rows; ++i) col[i] = x[i * d + j] - o;
    for (Index i = rows; i < n; ++i) col[i] = 0.0;
  }
  if (weighted) {
    c.weight.resize(static_cast<size_t>(n));
    std::copy_n(data.weights + begin, rows, c.weight.data());
    std::fill(c.weight.data() + rows, c.weight.data() + n, 0.0);
  }
  const double* xt = c.xt.data();
  const Packet one = pset1<Packet>(1.0);
  const Packet safe = pset1<Packet>(kSafeSquare);
  // Unweighted: weight 1 on the rows, 0 on the padding lanes of the last group.
  double lastWeights[kLanes];
  for (Index l = 0; l < kLanes; ++l) lastWeights[l] = n - kLanes + l < rows ? 1.0 : 0.0;
  Packet objective[kPackets], bad = pset1<Packet>(0.0);
  for (int q = 0; q < kPackets; ++q) objective[q] = pset1<Packet>(0.0);
  for (Index i = 0; i < n; i += kLanes) {
    for (int q = 0; q < kPackets; ++q) {
      const Index at0 = i + q * kPacket;
      Packet xv[kMaxD];
      for (Index t = 0; t < d; ++t) xv[t] = ploadu<Packet>(xt + t * n + at0);
      // The kernel value c2[j] + Σ_t (−2c_jt)·x_t of centre j.
      const auto value = [&](Index j) {
        Packet p = pmul(pset1<Packet>(cs.m(0, j)), xv[0]);
        for (Index t = 1; t < d; ++t) p = padd(p, pmul(pset1<Packet>(cs.m(t, j)), xv[t]));
        return padd(pset1<Packet>(cs.c2[j]), p);
      };
      Packet best = value(0), at = pset1<Packet>(0.0), near[kMaxD];
      Packet label = at;  // j as a double, counted up (not converted at every j)
      for (Index t = 0; t < d; ++t) near[t] = pset1<Packet>(cs.c(0, t));
      for (Index j = 1; j < k; ++j) {
        const Packet v = value(j);
        const detail::LaneMask less = detail::lessThan(v, best);
        label = padd(label, one);
        best = detail::selectWhere(less, v, best);
        at = detail::selectWhere(less, label, at);
        for (Index t = 0; t < d; ++t) {
          near[t] = detail::selectWhere(less, pset1<Packet>(cs.c(j, t)), near[t]);
        }
      }
      pstoreu(c.label.data() + at0, at);
      // ‖x − c‖² as squaredDistance sums it: four partial sums of whole groups of four
      // features, the rest into the first, (s0 + s1) + (s2 + s3) (the zeros of unused partial
      // sums left out: they change no value, every partial sum being >= +0).
      Packet e;
      if (d < 4) {
        Packet y = psub(xv[0], near[0]);
        e = pmul(y, y);
        for (Index t = 1; t < d; ++t) {
          y = psub(xv[t], near[t]);
          e = padd(e, pmul(y, y));
        }
      } else {
        Packet part[4];
        for (int u = 0; u < 4; ++u) {
          const Packet y = psub(xv[u], near[u]);
          part[u] = pmul(y, y);
        }
        Index t = 4;
        for (; t + 4 <= d; t += 4) {
          for (int u = 0; u < 4; ++u) {
            const Packet y = psub(xv[t + u], near[t + u]);
            part[u] = padd(part[u], pmul(y, y));
          }
        }
        for (; t < d; ++t) {
          const Packet y = psub(xv[t], near[t]);
          part[0] = padd(part[0], pmul(y, y));
        }
        e = padd(padd(part[0], part[1]), padd(part[2], part[3]));
      }
      const Packet w = weighted         ? ploadu<Packet>(c.weight.data() + at0)
                       : i + kLanes <= rows ? one
                                            : ploadu<Packet>(lastWeights + q * kPacket);
      objective[q] = padd(objective[q], pmul(w, e));
      bad = por(bad, pandnot(one, pcmp_le(e, safe)));  // any lane with e > safe (or NaN)
    }
  }
  for (Index i = rows; i < n; ++i) c.label[i] = -1.0;  // padding: no centre's row
  sums.objective += foldPackets(objective);
  for (Index i = 0; i < rows; ++i) {
    const auto label = static_cast<std::int32_t>(c.label[i]);
    sums.changed += labels[begin + i] != label;
    labels[begin + i] = label;
  }
  if (predux_any(bad) && sums.overflowRow < 0) {
    for (Index i = 0; i < rows; ++i) {
      double row[kMaxD];
      for (Index t = 0; t < d; ++t) row[t] = xt[t * n + i];
      if (!(squaredDistance(row, cs.c.data() + labels[begin + i] * d, d) <= kSafeSquare)) {
        sums.overflowRow = begin + i;
        break;
      }
    }
  }
  // Per centre, over its rows: Σw and (with update) Σw·x, masked by the label.
  if (update) {
    clusterSums<kD, true>(data, k, n, xt, c, sums);
  } else {
    clusterSums<kD, false>(data, k, n, xt, c, sums);
  }
}

}  // namespace gaussmix::kmeans
