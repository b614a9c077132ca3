#include "mixture.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "errors.h"
#include "kmeans.h"
#include "rng.h"

namespace gaussmix {
namespace {

// scikit-learn adds 10·eps to every component's weight sum so that an empty component does not
// divide by zero; we do the same so that results agree.
constexpr double kWeightFloor = 10.0 * std::numeric_limits<double>::epsilon();

StatisticsShape mixtureShape(const MixtureParams& params) {
  StatisticsShape shape;
  shape.type = params.type;
  shape.k = params.k;
  shape.d = params.d;
  // A variational fit's objective needs Σ w Σ r ln r.
  shape.entropy = params.posterior.has_value();
  return shape;
}

// One E-step of a mixture: log-priors log π, or a variational posterior's.
MixtureStatistics mixtureStatistics(EStep& estep, const Data& data, const MixtureParams& params) {
  estep.prepare(params, mixtureLogPriors(params));
  return estep.statistics(data, mixtureShape(params));
}

// The moments of given responsibilities (weighted, N x K): Σ w r x in a first pass, then the
// scatter about the means it gives in a second, so no precision is lost far from 0.
Moments momentsOfResponsibilities(EStep& estep, const Data& data, const double* resp) {
  const Moments first = roundedMoments(estep.statisticsOfResponsibilities(
      data, resp, RowMatrix::Zero(estep.covariance().components(), data.d), false));
  return roundedMoments(estep.statisticsOfResponsibilities(data, resp, startingMeans(first), true));
}

// Covariances (+ regCovar) about means: the statistics' scatter, moved from their centres to
// the means (Covariance::recentreScatter).
std::vector<double> covariancesAbout(const Covariance& covariance, const Moments& moments,
                                     const Vector& nk, const RowMatrix& means, double regCovar) {
  std::vector<double> scatter = moments.scatter;
  covariance.recentreScatter(scatter.data(), moments.centred, moments.nk, moments.centre, means);
  std::vector<double> out(static_cast<size_t>(covariance.size()));
  covariance.finishCovariance(scatter.data(), nk, regCovar, out.data());
  return out;
}

// Covariances (+ regCovar) and their U about params.means.
void updateCovariances(const Covariance& covariance, const Moments& moments, const Vector& nk,
                       double regCovar, MixtureParams& params) {
  params.covariances = covariancesAbout(covariance, moments, nk, params.means, regCovar);
  params.precisionsCholesky.resize(params.covariances.size());
  covariance.precisionCholeskyFromCovariance(params.covariances.data(),
                                             params.precisionsCholesky.data());
}

// Re-seeding collapsed components (MixtureOptions::onCollapse = Reseed).
//
// After an M-step a component has collapsed when its covariance cannot be factorised (not
// positive definite, or numerically singular) or when its weight sum is practically zero
// (below kEmptyShare of an average sample's weight). Each collapsed component is re-seeded:
//  - mean: the sample worst explained by the healthy components, i.e. of the lowest log-density
//    under the mixture of the components that did not collapse (weights renormalised), ties to
//    the lowest row; several collapsed components take distinct points, in component order.
//    (The mixture that remains is what the new component must make up for. It is also the
//    only model there is when the collapse happens at initialisation, before any E-step.)
//    Samples of weight 0 are not candidates, nor are samples that are (to 1e-12 relative) the
//    mean of a component: of a healthy one, the new component would duplicate it; of a
//    collapsed one, it would collapse there again.
//  - covariance: the mean of the healthy components' covariances (each already has regCovar on
//    its diagonal). It is on the scale of one cluster, not of the whole data set (a data-wide
//    covariance would let the new component swallow neighbouring clusters), it is positive
//    definite as a convex combination of positive definite matrices, and it needs no pass over
//    the data. Tied covariances are shared: a tied covariance that collapses cannot be helped
//    by re-seeding a component, and fails as with Error; an empty tied component gets only a
//    new mean and weight.
//  - weight: half an even share, 1/(2K), taken from the others in proportion to their weights.
// The log-densities come from one evaluation over the fixed row blocks (each row's value does
// not depend on the thread count), then one serial scan: deterministic for any thread count.
// Bounds: a component that collapses again after kMaxReseeds re-seeds in the same restart
// fails the fit with the usual error (an empty one is then left as it is: it is finite); so
// does a collapse with no healthy component left, or with no candidate sample left (fewer
// distinct points than components).
// An iteration that re-seeded never counts as converged.
constexpr int kMaxReseeds = 3;
constexpr double kEmptyShare = 1e-8;

class Reseeder {
 public:
  Reseeder(const Data& data, Index k, unsigned threads) : data_(data), k_(k), threads_(threads) {}

  void beginRestart(int restart) {
    restart_ = restart;
    iter_ = 0;
    reseeded_ = false;
    counts_.assign(static_cast<size_t>(k_), 0);
  }
  void beginIteration() {
    ++iter_;
    reseeded_ = false;
  }
  bool reseededThisIteration() const { return reseeded_; }
  std::vector<ReseedEvent>& events() { return events_; }
  // The number of events since the last call.
  int takeUnreported() {
    const size_t count = events_.size() - reported_;
    reported_ = events_.size();
    return static_cast<int>(count);
  }

  // The covariances and their factors, re-seeding what collapsed.
  void updateCovariances(const Covariance& covariance, const Moments& moments, const Vector& nk,
                         double regCovar, MixtureParams& params);

 private:
  bool samePoint(Index a, Index b) const {
    const double* x = data_.x;
    for (Index j = 0; j < data_.d; ++j) {
      if (x[a * data_.d + j] != x[b * data_.d + j]) return false;
    }
    return true;
  }

  const Data& data_;
  Index k_;
  unsigned threads_;
  int restart_ = 0;
  int iter_ = 0;
  bool reseeded_ = false;
  std::vector<int> counts_;
  std::vector<ReseedEvent> events_;
  size_t reported_ = 0;
};

void Reseeder::updateCovariances(const Covariance& covariance, const Moments& moments,
                                 const Vector& nk, double regCovar, MixtureParams& params) {
  const bool tied = params.type == CovarianceType::Tied;
  std::exception_ptr failure;
  try {
    gaussmix::updateCovariances(covariance, moments, nk, regCovar, params);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::IllConditioned || tied) throw;
    failure = std::current_exception();
  }
  const Index k = params.k;
  const Index d = params.d;
  // Each component's share of covariances / precisionsCholesky (tied: none of its own).
  const Index block = tied ? 0 : static_cast<Index>(params.covariances.size()) / k;
  const std::unique_ptr<Covariance> single = Covariance::make(params.type, 1, d);
  double* cov = params.covariances.data();
  double* factor = params.precisionsCholesky.data();

  // Which components collapsed: factorised one by one (only after a failure), and empty ones.
  std::vector<char> singular(static_cast<size_t>(k), 0);
  std::vector<char> empty(static_cast<size_t>(k), 0);
  const double emptyBelow = kEmptyShare * moments.weight / static_cast<double>(data_.n);
  for (Index c = 0; c < k; ++c) {
    empty[c] = !(moments.nk[c] >= emptyBelow);
    if (!failure) continue;
    try {
      single->precisionCholeskyFromCovariance(cov + c * block, factor + c * block);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::IllConditioned) throw;
      singular[c] = 1;
    }
  }
  std::vector<Index> collapsed;
  std::vector<Index> healthy;
  for (Index c = 0; c < k; ++c) {
    if (!singular[c] && !empty[c]) {
      healthy.push_back(c);
    } else if (counts_[c] < kMaxReseeds) {
      collapsed.push_back(c);
    } else if (singular[c]) {
      throw illConditioned(c, "its covariance matrix is still not positive definite after " +
                                  std::to_string(kMaxReseeds) + " re-seeds in this restart");
    }
    // else: empty again after kMaxReseeds re-seeds, but finite: left as it is.
  }
  const auto hopeless = [&](const std::string& why) {
    for (Index c : collapsed) {
      if (singular[c]) throw illConditioned(c, "its covariance matrix is not positive definite, " + why);
    }
  };
  if (collapsed.empty() || healthy.empty()) {
    hopeless("and no component is left to re-seed it from");
    if (failure) std::rethrow_exception(failure);
    return;
  }

  // The covariance of the new components: the mean of the healthy ones.
  std::vector<double> reference(static_cast<size_t>(block), 0.0);
  std::vector<double> referenceFactor(static_cast<size_t>(block), 0.0);
  if (!tied) {
    for (Index h : healthy) {
      for (Index i = 0; i < block; ++i) reference[i] += cov[h * block + i];
    }
    for (double& v : reference) v /= static_cast<double>(healthy.size());
    try {
      single->precisionCholeskyFromCovariance(reference.data(), referenceFactor.data());
    } catch (const Error&) {
      hopeless("and neither is the mean of the other components' covariances");
      return;  // only empty components: left as they are
    }
  }

  // The worst-explained samples under the healthy components.
  MixtureParams rest;
  rest.type = params.type;
  rest.k = static_cast<Index>(healthy.size());
  rest.d = d;
  rest.weights.resize(rest.k);
  rest.means.resize(rest.k, d);
  for (Index j = 0; j < rest.k; ++j) {
    rest.weights[j] = params.weights[healthy[j]];
    rest.means.row(j) = params.means.row(healthy[j]);
    rest.covariances.insert(rest.covariances.end(), cov + healthy[j] * block,
                            cov + (healthy[j] + 1) * block);
    rest.precisionsCholesky.insert(rest.precisionsCholesky.end(), factor + healthy[j] * block,
                                   factor + (healthy[j] + 1) * block);
  }
  if (tied) {
    rest.covariances = params.covariances;
    rest.precisionsCholesky = params.precisionsCholesky;
  }
  rest.weights /= rest.weights.sum();
  Vector logProb(data_.n);
  evaluateMixture(data_, rest, threads_, logProb.data(), nullptr, nullptr);
  const auto score = [&](Index i) {
    return std::isnan(logProb[i]) ? std::numeric_limits<double>::infinity() : logProb[i];
  };
  // A sample that is (to 1e-12 relative) the mean of a component (a healthy one: it would
  // duplicate it; a collapsed one: it collapsed there), or the new mean of another collapsed
  // one, is not a candidate.
  const auto taken = [&](Index i, const std::vector<std::pair<Index, Index>>& reseeds) {
    const auto x = ConstRowMap(data_.x + i * d, 1, d);
    for (Index h = 0; h < k; ++h) {
      const auto mu = params.means.row(h);
      if (((x - mu).cwiseAbs().array() <= 1e-12 * (x.cwiseAbs() + mu.cwiseAbs()).array()).all()) {
        return true;
      }
    }
    for (const auto& r : reseeds) {
      if (samePoint(i, r.second)) return true;
    }
    return false;
  };
  std::vector<std::pair<Index, Index>> reseeds;  // (component, row)
  for (Index c : collapsed) {
    Index worst = -1;
    for (Index i = 0; i < data_.n; ++i) {
      if (!(data_.weight(i) > 0.0)) continue;
      if (worst >= 0 && !(score(i) < score(worst))) continue;
      if (!taken(i, reseeds)) worst = i;
    }
    if (worst < 0) {
      if (singular[c]) {
        throw illConditioned(c, "its covariance matrix is not positive definite, and every "
                                "sample is already the mean of a component, so re-seeding "
                                "cannot help");
      }
      continue;
    }
    reseeds.emplace_back(c, worst);
  }
  if (reseeds.empty()) return;

  const double share = 1.0 / (2.0 * static_cast<double>(k));
  std::vector<char> isNew(static_cast<size_t>(k), 0);
  for (const auto& r : reseeds) isNew[r.first] = 1;
  double others = 0.0;
  for (Index c = 0; c < k; ++c) others += isNew[c] ? 0.0 : params.weights[c];
  const double keep = (1.0 - share * static_cast<double>(reseeds.size())) / others;
  for (Index c = 0; c < k; ++c) {
    if (!isNew[c]) params.weights[c] *= keep;
  }
  for (const auto& [c, row] : reseeds) {
    params.weights[c] = share;
    params.means.row(c) = ConstRowMap(data_.x + row * d, 1, d);
    std::copy(reference.begin(), reference.end(), cov + c * block);
    std::copy(referenceFactor.begin(), referenceFactor.end(), factor + c * block);
    events_.push_back({restart_, iter_, c, row});
    ++counts_[c];
  }
  reseeded_ = true;
}

// M-step from the moments: weights, means, then the covariances. Weights are nk / Σ nk, or
// nk / Σ w at initialisation (as scikit-learn).
void maximise(const Covariance& covariance, const Moments& moments, double regCovar,
              bool initialising, MixtureParams& params, Reseeder* reseeder) {
  const Vector nk = moments.nk.array() + kWeightFloor;
  params.means = moments.sx.array().colwise() / nk.array();
  params.weights = nk / (initialising ? moments.weight : nk.sum());
  if (reseeder) {
    reseeder->updateCovariances(covariance, moments, nk, regCovar, params);
  } else {
    updateCovariances(covariance, moments, nk, regCovar, params);
  }
}

// User-given starting parameters override params piece by piece (scikit-learn's _initialize).
void applyGivenParameters(const MixtureOptions& options, const Covariance& covariance,
                          MixtureParams& params) {
  const Index k = params.k;
  const Index d = params.d;
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
}

// The weighted starting responsibilities of a restart (N x K) into respStorage: given, or
// those of options.init (scikit-learn's _initialize_parameters).
void startingResponsibilities(const Data& data, const MixtureOptions& options, int restart,
                              ThreadPool& pool, const Control& control,
                              LargeVector<double>& respStorage) {
  const Index k = options.k;
  respStorage.assign(static_cast<size_t>(data.n * k), 0.0);
  RowMap resp(respStorage.data(), data.n, k);
  if (options.responsibilitiesInit) {
    resp = ConstRowMap(options.responsibilitiesInit, data.n, k);
    for (Index i = 0; i < data.n; ++i) resp.row(i) *= data.weight(i);
    return;
  }
  Rng rng(options.seed, static_cast<std::uint64_t>(restart));
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
}

// Responsibilities from the chosen initialisation, then one M-step; user-given parameters
// override the result piece by piece, exactly as scikit-learn's _initialize.
MixtureParams initialise(EStep& estep, const Data& data, const MixtureOptions& options,
                         int restart, ThreadPool& pool, const Control& control,
                         LargeVector<double>& respStorage, Reseeder* reseeder) {
  const Covariance& covariance = estep.covariance();
  MixtureParams params;
  params.type = options.type;
  params.k = options.k;
  params.d = data.d;
  const bool allGiven = options.weightsInit && options.meansInit &&
                        (options.covariancesInit || options.precisionsInit);
  if (!allGiven) {
    maximise(covariance, startingMoments(estep, data, options, restart, pool, control, respStorage),
             options.regCovar, true, params, reseeder);
  }
  applyGivenParameters(options, covariance, params);
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
  double totalWeight = 0.0;
  for (Index i = 0; i < data.n; ++i) totalWeight += data.weight(i);
  if (!(totalWeight > 0.0)) throw invalidArgument("sampleWeight sums to zero");
  EStep estep(options.type, options.k, data.d, false, pool);
  LargeVector<double> respStorage;

  std::unique_ptr<Reseeder> reseeder;
  if (options.onCollapse == CollapsePolicy::Reseed) {
    reseeder = std::make_unique<Reseeder>(data, options.k, threads);
  }
  EmVariant variant;
  variant.nInit = options.nInit;
  variant.maxIter = options.maxIter;
  variant.previousObjective = options.previousLowerBound;
  variant.initialise = [&](int restart) {
    if (reseeder) reseeder->beginRestart(restart);
    return initialise(estep, data, options, restart, pool, control, respStorage, reseeder.get());
  };
  variant.expectation = [&](const MixtureParams& params) {
    return roundedMoments(mixtureStatistics(estep, data, params));
  };
  variant.maximise = [&](const Moments& moments, MixtureParams& params) {
    if (reseeder) reseeder->beginIteration();
    maximise(estep.covariance(), moments, options.regCovar, false, params, reseeder.get());
  };
  variant.converged = [&](double change, const RowMatrix&, const MixtureParams&) {
    return std::abs(change) < options.tol && !(reseeder && reseeder->reseededThisIteration());
  };
  variant.notFinite = [&](const MixtureParams& params) {
    return nonFiniteLikelihood(data, params, threads,
                               "To fix it, standardise the features or increase regCovar.");
  };
  if (reseeder) variant.takeReseeds = [&] { return reseeder->takeUnreported(); };
  MixtureFit fit = runEm(variant, control);
  if (reseeder) fit.reseeds = std::move(reseeder->events());
  return fit;
}

Moments startingMoments(EStep& estep, const Data& data, const MixtureOptions& options,
                        int restart, ThreadPool& pool, const Control& control,
                        LargeVector<double>& respStorage) {
  startingResponsibilities(data, options, restart, pool, control, respStorage);
  return momentsOfResponsibilities(estep, data, respStorage.data());
}

GaussianEstimates estimateGaussian(const Covariance& covariance, const Moments& moments,
                                   double regCovar) {
  GaussianEstimates e;
  e.nk = moments.nk.array() + kWeightFloor;
  e.means = moments.sx.array().colwise() / e.nk.array();
  e.covariances = covariancesAbout(covariance, moments, e.nk, e.means, regCovar);
  return e;
}

RowMatrix startingMeans(const Moments& aboutZero) {
  return aboutZero.sx.array().colwise() / (aboutZero.nk.array() + kWeightFloor);
}

MixtureStatistics responsibilityStatistics(const Data& data, const double* resp, Index k,
                                           CovarianceType type, const RowMatrix* about,
                                           unsigned threads, const std::atomic<bool>* cancel) {
  ThreadPool pool(threadsFor(data.blocks(), threads), cancel);
  LargeVector<double> weighted(resp, resp + data.n * k);
  // As startingResponsibilities: each row times its weight.
  for (Index i = 0; i < data.n; ++i) RowMap(weighted.data() + i * k, 1, k) *= data.weight(i);
  EStep estep(type, k, data.d, false, pool);
  return estep.statisticsOfResponsibilities(data, weighted.data(),
                                            about ? *about : RowMatrix::Zero(k, data.d), about);
}

MixtureStatistics mixtureStatistics(const Data& data, const MixtureParams& params,
                                    unsigned threads, const std::atomic<bool>* cancel) {
  ThreadPool pool(threadsFor(data.blocks(), threads), cancel);
  EStep estep(params.type, params.k, params.d, false, pool);
  return mixtureStatistics(estep, data, params);
}

MixtureParams givenMixtureParams(const MixtureOptions& options, Index d) {
  if (!(options.weightsInit && options.meansInit &&
        (options.covariancesInit || options.precisionsInit))) {
    throw invalidArgument("weightsInit, meansInit and covariancesInit or precisionsInit are all "
                          "needed to start without data");
  }
  MixtureParams params;
  params.type = options.type;
  params.k = options.k;
  params.d = d;
  const std::unique_ptr<Covariance> covariance = Covariance::make(options.type, options.k, d);
  applyGivenParameters(options, *covariance, params);
  return params;
}

MixtureStatistics assignmentStatistics(const Data& data, const RowMatrix& centres,
                                       const RowMatrix* about, CovarianceType type,
                                       unsigned threads, const std::atomic<bool>* cancel) {
  const Index k = centres.rows();
  ThreadPool pool(threadsFor(data.blocks(), threads), cancel);
  LargeVector<std::int32_t> labels(static_cast<size_t>(data.n));
  assignNearest(data, centres, pool, labels.data(), nullptr);
  LargeVector<double> resp(static_cast<size_t>(data.n * k), 0.0);
  for (Index i = 0; i < data.n; ++i) resp[static_cast<size_t>(i * k + labels[i])] = data.weight(i);
  EStep estep(type, k, data.d, false, pool);
  return estep.statisticsOfResponsibilities(data, resp.data(),
                                            about ? *about : RowMatrix::Zero(k, data.d), about);
}

MixtureParams maximiseMixture(const MixtureStatistics& statistics, double regCovar,
                              bool initialising) {
  const StatisticsShape& shape = statistics.shape;
  if (shape.noise || !shape.scatter || shape.entropy) {
    throw invalidArgument("these statistics are not a GaussianMixture's");
  }
  MixtureParams params;
  params.type = shape.type;
  params.k = shape.k;
  params.d = shape.d;
  const std::unique_ptr<Covariance> covariance = Covariance::make(shape.type, shape.k, shape.d);
  maximise(*covariance, roundedMoments(statistics), regCovar, initialising, params, nullptr);
  return params;
}

Error nonFiniteLikelihood(const Data& data, const MixtureParams& params, unsigned threads,
                          const std::string& advice) {
  Vector logProb(data.n);
  evaluateMixture(data, params, threads, logProb.data(), nullptr, nullptr);
  // The first sample whose log-density is not finite, else the lowest (samples of weight 0
  // do not count).
  Index row = -1;
  for (Index i = 0; i < data.n && row < 0; ++i) {
    if (data.weight(i) > 0.0 && !std::isfinite(logProb[i])) row = i;
  }
  for (Index i = 0; i < data.n && !(row >= 0 && !std::isfinite(logProb[row])); ++i) {
    if (data.weight(i) > 0.0 && (row < 0 || logProb[i] < logProb[row])) row = i;
  }
  if (row < 0) row = 0;
  // The nearest component in Euclidean distance, everything divided by the largest magnitude
  // involved so that no square overflows (ties to the lowest index).
  const auto x = ConstRowMap(data.x + row * data.d, 1, data.d);
  double scale = x.cwiseAbs().maxCoeff();
  if (params.means.allFinite()) scale = std::max(scale, params.means.cwiseAbs().maxCoeff());
  if (!(scale > 0.0) || !std::isfinite(scale)) scale = 1.0;
  Index nearest = 0;
  double best = std::numeric_limits<double>::infinity();
  for (Index c = 0; c < params.k; ++c) {
    const double distance = (x / scale - params.means.row(c) / scale).squaredNorm();
    if (distance < best) {
      best = distance;
      nearest = c;
    }
  }
  char value[32];
  std::snprintf(value, sizeof value, "%.6g", logProb[row]);
  if (std::isinf(logProb[row])) std::snprintf(value, sizeof value, "%s", logProb[row] < 0 ? "-Infinity" : "Infinity");
  return Error(ErrorKind::IllConditioned,
               "component " + std::to_string(nearest) +
                   ": the log-likelihood is not finite: sample " + std::to_string(row) +
                   ", nearest to this component, has log-density " + std::string(value) +
                   " (its squared distances to the components overflow, or its densities "
                   "underflow). " + advice,
               static_cast<long>(nearest));
}

void evaluateMixture(const Data& data, const MixtureParams& params, unsigned threads,
                     double* logProb, double* resp, std::int32_t* labels) {
  ThreadPool pool(threadsFor(data.blocks(), threads), nullptr);
  EStep estep(params.type, params.k, params.d, false, pool);
  estep.prepare(params, mixtureLogPriors(params));
  estep.evaluate(data, RowOutputs{logProb, resp, labels});
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
