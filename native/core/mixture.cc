#include "mixture.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "errors.h"
#include "kmeans.h"
#include "rng.h"

namespace gaussmix {
namespace {

// scikit-learn adds 10·eps to every component's weight sum so that an empty component does not
// divide by zero; we do the same so that results agree.
constexpr double kWeightFloor = 10.0 * std::numeric_limits<double>::epsilon();

// M-step from the moments: weights, means, then the covariances in a second pass.
// Weights are nk / Σ nk, or nk / Σ w at initialisation (as scikit-learn).
void maximise(Engine& engine, const Moments& moments, double regCovar, bool initialising,
              MixtureParams& params) {
  const Vector nk = moments.nk.array() + kWeightFloor;
  params.means = moments.sx.array().colwise() / nk.array();
  params.weights = nk / (initialising ? engine.totalWeight() : nk.sum());
  engine.updateCovariances(moments, nk, regCovar, params);
}

// Responsibilities from the chosen initialisation, then one M-step; user-given parameters
// override the result piece by piece, exactly as scikit-learn's _initialize.
MixtureParams initialise(Engine& engine, const Data& data, const MixtureOptions& options,
                         int restart, ThreadPool& pool, const Control& control) {
  const Index k = options.k;
  const Index d = data.d;
  Covariance& covariance = engine.covariance();
  MixtureParams params;
  params.type = options.type;
  params.k = k;
  params.d = d;
  const bool allGiven = options.weightsInit && options.meansInit &&
                        (options.covariancesInit || options.precisionsInit);
  if (!allGiven) {
    Rng rng(options.seed, static_cast<std::uint64_t>(restart));
    RowMatrix& resp = engine.responsibilities();
    resp.setZero();
    switch (options.init) {
      case MixtureInit::KMeans: {
        KMeansOptions kmeans;
        kmeans.k = k;
        kmeans.seed = rng.next();
        const Control cancelOnly{control.cancel, nullptr};
        const KMeansFit fit = fitKMeans(data, kmeans, pool, cancelOnly);
        for (Index i = 0; i < data.n; ++i) resp(i, fit.labels[i]) = data.weight(i);
        break;
      }
      case MixtureInit::Random:
        for (Index i = 0; i < data.n; ++i) {
          double sum = 0.0;
          for (Index j = 0; j < k; ++j) sum += resp(i, j) = rng.uniform();
          resp.row(i) *= data.weight(i) / sum;
        }
        break;
      case MixtureInit::RandomFromData:
      case MixtureInit::KMeansPlusPlus: {
        const std::vector<Index> chosen = options.init == MixtureInit::RandomFromData
                                              ? randomIndices(data, k, rng)
                                              : kmeansPlusPlusIndices(data, k, rng, pool);
        for (Index j = 0; j < k; ++j) resp(chosen[j], j) = data.weight(chosen[j]);
        break;
      }
    }
    maximise(engine, engine.momentsOfResponsibilities(), options.regCovar, true, params);
  }
  if (options.weightsInit) params.weights = ConstVectorMap(options.weightsInit, k);
  if (options.meansInit) params.means = ConstRowMap(options.meansInit, k, d);
  const Index size = covariance.size();
  if (options.covariancesInit) {
    params.covariances.assign(options.covariancesInit, options.covariancesInit + size);
    params.precisionsCholesky.resize(static_cast<size_t>(size));
    covariance.precisionCholeskyFromCovariance(params.covariances.data(),
                                               params.precisionsCholesky.data());
  } else if (options.precisionsInit) {
    params.precisionsCholesky.resize(static_cast<size_t>(size));
    params.covariances.resize(static_cast<size_t>(size));
    covariance.precisionCholeskyFromPrecision(options.precisionsInit,
                                              params.precisionsCholesky.data());
    covariance.covarianceFromPrecisionCholesky(params.precisionsCholesky.data(),
                                               params.covariances.data());
  }
  return params;
}

void checkShape(const Data& data, Index k) {
  if (data.n < 1 || data.d < 1) throw invalidArgument("X must have at least one row and column");
  if (k < 1) throw invalidArgument("nComponents must be at least 1");
  if (k > data.n) throw invalidArgument("nComponents exceeds the number of samples");
}

}  // namespace

MixtureFit fitMixture(const Data& input, const MixtureOptions& options, unsigned threads,
                      const Control& control) {
  const Data data = blocked(input);
  checkShape(data, options.k);
  ThreadPool pool(threadsFor(data.blocks(), threads), control.cancel);
  Engine engine(data, options.k, options.type, pool);
  if (!(engine.totalWeight() > 0.0)) throw invalidArgument("sampleWeight sums to zero");

  EmVariant variant;
  variant.nInit = options.nInit;
  variant.maxIter = options.maxIter;
  variant.previousObjective = options.previousLowerBound;
  variant.initialise = [&](int restart) {
    return initialise(engine, data, options, restart, engine.pool(), control);
  };
  variant.maximise = [&](const Moments& moments, MixtureParams& params) {
    maximise(engine, moments, options.regCovar, false, params);
  };
  variant.converged = [&](double change, const RowMatrix&, const MixtureParams&) {
    return std::abs(change) < options.tol;
  };
  return runEm(engine, variant, control);
}

void evaluateMixture(const Data& input, const MixtureParams& params, unsigned threads,
                     double* logProb, double* resp, std::int32_t* labels) {
  const Data data = blocked(input);
  const Index k = params.k;
  ThreadPool pool(threadsFor(data.blocks(), threads), nullptr);
  std::unique_ptr<Covariance> covariance = Covariance::make(params.type, k, params.d);
  covariance->prepare(params.means, params.precisionsCholesky.data());
  const Vector logWeights = params.weights.array().log();
  struct Scratch {
    Workspace kernel;
    RowMatrix logp;
    Vector norm;
    Vector far;  // K: p(k | x) of a row far from every component
  };
  std::vector<Scratch> scratch(pool.size());
  pool.forEach(data.blocks(), [&](Index b, unsigned w) {
    Scratch& s = scratch[w];
    const Index begin = data.blockBegin(b);
    const Index rows = data.blockSize(b);
    s.logp.resize(rows, k);
    covariance->logGaussian(data.block(b), s.logp.data(), s.kernel);
    s.logp.rowwise() += logWeights.transpose();
    if (labels) {
      s.far.resize(k);
      for (Index i = 0; i < rows; ++i) {
        const double* v = s.logp.row(i).data();
        Index best = 0;
        for (Index j = 1; j < k; ++j) best = v[j] > v[best] ? j : best;
        if (v[best] == -std::numeric_limits<double>::infinity()) {
          best = farRowResponsibilities(*covariance, data.block(b).row(i).data(), params.weights,
                                        s.far.data());
        }
        labels[begin + i] = static_cast<std::int32_t>(best);
      }
    }
    if (!logProb && !resp) return;
    normaliseRows(s.logp, s.norm);
    if (resp) resolveFarRows(*covariance, data.block(b), params.weights, s.norm, s.logp);
    if (logProb) Eigen::Map<Vector>(logProb + begin, rows) = s.norm;
    if (resp) RowMap(resp + begin * k, rows, k) = s.logp;
  });
}

void sampleMixture(const MixtureParams& params, Index n, std::uint64_t seed, double* x,
                   std::int32_t* labels) {
  const Index k = params.k;
  const Index d = params.d;
  std::unique_ptr<Covariance> covariance = Covariance::make(params.type, k, d);
  // Component counts: one categorical draw per sample (a multinomial), then grouped.
  Rng choose(seed, 0);
  Rng gauss(seed, 1);
  const double total = params.weights.sum();
  std::vector<Index> counts(static_cast<size_t>(k), 0);
  for (Index i = 0; i < n; ++i) {
    const double target = choose.uniform() * total;
    double cumulative = 0.0;
    Index j = 0;
    for (; j < k - 1; ++j) {
      cumulative += params.weights[j];
      if (target < cumulative) break;
    }
    ++counts[j];
  }
  Index row = 0;
  for (Index j = 0; j < k; ++j) {
    if (counts[j] == 0) continue;  // an empty solve binds a reference to null data (UBSan)
    RowMatrix z(counts[j], d);
    for (Index i = 0; i < z.rows(); ++i) {
      for (Index c = 0; c < d; ++c) z(i, c) = gauss.normal();
    }
    covariance->colour(j, params.precisionsCholesky.data(), z);
    RowMap(x + row * d, counts[j], d) = z.rowwise() + params.means.row(j);
    std::fill(labels + row, labels + row + counts[j], static_cast<std::int32_t>(j));
    row += counts[j];
  }
}

}  // namespace gaussmix
