#include "mstep.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "../errors.h"
#include "mstep_detail.h"

namespace gaussmix {
namespace mclust {
namespace detail {

void singular(Index component, const std::string& what) {
  const std::string where = component < 0 ? std::string("shared covariance")
                                          : "component " + std::to_string(component);
  throw Error(ErrorKind::IllConditioned,
              where + ": singular covariance (" + what +
                  "); the component collapsed onto too few distinct points",
              static_cast<long>(component));
}

double geometricMean(const Vector& v) { return std::exp(v.array().log().mean()); }

PriorTerms priorTerms(const ConjugatePrior& prior, const MStepInput& in) {
  const Index k = in.means.rows();
  const double kappa = std::max(prior.shrinkage, 0.0);  // mclust: a negative κ is 0
  PriorTerms t;
  t.shrinks = kappa > 0;
  t.c.resize(k);
  t.delta.resize(k, in.means.cols());
  t.posteriorMeans.resize(k, in.means.cols());
  for (Index j = 0; j < k; ++j) {
    const double n = in.counts(j);
    t.c(j) = (kappa * n) / (n + kappa);                           // κ n_k / (n_k + κ)
    t.delta.row(j) = prior.mean.transpose() - in.means.row(j);    // μ_p − x̄_k
    t.posteriorMeans.row(j) = (n / (n + kappa)) * in.means.row(j) +
                              (kappa / (n + kappa)) * prior.mean.transpose();  // μ̃_k
  }
  return t;
}

MStepResult emptyResult(const MStepInput& in) {
  const Index k = in.means.rows();
  const Index d = in.means.cols();
  MStepResult r;
  r.means = in.means;
  r.covariances.assign(k, Matrix::Zero(d, d));
  r.scale = Vector::Zero(k);
  r.shape = RowMatrix::Ones(k, d);
  r.orientation.assign(k, Matrix::Identity(d, d));
  return r;
}

EigenPairs eigenDecreasing(const Matrix& symmetric) {
  ::Eigen::SelfAdjointEigenSolver<Matrix> solver(symmetric);
  if (solver.info() != ::Eigen::Success) singular(-1, "eigen-decomposition failed");
  // Decreasing, equal values kept in the solver's order (not reversed): a zero scatter (every
  // row of a component on one point) then keeps the coordinate axes, as LAPACK's SVD in
  // mclust's M-steps does; reversed, EEV paired the shared shape with swapped axes.
  const Index d = symmetric.rows();
  std::vector<Index> order(static_cast<size_t>(d));
  std::iota(order.begin(), order.end(), Index{0});
  const Vector& values = solver.eigenvalues();
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return values(a) > values(b); });
  EigenPairs e;
  e.values.resize(d);
  e.vectors.resize(d, d);
  for (Index j = 0; j < d; ++j) {
    e.values(j) = values(order[j]);
    e.vectors.col(j) = solver.eigenvectors().col(order[j]);
  }
  return e;
}

void decompose(const Matrix& sigma, double& scale, RowMatrix::RowXpr shape, Matrix& orientation) {
  const EigenPairs e = eigenDecreasing(sigma);
  scale = geometricMean(e.values);  // λ = |Σ|^(1/D)
  shape = (e.values / scale).transpose();
  orientation = e.vectors;
}

}  // namespace detail

MStepResult mstep(Model model, const MStepInput& in, MStepState& state,
                  const MStepControl& control, const ConjugatePrior* prior) {
  const Parametrisation& desc = descriptor(model);
  const Index k = in.means.rows();
  const Index d = in.means.cols();
  if (in.counts.size() != k || in.scatter.features() != d ||
      (in.scatter.components() != k && in.scatter.kind() != ScatterKind::PooledFull &&
       in.scatter.kind() != ScatterKind::PooledDiagonal &&
       in.scatter.kind() != ScatterKind::PooledTrace)) {
    throw Error(ErrorKind::Internal, "mclust M-step: inconsistent statistics sizes");
  }
  if (!provides(in.scatter.kind(), desc.scatter)) {
    throw Error(ErrorKind::Internal, std::string("mclust M-step: ") + desc.name +
                                         " needs richer scatter statistics");
  }
  if (prior != nullptr) {
    if (!desc.hasPrior) {
      throw invalidArgument(std::string("mclust has no conjugate prior for model ") + desc.name);
    }
    if (prior->mean.size() != d) throw invalidArgument("prior mean: expected D entries");
    const bool ellipsoidal = !desc.axisAligned();
    if (ellipsoidal ? (prior->scale.rows() != d || prior->scale.cols() != d)
                    : prior->scale.size() != 1) {
      throw invalidArgument(ellipsoidal ? "prior scale: expected a D x D matrix"
                                        : "prior scale: expected a scalar");
    }
  }
  // mclust's me(): a component whose n_k fell to √ε or below stops the fit ("mixing
  // proportion fell below threshold").
  const double rteps = std::sqrt(control.eps);
  for (Index j = 0; j < k; ++j) {
    if (!(in.counts(j) > rteps)) {
      throw Error(ErrorKind::IllConditioned,
                  "component " + std::to_string(j) +
                      ": mixing proportion fell below threshold (the component is empty)",
                  static_cast<long>(j));
    }
  }
  return desc.axisAligned() ? detail::axisAligned(model, in, state, control, prior)
                            : detail::ellipsoidal(model, in, state, control, prior);
}

}  // namespace mclust
}  // namespace gaussmix
