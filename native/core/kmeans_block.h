// The sums of one row block in K-means' canonical order (docs/design.md, "Statistics"). A
// block's rows fall into eight sub-chunks of kSubRows rows, and the block's sum is foldLanes of
// its eight sub-chunks' (0 for sub-chunks past the data). Inside a sub-chunk, Σ w·d2 (d2 the
// row's squared distance to its label's centre) adds row i (counted from the sub-chunk's first
// row) to lane i mod 8, in row order, and folds the eight lanes by foldLanes; so do the cluster
// sums (Σw and Σw·x_j, the product w·x rounded once) when K·D < kBoundedWork (kmeans_plain.h,
// whose kernel runs along the rows eight at a time). Above it the cluster sums are exact
// (kmeans_cluster_sums.h). Blocks are then folded exactly.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kmeans_rows.h"

namespace gaussmix::kmeans {

constexpr Index kSubRows = 512;
static_assert(kBlockRows == kLanes * kSubRows, "a block is eight sub-chunks");

// out[v] = foldLanes over the eight sub-chunks s of subs[s·stride + v], for v < width.
inline void foldSubChunks(const double* subs, Index stride, Index width, double* out) {
  for (Index v = 0; v < width; ++v) {
    Lane lanes;
    for (Index s = 0; s < kLanes; ++s) lanes[s] = subs[s * stride + v];
    out[v] = foldLanes(lanes);
  }
}

// The folded sums of one block's sub-chunks: per sub-chunk, per cluster (D + 1), then Σ w·d2.
// A block's sums (block()) are those of its sub-chunks folded. k: the clusters whose sums it
// holds (0 for the passes by the product, whose cluster sums are exact: Σ w·d2 alone).
class BlockSums {
 public:
  void reset(Index k, Index d) {
    k_ = k;
    d_ = d;
    values_.assign(static_cast<size_t>(kLanes * stride()), 0.0);
  }
  // reset, unless already of this shape.
  void ensure(Index k, Index d) {
    if (k != k_ || d != d_ || values_.empty()) reset(k, d);
  }
  // Zeroes the sub-chunks from `first` on (those past the data of a last, shorter block).
  void clearFrom(Index first) {
    std::fill(values_.begin() + first * stride(), values_.end(), 0.0);
  }
  Index stride() const { return k_ * (d_ + 1) + 1; }
  // Sub-chunk s: per cluster c its D + 1 sums at sub(s) + c·(D + 1), then Σ w·d2.
  double* sub(Index s) { return values_.data() + s * stride(); }
  double& subInertia(Index s) { return values_[static_cast<size_t>(s * stride() + stride() - 1)]; }
  // The block's sums: per cluster (D + 1), then Σ w·d2.
  void block(double* out) const { foldSubChunks(values_.data(), stride(), stride(), out); }
  double blockInertia() const {
    double out;
    foldSubChunks(values_.data() + stride() - 1, stride(), 1, &out);
    return out;
  }

 private:
  Index k_ = 0;
  Index d_ = 0;
  std::vector<double> values_;
};

// The K rows of positive weight farthest from their centres (squared distance d2 to the
// centre of their label), farthest first, ties to the lower row: the candidates of the
// empty-cluster rule. Any grouping of offers and merges keeps the same rows.
class FarRows {
 public:
  struct Row {
    double d2;
    Index row;
    std::int32_t label;
    double weight;
  };

  FarRows() = default;
  FarRows(Index capacity, Index d) : capacity_(capacity), d_(d) {}
  void reset(Index capacity, Index d) {
    capacity_ = capacity;
    d_ = d;
    rows_.clear();
    x_.clear();
  }

  // Whether a row at squared distance d2 can enter, when rows are offered in increasing order
  // (an equal distance never displaces an earlier row).
  bool wants(double d2) const {
    return static_cast<Index>(rows_.size()) < capacity_ || d2 > rows_.back().d2;
  }
  void offer(double d2, Index row, std::int32_t label, double weight, const double* x) {
    if (!(weight > 0.0) || capacity_ == 0) return;
    const Row r{d2, row, label, weight};
    auto at = std::upper_bound(rows_.begin(), rows_.end(), r, farther);
    const Index pos = static_cast<Index>(at - rows_.begin());
    if (pos >= capacity_) return;
    rows_.insert(at, r);
    x_.insert(x_.begin() + pos * d_, x, x + d_);
    if (static_cast<Index>(rows_.size()) > capacity_) {
      rows_.pop_back();
      x_.resize(static_cast<size_t>(capacity_ * d_));
    }
  }
  // later's rows follow these: their indices are offset by `offset`.
  void merge(const FarRows& later, Index offset) {
    for (size_t r = 0; r < later.rows_.size(); ++r) {
      const Row& o = later.rows_[r];
      offer(o.d2, o.row + offset, o.label, o.weight, later.x(static_cast<Index>(r)));
    }
  }

  Index size() const { return static_cast<Index>(rows_.size()); }
  Index capacity() const { return capacity_; }
  const Row& operator[](Index r) const { return rows_[static_cast<size_t>(r)]; }
  const double* x(Index r) const { return x_.data() + r * d_; }

  static bool farther(const Row& a, const Row& b) {
    return a.d2 > b.d2 || (a.d2 == b.d2 && a.row < b.row);
  }

 private:
  Index capacity_ = 0;
  Index d_ = 0;
  std::vector<Row> rows_;
  std::vector<double> x_;
};

}  // namespace gaussmix::kmeans
