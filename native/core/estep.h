// The E-step of every mixture-like model, on one chunk kernel: the log-densities of a chunk of
// rows (covariance.h), plus a log-prior per component, normalised by log-sum-exp into
// responsibilities; then either summed into statistics (statistics.h: fits, streamed and
// distributed fits) or written out per row (predict, predictProba, scoreSamples). Fits and
// predictions run the same arithmetic, so predictProba on the training rows repeats the fit's
// last E-step bit for bit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "covariance.h"
#include "parallel.h"
#include "posterior.h"
#include "statistics.h"
#include "types.h"

namespace gaussmix {

struct MixtureParams {
  CovarianceType type = CovarianceType::Full;
  Index k = 0;
  Index d = 0;
  Vector weights;                          // K (K + 1 with a noise component, its share last)
  RowMatrix means;                         // K x D
  std::vector<double> covariances;         // covariance.h's layout for the type
  std::vector<double> precisionsCholesky;  // same layout
  // A variational fit's posterior (bayesian.h): its E-step's log-priors come from it.
  std::optional<VariationalPosterior> posterior;
};

// The log-priors of an E-step under params: log π_k, or a variational posterior's expectations
// (variational.h variationalLogPriors).
Vector mixtureLogPriors(const MixtureParams& params);

// Per-row outputs of EStep::evaluate; each nullable.
struct RowOutputs {
  double* logProb = nullptr;      // N: log Σ_k exp(log-prior_k + log N(x | k))
  double* resp = nullptr;         // N x C: the responsibilities
  std::int32_t* labels = nullptr;  // N: argmax_k of log-prior_k + log N(x | k), ties to the lowest
};

class EStep {
 public:
  // noise: a last component of constant log-density (its log-prior carries it all).
  EStep(CovarianceType type, Index k, Index d, bool noise, ThreadPool& pool);
  ~EStep();

  // The model of the next passes: log p_k(x) = logPriors[k] + log N(x | μ_k, Σ_k) for k < K,
  // and logPriors[K] for the noise component. GaussianMixture: logPriors = log π (its noise
  // one: log π_0 − log V); variational fits add their expectations to it.
  void prepare(const MixtureParams& params, const Vector& logPriors);
  const Covariance& covariance() const { return *covariance_; }

  // Statistics of data's rows under the prepared model. With shape.scatter the sums are taken
  // about the means (the one-pass scatter); without, about 0 (Σ w r x, soft K-means).
  MixtureStatistics statistics(const Data& data, const StatisticsShape& shape);
  // The per-row outputs under the prepared model.
  void evaluate(const Data& data, const RowOutputs& out);

  // Statistics of given responsibilities (N x K, row-major, already multiplied by the sample
  // weights; no noise column) about centre (K x D): the first pass of an initialisation
  // (centre 0, no scatter: Σ w r x) or its second (the means, with the scatter).
  MixtureStatistics statisticsOfResponsibilities(const Data& data, const double* resp,
                                                 const RowMatrix& centre, bool scatter);

 private:
  struct Scratch;
  template <bool kOutput>
  void chunk(const Data& data, Index begin, Index rows, Scratch& s, const StatisticsShape* shape,
             const RowOutputs* out);

  Index k_;
  Index d_;
  bool noise_;
  ThreadPool& pool_;
  std::unique_ptr<Covariance> covariance_;
  Vector logPriors_;
  RowMatrix means_;
  std::uint64_t fingerprint_ = 0;
  std::vector<Scratch> scratch_;
};

// A row whose log-densities are all −∞ (every squared Mahalanobis term overflowed): p(k | x)
// from the log-densities relative to one another (covariance.h farLogDensities), i.e. their
// limit as the terms grow. Writes that row of p (K, then 0 for a noise component) and returns
// its most likely component.
Index farRowResponsibilities(const Covariance& covariance, const double* x,
                             const Vector& logPriors, double* p);

}  // namespace gaussmix
