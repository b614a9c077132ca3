// K-means' sufficient statistics (issue 15; docs/design.md, "Statistics"): what one Lloyd
// pass over some rows yields under given centres, merged across chunks of rows exactly
// (exact_sum.h), and the update that needs nothing else. The in-memory fit (kmeans_lloyd.cc)
// computes the same statistics, so a loop of chunk statistics and updates reproduces it bit for
// bit. Also the moments tol's threshold is taken from.
#pragma once

#include <cstdint>
#include <vector>

#include "exact_sum.h"
#include "kmeans_block.h"
#include "parallel.h"
#include "types.h"

namespace gaussmix {

// The layout of KMeansStatistics::sums (a block's sums, kmeans_block.h, in the same order):
// per cluster c (D + 1 values from c·(D + 1)): Σw, then Σw·x_j; then Σ w‖x − c_label‖².
struct KMeansLayout {
  static Index size(Index k, Index d) { return k * (d + 1) + 1; }
  static Index cluster(Index d, Index c) { return c * (d + 1); }
  static Index inertia(Index k, Index d) { return k * (d + 1); }
};

struct KMeansStatistics {
  Index k = 0;
  Index d = 0;
  RowMatrix centres;              // K x D: the centres the rows were labelled under
  std::uint64_t fingerprint = 0;  // fingerprintBytes of the centres
  Index rows = 0;
  ExactSums sums;                 // KMeansLayout
  kmeans::FarRows far;            // the K farthest rows of positive weight (row: in these rows)

  KMeansStatistics() = default;
  explicit KMeansStatistics(const RowMatrix& centres);

  double inertia() const { return sums.rounded(KMeansLayout::inertia(k, d)); }
  // Σw over the clusters: their rounded sums added in cluster order (informative; no update
  // reads it).
  double totalWeight() const;
  // `later`'s rows follow these rows. Throws InvalidArgument when K, D or the centres differ.
  void merge(const KMeansStatistics& later);
  // The canonical encoding and its validating reader (InvalidArgument naming what is wrong).
  std::vector<std::uint8_t> serialise() const;
  static KMeansStatistics parse(const std::uint8_t* data, std::size_t size);
};

// Whether bytes are (claim to be) K-means statistics: "GMXS" with K-means' family byte. The
// generic statistics entries dispatch on it; parse validates everything.
bool isKMeansStatisticsBytes(const std::uint8_t* data, std::size_t size);

// Statistics of data's rows under the centres (K x D): every row labelled with the centre at
// the smallest squared distance (ties to the lowest index). labels (nullable, N) receives the
// labels. Throws IllConditioned when a squared distance overflows (as a fit does).
KMeansStatistics kmeansStatistics(const Data& data, const RowMatrix& centres, ThreadPool& pool,
                                  std::int32_t* labels = nullptr);

// The update (M-step) from statistics.
struct KMeansStep {
  RowMatrix centres;   // c_k = Σw·x / Σw; an empty cluster takes a far row (see below)
  Vector weights;      // K: Σw per cluster, before any relocation
  double shift = 0.0;  // Σ_k ‖new c_k − old c_k‖², summed in cluster then feature order
  bool unchanged = false;  // the new centres are bitwise the old ones
  Index relocated = 0;     // empty clusters that took a row
};
// scikit-learn's empty-cluster rule: the e-th empty cluster (Σw = 0; in increasing index) takes
// the e-th farthest row (far), whose weight and w·x leave its cluster's sums exactly; its centre
// is that row. An empty cluster with no row left keeps its centre, as does a cluster whose
// every row was taken.
// rounded: the sums rounded (KMeansLayout; the inertia not read).
KMeansStep maximiseKMeans(const RowMatrix& centres, const ExactSums& sums, const double* rounded,
                          const kmeans::FarRows& far);
KMeansStep maximiseKMeans(const KMeansStatistics& st);
// A run stops when the update left the centres bitwise unchanged (the labels then belong to
// them) or moved them by at most the threshold (tol × the mean feature variance).
inline bool kmeansConverged(const KMeansStep& step, double threshold) {
  return step.unchanged || step.shift <= threshold;
}

// Per feature, Σ (x − s) and Σ (x − s)² about a shift s (a row of the data: the first), so
// that the variance (Σ(x − s)² − (Σ(x − s))²/n)/n loses little to cancellation.
struct KMeansMoments {
  Index d = 0;
  RowVector shift;
  std::uint64_t fingerprint = 0;  // of the shift
  Index rows = 0;
  ExactSums sums;  // D: Σ (x − s), then D: Σ (x − s)²

  KMeansMoments() = default;
  explicit KMeansMoments(const RowVector& shift);
  // The mean over features of the (unweighted, population) variance: scikit-learn's tol scale.
  double meanVariance() const;
  void merge(const KMeansMoments& later);
  std::vector<std::uint8_t> serialise() const;
  static KMeansMoments parse(const std::uint8_t* data, std::size_t size);
};
KMeansMoments kmeansMoments(const Data& data, const RowVector& shift, ThreadPool& pool);

}  // namespace gaussmix
