// The per-cluster sums of the passes by the product (K·D >= kBoundedWork): per cluster Σw and
// Σw·x_j (each product w·x rounded once) over its rows, exactly (exact_sum.h). Exact sums do
// not depend on the order the rows came in, so a pass changes them only by the rows that moved:
// out of the old cluster, into the new one (docs/design.md, "Statistics"). The first pass of a
// fit and every pass over a stream's chunk add every row, as rows that come from no cluster.
//
// ExactSums costs 2–4 ns a value. The rows go first into bins: two doubles per value, 45 bits
// apart below a bound of the feature's magnitudes, which add exactly for 128 rows and are then
// flushed into the ExactSums; a value with bits below the last bin (a value under about 2^-34
// of its feature's largest, with a full mantissa) puts them into the ExactSums itself. Rows
// are taken in batches, so that the checks (a value beyond its bound, bits below the last bin)
// cost one test per batch.
#pragma once

#include <cstdint>
#include <vector>

#include "exact_sum.h"
#include "types.h"

namespace gaussmix::kmeans {

class ClusterSums {
 public:
  static constexpr Index kBins = 2;  // doubles per value in the bins
  // All clusters' sums exactly 0, nothing touched; n accumulators (>= K·(D + 1): K-means'
  // statistics layout, whose cluster c starts at c·(D + 1)).
  void reset(Index k, Index d, Index n);

  // The row x (weight w; x must stay readable until sums()) leaves cluster `from` and joins
  // cluster `to` (either < 0: none).
  void move(const double* x, double w, std::int32_t from, std::int32_t to) {
    if (from >= 0) touched_[static_cast<size_t>(from)] = 1;
    if (to >= 0) touched_[static_cast<size_t>(to)] = 1;
    batch_.push_back({x, w, from, to});
    if (batch_.size() == kBatch) drain();
  }

  // The sums of every row moved in since reset (the bins flushed into them).
  const ExactSums& sums();
  // Per cluster: whether a row left or joined it since reset.
  const std::vector<std::uint8_t>& touched() const { return touched_; }

 private:
  struct Entry {
    const double* x;
    double w;
    std::int32_t from;
    std::int32_t to;
  };
  static constexpr std::size_t kBatch = 64;

  // The batch into the bins (or the ExactSums), emptied.
  void drain();
  void flush(Index c);
  void flushAll();
  // Raises the bounds of the values of the batch that reached them (every bin flushed first);
  // a value beyond what the bins can split sends every later row straight to the ExactSums.
  void grow();
  void raise(Index lane, double magnitude);
  // Entry e's values straight into the ExactSums.
  void exactly(const Entry& e);

  Index k_ = 0;
  Index d_ = 0;
  Index packets_ = 0;  // packets per row
  Index tail_ = 0;     // features in the last one
  Index lanes_ = 0;    // packets_ lanes (lane j: feature j), then one for the weight
  ExactSums sums_;
  // Per cluster, per bin, lanes_ values (each feature in one lane, 0 in the others).
  std::vector<double> bins_;
  std::vector<std::int32_t> adds_;  // K: rows added to a cluster's bins since they were flushed
  // Per lane: its feature (-1: unused; lanes_ − 1 is the weight's), the bound 2^exponent of
  // every |value| in the bins (0: none yet; 1 for unused lanes), and per bin the split's C,
  // 1.5 · 2^(exponent − 45·(bin + 1) + 52) (0 for unused lanes).
  std::vector<Index> feature_;
  std::vector<int> exponent_;
  std::vector<double> bound_;
  std::vector<double> split_;  // kBins x lanes_
  std::vector<double> copy_;   // a packet: the last one's features (no masked load)
  std::vector<double> flat_;   // D + 1: one bin of a cluster in the sums' layout
  std::vector<Entry> batch_;
  std::vector<std::uint8_t> touched_;
  bool exactOnly_ = false;  // every value straight into sums_
};

}  // namespace gaussmix::kmeans
