// Gaussian mixtures fitted by EM (em.h), every covariance type (covariance.h).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "control.h"
#include "covariance.h"
#include "em.h"
#include "estep.h"
#include "memory.h"
#include "parallel.h"
#include "statistics.h"
#include "types.h"

namespace gaussmix {

enum class MixtureInit { KMeans, KMeansPlusPlus, Random, RandomFromData };

// What an M-step does with a collapsed component (a covariance that is not positive definite,
// or a weight sum that is practically zero): fail (IllConditioned naming it), or re-seed it.
enum class CollapsePolicy { Error, Reseed };

struct MixtureOptions {
  Index k = 1;
  CovarianceType type = CovarianceType::Full;
  double tol = 1e-3;  // converged when |Δ mean log-likelihood| < tol (strict)
  int maxIter = 100;
  int nInit = 1;
  std::uint64_t seed = 0;
  double regCovar = 1e-6;
  MixtureInit init = MixtureInit::KMeans;
  // User-given starting parameters (nullable, independent, as scikit-learn's *_init).
  const double* weightsInit = nullptr;      // K
  const double* meansInit = nullptr;        // K x D
  const double* covariancesInit = nullptr;  // at most one of these two
  const double* precisionsInit = nullptr;
  // Starting responsibilities, N x K, each row summing to 1 (exclusive with init and the *Init
  // parameters): the fit starts with an M-step on them.
  const double* responsibilitiesInit = nullptr;
  // Warm start: the first change is measured from this lower bound.
  double previousLowerBound = -std::numeric_limits<double>::infinity();
  CollapsePolicy onCollapse = CollapsePolicy::Error;
};

MixtureFit fitMixture(const Data& data, const MixtureOptions& options, unsigned threads,
                      const Control& control);

// The moments of a restart's starting responsibilities (options.responsibilitiesInit, or those
// of options.init, each row times its sample weight; scikit-learn's _initialize_parameters),
// in two passes (Σ w r x, then the scatter about the means it gives). respStorage: N x K
// scratch.
Moments startingMoments(EStep& estep, const Data& data, const MixtureOptions& options,
                        int restart, ThreadPool& pool, const Control& control,
                        LargeVector<double>& respStorage);

// The means of an initialisation's first pass (the moments of the starting responsibilities
// about 0): Σ w r x / (Σ w r + 10ε), the centres of its second pass.
RowMatrix startingMeans(const Moments& aboutZero);
// The statistics of given responsibilities (N x K, each row summing to 1; times the sample
// weights here, as a fit's start does): about 0 without scatter when `about` is null (the
// first pass), else about *about with the scatter of `type` (the second): a streamed start
// from responsibilitiesInit, chunk by chunk.
MixtureStatistics responsibilityStatistics(const Data& data, const double* resp, Index k,
                                           CovarianceType type, const RowMatrix* about,
                                           unsigned threads, const std::atomic<bool>* cancel);

// scikit-learn's _estimate_gaussian_parameters from moments: n_k + 10ε, the means
// x̄_k = Σ w r x / n_k and the covariances about them with regCovar on the diagonal
// (covariance.h's layout).
struct GaussianEstimates {
  Vector nk;
  RowMatrix means;
  std::vector<double> covariances;
};
GaussianEstimates estimateGaussian(const Covariance& covariance, const Moments& moments,
                                   double regCovar);

// The statistics of one E-step of data's rows under params (log-priors mixtureLogPriors): the
// seam of streamed and distributed fits. cancel (nullable) is polled per row block.
MixtureStatistics mixtureStatistics(const Data& data, const MixtureParams& params,
                                    unsigned threads, const std::atomic<bool>* cancel);
// The M-step from statistics: weights nk / Σ nk (initialising: nk / Σ w, as scikit-learn's
// initialisation), means, and covariances about them with regCovar on the diagonal
// (IllConditioned naming a component that collapsed).
MixtureParams maximiseMixture(const MixtureStatistics& statistics, double regCovar,
                              bool initialising);
// The starting parameters given in options (all of them: weights, means, and covariances or
// precisions), as a fit would start from them.
MixtureParams givenMixtureParams(const MixtureOptions& options, Index d);
// The statistics of hard assignments of data's rows to their nearest centres (an
// initialisation over a stream): about 0 and without scatter when `about` is null (Σ w x per
// cluster: a Lloyd update, or the means of the initial M-step), else about *about with the
// scatter of `type`.
MixtureStatistics assignmentStatistics(const Data& data, const RowMatrix& centres,
                                       const RowMatrix* about, CovarianceType type,
                                       unsigned threads, const std::atomic<bool>* cancel);

// For each row (each output nullable): logProb = log p(x), resp = p(k | x) (N x K),
// labels = argmax_k of the weighted log-density (ties to the lowest k).
void evaluateMixture(const Data& data, const MixtureParams& params, unsigned threads,
                     double* logProb, double* resp, std::int32_t* labels);

// The error for a fit whose log-likelihood is not finite under params: it names the component
// nearest (in Euclidean distance, computed without overflow) to the first sample whose log-density
// is not finite (or else the lowest), and ends with `advice` (what the estimator's users can change).
Error nonFiniteLikelihood(const Data& data, const MixtureParams& params, unsigned threads,
                          const std::string& advice);

// n draws grouped by component in increasing order (x: n x D, labels: n).
void sampleMixture(const MixtureParams& params, Index n, std::uint64_t seed, double* x,
                   std::int32_t* labels);

}  // namespace gaussmix
