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

// Rows are processed in blocks. The block size depends only on the problem's shape (never on
// the thread count) and partial sums are folded in block order, so results are bit-identical
// for any number of threads. Blocks of about `kBlockWork` values of per-row work (K·(D+1)) keep
// the scratch of a block in cache and amortise the hand-over between threads.
constexpr Index kMinBlockRows = 64;
constexpr Index kMaxBlockRows = 4096;
constexpr Index kBlockWork = 1 << 16;

inline Index blockRowsFor(Index d, Index k) {
  const Index perRow = std::max<Index>(1, k * (d + 1));
  Index rows = kMinBlockRows;
  while (rows < kMaxBlockRows && (rows * 2) * perRow <= kBlockWork) rows *= 2;
  return rows;
}

// N samples x D features, row-major, borrowed (zero-copy) from the caller.
struct Data {
  const double* x = nullptr;
  Index n = 0;
  Index d = 0;
  // Optional raw sample weights (length n, >= 0); nullptr means all ones.
  const double* weights = nullptr;
  // Rows per block: set with blockRowsFor() by each algorithm from its own shape.
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

// The same data, cut into blocks for a model with k components (or clusters).
inline Data blocked(Data data, Index k) {
  data.blockRows = blockRowsFor(data.d, k);
  return data;
}

}  // namespace gaussmix
