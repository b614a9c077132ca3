// Gaussian mixtures fitted by EM (em.h), every covariance type (covariance.h).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "control.h"
#include "covariance.h"
#include "em.h"
#include "types.h"

namespace gaussmix {

enum class MixtureInit { KMeans, KMeansPlusPlus, Random, RandomFromData };

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
  // Warm start: the first change is measured from this lower bound.
  double previousLowerBound = -std::numeric_limits<double>::infinity();
};

MixtureFit fitMixture(const Data& data, const MixtureOptions& options, unsigned threads,
                      const Control& control);

// For each row (each output nullable): logProb = log p(x), resp = p(k | x) (N x K),
// labels = argmax_k of the weighted log-density (ties to the lowest k).
void evaluateMixture(const Data& data, const MixtureParams& params, unsigned threads,
                     double* logProb, double* resp, std::int32_t* labels);

// n draws grouped by component in increasing order (x: n x D, labels: n).
void sampleMixture(const MixtureParams& params, Index n, std::uint64_t seed, double* x,
                   std::int32_t* labels);

}  // namespace gaussmix
