// One row block of a K-means pass without bounds: every row labelled, and the sums (the
// block's, in the canonical order of kmeans_block.h, or the cluster sums' change by the rows
// that moved, kmeans_cluster_sums.h). Statistics of chunks (kmeans_statistics.cc) and the fit's
// passes (kmeans_lloyd.cc) both run these.
#pragma once

#include <cstdint>

#include "kmeans_block.h"
#include "kmeans_cluster_sums.h"
#include "kmeans_nearest.h"
#include "kmeans_plain.h"

namespace gaussmix::kmeans {

// Whether a pass measures every centre along the rows (kmeans_plain.h) rather than by the
// product with every centre.
inline bool plainPass(Index k, Index d) { return k * d < kBoundedWork; }

// Per-thread scratch of a block pass.
struct PassScratch {
  PlainScratch plain;
  ChunkScratch chunk;
  BlockSums sums;
  ClusterSums clusterSums;  // passes by the product: reset by the caller, once per pass
  FarRows far;
  Index overflowRow = -1;  // the first row whose squared distance passed kSafeSquare

  void reset(Index k, Index d, bool far) {
    sums.reset(plainPass(k, d) ? k : 0, d);
    this->far.reset(far ? k : 0, d);
    plain.overflowRow = -1;
    overflowRow = -1;
  }
};

// Calls fn(s, begin, rows) for the sub-chunks of block b.
template <class Fn>
void forEachSubChunk(const Data& data, Index b, Fn fn) {
  const Index blockBegin = data.blockBegin(b);
  for (Index s = 0, offset = 0; offset < data.blockSize(b); ++s, offset += kSubRows) {
    fn(s, blockBegin + offset, std::min(kSubRows, data.blockSize(b) - offset));
  }
}

// What passBlock calls after labelling each chunk by nearestInChunk: nothing.
struct NoChunkHook {
  void operator()(Index, Index, const ChunkScratch&) const {}
};

// Σ w·d2 over the rows [begin, begin + rows) (d2 from the first), row i to lane i mod 8 and
// the lanes folded (kmeans_block.h); eight rows at a time, the lanes in registers (a row at a
// time, through memory, it was a tenth of do8's pass). overflowRow: the first row whose d2
// passed kSafeSquare (or is NaN), unless already set.
inline double chunkInertia(const Data& data, Index begin, Index rows, const double* d2,
                           Index& overflowRow) {
  using LaneMap = Eigen::Map<const Lane>;
  Lane inertia = Lane::Zero();
  Index i = 0;
  bool bad = false;
  for (; i + kLanes <= rows; i += kLanes) {
    const LaneMap v(d2 + i);
    inertia += data.weights ? LaneMap(data.weights + begin + i) * v : Lane(v);
    bad |= !(v <= kSafeSquare).all();
  }
  for (; i < rows; ++i) {
    inertia[i & (kLanes - 1)] += data.weight(begin + i) * d2[i];
    bad |= !(d2[i] <= kSafeSquare);
  }
  if (bad && overflowRow < 0) {
    for (Index r = 0; r < rows; ++r) {
      if (!(d2[r] <= kSafeSquare)) {
        overflowRow = begin + r;
        break;
      }
    }
  }
  return foldLanes(inertia);
}

// Block b of data under the centres: labels (global rows) of every row, and the block's
// Σ w·d2 into s.sums. A plain pass (K·D < kBoundedWork) also puts the block's cluster sums
// there; any other moves each row whose label changed (labels holds the previous ones, −1 for
// none) in s.clusterSums. With s.far's capacity > 0 also the block's far rows offered to
// s.far. Unless the pass is plain, onChunk(begin, rows, s.chunk) sees each chunk's
// nearestInChunk results before the labels change (a bounded fit keeps its bounds from them).
template <int kD, class OnChunk = NoChunkHook>
void passBlock(const Data& data, Index b, const Centres& cs, PassScratch& s,
               std::int32_t* labels, OnChunk onChunk = {}) {
  const Index k = cs.k();
  const Index d = data.d;
  const bool far = s.far.capacity() > 0;
  const bool plain = plainPass(k, d);
  forEachSubChunk(data, b, [&](Index sub, Index begin, Index rows) {
    const double* d2;
    std::int32_t* chunkLabels = labels + begin;
    // The block's next sub-chunk prefetched while this one is measured, so that its first
    // read finds its rows in cache instead of waiting on memory.
    const Index next = begin + rows;
    const RowsAhead ahead{data.x + next * d,
                          std::min(rows, data.blockBegin(b) + data.blockSize(b) - next), d};
    if (plain) {
      plainChunk<kD>(data, cs, begin, rows, s.plain, s.sums.sub(sub), chunkLabels, ahead);
      if (s.plain.overflowRow >= 0 && s.overflowRow < 0) s.overflowRow = s.plain.overflowRow;
      d2 = s.plain.d2.data();
    } else {
      nearestInChunk<kD>(data, begin, rows, cs, s.chunk, ahead);
      onChunk(begin, rows, s.chunk);
      const std::int32_t* now = s.chunk.labels.data();
      for (Index i = 0; i < rows; ++i) {
        if (now[i] == chunkLabels[i]) continue;
        const Index row = begin + i;
        s.clusterSums.move(data.x + row * d, data.weight(row), chunkLabels[i], now[i]);
        chunkLabels[i] = now[i];
      }
      d2 = s.chunk.d2.data();
      s.sums.subInertia(sub) = chunkInertia(data, begin, rows, d2, s.overflowRow);
    }
    for (Index i = 0; far && i < rows; ++i) {
      if (s.far.wants(d2[i])) {
        const Index row = begin + i;
        s.far.offer(d2[i], row, chunkLabels[i], data.weight(row), data.x + row * d);
      }
    }
  });
}

// Rows of block b under their labels: Σ w·d2 per sub-chunk into s.sums, and (with s.far's
// capacity > 0) the far rows offered to s.far.
inline void inertiaBlock(const Data& data, Index b, const RowMatrix& centres,
                         const std::int32_t* labels, PassScratch& s) {
  const Index d = data.d;
  const bool far = s.far.capacity() > 0;
  forEachSubChunk(data, b, [&](Index sub, Index begin, Index rows) {
    Lane lanes = Lane::Zero();
    for (Index i = 0; i < rows; ++i) {
      const Index row = begin + i;
      const double* x = data.x + row * d;
      const double d2 = squaredDistance(x, centres.data() + labels[row] * d, d);
      const double w = data.weight(row);
      lanes[i & (kLanes - 1)] += w * d2;
      if (!(d2 <= kSafeSquare) && s.overflowRow < 0) s.overflowRow = row;
      if (far && s.far.wants(d2)) s.far.offer(d2, row, labels[row], w, x);
    }
    s.sums.subInertia(sub) = foldLanes(lanes);
  });
}

}  // namespace gaussmix::kmeans
