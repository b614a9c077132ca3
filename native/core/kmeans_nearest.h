// Nearest centre of every row of a chunk: the centres in the kernels' form, per-thread scratch,
// and the kernels (few features: a running minimum along the rows; more: a product with every
// centre, then the minimum down each column).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "kmeans_rows.h"

namespace gaussmix::kmeans {

// Rows per kernel call: the centred chunk (rows x D) and its values (K x rows) stay in the
// level-2 cache (512 rather than 256: k16 17.5 -> 17.2 ms/iter, k128 unchanged).
constexpr Index kChunkRows = 512;

// Per-thread scratch of the nearest-centre kernel.
struct ChunkScratch {
  RowMatrix xc;        // chunk x D: rows minus the origin
  RowMatrix values;    // K x chunk: −2 c_k·x
  std::vector<std::int32_t> labels;
  std::vector<double> best;    // the running minimum of the kernel for few features
  std::vector<double> second;  // the second smallest value of c2[k] − 2 x·c_k (bounded Lloyd)
  // Bounded Lloyd: the rows of the chunk whose label the bounds could not keep, gathered.
  RowMatrix gathered;
  std::vector<Index> which;     // their positions in the chunk
  std::vector<double> d2;       // per chunk row: squared distance to its new centre
  std::vector<std::int32_t> assigned;  // per chunk row: its new label
  // Plain Lloyd: the chunk laid out by column (D x stride, centred; zero past its rows), the
  // row weights (zero past the rows) and the new labels, as doubles.
  RowMatrix xt;
  std::vector<double> weight;
  std::vector<double> label;
};

// The centres in the form the kernel uses: (centres − origin), their squared norms and −2·Cᵀ.
struct Centres {
  const RowMatrix& c;  // K x D, in the centred coordinates
  Vector c2;           // K
  Matrix m;            // D x K: −2·Cᵀ (exact: a power of two)
  RowMatrix mt;        // K x D: −2·C
  Index firstUnsafe = -1;  // the first centre whose squared norm passes kSafeSquare, or -1
  double c2max = 0.0;      // the largest of c2

  explicit Centres(const RowMatrix& centres) : c(centres) {
    c2 = c.rowwise().squaredNorm();
    c2max = c2.size() > 0 ? c2.maxCoeff() : 0.0;
    m = -2.0 * c.transpose();
    mt = -2.0 * c;
    for (Index k = 0; k < c.rows(); ++k) {
      if (!(c2[k] <= kSafeSquare)) {
        firstUnsafe = k;
        break;
      }
    }
  }
  Index k() const { return c.rows(); }
  Index d() const { return c.cols(); }
};

// labels[i] = argmin_k c2[k] − 2 x_i·c_k (ties to the lowest k) over a centred chunk, and with
// kSecond also second[i], the second smallest value (+∞ when K = 1).
// Few features (kD known at compile time): centre by centre, a running minimum over the rows
// (vectorised across rows).
template <int kD, bool kSecond>
void nearestSmall(const double* xc, Index rows, const Centres& cs, double* __restrict best,
                  double* __restrict second, std::int32_t* __restrict labels) {
  const Index k = cs.k();
  for (Index j = 0; j < k; ++j) {
    double m[kD];  // −2c_j
    for (int t = 0; t < kD; ++t) m[t] = cs.m(t, j);
    const double c2 = cs.c2[j];
    const std::int32_t label = static_cast<std::int32_t>(j);
    if (j == 0) {
      for (Index i = 0; i < rows; ++i) {
        double p = 0.0;
        for (int t = 0; t < kD; ++t) p += m[t] * xc[i * kD + t];
        best[i] = c2 + p;
        labels[i] = 0;
        if constexpr (kSecond) second[i] = std::numeric_limits<double>::infinity();
      }
      continue;
    }
    for (Index i = 0; i < rows; ++i) {
      double p = 0.0;
      for (int t = 0; t < kD; ++t) p += m[t] * xc[i * kD + t];
      const double v = c2 + p;
      const bool less = v < best[i];
      if constexpr (kSecond) second[i] = less ? best[i] : (v < second[i] ? v : second[i]);
      best[i] = less ? v : best[i];
      labels[i] = less ? label : labels[i];
    }
  }
}

// The running minimum of values (K x rows, row-major) down each column, ties to the lowest
// row (centre): into best and labels, and with kSecond the second smallest into second (+∞
// when K = 1). Eight columns at a time, their minima held in registers across the centres.
template <bool kSecond>
void columnMinima(const double* values, Index k, Index rows, double* __restrict best,
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
        if constexpr (kSecond) {
          s[q] = detail::selectWhere(less, b[q],
                                     detail::selectWhere(detail::lessThan(t, s[q]), t, s[q]));
        }
        b[q] = detail::selectWhere(less, t, b[q]);
        at[q] = detail::selectWhere(less, label, at[q]);
      }
    }
    double lanes[kLanes];
    for (int q = 0; q < kPackets; ++q) {
      pstoreu(best + i + q * kPacket, b[q]);
      if constexpr (kSecond) pstoreu(second + i + q * kPacket, s[q]);
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
      if constexpr (kSecond) s = less ? b : (t < s ? t : s);
      b = less ? t : b;
      at = less ? static_cast<std::int32_t>(j) : at;
    }
    best[i] = b;
    if constexpr (kSecond) second[i] = s;
    labels[i] = at;
  }
}

// More features: c2[k] + (−2C)·xcᵀ (K x rows; the product added to c2, which also spares the
// product's zeroing of its destination), then its minimum over the centres per row (ties to
// the lowest k); with kSecond also the second smallest.
template <bool kSecond>
void nearestGemm(const Eigen::Ref<const RowMatrix>& xc, const Centres& cs, RowMatrix& values,
                 double* __restrict best, double* __restrict second,
                 std::int32_t* __restrict labels) {
  const Index rows = xc.rows();
  const Index k = cs.k();
  values.resize(k, rows);
  values.colwise() = cs.c2;
  values.noalias() += cs.mt * xc.transpose();
  columnMinima<kSecond>(values.data(), k, rows, best, second, labels);
}

// Rows [first, first + rows) of the data minus the origin, into xc (rows x D).
template <int kD>
void centreRows(const Data& data, Index first, Index rows, const RowVector& origin,
                RowMatrix& xc) {
  const Index d = kD > 0 ? kD : data.d;
  xc.resize(rows, d);
  const double* x = data.x + first * d;
  const double* o = origin.data();
  double* out = xc.data();
  for (Index i = 0; i < rows; ++i) row::difference(x + i * d, o, d, out + i * d);
}

// Labels the centred rows of xc (rows x D) into s.labels, and with kSecond the second smallest
// kernel value of each into s.second. kD: the number of features when known at compile time
// (1 to 4), else 0.
template <int kD, bool kSecond>
void nearestOfRows(const RowMatrix& xc, const Centres& cs, ChunkScratch& s) {
  const Index rows = xc.rows();
  s.labels.resize(static_cast<size_t>(rows));
  if constexpr (kSecond) s.second.resize(static_cast<size_t>(rows));
  s.best.resize(static_cast<size_t>(rows));
  if constexpr (kD > 0) {
    nearestSmall<kD, kSecond>(xc.data(), rows, cs, s.best.data(), s.second.data(),
                              s.labels.data());
  } else {
    nearestGemm<kSecond>(xc, cs, s.values, s.best.data(), s.second.data(), s.labels.data());
  }
}

// Centres rows [first, first + rows) of the data into s.xc and labels them into s.labels.
template <int kD>
void nearestInChunk(const Data& data, Index first, Index rows, const RowVector& origin,
                    const Centres& cs, ChunkScratch& s) {
  centreRows<kD>(data, first, rows, origin, s.xc);
  nearestOfRows<kD, false>(s.xc, cs, s);
}

}  // namespace gaussmix::kmeans
