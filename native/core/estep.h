// The E-step of every mixture-like model, on one chunk kernel: the log-densities of a chunk of
// rows (density.h), plus a log-prior per component, normalised by log-sum-exp into
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
#include "density.h"
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
  // A uniform noise component of density 1/V (weights then has K + 1 entries): log V.
  bool noise = false;
  double logHypervolume = 0.0;
  // The iterative M-steps' inner state (covariance.h), carried from one M-step to the next
  // with the parameters; empty: the next M-step starts cold.
  std::vector<double> mstepState;

  // A variational fit's posterior (bayesian.h; never with noise): its E-step's log-priors come
  // from it.
  std::optional<VariationalPosterior> posterior;

  // The log-priors of an E-step, the one place they are made: a variational posterior's
  // expectations (variational.h variationalLogPriors), else log π_k, and log π_0 − log V for
  // the noise component.
  Vector logPriors() const;
};

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
  // fingerprinted: the statistics of the next passes carry the model's fingerprint (those that
  // may be merged with others or serialised must; a fit's own E-steps skip hashing the model).
  void prepare(const MixtureParams& params, const Vector& logPriors, bool fingerprinted = true);
  const DensityKernel& kernel() const { return *kernel_; }

  // Statistics of data's rows under the prepared model. With shape.scatter the sums are taken
  // about the means (the one-pass scatter); without, about 0 (Σ w r x, soft K-means).
  MixtureStatistics statistics(const Data& data, const StatisticsShape& shape);
  // The same into total, its storage reused (a fit's E-steps, one after another).
  void statistics(const Data& data, const StatisticsShape& shape, MixtureStatistics& total);
  // The per-row outputs under the prepared model.
  void evaluate(const Data& data, const RowOutputs& out);

  // Statistics of given responsibilities (N x C, row-major, already multiplied by the sample
  // weights; C = K, or K + 1 with the noise column last) about centre (K x D): the first pass
  // of an initialisation (centre 0, no scatter: Σ w r x) or its second (the means, with the
  // scatter).
  MixtureStatistics statisticsOfResponsibilities(const Data& data, const double* resp,
                                                 const RowMatrix& centre, bool scatter);
  // The same for hard responsibilities: row i is all in column labels[i] (in [0, C); −1: in
  // none), with its sample weight. No N x C matrix, and a row's work is one component's: the
  // starts from labels (K-means, k-means++, hc) at O(N·D) instead of O(N·C·D). Σ w x is
  // taken in responsibilityProducts' two chains (up to four features, the bits of
  // statisticsOfResponsibilities on those responsibilities), the scatter in row order (the
  // same bits for own matrices of up to four features).
  MixtureStatistics statisticsOfLabels(const Data& data, const std::int32_t* labels,
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
  std::unique_ptr<DensityKernel> kernel_;
  Vector logPriors_;
  RowMatrix means_;
  std::uint64_t fingerprint_ = 0;
  std::vector<Scratch> scratch_;
};

// A row whose log-densities are all −∞ (every squared Mahalanobis term overflowed): p(k | x)
// from the log-densities relative to one another (density.h farLogDensities), i.e. their
// limit as the terms grow. Writes that row of p (K, then 0 for a noise component) and returns
// its most likely component.
Index farRowResponsibilities(const DensityKernel& kernel, const double* x,
                             const Vector& logPriors, double* p);

}  // namespace gaussmix
