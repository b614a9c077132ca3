// The bounded K-means passes over a chunk (see kmeans_bounds.h): full passes that label every
// row, using the bounds where they hold, and incremental passes that read only the rows whose
// bounds fail and move the rows that change cluster in the sums.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kmeans_bounds.h"
#include "kmeans_sums.h"

namespace gaussmix::kmeans {

// A bounded pass's view of the run: the data, the centring origin, the bounds and the sums'
// reference points.
struct BoundedPass {
  const Data& data;
  const RowVector& origin;
  Bounds& bounds;
  const RowMatrix& references;

  // The new label of each of the rows [begin, begin + rows) into s.assigned and its squared
  // distance to that centre into s.d2: kept where the bounds allow, else measured against
  // every centre (which also renews the row's lower bound).
  template <int kD>
  void assign(const Centres& cs, Index begin, Index rows, ChunkScratch& s,
                   const std::int32_t* labels) {
    const Index d = kD > 0 ? kD : data.d;
    centreRows<kD>(data, begin, rows, origin, s.xc);
    s.assigned.resize(static_cast<size_t>(rows));
    s.d2.resize(static_cast<size_t>(rows));
    s.which.clear();
    const double* centres = cs.c.data();
    const double* maxOtherDrift = bounds.maxOtherDrift.data();
    double* lower = bounds.lower.data() + begin;
    for (Index i = 0; i < rows; ++i) {
      const std::int32_t a = labels[begin + i];
      if (a >= 0) {
        const double d2 = squaredDistance(s.xc.data() + i * d, centres + a * d, d);
        const double l = lower[i] - maxOtherDrift[a];
        lower[i] = l;
        if (d2 <= kSafeSquare) {
          if (bounds.keeps(a, std::sqrt(d2), l)) {
            s.assigned[i] = a;
            s.d2[i] = d2;
            continue;
          }
          if (bounds.fewNear(a, d2)) {
            s.assigned[i] = bounds.nearAssign(s.xc.data() + i * d, a, d2, centres, d, s.d2[i], lower[i]);
            continue;
          }
        }
      }
      s.which.push_back(i);
    }
    const Index m = static_cast<Index>(s.which.size());
    if (m == 0) return;
    // Every row (the first pass, or centres that moved far): label the chunk in place.
    const bool all = m == rows;
    if (!all) {
      s.gathered.resize(m, d);
      for (Index r = 0; r < m; ++r) {
        std::copy_n(s.xc.data() + s.which[r] * d, d, s.gathered.data() + r * d);
      }
    }
    const RowMatrix& xs = all ? s.xc : s.gathered;
    nearestOfRows<kD, true>(xs, cs, s);
    for (Index r = 0; r < m; ++r) {
      const Index i = s.which[r];
      const double* x = xs.data() + r * d;
      const std::int32_t label = s.labels[r];
      s.assigned[i] = label;
      s.d2[i] = squaredDistance(x, centres + label * d, d);
      lower[i] = Bounds::lowerFromSecond(s.d2[i], s.best[r], s.second[r], cs);
    }
  }

  // After assign: the labels, the objective and the cluster weights; with kUpdate (full passes)
  // also the upper bounds and the sums about the pass's centres.
  template <int kD, bool kUpdate>
  void accumulate(const Centres& cs, Index begin, Index rows, Scratch& s,
                  std::int32_t* labels) {
    const Index d = kD > 0 ? kD : data.d;
    Sums& sums = s.sums;
    const double* xc = s.chunk.xc.data();
    double* upper = bounds.upper.data() + begin;
    for (Index i = 0; i < rows; ++i) {
      const std::int32_t label = s.chunk.assigned[i];
      const double d2 = s.chunk.d2[i];
      if (!(d2 <= kSafeSquare) && sums.overflowRow < 0) sums.overflowRow = begin + i;
      sums.changed += labels[begin + i] != label;
      labels[begin + i] = label;
      const double weight = data.weight(begin + i);
      sums.objective += weight * d2;
      sums.weight[label] += weight;
      if constexpr (kUpdate) {
        upper[i] = std::sqrt(d2);
        sums.squares[label] += weight * d2;
        sums.count[label] += weight > 0.0;
        row::addScaledDifference(sums.sum.data() + label * d, weight, xc + i * d,
                                 cs.c.data() + label * d, d);
      }
    }
  }

  // An incremental pass over rows [begin, begin + rows): a row is read only when its bounds
  // cannot keep its label; a row that changes cluster moves its share of the sums.
  template <int kD>
  void move(const Centres& cs, Index begin, Index rows, Scratch& s, std::int32_t* labels) {
    const Index d = kD > 0 ? kD : data.d;
    ChunkScratch& c = s.chunk;
    const double* drift = bounds.drift.data();
    const double* maxOtherDrift = bounds.maxOtherDrift.data();
    double* upper = bounds.upper.data() + begin;
    double* lower = bounds.lower.data() + begin;
    const double* centres = cs.c.data();
    // Rows whose bounds fail: centred into c.gathered, then measured against their own centre.
    c.which.clear();
    for (Index i = 0; i < rows; ++i) {
      const std::int32_t a = labels[begin + i];
      const double u = upper[i] + drift[a];
      const double l = lower[i] - maxOtherDrift[a];
      upper[i] = u;
      lower[i] = l;
      if (!bounds.keeps(a, u, l)) {
        c.which.push_back(i);
        prefetchRow(data.x + (begin + i) * d, d);
      }
    }
    if (c.which.empty()) return;
    const double* o = origin.data();
    const double* refs = references.data();
    Sums& sums = s.sums;
    // A row that changes cluster moves its share of the sums.
    const auto relabel = [&](Index i, const double* y, std::int32_t b) {
      const std::int32_t a = labels[begin + i];
      if (b == a) return;
      const double w = data.weight(begin + i);
      sums.move(a, y, refs + a * d, d, w, -1.0);
      sums.move(b, y, refs + b * d, d, w, 1.0);
      ++sums.changed;
      labels[begin + i] = b;
    };
    // Rows near many centres are gathered (centred) for one product with every centre.
    c.gathered.resize(static_cast<Index>(c.which.size()) + 1, d);
    Index m = 0;
    for (const Index i : c.which) {
      const double* x = data.x + (begin + i) * d;
      double* y = c.gathered.data() + m * d;
      row::difference(x, o, d, y);
      const std::int32_t a = labels[begin + i];
      const double d2a = squaredDistance(y, centres + a * d, d);
      upper[i] = std::sqrt(d2a);
      if (d2a <= kSafeSquare) {
        if (bounds.keeps(a, upper[i], lower[i])) continue;
        if (bounds.fewNear(a, d2a)) {
          double d2 = d2a;
          const std::int32_t b = bounds.nearAssign(y, a, d2a, centres, d, d2, lower[i]);
          upper[i] = std::sqrt(d2);
          relabel(i, y, b);
          continue;
        }
      }
      c.which[m++] = i;  // in the first m places, in row order, their rows in c.gathered
    }
    if (m == 0) return;
    c.which.resize(static_cast<size_t>(m));
    c.gathered.conservativeResize(m, d);
    nearestOfRows<kD, true>(c.gathered, cs, c);
    for (Index r = 0; r < m; ++r) {
      const Index i = c.which[r];
      const double* y = c.gathered.data() + r * d;
      const std::int32_t b = c.labels[r];
      const double d2 = squaredDistance(y, centres + b * d, d);
      if (!(d2 <= kSafeSquare) && sums.overflowRow < 0) sums.overflowRow = begin + i;
      upper[i] = std::sqrt(d2);
      lower[i] = Bounds::lowerFromSecond(d2, c.best[r], c.second[r], cs);
      relabel(i, y, b);
    }
  }
};

}  // namespace gaussmix::kmeans
