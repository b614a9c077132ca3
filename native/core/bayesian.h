// BayesianGaussianMixture: variational inference (variational.h) run by the EM driver (em.h) on
// the E-step (estep.h) that GaussianMixture uses, as scikit-learn 1.2's
// BayesianGaussianMixture. The variant differs from EM only in its log-priors (the posterior's
// expectations), its M-step (the posterior's update from EM's estimates) and its objective (the
// evidence lower bound after the M-step).
#pragma once

#include <vector>

#include "control.h"
#include "em.h"
#include "mixture.h"
#include "statistics.h"
#include "types.h"
#include "variational.h"

namespace gaussmix {

struct BayesianOptions {
  // Read: k, type, tol, maxIter, nInit, seed, mstep.regCovar, init, responsibilitiesInit and
  // previousLowerBound (a warm start's).
  MixtureOptions mixture;
  // An empty mean or covariance: the data's (priorMean, priorCovariance), as scikit-learn.
  VariationalPriors priors;
  // Warm start: the fitted parameters (with their posterior) the one restart starts from.
  const MixtureParams* warm = nullptr;
};

struct BayesianFit {
  MixtureFit fit;
  VariationalPriors priors;  // resolved
};

BayesianFit fitBayesian(const Data& data, const BayesianOptions& options, unsigned threads,
                        const Control& control);

// The data-dependent defaults of the priors, from the statistics of every row in one component
// (assignmentStatistics with one centre): scikit-learn's mean_prior_ = the mean of X, from
// the sums about 0, Σ w x / Σ w; and its covariance_prior_ = the covariance of X with Bessel's
// correction in the type's layout for one component (full and tied: np.cov(X.T); diag:
// np.var(X, ddof=1); spherical: the mean of those), from the sums about that mean,
// Σ w (x − m)(x − m)ᵀ / (Σ w − 1): sample weights count as repetitions of their rows.
RowVector priorMean(const MixtureStatistics& aboutZero);
std::vector<double> priorCovariance(const MixtureStatistics& aboutMean);

// The variational M-step from statistics (a BayesianGaussianMixture's E-step, or starting
// responsibilities' statistics): the posterior under priors. lowerBound (nullable): the
// evidence lower bound after it, NaN for statistics without the E-step's entropy.
MixtureParams maximiseBayesian(const MixtureStatistics& statistics,
                               const VariationalPriors& priors, double regCovar,
                               double* lowerBound);

// The posterior of a start given as EM's initial estimates: a GaussianMixture's parameters
// after its initialising M-step (weights (n_k + 10ε) / Σ w, means x̄_k, covariances S_k with
// regCovar), and Σ w: a streamed fit's default start, made by GaussianMixture's.
MixtureParams posteriorOfMixtureStart(const MixtureParams& start, double totalWeight,
                                      const VariationalPriors& priors);

}  // namespace gaussmix
