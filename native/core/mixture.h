// Gaussian mixtures fitted by EM (em.h), every covariance type (covariance.h), optionally
// with a uniform noise component and, for mclust's parametrisations, its conjugate prior.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "control.h"
#include "covariance.h"
#include "em.h"
#include "estep.h"
#include "hc_start.h"
#include "mclust/prior.h"
#include "memory.h"
#include "parallel.h"
#include "statistics.h"
#include "types.h"

namespace gaussmix {

// Hc: mclust's hierarchical start (hc_start.h).
enum class MixtureInit { KMeans, KMeansPlusPlus, Random, RandomFromData, Hc };

// What an M-step needs besides the statistics (the same for a fit's M-steps and for one from
// statistics).
struct MStepSettings {
  double regCovar = 1e-6;
  MStepControl control;                          // the iterative M-steps' inner iteration
  std::optional<mclust::ConjugatePrior> prior;   // MAP M-steps (mclust's prior)
};

// What an M-step does with a collapsed component (a covariance that is not positive definite,
// or a weight sum that is practically zero): fail (IllConditioned naming it), or re-seed it.
enum class CollapsePolicy { Error, Reseed };

struct MixtureOptions {
  Index k = 1;
  CovarianceType type = CovarianceType::Full;
  // scikit-learn's parametrisations: converged when |Δ mean log-likelihood| < tol (strict),
  // checked after the M-step; mclust's: when |ΔL| / (1 + |L|) <= tol with L the total
  // log-likelihood, checked after the E-step (the parameters kept are those it used), as me().
  double tol = 1e-3;
  int maxIter = 100;
  int nInit = 1;
  std::uint64_t seed = 0;
  MStepSettings mstep;
  MixtureInit init = MixtureInit::KMeans;
  // User-given starting parameters (nullable, independent, as scikit-learn's *_init).
  const double* weightsInit = nullptr;      // K (K + 1 with noise)
  const double* meansInit = nullptr;        // K x D
  const double* covariancesInit = nullptr;  // at most one of these two
  const double* precisionsInit = nullptr;
  // Starting responsibilities, N x C (C = K, or K + 1 with noise: its column last), each row
  // summing to 1 (exclusive with init and the *Init parameters): the fit starts with an M-step.
  const double* responsibilitiesInit = nullptr;
  // A uniform noise component of density 1/hypervolume (> 0). The rows that start as noise
  // (without responsibilitiesInit): noiseRows, or when empty defaultNoiseRows.
  bool noise = false;
  double hypervolume = 0.0;
  std::vector<Index> noiseRows;
  // init Hc: hc computed by the caller (the same for every K), else computed by the fit.
  const HierarchicalStart* hc = nullptr;
  // Warm start: the first change is measured from this lower bound.
  double previousLowerBound = -std::numeric_limits<double>::infinity();
  CollapsePolicy onCollapse = CollapsePolicy::Error;
};

MixtureFit fitMixture(const Data& data, const MixtureOptions& options, unsigned threads,
                      const Control& control);

// The rows that start as noise when none are given (N flags): those whose density under one
// Gaussian fitted to every row (maximum likelihood, sample weights as given) is below the
// noise density 1/hypervolume, i.e. that a uniform density over the data region explains
// better. The same for every K and covariance type. invalidArgument when that covariance is
// singular.
std::vector<char> defaultNoiseRows(const Data& data, double hypervolume, ThreadPool& pool);

// A restart's starting responsibilities, kept across restarts (their storage reused): soft
// ones as an N x C matrix (weighted), hard ones (every row all in one column, or in none) as
// each row's column, −1 for none.
struct StartStorage {
  LargeVector<double> resp;
  LargeVector<std::int32_t> labels;
};

// The moments of a restart's starting responsibilities (options.responsibilitiesInit, or those
// of options.init, each row times its sample weight; scikit-learn's _initialize_parameters;
// with noise, its column last), in two passes (Σ w r x, then the scatter about the means it
// gives). subset (nullable): set when hc ran on a subset of the rows.
Moments startingMoments(EStep& estep, const Data& data, const MixtureOptions& options,
                        int restart, ThreadPool& pool, const Control& control,
                        StartStorage& storage, bool* subset = nullptr);

// The means of an initialisation's first pass (the moments of the starting responsibilities
// about 0): Σ w r x / (Σ w r + the type's weight floor), the centres of its second pass.
RowMatrix startingMeans(const Moments& aboutZero, CovarianceType type);
// The statistics of given responsibilities (N x K, each row summing to 1, no noise column;
// times the sample weights here, as a fit's start does): about 0 without scatter when `about`
// is null (the first pass), else about *about with the scatter of `type` (the second): a
// streamed start from responsibilitiesInit, chunk by chunk.
MixtureStatistics responsibilityStatistics(const Data& data, const double* resp, Index k,
                                           CovarianceType type, const RowMatrix* about,
                                           unsigned threads, const std::atomic<bool>* cancel);

// The covariances (the type's layout) about `means` from moments: their scatter moved from its
// centres to the means (recentreScatter), then the type's M-step (parametrisation(type)) with
// weight sums nk. Under settings.prior the M-step also sets the means; mstepState: the inner
// state of an iterative M-step (empty: cold), updated.
std::vector<double> covariancesAbout(CovarianceType type, const Moments& moments,
                                     const Vector& nk, const MStepSettings& settings,
                                     RowMatrix& means, std::vector<double>& mstepState);

// scikit-learn's _estimate_gaussian_parameters from moments: n_k + the type's weight floor
// (10ε for scikit-learn's types), the means x̄_k = Σ w r x / n_k and the covariances about them
// with regCovar on the diagonal (covariancesAbout, cold, without a prior).
struct GaussianEstimates {
  Vector nk;
  RowMatrix means;
  std::vector<double> covariances;
};
GaussianEstimates estimateGaussian(CovarianceType type, const Moments& moments, double regCovar);

// The statistics of one E-step of data's rows under params (log-priors params.logPriors()):
// the seam of streamed and distributed fits. cancel (nullable) is polled per row block.
MixtureStatistics mixtureStatistics(const Data& data, const MixtureParams& params,
                                    unsigned threads, const std::atomic<bool>* cancel);
// The M-step from statistics: weights nk / Σ nk (initialising: nk / Σ w, as scikit-learn's
// initialisation), means, and covariances about them by the type's M-step (IllConditioned
// naming a component that collapsed). mstepState: the inner state of the M-step before
// (empty: a cold start, as a fit's first); the result carries the new one. logHypervolume:
// log V of a noise component (statistics with noise).
MixtureParams maximiseMixture(const MixtureStatistics& statistics, const MStepSettings& settings,
                              bool initialising, const std::vector<double>& mstepState,
                              double logHypervolume);
// The starting parameters given in options (all of them: weights, means, and covariances or
// precisions), as a fit would start from them.
MixtureParams givenMixtureParams(const MixtureOptions& options, Index d);
// The decomposition Σ_k = λ_k D_k A_k D_kᵀ of each covariance: λ_k = |Σ_k|^(1/D) (K), the
// diagonal of A_k (det 1, decreasing; K x D) and D_k (its eigenvectors as columns, in the same
// order; K of D x D, row-major).
struct Decomposition {
  Vector scale;
  RowMatrix shape;
  std::vector<double> orientation;
};
Decomposition decomposeCovariances(const MixtureParams& params);
// The statistics of hard assignments of data's rows to their nearest centres (an
// initialisation over a stream): about 0 and without scatter when `about` is null (Σ w x per
// cluster: a Lloyd update, or the means of the initial M-step), else about *about with the
// scatter of `type`.
MixtureStatistics assignmentStatistics(const Data& data, const RowMatrix& centres,
                                       const RowMatrix* about, CovarianceType type,
                                       unsigned threads, const std::atomic<bool>* cancel);

// For each row (each output nullable): logProb = log p(x), resp = p(k | x) (N x C, C = K or
// K + 1 with noise), labels = argmax_k of the weighted log-density (ties to the lowest k; −1
// for the noise component).
void evaluateMixture(const Data& data, const MixtureParams& params, unsigned threads,
                     double* logProb, double* resp, std::int32_t* labels);

// The error for a fit whose log-likelihood is not finite under params: it names the component
// nearest (in Euclidean distance, computed without overflow) to the first sample whose log-density
// is not finite (or else the lowest), and ends with `advice` (what the estimator's users can change).
Error nonFiniteLikelihood(const Data& data, const MixtureParams& params, unsigned threads,
                          const std::string& advice);

// n draws grouped by component in increasing order (x: n x D, labels: n). Not for a model with
// a noise component (its region is not part of the model): invalidArgument.
void sampleMixture(const MixtureParams& params, Index n, std::uint64_t seed, double* x,
                   std::int32_t* labels);

}  // namespace gaussmix
