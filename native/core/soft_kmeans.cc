#include "soft_kmeans.h"

#include <cmath>

#include "errors.h"
#include "mixture.h"
#include "rng.h"

namespace gaussmix {

namespace {

// One E-step of soft K-means: equal log-priors, sums about 0 (no covariances to update);
// fingerprinted as EStep::prepare says (a fit's own E-steps are not).
MixtureStatistics softKMeansStatistics(EStep& estep, const Data& data, const MixtureParams& params,
                                       bool fingerprinted) {
  StatisticsShape shape;
  shape.type = CovarianceType::Spherical;
  shape.k = params.k;
  shape.d = params.d;
  shape.scatter = false;
  estep.prepare(params, params.weights.array().log(), fingerprinted);
  return estep.statistics(data, shape);
}

}  // namespace

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

RowMatrix softKMeansMeans(const Moments& moments, const RowMatrix& previous) {
  // μ_k = Σ r x / Σ r. A cluster whose responsibilities all underflowed (large β, far from
  // every point) keeps its centre instead of becoming 0/0.
  RowMatrix means = previous;
  for (Index c = 0; c < means.rows(); ++c) {
    if (moments.nk[c] > 0.0) means.row(c) = moments.sx.row(c) / moments.nk[c];
  }
  return means;
}

MixtureStatistics softKMeansStatistics(const Data& data, const MixtureParams& params,
                                       unsigned threads, const std::atomic<bool>* cancel) {
  ThreadPool pool(threadsFor(data.blocks(), threads), cancel);
  EStep estep(CovarianceType::Spherical, params.k, params.d, false, pool);
  return softKMeansStatistics(estep, data, params, true);
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
  double totalWeight = 0.0;
  for (Index i = 0; i < data.n; ++i) totalWeight += data.weight(i);
  if (!(totalWeight > 0.0)) throw invalidArgument("sampleWeight sums to zero");
  EStep estep(CovarianceType::Spherical, options.k, data.d, false, pool);

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
  variant.expectation = [&](const MixtureParams& params, Moments& moments) {
    roundedMoments(softKMeansStatistics(estep, data, params, false), moments);
  };
  variant.maximise = [&](const Moments& moments, MixtureParams& params) {
    params.means = softKMeansMeans(moments, params.means);
  };
  variant.converged = [&](double, const RowMatrix& before, const MixtureParams& after) {
    return (after.means - before).cwiseAbs().maxCoeff() < options.tol;
  };
  variant.notFinite = [&](const MixtureParams& params) {
    return nonFiniteLikelihood(data, params, threads,
                               "To fix it, standardise the features or use a smaller stiffness.");
  };
  MixtureFit fit = runEm(variant, control);
  // One more E-step, under the final means, for each cluster's share of the data.
  const Moments moments = roundedMoments(softKMeansStatistics(estep, data, fit.params, false));
  fit.params.weights = moments.nk / moments.weight;
  return fit;
}

}  // namespace gaussmix
