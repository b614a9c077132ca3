// A bounded K-means pass over a chunk (see kmeans_bounds.h): a row is read only when its bounds
// cannot keep its label; it is then measured against its own centre, against the centres that
// could be nearer, or (near many, or unlabelled) with the chunk's other such rows against every
// centre. The labels are those of a plain pass (docs/design.md, "Labels").
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kmeans_bounds.h"
#include "kmeans_cluster_sums.h"
#include "kmeans_nearest.h"

namespace gaussmix::kmeans {

// Rows [begin, begin + rows) (global rows): labels and bounds, each row that changed cluster
// moved in `sums` (while it is in cache). Returns the rows whose bounds could not keep their
// label. overflowRow is set to the first row whose squared distance to its centre passed
// kSafeSquare.
template <int kD>
Index boundedChunk(const Data& data, const Centres& cs, Bounds& bounds, Index begin, Index rows,
                   ChunkScratch& s, std::int32_t* labels, ClusterSums& sums, Index& overflowRow) {
  const Index d = kD > 0 ? kD : data.d;
  const double* drift = bounds.drift.data();
  const double* maxOtherDrift = bounds.maxOtherDrift.data();
  double* upper = bounds.upper.data() + begin;
  double* lower = bounds.lower.data() + begin;
  const double* centres = cs.c.data();
  const double* x0 = data.x + begin * d;
  const auto relabel = [&](Index i, std::int32_t b) {
    const std::int32_t a = labels[begin + i];
    if (b == a) return;
    sums.move(x0 + i * d, data.weight(begin + i), a, b);
    labels[begin + i] = b;
  };
  // Rows whose bounds fail (or unlabelled), in row order, without a branch per row (a row
  // fails at random: the mispredicted branches were most of the scan); then, per group of
  // rows, theirs prefetched (they are scattered, and without it each waited on memory: 30% of
  // k16's time). An unlabelled row's bounds, moved from centre 0's, are set anew below.
  constexpr Index kGroup = 64;
  s.which.resize(static_cast<size_t>(rows));
  Index* which = s.which.data();
  Index failing = 0;
  for (Index g = 0; g < rows; g += kGroup) {
    const Index first = failing;
    const Index end = std::min(rows, g + kGroup);
    for (Index i = g; i < end; ++i) {
      const std::int32_t a = labels[begin + i];
      const std::int32_t at = a < 0 ? 0 : a;
      const double u = upper[i] + drift[at];
      const double l = lower[i] - maxOtherDrift[at];
      upper[i] = u;
      lower[i] = l;
      which[failing] = i;
      failing += static_cast<Index>((a < 0) | !bounds.keeps(at, u, l));
    }
    for (Index r = first; r < failing; ++r) prefetchRows(x0 + which[r] * d, d);
  }
  // Each measured against its own centre, those its exact distance cannot keep moved to the
  // front (again without a branch: about half are kept); of those, the ones with few centres
  // in reach measured against those, the rest kept (in the first m places of s.which) for
  // every centre.
  s.measured.resize(static_cast<size_t>(failing));
  double* measured = s.measured.data();
  Index open = 0;
  for (Index r = 0; r < failing; ++r) {
    const Index i = which[r];
    const std::int32_t a = labels[begin + i];
    const std::int32_t at = a < 0 ? 0 : a;
    const double d2a = squaredDistance(x0 + i * d, centres + at * d, d);
    const double u = std::sqrt(d2a);
    upper[i] = u;
    which[open] = i;
    measured[open] = d2a;
    open += static_cast<Index>((a < 0) | !(d2a <= kSafeSquare) | !bounds.keeps(at, u, lower[i]));
  }
  Index m = 0;
  for (Index r = 0; r < open; ++r) {
    const Index i = which[r];
    const std::int32_t a = labels[begin + i];
    const double d2a = measured[r];
    if (a >= 0 && d2a <= kSafeSquare && bounds.fewNear(a, d2a)) {
      double d2 = d2a;
      const std::int32_t b = bounds.nearAssign(x0 + i * d, a, d2a, centres, d, d2, lower[i]);
      upper[i] = std::sqrt(d2);
      relabel(i, b);
      continue;
    }
    which[m++] = i;
  }
  if (m == 0) return failing;
  s.which.resize(static_cast<size_t>(m));
  const auto rowAt = [&](Index r) { return x0 + s.which[r] * d; };
  const auto centred = [&]() -> const RowMatrix& {
    s.gathered.resize(m, d);
    const double* o = cs.origin.data();
    for (Index r = 0; r < m; ++r) row::difference(rowAt(r), o, d, s.gathered.data() + r * d);
    return s.gathered;
  };
  nearestOfRows(m, rowAt, centred, cs, s);
  for (Index r = 0; r < m; ++r) {
    const Index i = s.which[r];
    const double d2 = s.d2[r];
    if (!(d2 <= kSafeSquare) && overflowRow < 0) overflowRow = begin + i;
    upper[i] = std::sqrt(d2);
    lower[i] = s.lower[r];
    relabel(i, s.labels[r]);
  }
  return failing;
}

}  // namespace gaussmix::kmeans
