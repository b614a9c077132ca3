#include "mixture.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "errors.h"
#include "kmeans.h"
#include "parallel.h"
#include "rng.h"

namespace gaussmix {
namespace {

// scikit-learn adds 10·eps to every component's weight sum so that an empty component does not
// divide by zero; we do the same so that results agree.
constexpr double kWeightFloor = 10.0 * std::numeric_limits<double>::epsilon();

// What an E-step accumulates besides the responsibilities (the first pass of the M-step).
struct Moments {
  double logLikelihood = 0.0;  // Σ_n w_n log p(x_n)
  Vector nk;                   // Σ_n w_n r_nk
  RowMatrix sx;                // Σ_n w_n r_nk x_n (K x D)

  void reset(Index k, Index d) {
    logLikelihood = 0.0;
    nk.setZero(k);
    sx.setZero(k, d);
  }
  void add(const Moments& other) {
    logLikelihood += other.logLikelihood;
    nk += other.nk;
    sx += other.sx;
  }
};

struct WorkerScratch {
  Workspace kernel;
  RowMatrix logp;  // rows x K
  Moments moments;
  std::vector<double> scatter;
};

// log Σ_k exp(v_k) of one row, and v_k − that (in place). Returns −∞ for an all −∞ row.
double logSumExpInPlace(double* v, Index k) {
  double top = v[0];
  for (Index j = 1; j < k; ++j) top = std::max(top, v[j]);
  if (top == -std::numeric_limits<double>::infinity()) return top;
  double sum = 0.0;
  for (Index j = 0; j < k; ++j) sum += std::exp(v[j] - top);
  const double norm = top + std::log(sum);
  for (Index j = 0; j < k; ++j) v[j] -= norm;
  return norm;
}

Vector logOf(const Vector& weights) { return weights.array().log(); }

// The EM engine over one data set: responsibilities (N x K, already multiplied by the sample
// weights), the covariance policy, and per-thread scratch. Passes are fixed-block, ordered.
class Engine {
 public:
  Engine(const Data& data, Index k, CovarianceType type, ThreadPool& pool)
      : data_(data), k_(k), pool_(pool), covariance_(Covariance::make(type, k, data.d)),
        resp_(data.n, k), scratch_(pool.size()) {
    std::vector<double> partial(pool.size());
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned w) {
          double sum = 0.0;
          for (Index i = data_.blockBegin(b); i < data_.blockBegin(b) + data_.blockSize(b); ++i) {
            sum += data_.weight(i);
          }
          partial[w] = sum;
        },
        [&](Index, unsigned w) { totalWeight_ += partial[w]; });
  }

  Covariance& covariance() { return *covariance_; }
  RowMatrix& responsibilities() { return resp_; }
  double totalWeight() const { return totalWeight_; }

  // E-step under params: resp = w·p(k | x), and the moments of the new responsibilities.
  Moments expectation(const MixtureParams& params) {
    covariance_->prepare(params.means, params.precisionsCholesky.data());
    const Vector logWeights = logOf(params.weights);
    return accumulate([&](Index b, WorkerScratch& s) {
      const Index begin = data_.blockBegin(b);
      const Index rows = data_.blockSize(b);
      s.logp.resize(rows, k_);
      covariance_->logGaussian(data_.block(b), s.logp.data(), s.kernel);
      for (Index i = 0; i < rows; ++i) {
        double* v = s.logp.row(i).data();
        for (Index j = 0; j < k_; ++j) v[j] += logWeights[j];
        const double norm = logSumExpInPlace(v, k_);
        const double weight = data_.weight(begin + i);
        for (Index j = 0; j < k_; ++j) resp_(begin + i, j) = weight * std::exp(v[j]);
        if (weight > 0.0) s.moments.logLikelihood += weight * norm;
      }
    });
  }

  // The moments of responsibilities set by an initialisation.
  Moments momentsOfResponsibilities() {
    return accumulate([](Index, WorkerScratch&) {});
  }

  // M-step from the moments and resp: weights, means, covariances (+ regCovar), U.
  // Weights are nk / Σ nk, or nk / Σ w at initialisation (as scikit-learn).
  void maximization(const Moments& moments, double regCovar, bool initialising,
                    MixtureParams& params) {
    const Vector nk = moments.nk.array() + kWeightFloor;
    params.means = moments.sx.array().colwise() / nk.array();
    params.weights = nk / (initialising ? totalWeight_ : nk.sum());

    // Second pass, centred on the new means (two-pass: no loss of precision far from 0).
    const Index size = covariance_->size();
    std::vector<double> scatter(static_cast<size_t>(size), 0.0);
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned w) {
          WorkerScratch& s = scratch_[w];
          s.scatter.assign(static_cast<size_t>(size), 0.0);
          covariance_->accumulateScatter(data_.block(b), resp_.row(data_.blockBegin(b)).data(),
                                         params.means, s.scatter.data(), s.kernel);
        },
        [&](Index, unsigned w) {
          const std::vector<double>& partial = scratch_[w].scatter;
          for (Index i = 0; i < size; ++i) scatter[i] += partial[i];
        });
    params.covariances.resize(static_cast<size_t>(size));
    params.precisionsCholesky.resize(static_cast<size_t>(size));
    covariance_->finishCovariance(scatter.data(), nk, regCovar, params.covariances.data());
    covariance_->precisionCholeskyFromCovariance(params.covariances.data(),
                                                 params.precisionsCholesky.data());
  }

 private:
  // Runs perBlock (which may fill resp rows) then adds the block's nk and Σ r·x, folding the
  // per-block moments in block order.
  template <class PerBlock>
  Moments accumulate(PerBlock perBlock) {
    Moments total;
    total.reset(k_, data_.d);
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned w) {
          WorkerScratch& s = scratch_[w];
          s.moments.reset(k_, data_.d);
          perBlock(b, s);
          const auto r = resp_.middleRows(data_.blockBegin(b), data_.blockSize(b));
          s.moments.nk = r.colwise().sum().transpose();
          s.moments.sx.noalias() = r.transpose() * data_.block(b);
        },
        [&](Index, unsigned w) { total.add(scratch_[w].moments); });
    return total;
  }

  const Data& data_;
  Index k_;
  ThreadPool& pool_;
  std::unique_ptr<Covariance> covariance_;
  RowMatrix resp_;
  std::vector<WorkerScratch> scratch_;
  double totalWeight_ = 0.0;
};

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
    engine.maximization(engine.momentsOfResponsibilities(), options.regCovar, true, params);
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

MixtureFit fitMixture(const Data& data, const MixtureOptions& options, unsigned threads,
                      const Control& control) {
  checkShape(data, options.k);
  ThreadPool pool(threadsFor(data.blocks(), threads), control.cancel);
  Engine engine(data, options.k, options.type, pool);
  if (!(engine.totalWeight() > 0.0)) throw invalidArgument("sampleWeight sums to zero");

  MixtureFit best;
  bool haveBest = false;
  for (int restart = 0; restart < options.nInit; ++restart) {
    control.throwIfCancelled();
    MixtureFit fit;
    fit.params = initialise(engine, data, options, restart, pool, control);
    fit.lowerBound = options.previousLowerBound;
    bool stopped = false;
    for (int iter = 1; iter <= options.maxIter; ++iter) {
      control.throwIfCancelled();
      const double previous = fit.lowerBound;
      const Moments moments = engine.expectation(fit.params);
      fit.lowerBound = moments.logLikelihood / engine.totalWeight();
      if (!std::isfinite(fit.lowerBound)) {
        throw Error(ErrorKind::IllConditioned,
                    "the log-likelihood is not finite: the data or the starting parameters give "
                    "some samples zero density. Standardise the features or increase regCovar.");
      }
      engine.maximization(moments, options.regCovar, false, fit.params);
      fit.nIter = iter;
      const double change = fit.lowerBound - previous;
      stopped = !control.report({restart, iter, fit.lowerBound, change});
      if (std::abs(change) < options.tol) {
        fit.converged = true;
        break;
      }
      if (stopped) break;
    }
    // The first restart is always kept; a later one only if strictly better (scikit-learn).
    if (!haveBest || fit.lowerBound > best.lowerBound) {
      best = std::move(fit);
      haveBest = true;
    }
    if (stopped) break;
  }
  return best;
}

void evaluateMixture(const Data& data, const MixtureParams& params, unsigned threads,
                     double* logProb, double* resp, std::int32_t* labels) {
  const Index k = params.k;
  ThreadPool pool(threadsFor(data.blocks(), threads), nullptr);
  std::unique_ptr<Covariance> covariance = Covariance::make(params.type, k, params.d);
  covariance->prepare(params.means, params.precisionsCholesky.data());
  const Vector logWeights = logOf(params.weights);
  std::vector<WorkerScratch> scratch(pool.size());
  pool.forEach(data.blocks(), [&](Index b, unsigned w) {
    WorkerScratch& s = scratch[w];
    const Index begin = data.blockBegin(b);
    const Index rows = data.blockSize(b);
    s.logp.resize(rows, k);
    covariance->logGaussian(data.block(b), s.logp.data(), s.kernel);
    for (Index i = 0; i < rows; ++i) {
      double* v = s.logp.row(i).data();
      for (Index j = 0; j < k; ++j) v[j] += logWeights[j];
      if (labels) {
        Index best = 0;
        for (Index j = 1; j < k; ++j) best = v[j] > v[best] ? j : best;
        labels[begin + i] = static_cast<std::int32_t>(best);
      }
      const double norm = logSumExpInPlace(v, k);
      if (logProb) logProb[begin + i] = norm;
      if (resp) {
        for (Index j = 0; j < k; ++j) resp[(begin + i) * k + j] = std::exp(v[j]);
      }
    }
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
