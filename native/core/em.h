// The EM engine shared by every mixture-like estimator (Gaussian mixtures of each covariance
// type, Gaussian K-means, soft K-means): responsibilities by log-sum-exp over fixed row blocks,
// the first M-step moments fused into the E-step, covariances from a scatter taken in that
// same pass about the E-step's means and moved to the new ones (initialisations, whose
// responsibilities are given, take it by a second, centred pass), and the one iteration
// driver with convergence control and restarts. Variants supply only their initialisation,
// M-step and stopping rule.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "control.h"
#include "covariance.h"
#include "errors.h"
#include "memory.h"
#include "parallel.h"
#include "types.h"

namespace gaussmix {

struct MixtureParams {
  CovarianceType type = CovarianceType::Full;
  Index k = 0;
  Index d = 0;
  Vector weights;                          // K
  RowMatrix means;                         // K x D
  std::vector<double> covariances;         // covariance.h's layout for the type
  std::vector<double> precisionsCholesky;  // same layout
};

// A collapsed component re-seeded during a fit (MixtureOptions::onCollapse = Reseed).
struct ReseedEvent {
  int init;         // restart index, from 0
  int iter;         // the iteration whose M-step re-seeded it (0: the initialisation)
  Index component;  // the component re-seeded
  Index row;        // the sample its mean was set to
};

struct MixtureFit {
  MixtureParams params;
  bool converged = false;
  int nIter = 0;
  // The objective of the last E-step (GMM: mean log-likelihood per unit of sample weight).
  double lowerBound = -std::numeric_limits<double>::infinity();
  // Every re-seed of every restart, in the order they happened (empty unless enabled).
  std::vector<ReseedEvent> reseeds;
};

// What an E-step accumulates besides the responsibilities (the first pass of the M-step).
struct Moments {
  double logLikelihood = 0.0;  // Σ_n w_n log p(x_n)
  Vector nk;                   // Σ_n w_n r_nk
  RowMatrix sx;                // Σ_n w_n r_nk x_n (K x D)
  // One-pass scatter (Covariance::fusesScatter, E-steps of GaussianMixture): the second
  // moments about the means of the E-step, `centre`; empty otherwise. See
  // Covariance::recentreScatter.
  std::vector<double> scatter;  // Σ_n w_n r_nk (x_n − c_k)(x_n − c_k)ᵀ, the type's layout
  RowMatrix centred;            // Σ_n w_n r_nk (x_n − c_k) (K x D)
  RowMatrix centre;             // c

  void reset(Index k, Index d, Index scatterSize = 0);
  void add(const Moments& other);
};

class Engine {
 public:
  // covariances: whether M-steps will need covariances (soft K-means does not); if the type
  // allows (Covariance::fusesScatter), E-steps then take the scatter in the same pass.
  Engine(const Data& data, Index k, CovarianceType type, ThreadPool& pool,
         bool covariances = true);
  ~Engine();

  Covariance& covariance() { return *covariance_; }
  // N x K responsibilities, already multiplied by the sample weights: set by initialisations
  // (then momentsOfResponsibilities), and by E-steps that do not fuse the scatter. Allocated
  // on first use.
  RowMap responsibilities();
  double totalWeight() const { return totalWeight_; }
  ThreadPool& pool() { return pool_; }

  // E-step under params: resp = w·p(k | x), and the moments of the new responsibilities.
  Moments expectation(const MixtureParams& params);
  // The moments of responsibilities set directly (initialisations).
  Moments momentsOfResponsibilities();
  // Covariances (+ regCovar) and their U about params.means: from the E-step's scatter when
  // it has one (moved to the new means), or by a second pass over the responsibilities.
  void updateCovariances(const Moments& moments, const Vector& nk, double regCovar,
                         MixtureParams& params);

 private:
  struct Scratch;
  void expectationChunk(Index begin, Index rows, const Vector& weights,
                        const Vector& logWeights, Scratch& s);

  const Data& data_;
  Index k_;
  bool fused_;  // E-steps take the scatter (and write no responsibilities)
  ThreadPool& pool_;
  std::unique_ptr<Covariance> covariance_;
  LargeVector<double> respStorage_;  // N x K, row-major (see responsibilities())
  std::vector<Scratch> scratch_;
  double totalWeight_ = 0.0;
};

// Row-wise log-sum-exp: on return logp holds p = exp(v − log Σ_k exp v_k) per row and norm
// the log Σ_k exp v_k (−∞ for a row that is −∞ throughout; its p are then 0), with the fit's
// E-step arithmetic (its exp and log, sums in component order, one division per row); p below
// the smallest normal double is 0.
void normaliseRows(RowMatrix& logp, Vector& norm);

// A row whose log-densities are all −∞ (every squared Mahalanobis term overflowed): p(k | x)
// from the log-densities relative to one another (covariance.h farLogDensities), i.e. their
// limit as the terms grow. Writes that row of p (K) and returns its most likely component.
Index farRowResponsibilities(const Covariance& covariance, const double* x, const Vector& weights,
                             double* p);
// Applies farRowResponsibilities to the rows of p (after normaliseRows) whose norm is −∞.
void resolveFarRows(const Covariance& covariance, const ConstRowMap& xb, const Vector& weights,
                    const Vector& norm, RowMatrix& p);

// One EM variant: how a restart starts, the M-step, and the stopping rule.
struct EmVariant {
  std::function<MixtureParams(int restart)> initialise;
  std::function<void(const Moments&, MixtureParams&)> maximise;
  // After an iteration: the change of the objective and the means before the M-step.
  std::function<bool(double change, const RowMatrix& meansBefore, const MixtureParams& after)>
      converged;
  // The error for an E-step whose objective is not finite (names a component and says what
  // the variant's users can change); absent: a generic IllConditioned error.
  std::function<Error(const MixtureParams&)> notFinite;
  // The re-seeds since the last call, for the iteration report (absent: none).
  std::function<int()> takeReseeds;
  int nInit = 1;
  int maxIter = 100;
  // Where the first change is measured from (−∞, or the previous fit's for a warm start).
  double previousObjective = -std::numeric_limits<double>::infinity();
};

// The one iteration driver: restarts, E-step, M-step, report, stop; the best restart by
// objective is kept (the first always, a later one only if strictly better).
MixtureFit runEm(Engine& engine, const EmVariant& variant, const Control& control);

}  // namespace gaussmix
