// Eigen aliases and the shared view of the data. Every core file starts here, so the Eigen
// configuration below applies everywhere.
#pragma once

// Checks that could abort() the host process are never compiled in: the TypeScript layer
// validates every input, and the core reports its own failures as exceptions (errors.h).
#ifndef EIGEN_NO_DEBUG
#define EIGEN_NO_DEBUG
#endif
// Our own thread pool parallelises across rows; Eigen must stay single-threaded inside it.
#ifndef EIGEN_DONT_PARALLELIZE
#define EIGEN_DONT_PARALLELIZE
#endif

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <vector>

namespace gaussmix {

using Index = Eigen::Index;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using RowVector = Eigen::RowVectorXd;
using RowMap = Eigen::Map<RowMatrix>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using ConstVectorMap = Eigen::Map<const Vector>;

// Rows are handed to threads in blocks whose size depends only on N (never on the thread
// count); per-block partial sums are folded in block order, so results are bit-identical for
// any number of threads. About 32 or more blocks when N allows, of 256 to 8192 rows: few enough
// hand-overs and folds, enough blocks to balance the threads.
constexpr Index kMinBlockRows = 256;
constexpr Index kMaxBlockRows = 8192;

inline Index blockRowsFor(Index n) {
  Index rows = kMinBlockRows;
  while (rows < kMaxBlockRows && n / (rows * 2) >= 32) rows *= 2;
  return rows;
}

// Inside a block, kernels work on chunks of rows whose scratch (about `perRow` doubles a row)
// stays near 64K doubles, in cache.
inline Index chunkRowsFor(Index perRow) {
  Index rows = 16;
  while (rows < kMaxBlockRows && (rows * 2) * std::max<Index>(1, perRow) <= (Index{1} << 16)) {
    rows *= 2;
  }
  return rows;
}

// N samples x D features, row-major, borrowed (zero-copy) from the caller.
struct Data {
  const double* x = nullptr;
  Index n = 0;
  Index d = 0;
  // Optional raw sample weights (length n, >= 0); nullptr means all ones.
  const double* weights = nullptr;
  // Rows per block (see blockRowsFor).
  Index blockRows = kMinBlockRows;

  ConstRowMap all() const { return ConstRowMap(x, n, d); }
  Index blocks() const { return (n + blockRows - 1) / blockRows; }
  Index blockBegin(Index b) const { return b * blockRows; }
  Index blockSize(Index b) const {
    const Index begin = b * blockRows;
    return (n - begin < blockRows) ? n - begin : blockRows;
  }
  // The rows of block b as a (rows x D) row-major map.
  ConstRowMap block(Index b) const { return ConstRowMap(x + blockBegin(b) * d, blockSize(b), d); }
  double weight(Index i) const { return weights ? weights[i] : 1.0; }
};

// The same data, cut into its blocks.
inline Data blocked(Data data) {
  data.blockRows = blockRowsFor(data.n);
  return data;
}

// Calls fn(first, rows) for consecutive chunks of at most chunkRows of the rows [0, total).
template <class Fn>
void forEachChunk(Index total, Index chunkRows, Fn fn) {
  for (Index first = 0; first < total; first += chunkRows) {
    fn(first, std::min(chunkRows, total - first));
  }
}

}  // namespace gaussmix
