#include "bayesian.h"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "errors.h"

namespace gaussmix {
namespace {

// The M-step: EM's estimates (n_k + 10ε, x̄_k, S_k), then the posterior they give.
void maximise(const Moments& moments, const VariationalPriors& priors, double regCovar,
              MixtureParams& params) {
  const GaussianEstimates e = estimateGaussian(params.type, moments, regCovar);
  updatePosterior(priors, e.nk, e.means, e.covariances, params);
}

MixtureParams emptyParams(CovarianceType type, Index k, Index d) {
  MixtureParams params;
  params.type = type;
  params.k = k;
  params.d = d;
  return params;
}

// Whether Ψ₀ (in the type's shape) is symmetric positive semidefinite: the default one, the
// covariance of X, is singular when a feature is constant, and scikit-learn takes it (every
// posterior scale adds n_k·(S_k + regCovar), which is positive definite).
bool positiveSemidefinite(CovarianceType type, Index d, const std::vector<double>& psi) {
  for (const double v : psi) {
    if (!std::isfinite(v)) return false;
  }
  if (type == CovarianceType::Diag || type == CovarianceType::Spherical) {
    for (const double v : psi) {
      if (v < 0.0) return false;
    }
    return true;
  }
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
      m(psi.data(), d, d);
  const double size = m.cwiseAbs().maxCoeff();
  if ((m - m.transpose()).cwiseAbs().maxCoeff() > 1e-12 * size) return false;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(m, Eigen::EigenvaluesOnly);
  return eigen.eigenvalues().minCoeff() >= -1e-12 * size * static_cast<double>(d);
}

// The priors' ranges and shapes. Ψ₀ must be positive semidefinite; a given one (not the data's
// default) positive definite, as scikit-learn's _check_precision_matrix asks.
void checkPriors(const VariationalPriors& priors, CovarianceType type, Index d,
                 bool givenCovariance = false) {
  if (parametrisation(type).family != Family::ScikitLearn) {
    throw invalidArgument(std::string("covarianceType '") + parametrisation(type).name +
                          "' has no variational posterior (full, tied, diag or spherical)");
  }
  if (!(priors.weightConcentration > 0.0) || !(priors.meanPrecision > 0.0)) {
    throw invalidArgument("weightConcentrationPrior and meanPrecisionPrior must be positive");
  }
  if (!(priors.degreesOfFreedom > static_cast<double>(d) - 1.0)) {
    throw invalidArgument("degreesOfFreedomPrior must be greater than the number of features - 1");
  }
  if (priors.mean.size() != d) throw invalidArgument("meanPrior must have one value per feature");
  if (static_cast<Index>(priors.covariance.size()) != covarianceSize(type, 1, d)) {
    throw invalidArgument("covariancePrior does not have the covariance type's shape");
  }
  if (!positiveSemidefinite(type, d, priors.covariance)) {
    throw invalidArgument("covariancePrior is not positive semidefinite");
  }
  if (!givenCovariance) return;
  std::vector<double> factor(priors.covariance.size());
  try {
    precisionCholeskyFromCovariance(type, 1, d, priors.covariance.data(), factor.data());
  } catch (const Error&) {
    throw invalidArgument("covariancePrior is not positive definite");
  }
}

// The priors with the data's defaults filled in (two passes over the rows when needed).
VariationalPriors resolvePriors(const Data& data, const BayesianOptions& options,
                                unsigned threads, const Control& control) {
  VariationalPriors priors = options.priors;
  const CovarianceType type = options.mixture.type;
  const bool givenCovariance = !priors.covariance.empty();
  if (priors.mean.size() == 0 || priors.covariance.empty()) {
    const RowMatrix zero = RowMatrix::Zero(1, data.d);
    const RowVector mean =
        priorMean(assignmentStatistics(data, zero, nullptr, type, threads, control.cancel));
    if (priors.mean.size() == 0) priors.mean = mean;
    if (priors.covariance.empty()) {
      const RowMatrix about = mean;
      priors.covariance =
          priorCovariance(assignmentStatistics(data, zero, &about, type, threads, control.cancel));
    }
  }
  checkPriors(priors, type, data.d, givenCovariance);
  return priors;
}

}  // namespace

RowVector priorMean(const MixtureStatistics& aboutZero) {
  const Moments m = roundedMoments(aboutZero);
  if (m.nk.size() != 1 || !(m.nk[0] > 0.0)) {
    throw invalidArgument("the default meanPrior (the mean of X) needs a positive sample weight sum");
  }
  return m.sx.row(0) / m.nk[0];
}

std::vector<double> priorCovariance(const MixtureStatistics& aboutMean) {
  const StatisticsShape& shape = aboutMean.shape;
  if (shape.k != 1 || !shape.scatter) {
    throw invalidArgument("the statistics of a covariance prior have one component and a scatter");
  }
  const Moments m = roundedMoments(aboutMean);
  // Bessel's correction: Σ w − 1 (np.cov and np.var(ddof=1) with frequency weights). A sum
  // within rounding of 1 (weights normalised to sum 1) would divide by a rounding error.
  const double total = m.nk[0];
  const Vector dof = Vector::Constant(1, total - 1.0);
  if (!(dof[0] > 1e-6 * total)) {
    char sum[32];
    std::snprintf(sum, sizeof sum, "%.17g", total);
    throw invalidArgument(
        std::string("the default covariancePrior (the covariance of X, divided by Bessel's ") +
        "sum of weights - 1) needs a sample weight sum above 1, but sampleWeight sums to " + sum +
        ": sampleWeight are frequencies (an integer weight repeats its row), so weights "
        "normalised to sum 1 count X as one sample; scale them, or give covariancePrior");
  }
  if (parametrisation(shape.type).family != Family::ScikitLearn) {
    throw invalidArgument("a covariance prior is for scikit-learn's covariance types");
  }
  // The scatter is about the centre given, the mean: no move (δ = 0) but the same arithmetic;
  // then the type's M-step, dividing by Σ w − 1, without regCovar.
  RowMatrix centre = m.centre;
  std::vector<double> state;
  MStepSettings plain;
  plain.regCovar = 0.0;
  std::vector<double> covariance = covariancesAbout(shape.type, m, dof, plain, centre, state);
  for (const double v : covariance) {
    if (!std::isfinite(v)) {
      // (Else checkPriors would call it "not positive semidefinite", about a prior not given.)
      throw invalidArgument(
          "the default covariancePrior (the covariance of X) is not finite: the spread of X's "
          "values overflows float64 when squared (beyond about 1e154). Standardise the "
          "features, or give covariancePrior");
    }
  }
  return covariance;
}

MixtureParams maximiseBayesian(const MixtureStatistics& statistics,
                               const VariationalPriors& priors, double regCovar,
                               double* lowerBound) {
  const StatisticsShape& shape = statistics.shape;
  if (shape.noise || !shape.scatter) {
    throw invalidArgument("these statistics are not a BayesianGaussianMixture's");
  }
  checkPriors(priors, shape.type, shape.d);
  MixtureParams params = emptyParams(shape.type, shape.k, shape.d);
  const Moments moments = roundedMoments(statistics);
  maximise(moments, priors, regCovar, params);
  if (lowerBound) {
    *lowerBound = shape.entropy ? evidenceLowerBound(params, moments.entropy)
                                : std::numeric_limits<double>::quiet_NaN();
  }
  return params;
}

MixtureParams posteriorOfMixtureStart(const MixtureParams& start, double totalWeight,
                                      const VariationalPriors& priors) {
  if (start.posterior) throw invalidArgument("the start is already a variational posterior");
  if (start.noise) throw invalidArgument("a variational posterior has no noise component");
  if (!(totalWeight > 0.0)) throw invalidArgument("the total sample weight must be positive");
  checkPriors(priors, start.type, start.d);
  MixtureParams params = emptyParams(start.type, start.k, start.d);
  const Vector nk = start.weights * totalWeight;
  updatePosterior(priors, nk, start.means, start.covariances, params);
  return params;
}

BayesianFit fitBayesian(const Data& data, const BayesianOptions& options, unsigned threads,
                        const Control& control) {
  const MixtureOptions& o = options.mixture;
  if (data.n < 1 || data.d < 1) throw invalidArgument("X must have at least one row and column");
  if (o.k < 1) throw invalidArgument("nComponents must be at least 1");
  if (o.k > data.n) throw invalidArgument("nComponents exceeds the number of samples");
  double totalWeight = 0.0;
  for (Index i = 0; i < data.n; ++i) totalWeight += data.weight(i);
  if (!(totalWeight > 0.0)) throw invalidArgument("sampleWeight sums to zero");
  if (o.noise || o.mstep.prior) {
    throw invalidArgument("a variational fit has neither a noise component nor mclust's prior");
  }
  if (options.warm && (options.warm->k != o.k || options.warm->d != data.d ||
                       options.warm->type != o.type || !options.warm->posterior)) {
    throw invalidArgument("the warm start's parameters are not this model's");
  }

  BayesianFit result;
  result.priors = resolvePriors(data, options, threads, control);
  const VariationalPriors& priors = result.priors;
  ThreadPool pool(threadsFor(data.blocks(), threads), control.cancel);
  EStep estep(o.type, o.k, data.d, false, pool);
  StartStorage start;
  StatisticsShape shape;
  shape.type = o.type;
  shape.k = o.k;
  shape.d = data.d;
  shape.entropy = true;

  EmVariant variant;
  variant.nInit = options.warm ? 1 : o.nInit;
  variant.maxIter = o.maxIter;
  variant.previousObjective = o.previousLowerBound;
  variant.initialise = [&](int restart) {
    if (options.warm) return *options.warm;
    MixtureParams params = emptyParams(o.type, o.k, data.d);
    maximise(startingMoments(estep, data, o, restart, pool, control, start), priors,
             o.mstep.regCovar, params);
    return params;
  };
  MixtureStatistics statistics;
  variant.expectation = [&](const MixtureParams& params, Moments& moments) {
    estep.prepare(params, params.logPriors(), false);
    estep.statistics(data, shape, statistics);
    roundedMoments(statistics, moments);
  };
  variant.maximise = [&](const Moments& moments, MixtureParams& params) {
    maximise(moments, priors, o.mstep.regCovar, params);
  };
  variant.objective = [](const Moments& moments, const MixtureParams& after) {
    return evidenceLowerBound(after, moments.entropy);
  };
  variant.converged = [&](double change, const RowMatrix&, const MixtureParams&) {
    return std::abs(change) < o.tol;
  };
  variant.notFinite = [&](const MixtureParams& params) {
    return nonFiniteLikelihood(data, params, threads,
                               "To fix it, standardise the features or increase regCovar.");
  };
  result.fit = runEm(variant, control);
  return result;
}

}  // namespace gaussmix
