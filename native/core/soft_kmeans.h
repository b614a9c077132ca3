// MacKay's soft K-means: r_nk ∝ exp(−β·½‖x_n − μ_k‖²), μ_k = Σ_n r_nk x_n / Σ_n r_nk.
// That is EM for an equal-weight mixture of spherical Gaussians with fixed variance 1/β, so it
// runs on the EM engine with a means-only M-step; its objective is that mixture's mean
// log-likelihood, which EM never decreases.
#pragma once

#include <cstdint>

#include "control.h"
#include "em.h"
#include "statistics.h"
#include "kmeans.h"

namespace gaussmix {

struct SoftKMeansOptions {
  Index k = 8;
  double stiffness = 1.0;  // β > 0
  double tol = 1e-6;       // converged when max |Δμ| < tol (strict)
  int maxIter = 100;
  int nInit = 1;
  std::uint64_t seed = 0;
  KMeansInit init = KMeansInit::KMeansPlusPlus;
  const double* centersInit = nullptr;  // K x D, for KMeansInit::Given
};

// params: the means, spherical covariances 1/β, and as weights the clusters' shares of the
// responsibilities under the final means (Σ_n w_n r_nk / Σ_n w_n). The responsibilities
// themselves are those of softKMeansParams (equal weights 1/K).
MixtureFit fitSoftKMeans(const Data& data, const SoftKMeansOptions& options, unsigned threads,
                         const Control& control);

// The statistics of one soft K-means E-step of data's rows under params (softKMeansParams): the
// sums are about 0 (no scatter). cancel (nullable) is polled per row block.
MixtureStatistics softKMeansStatistics(const Data& data, const MixtureParams& params,
                                       unsigned threads, const std::atomic<bool>* cancel);
// The M-step: μ_k = Σ r x / Σ r; a cluster with Σ r = 0 keeps its previous centre.
RowMatrix softKMeansMeans(const Moments& moments, const RowMatrix& previous);

// The equal-weight spherical mixture that soft K-means with these centres and β is EM for.
MixtureParams softKMeansParams(const RowMatrix& means, double stiffness);

}  // namespace gaussmix
