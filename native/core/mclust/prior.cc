#include "prior.h"

#include <cmath>

#include "../errors.h"

namespace gaussmix {
namespace mclust {

ConjugatePrior defaultPrior(const ConstRowMap& x, Index k, Model model) {
  if (!descriptor(model).hasPrior) {
    throw invalidArgument(std::string("mclust has no conjugate prior for model ") +
                          descriptor(model).name);
  }
  const Index n = x.rows();
  const Index d = x.cols();
  ConjugatePrior prior;
  prior.shrinkage = 0.01;
  prior.mean = x.colwise().mean().transpose();
  prior.dof = static_cast<double>(d + 2);
  // cov(X) = Σ_i (x_i − x̄)(x_i − x̄)ᵀ / (N − 1)
  const RowMatrix centred = x.rowwise() - prior.mean.transpose();
  const Matrix cov = (centred.transpose() * centred) / static_cast<double>(n - 1);
  const double factor = std::pow(1.0 / static_cast<double>(k), 2.0 / static_cast<double>(d));
  if (!descriptor(model).axisAligned()) {
    // Λ = (1/K)^(2/D) cov(X); with N <= D, the diagonal of it.
    prior.scale = n > d ? Matrix(factor * cov) : Matrix(factor * cov.diagonal().asDiagonal());
  } else {
    // ψ = (1/K)^(2/D) Σ_j var(x_j) / D
    prior.scale = Matrix::Constant(1, 1, factor * cov.trace() / static_cast<double>(d));
  }
  return prior;
}

}  // namespace mclust
}  // namespace gaussmix
