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

// Rows are processed in blocks of this many. The block size is fixed (never derived from the
// thread count) and partial sums are folded in block order, so results are bit-identical for
// any number of threads.
constexpr Index kBlockRows = 256;

inline Index blockCount(Index n) { return (n + kBlockRows - 1) / kBlockRows; }

// N samples x D features, row-major, borrowed (zero-copy) from the caller.
struct Data {
  const double* x = nullptr;
  Index n = 0;
  Index d = 0;
  // Optional raw sample weights (length n, >= 0); nullptr means all ones.
  const double* weights = nullptr;

  ConstRowMap all() const { return ConstRowMap(x, n, d); }
  Index blocks() const { return blockCount(n); }
  Index blockBegin(Index b) const { return b * kBlockRows; }
  Index blockSize(Index b) const {
    const Index begin = b * kBlockRows;
    return (n - begin < kBlockRows) ? n - begin : kBlockRows;
  }
  // The rows of block b as a (rows x D) row-major map.
  ConstRowMap block(Index b) const { return ConstRowMap(x + blockBegin(b) * d, blockSize(b), d); }
  double weight(Index i) const { return weights ? weights[i] : 1.0; }
};

}  // namespace gaussmix
