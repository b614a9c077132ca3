// The nearest centre of every row of a chunk. A row's label is the centre at the smallest
// squaredDistance (kmeans_rows.h), ties to the lowest index, whichever kernel finds it (see
// docs/design.md, "Labels"): few features measure every centre that way; more features take
// the product c2 − 2x·c with every centre (about the centres' mean) as a shortlist, measure the
// label's distance, and measure every candidate of the rows whose two best values are closer
// than the product's rounding.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "kmeans_rows.h"

namespace gaussmix::kmeans {

// Rows per kernel call: the centred chunk (rows x D) and its values (K x rows) stay in the
// level-2 cache (512 rather than 256: k16 17.5 -> 17.2 ms/iter, k128 unchanged).
constexpr Index kChunkRows = 512;

// Per-thread scratch of the nearest-centre kernels.
struct ChunkScratch {
  RowMatrix xc;        // chunk x D: rows minus the centres' mean
  RowMatrix values;    // K x chunk: c2 − 2 c·x
  std::vector<std::int32_t> labels;
  std::vector<double> best;    // per row: the smallest value (product) or distance
  std::vector<double> second;  // per row: the second smallest (+∞ when K = 1)
  std::vector<double> d2;      // per row: squared distance to its label's centre
  std::vector<double> lower;   // per row: a lower bound on the distance to every other centre
  // Bounded passes: the rows of the chunk whose label the bounds could not keep.
  RowMatrix gathered;
  std::vector<Index> which;  // their positions in the chunk
};

// The centres as given (distances are measured to these) and in the product's form: about
// their mean o, c' = c − o, ‖c'‖² and −2C'.
struct Centres {
  const RowMatrix& c;  // K x D
  RowVector origin;    // the mean of the centres
  RowMatrix mt;        // K x D: −2(c − o) (exact: a power of two)
  Vector c2;           // K: ‖c − o‖²
  double c2max = 0.0;  // the largest of c2
  Index firstUnsafe = -1;  // the first centre whose squared norm passes kSafeSquare, or -1
  double margin;       // roundingMargin(D)

  explicit Centres(const RowMatrix& centres) : c(centres), margin(roundingMargin(centres.cols())) {
    origin = c.rows() > 0 ? RowVector(c.colwise().mean()) : RowVector::Zero(c.cols());
    const RowMatrix shifted = c.rowwise() - origin;
    c2 = shifted.rowwise().squaredNorm();
    c2max = c2.size() > 0 ? c2.maxCoeff() : 0.0;
    mt = -2.0 * shifted;
    if (!origin.allFinite()) firstUnsafe = 0;
    for (Index k = 0; k < c.rows() && firstUnsafe < 0; ++k) {
      if (!(c2[k] <= kSafeSquare)) firstUnsafe = k;
    }
  }
  Index k() const { return c.rows(); }
  Index d() const { return c.cols(); }
  const double* centre(Index k) const { return c.data() + k * c.cols(); }
};

// Few features (kD <= 4): labels[i] = the centre at the smallest squaredDistance from row i of
// x (rows x kD, row-major; ties to the lowest index), best[i] that distance, and with kSecond
// second[i] the second smallest (+∞ when K = 1). Centre by centre, a running minimum along the
// rows.
template <int kD, bool kSecond>
void nearestSmall(const double* x, Index rows, const Centres& cs, double* __restrict best,
                  double* __restrict second, std::int32_t* __restrict labels) {
  const Index k = cs.k();
  for (Index j = 0; j < k; ++j) {
    const double* c = cs.centre(j);
    const std::int32_t label = static_cast<std::int32_t>(j);
    if (j == 0) {
      for (Index i = 0; i < rows; ++i) {
        best[i] = smallDistance<kD>(x + i * kD, c);
        labels[i] = 0;
        if constexpr (kSecond) second[i] = std::numeric_limits<double>::infinity();
      }
      continue;
    }
    for (Index i = 0; i < rows; ++i) {
      const double v = smallDistance<kD>(x + i * kD, c);
      const bool less = v < best[i];
      if constexpr (kSecond) second[i] = less ? best[i] : (v < second[i] ? v : second[i]);
      best[i] = less ? v : best[i];
      labels[i] = less ? label : labels[i];
    }
  }
}

// The running minimum of values (K x rows, row-major) down each column, ties to the lowest
// row (centre): into best and labels, and the second smallest into second (+∞ when K = 1).
// Eight columns at a time, their minima held in registers across the centres.
inline void columnMinima(const double* values, Index k, Index rows, double* __restrict best,
                         double* __restrict second, std::int32_t* __restrict labels) {
  using namespace Eigen::internal;
  using Packet = Eigen::internal::packet_traits<double>::type;
  constexpr int kPacket = Eigen::internal::packet_traits<double>::size;
  constexpr int kPackets = kLanes / kPacket;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Index i = 0;
  for (; i + kLanes <= rows; i += kLanes) {
    Packet b[kPackets], s[kPackets], at[kPackets];
    for (int q = 0; q < kPackets; ++q) {
      b[q] = ploadu<Packet>(values + i + q * kPacket);
      s[q] = pset1<Packet>(kInf);
      at[q] = pset1<Packet>(0.0);
    }
    for (Index j = 1; j < k; ++j) {
      const double* v = values + j * rows + i;
      const Packet label = pset1<Packet>(static_cast<double>(j));
      for (int q = 0; q < kPackets; ++q) {
        const Packet t = ploadu<Packet>(v + q * kPacket);
        const detail::LaneMask less = detail::lessThan(t, b[q]);
        s[q] = detail::selectWhere(less, b[q],
                                   detail::selectWhere(detail::lessThan(t, s[q]), t, s[q]));
        b[q] = detail::selectWhere(less, t, b[q]);
        at[q] = detail::selectWhere(less, label, at[q]);
      }
    }
    double lanes[kLanes];
    for (int q = 0; q < kPackets; ++q) {
      pstoreu(best + i + q * kPacket, b[q]);
      pstoreu(second + i + q * kPacket, s[q]);
      pstoreu(lanes + q * kPacket, at[q]);
    }
    for (int l = 0; l < kLanes; ++l) labels[i + l] = static_cast<std::int32_t>(lanes[l]);
  }
  for (; i < rows; ++i) {  // the same comparisons, one column at a time
    double b = values[i], s = kInf;
    std::int32_t at = 0;
    for (Index j = 1; j < k; ++j) {
      const double t = values[j * rows + i];
      const bool less = t < b;
      s = less ? b : (t < s ? t : s);
      b = less ? t : b;
      at = less ? static_cast<std::int32_t>(j) : at;
    }
    best[i] = b;
    second[i] = s;
    labels[i] = at;
  }
}

// Rows [first, first + rows) of the data minus the centres' mean, into xc (rows x D).
inline void centreRows(const Data& data, Index first, Index rows, const RowVector& origin,
                       RowMatrix& xc) {
  const Index d = data.d;
  xc.resize(rows, d);
  const double* x = data.x + first * d;
  const double* o = origin.data();
  double* out = xc.data();
  for (Index i = 0; i < rows; ++i) row::difference(x + i * d, o, d, out + i * d);
}

// A lower bound on the distance of a row to every centre but its label's, from the product's
// smallest and second smallest values (best, second) and the squared distance d2 to the label:
// ‖x − c₂‖² ≈ d2 + (second − best), rounded by far less than the margin of 2·d2 + 3·max‖c'‖²
// (which bounds ‖x − o‖² + ‖c'‖²).
inline double lowerFromSecond(double d2, double best, double second, const Centres& cs) {
  const double second2 = d2 + (second - best) - cs.margin * (2.0 * d2 + 3.0 * cs.c2max);
  return second2 > 0.0 ? std::sqrt(second2) : 0.0;
}

// The labels of m rows by the product: xs (m x D) are the rows minus the centres' mean, and
// rowAt(r) the row itself. Into s.labels, s.d2 (squared distance to the label) and s.lower
// (see lowerFromSecond; 0 for a row decided by measuring candidates).
template <class RowAt>
void nearestByProduct(const RowMatrix& xs, RowAt rowAt, const Centres& cs, ChunkScratch& s) {
  const Index m = xs.rows();
  const Index k = cs.k();
  const Index d = cs.d();
  s.labels.resize(static_cast<size_t>(m));
  s.best.resize(static_cast<size_t>(m));
  s.second.resize(static_cast<size_t>(m));
  s.d2.resize(static_cast<size_t>(m));
  s.lower.resize(static_cast<size_t>(m));
  // c2[k] + (−2C')·xᵀ (K x m; the product added to c2, which also spares its zeroing).
  s.values.resize(k, m);
  s.values.colwise() = cs.c2;
  s.values.noalias() += cs.mt * xs.transpose();
  columnMinima(s.values.data(), k, m, s.best.data(), s.second.data(), s.labels.data());
  for (Index r = 0; r < m; ++r) {
    const double* x = rowAt(r);
    const double d2 = squaredDistance(x, cs.centre(s.labels[r]), d);
    const double band = cs.margin * (2.0 * d2 + 3.0 * cs.c2max);
    if (s.second[r] - s.best[r] > band) {
      s.d2[r] = d2;
      s.lower[r] = lowerFromSecond(d2, s.best[r], s.second[r], cs);
      continue;
    }
    // A near tie: every centre whose value is within the band, measured.
    const double limit = s.best[r] + band;
    std::int32_t label = s.labels[r];
    double nearest = d2;
    for (Index j = 0; j < k; ++j) {
      if (!(s.values(j, r) <= limit) || j == label) continue;
      const double dj = squaredDistance(x, cs.centre(j), d);
      if (dj < nearest || (dj == nearest && j < label)) {
        nearest = dj;
        label = static_cast<std::int32_t>(j);
      }
    }
    s.labels[r] = label;
    s.d2[r] = nearest;
    s.lower[r] = 0.0;
  }
}

// The labels of rows [begin, begin + rows) into s.labels, their squared distances into s.d2
// and lower bounds on their distances to every other centre into s.lower.
template <int kD>
void nearestInChunk(const Data& data, Index begin, Index rows, const Centres& cs,
                    ChunkScratch& s) {
  const double* x = data.x + begin * data.d;
  if constexpr (kD > 0) {
    s.labels.resize(static_cast<size_t>(rows));
    s.d2.resize(static_cast<size_t>(rows));
    s.second.resize(static_cast<size_t>(rows));
    s.lower.resize(static_cast<size_t>(rows));
    nearestSmall<kD, true>(x, rows, cs, s.d2.data(), s.second.data(), s.labels.data());
    const double keep = 1.0 - cs.margin;
    for (Index i = 0; i < rows; ++i) s.lower[i] = std::sqrt(s.second[i]) * keep;
  } else {
    centreRows(data, begin, rows, cs.origin, s.xc);
    const Index d = data.d;
    nearestByProduct(s.xc, [&](Index r) { return x + r * d; }, cs, s);
  }
}

}  // namespace gaussmix::kmeans
