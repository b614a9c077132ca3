#include "hypvol.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

namespace gaussmix {
namespace mclust {

namespace {

double logRangeProduct(const RowMatrix& m) {
  double sum = 0;
  for (Index j = 0; j < m.cols(); ++j) {
    sum += std::log(m.col(j).maxCoeff() - m.col(j).minCoeff());  // log(diff(range(column)))
  }
  return sum;
}

}  // namespace

Hypervolume hypervolume(const ConstRowMap& x) {
  Hypervolume h;
  const RowMatrix data = x;
  h.logBox = logRangeProduct(data);
  if (x.cols() == 1) {
    h.logPcBox = h.logBox;  // one dimension: mclust takes the range
  } else {
    // princomp(x)$scores: the centred data on the eigenvectors of its covariance (ranges do
    // not depend on the centring, the eigenvectors' signs, or the covariance's divisor).
    const RowMatrix centred = data.rowwise() - data.colwise().mean();
    ::Eigen::SelfAdjointEigenSolver<Matrix> eig(centred.transpose() * centred);
    h.logPcBox = logRangeProduct(centred * eig.eigenvectors());
  }
  const double logVolume = std::min(h.logBox, h.logPcBox);
  h.volume = std::exp(logVolume);
  h.reciprocal = std::exp(-logVolume);
  return h;
}

}  // namespace mclust
}  // namespace gaussmix
