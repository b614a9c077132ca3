// The sums of one row block in K-means' canonical order (docs/design.md, "Statistics"). A
// block's rows fall into eight sub-chunks of kSubRows rows, and the block's sum is foldLanes of
// its eight sub-chunks' (0 for sub-chunks past the data). Per cluster the sums are Σw and Σw·x_j
// (the product w·x rounded once), and over all rows Σ w·d2 (d2 the row's squared distance to its
// label's centre). Inside a sub-chunk, Σ w·d2 adds row i (counted from the sub-chunk's first row)
// to lane i mod 8, in row order, and folds the eight lanes by foldLanes; the cluster sums do the
// same when K·D < kBoundedWork (kmeans_plain.h, whose kernel runs along the rows eight at a
// time), and are otherwise one running sum over the cluster's rows in row order (ClusterRows).
// Whichever kernel labelled the rows, a block's sums are these bits; blocks are then folded
// exactly.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kmeans_rows.h"
#include "row_groups.h"

namespace gaussmix::kmeans {

constexpr Index kSubRows = 512;
static_assert(kBlockRows == kLanes * kSubRows, "a block is eight sub-chunks");

// The per-cluster sums of one sub-chunk's rows for the passes by the product (K·D >=
// kBoundedWork; the plain kernel keeps its own lanes, kmeans_plain.h): per cluster Σw and
// Σw·x_j, each one running sum over the cluster's rows in row order from +0 (w·x rounded once).
// The rows are listed cluster by cluster first, so that a cluster's sums stay in registers
// while its rows stream through. (Eight lanes per cluster, a row adding to lane i mod 8, were
// K·(D + 1)·8 values to fold and clear per sub-chunk, as many as the adds at K 64, D 64, and
// every row's add a random access to them.)
class ClusterRows {
 public:
  // The rows i < rows of a sub-chunk (row i at x + i·D, weight w[i], or 1 when w is nullptr;
  // labels[i] its cluster) of every cluster c with selected[c] (every cluster when selected is
  // nullptr): c's D + 1 sums into out(c) (zeros for a cluster without rows). With selected (a
  // bounded pass's, whose rows were mostly not read), the next selected cluster's rows are
  // prefetched while one cluster's are summed.
  template <class Out>
  void sum(const double* x, Index d, const double* w, Index rows, const std::int32_t* labels,
           Index k, const std::uint8_t* selected, Out out) {
    groups_.group(rows, labels, k);
    const auto nextSelected = [&](Index c) {
      while (c < k && !selected[c]) ++c;
      return c;
    };
    const auto prefetchCluster = [&](Index c) {
      const std::int32_t* rowsOfC = groups_.rows(c);
      for (Index r = 0; r < groups_.count(c); ++r) prefetchRows(x + rowsOfC[r] * d, d);
    };
    if (selected != nullptr) {
      if (const Index first = nextSelected(0); first < k) prefetchCluster(first);
    }
    for (Index c = 0; c < k; ++c) {
      if (selected != nullptr) {
        c = nextSelected(c);
        if (c == k) break;
        if (const Index next = nextSelected(c + 1); next < k) prefetchCluster(next);
      }
      const std::int32_t* mine = groups_.rows(c);
      const Index m = groups_.count(c);
      double* o = out(c);
      if (w != nullptr) {
        double total = 0.0;
        for (Index r = 0; r < m; ++r) total += w[mine[r]];
        o[0] = total;
        sumFeatures<true>(x, d, w, mine, m, o + 1);
      } else {
        o[0] = static_cast<double>(m);  // 1 + 1 + ... in any order: exact
        sumFeatures<false>(x, d, w, mine, m, o + 1);
      }
    }
  }

 private:
  // out[j] = Σ over the m rows listed in `mine` (in that order) of w·x_j, for j < d: P packets
  // of features at a time, their running sums in registers.
  template <bool kWeighted>
  static void sumFeatures(const double* x, Index d, const double* w, const std::int32_t* mine,
                          Index m, double* out) {
    using detail::kPacket;
    constexpr int kMost = 8;
    Index j = 0;
    for (; j + kMost * kPacket <= d; j += kMost * kPacket) {
      sumPackets<kMost, kWeighted>(x + j, d, w, mine, m, out + j);
    }
    switch ((d - j) / kPacket) {
      case 7: sumPackets<7, kWeighted>(x + j, d, w, mine, m, out + j); break;
      case 6: sumPackets<6, kWeighted>(x + j, d, w, mine, m, out + j); break;
      case 5: sumPackets<5, kWeighted>(x + j, d, w, mine, m, out + j); break;
      case 4: sumPackets<4, kWeighted>(x + j, d, w, mine, m, out + j); break;
      case 3: sumPackets<3, kWeighted>(x + j, d, w, mine, m, out + j); break;
      case 2: sumPackets<2, kWeighted>(x + j, d, w, mine, m, out + j); break;
      case 1: sumPackets<1, kWeighted>(x + j, d, w, mine, m, out + j); break;
      default: break;
    }
    for (j += (d - j) / kPacket * kPacket; j < d; ++j) {
      double total = 0.0;
      for (Index r = 0; r < m; ++r) total += (kWeighted ? w[mine[r]] : 1.0) * x[mine[r] * d + j];
      out[j] = total;
    }
  }
  template <int P, bool kWeighted>
  static void sumPackets(const double* x, Index d, const double* w, const std::int32_t* mine,
                         Index m, double* out) {
    using namespace Eigen::internal;
    using detail::Packet;
    using detail::kPacket;
    Packet acc[P];
    for (int p = 0; p < P; ++p) acc[p] = pset1<Packet>(0.0);
    for (Index r = 0; r < m; ++r) {
      const double* row = x + mine[r] * d;
      if constexpr (kWeighted) {
        const Packet pw = pset1<Packet>(w[mine[r]]);
        for (int p = 0; p < P; ++p) acc[p] = padd(acc[p], pmul(pw, ploadu<Packet>(row + p * kPacket)));
      } else {
        for (int p = 0; p < P; ++p) acc[p] = padd(acc[p], ploadu<Packet>(row + p * kPacket));
      }
    }
    for (int p = 0; p < P; ++p) pstoreu(out + p * kPacket, acc[p]);
  }

  RowGroups groups_;  // the sub-chunk's rows grouped by cluster
};

// out[v] = foldLanes over the eight sub-chunks s of subs[s·stride + v], for v < width.
inline void foldSubChunks(const double* subs, Index stride, Index width, double* out) {
  for (Index v = 0; v < width; ++v) {
    Lane lanes;
    for (Index s = 0; s < kLanes; ++s) lanes[s] = subs[s * stride + v];
    out[v] = foldLanes(lanes);
  }
}

// The folded sums of one block's sub-chunks: per sub-chunk, per cluster (D + 1), then Σ w·d2.
// A block's sums (block()) are those of its sub-chunks folded.
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
