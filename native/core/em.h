// The one EM iteration driver shared by every mixture-like estimator (Gaussian mixtures of each
// covariance type, Gaussian K-means, soft K-means, variational Bayesian mixtures): restarts,
// E-step (statistics of every row, estep.h), M-step, report, stop. Variants supply their
// initialisation, their E-step model (log-priors), their M-step, their objective and their
// stopping rule; the E-step's statistics are the only thing an M-step reads, so streamed and
// distributed fits (which sum the same statistics chunk by chunk) run the same M-steps.
#pragma once

#include <functional>
#include <limits>
#include <vector>

#include "control.h"
#include "errors.h"
#include "estep.h"
#include "statistics.h"
#include "types.h"

namespace gaussmix {

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
  // The objective of the last iteration: the variant's, else the last E-step's mean
  // log-likelihood per unit of sample weight.
  double lowerBound = -std::numeric_limits<double>::infinity();
  // Every re-seed of every restart, in the order they happened (empty unless enabled).
  std::vector<ReseedEvent> reseeds;
};

// One EM variant: how a restart starts, the E-step, the M-step, and the stopping rule.
struct EmVariant {
  std::function<MixtureParams(int restart)> initialise;
  // The statistics of every row under params, rounded, into the moments given (their storage
  // is reused from one iteration to the next).
  std::function<void(const MixtureParams&, Moments&)> expectation;
  std::function<void(const Moments&, MixtureParams&)> maximise;
  // The objective of an iteration from its E-step's moments and the parameters its M-step
  // made (variational fits: the evidence lower bound, as scikit-learn's _compute_lower_bound
  // after _m_step); absent: the E-step's mean log-likelihood, taken before the M-step.
  std::function<double(const Moments&, const MixtureParams& after)> objective;
  // After an iteration: the change of the objective and the means before the M-step.
  std::function<bool(double change, const RowMatrix& meansBefore, const MixtureParams& after)>
      converged;
  // Instead of `converged`, mclust's me(): the rule is checked after the E-step, on its total
  // log-likelihood and the previous one, and the parameters that E-step used are kept (the
  // last iteration has no M-step; so has one that stops at maxIter or onIteration).
  std::function<bool(double logLikelihood, double previousLogLikelihood)> convergedAfterExpectation;
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

// The objective of an E-step: the mean log-likelihood per unit of sample weight.
inline double meanLogLikelihood(const Moments& m) { return m.logLikelihood / m.weight; }

// The best restart by objective is kept (the first always, a later one only if strictly better).
MixtureFit runEm(const EmVariant& variant, const Control& control);

}  // namespace gaussmix
