#include "em.h"

#include <cmath>
#include <string>
#include <utility>

namespace gaussmix {

MixtureFit runEm(const EmVariant& variant, const Control& control) {
  MixtureFit best;
  bool haveBest = false;
  for (int restart = 0; restart < variant.nInit; ++restart) {
    control.throwIfCancelled();
    MixtureFit fit;
    fit.params = variant.initialise(restart);
    fit.lowerBound = variant.previousObjective;
    bool stopped = false;
    double previousTotal = 0.0;
    Moments moments;
    RowMatrix meansBefore;
    for (int iter = 1; iter <= variant.maxIter; ++iter) {
      control.throwIfCancelled();
      const double previous = fit.lowerBound;
      variant.expectation(fit.params, moments);
      fit.lowerBound = meanLogLikelihood(moments);
      if (!std::isfinite(fit.lowerBound)) {
        if (variant.notFinite) throw variant.notFinite(fit.params);
        throw Error(ErrorKind::IllConditioned,
                    "the log-likelihood is not finite: the data or the starting parameters give "
                    "some samples zero density. Standardise the features or increase regCovar.");
      }
      if (variant.convergedAfterExpectation) {
        // The previous total: the last E-step's (the first: the previous objective's total).
        if (iter == 1) previousTotal = variant.previousObjective * moments.weight;
        fit.nIter = iter;
        stopped = !control.report(IterationInfo{restart, iter, fit.lowerBound, fit.lowerBound - previous});
        if (variant.convergedAfterExpectation(moments.logLikelihood, previousTotal)) {
          fit.converged = true;
          break;
        }
        previousTotal = moments.logLikelihood;
        if (stopped || iter == variant.maxIter) break;
        variant.maximise(moments, fit.params);
        continue;
      }
      meansBefore = fit.params.means;
      variant.maximise(moments, fit.params);
      if (variant.objective) {
        fit.lowerBound = variant.objective(moments, fit.params);
        if (!std::isfinite(fit.lowerBound)) {
          throw Error(ErrorKind::IllConditioned,
                      "the objective is not finite after the M-step of iteration " +
                          std::to_string(iter) + ". Standardise the features or increase regCovar.");
        }
      }
      fit.nIter = iter;
      const double change = fit.lowerBound - previous;
      IterationInfo info{restart, iter, fit.lowerBound, change};
      if (variant.takeReseeds) info.reseeds = variant.takeReseeds();
      stopped = !control.report(info);
      if (variant.converged(change, meansBefore, fit.params)) {
        fit.converged = true;
        break;
      }
      if (stopped) break;
    }
    if (!haveBest || fit.lowerBound > best.lowerBound) {
      best = std::move(fit);
      haveBest = true;
    }
    if (stopped) break;
  }
  return best;
}

}  // namespace gaussmix
