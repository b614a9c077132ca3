#include "soft_kmeans.h"

#include <cmath>

#include "errors.h"
#include "mixture.h"
#include "rng.h"

namespace gaussmix {

MixtureParams softKMeansParams(const RowMatrix& means, double stiffness) {
  MixtureParams p;
  p.type = CovarianceType::Spherical;
  p.k = means.rows();
  p.d = means.cols();
  p.weights = Vector::Constant(p.k, 1.0 / static_cast<double>(p.k));
  p.means = means;
  p.covariances.assign(static_cast<size_t>(p.k), 1.0 / stiffness);
  p.precisionsCholesky.assign(static_cast<size_t>(p.k), std::sqrt(stiffness));
  return p;
}

MixtureFit fitSoftKMeans(const Data& data, const SoftKMeansOptions& options, unsigned threads,
                         const Control& control) {
  if (!(options.stiffness > 0.0) || !std::isfinite(options.stiffness)) {
    throw invalidArgument("stiffness must be a positive finite number");
  }
  if (options.k < 1 || options.k > data.n) {
    throw invalidArgument("nClusters must be between 1 and the number of samples");
  }
  ThreadPool pool(threadsFor(data.blocks(), threads), control.cancel);
  Engine engine(data, options.k, CovarianceType::Spherical, pool, false);
  if (!(engine.totalWeight() > 0.0)) throw invalidArgument("sampleWeight sums to zero");

  EmVariant variant;
  variant.nInit = options.nInit;
  variant.maxIter = options.maxIter;
  variant.initialise = [&](int restart) {
    Rng rng(options.seed, static_cast<std::uint64_t>(restart));
    RowMatrix centers(options.k, data.d);
    if (options.init == KMeansInit::Given) {
      centers = ConstRowMap(options.centersInit, options.k, data.d);
    } else {
      const std::vector<Index> rows = options.init == KMeansInit::Random
                                          ? randomIndices(data, options.k, rng)
                                          : kmeansPlusPlusIndices(data, options.k, rng, pool);
      for (Index c = 0; c < options.k; ++c) {
        centers.row(c) = ConstRowMap(data.x + rows[c] * data.d, 1, data.d);
      }
    }
    return softKMeansParams(centers, options.stiffness);
  };
  variant.maximise = [&](const Moments& moments, MixtureParams& params) {
    // μ_k = Σ r x / Σ r. A cluster whose responsibilities all underflowed (large β, far from
    // every point) keeps its centre instead of becoming 0/0.
    for (Index c = 0; c < options.k; ++c) {
      if (moments.nk[c] > 0.0) params.means.row(c) = moments.sx.row(c) / moments.nk[c];
    }
  };
  variant.converged = [&](double, const RowMatrix& before, const MixtureParams& after) {
    return (after.means - before).cwiseAbs().maxCoeff() < options.tol;
  };
  variant.notFinite = [&](const MixtureParams& params) {
    return nonFiniteLikelihood(data, params, threads,
                               "To fix it, standardise the features or use a smaller stiffness.");
  };
  MixtureFit fit = runEm(engine, variant, control);
  // One more E-step, under the final means, for each cluster's share of the data.
  const Moments moments = engine.expectation(fit.params);
  fit.params.weights = moments.nk / engine.totalWeight();
  return fit;
}

}  // namespace gaussmix
