#include "mixture.h"

#include <Eigen/Eigenvalues>
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
// divide by zero; we do the same so that results agree (mclust's parametrisations: none, as
// me(); an empty component fails their M-step).
constexpr double kWeightFloor = 10.0 * std::numeric_limits<double>::epsilon();

double weightFloor(CovarianceType type) {
  return parametrisation(type).family == Family::ScikitLearn ? kWeightFloor : 0.0;
}

StatisticsShape mixtureShape(const MixtureParams& params) {
  StatisticsShape shape;
  shape.type = params.type;
  shape.k = params.k;
  shape.d = params.d;
  shape.noise = params.noise;
  // A variational fit's objective needs Σ w Σ r ln r.
  shape.entropy = params.posterior.has_value();
  return shape;
}

// One E-step of a mixture: log-priors MixtureParams::logPriors (log π, the noise's, or a
// variational posterior's).
MixtureStatistics mixtureStatistics(EStep& estep, const Data& data, const MixtureParams& params) {
  estep.prepare(params, params.logPriors());
  return estep.statistics(data, mixtureShape(params));
}

// The moments of given responsibilities (weighted, N x C): Σ w r x in a first pass, then the
// scatter about the means it gives in a second, so no precision is lost far from 0.
Moments momentsOfResponsibilities(EStep& estep, const Data& data, const double* resp) {
  const Index k = estep.kernel().components();
  const Moments first = roundedMoments(
      estep.statisticsOfResponsibilities(data, resp, RowMatrix::Zero(k, data.d), false));
  return roundedMoments(estep.statisticsOfResponsibilities(
      data, resp, startingMeans(first, estep.kernel().type()), true));
}

// momentsOfResponsibilities of hard responsibilities: row i all in column labels[i] (−1: none).
Moments momentsOfLabels(EStep& estep, const Data& data, const std::int32_t* labels) {
  const Index k = estep.kernel().components();
  const Moments first =
      roundedMoments(estep.statisticsOfLabels(data, labels, RowMatrix::Zero(k, data.d), false));
  return roundedMoments(
      estep.statisticsOfLabels(data, labels, startingMeans(first, estep.kernel().type()), true));
}

// Covariances and their U about params.means (covariancesAbout; under a prior the M-step also
// sets the means, and it carries params.mstepState).
void updateCovariances(const Moments& moments, const Vector& nk, const MStepSettings& settings,
                       MixtureParams& params) {
  params.covariances =
      covariancesAbout(params.type, moments, nk, settings, params.means, params.mstepState);
  params.precisionsCholesky.resize(params.covariances.size());
  precisionCholeskyFromCovariance(params.type, params.k, params.d, params.covariances.data(),
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
  void updateCovariances(const Moments& moments, const Vector& nk, const MStepSettings& settings,
                         MixtureParams& params);

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

void Reseeder::updateCovariances(const Moments& moments, const Vector& nk,
                                 const MStepSettings& settings, MixtureParams& params) {
  const bool tied = params.type == CovarianceType::Tied;
  std::exception_ptr failure;
  try {
    gaussmix::updateCovariances(moments, nk, settings, params);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::IllConditioned || tied) throw;
    failure = std::current_exception();
  }
  const Index k = params.k;
  const Index d = params.d;
  // Each component's share of covariances / precisionsCholesky (tied: none of its own).
  const Index block = tied ? 0 : static_cast<Index>(params.covariances.size()) / k;
  // U of one component's block.
  const auto factorise = [&](const double* c, double* u) {
    precisionCholeskyFromCovariance(params.type, 1, d, c, u);
  };
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
      factorise(cov + c * block, factor + c * block);
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
      factorise(reference.data(), referenceFactor.data());
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
// nk / Σ w at initialisation (as scikit-learn); with noise, its share is the last.
void maximise(const Moments& moments, const MStepSettings& settings, bool initialising,
              MixtureParams& params, Reseeder* reseeder) {
  const Vector nk = moments.nk.array() + weightFloor(params.type);
  params.means = moments.sx.array().colwise() / nk.head(params.k).array();
  params.weights = nk / (initialising ? moments.weight : nk.sum());
  if (reseeder) {
    reseeder->updateCovariances(moments, nk, settings, params);
  } else {
    updateCovariances(moments, nk, settings, params);
  }
}

// User-given starting parameters override params piece by piece (scikit-learn's _initialize).
void applyGivenParameters(const MixtureOptions& options, MixtureParams& params) {
  const Index k = params.k;
  const Index d = params.d;
  if (options.weightsInit) params.weights = ConstVectorMap(options.weightsInit, k + (params.noise ? 1 : 0));
  if (options.meansInit) params.means = ConstRowMap(options.meansInit, k, d);
  const Index size = covarianceSize(params.type, k, d);
  if (options.covariancesInit) {
    params.covariances.assign(options.covariancesInit, options.covariancesInit + size);
    params.precisionsCholesky.resize(static_cast<size_t>(size));
    precisionCholeskyFromCovariance(params.type, k, d, params.covariances.data(),
                                    params.precisionsCholesky.data());
  } else if (options.precisionsInit) {
    params.precisionsCholesky.resize(static_cast<size_t>(size));
    params.covariances.resize(static_cast<size_t>(size));
    precisionCholeskyFromPrecision(params.type, k, d, options.precisionsInit,
                                   params.precisionsCholesky.data());
    covarianceFromPrecisionCholesky(params.type, k, d, params.precisionsCholesky.data(),
                                    params.covariances.data());
  }
}

// Whether a restart starts from hard responsibilities (every row all in one component, or in
// none): every initialisation but given responsibilities and 'random'.
bool hardStart(const MixtureOptions& options) {
  return !options.responsibilitiesInit && options.init != MixtureInit::Random;
}

// The component of each row (N; −1: none) under a hard initialisation method; hc on the rows
// not in `noise`. Sets `subset` when hc ran on a subset of the rows.
void initialLabels(const Data& data, const MixtureOptions& options, int restart,
                   const std::vector<char>& noise, ThreadPool& pool, const Control& control,
                   std::int32_t* labels, bool& subset) {
  const Index k = options.k;
  Rng rng(options.seed, static_cast<std::uint64_t>(restart));
  subset = false;
  std::fill(labels, labels + data.n, -1);
  switch (options.init) {
    case MixtureInit::KMeans: {
      KMeansOptions kmeans;
      kmeans.k = k;
      kmeans.seed = rng.next();
      const Control cancelOnly{control.cancel, nullptr};
      const KMeansFit fit = fitKMeans(data, kmeans, pool, cancelOnly);
      std::copy(fit.labels.begin(), fit.labels.end(), labels);
      break;
    }
    case MixtureInit::RandomFromData:
    case MixtureInit::KMeansPlusPlus: {
      const std::vector<Index> chosen = options.init == MixtureInit::RandomFromData
                                            ? randomIndices(data, k, rng)
                                            : kmeansPlusPlusIndices(data, k, rng, pool);
      for (Index j = 0; j < k; ++j) labels[chosen[j]] = static_cast<std::int32_t>(j);
      break;
    }
    case MixtureInit::Hc: {
      HierarchicalStart own;
      if (!options.hc) {
        own = hierarchicalStart(data, noise, options.seed, static_cast<std::uint64_t>(restart), control.cancel);
      }
      const HierarchicalStart& start = options.hc ? *options.hc : own;
      hierarchicalLabels(start, k, labels);
      // A sample of the rows hc may take (of positive weight, not starting as noise: with all
      // of them, mclust's me() keeps the inner M-step state of the iterative types).
      subset = start.subset;
      break;
    }
    case MixtureInit::Random:
      throw Error(ErrorKind::Internal, "init 'random' is not a hard start");
  }
}

// The responsibilities (N x K, weighted) of init 'random': uniform draws, each row normalised.
void randomResponsibilities(const Data& data, const MixtureOptions& options, int restart,
                            double* out) {
  const Index k = options.k;
  RowMap resp(out, data.n, k);
  Rng rng(options.seed, static_cast<std::uint64_t>(restart));
  for (Index i = 0; i < data.n; ++i) {
    double sum = 0.0;
    for (Index j = 0; j < k; ++j) sum += resp(i, j) = rng.uniform();
    resp.row(i) *= data.weight(i) / sum;
  }
}

// The noise rows of a start with a noise component: given, or defaultNoiseRows.
std::vector<char> startingNoiseRows(const Data& data, const MixtureOptions& options, ThreadPool& pool) {
  if (options.noiseRows.empty()) return defaultNoiseRows(data, options.hypervolume, pool);
  std::vector<char> noise(static_cast<size_t>(data.n), 0);
  for (Index i : options.noiseRows) noise[i] = 1;
  return noise;
}

// A restart's starting responsibilities (C = K, or K + 1 with the noise column last) into
// storage: given, or those of options.init (scikit-learn's _initialize_parameters; with noise,
// the noise rows' and the Gaussian components' from the others). Hard starts as labels, soft
// ones (given, 'random') as N x C weighted responsibilities. Returns whether the start is hard;
// sets `subset` when hc ran on a subset of the rows.
bool startingResponsibilities(const Data& data, const MixtureOptions& options, int restart,
                              ThreadPool& pool, const Control& control, StartStorage& storage,
                              bool& subset) {
  const Index k = options.k;
  const Index columns = k + (options.noise ? 1 : 0);
  subset = false;
  if (hardStart(options)) {
    // hc runs without the noise rows, as mclust's; the other methods on every row.
    const std::vector<char> noise =
        options.noise ? startingNoiseRows(data, options, pool) : std::vector<char>{};
    storage.labels.resize(static_cast<size_t>(data.n));
    std::int32_t* labels = storage.labels.data();
    initialLabels(data, options, restart, noise, pool, control, labels, subset);
    for (Index i = 0; i < static_cast<Index>(noise.size()); ++i) {
      if (noise[i]) labels[i] = static_cast<std::int32_t>(k);
    }
    return true;
  }
  storage.resp.assign(static_cast<size_t>(data.n * columns), 0.0);
  double* resp = storage.resp.data();
  if (options.responsibilitiesInit) {
    for (Index i = 0; i < data.n; ++i) {
      for (Index j = 0; j < columns; ++j) {
        resp[i * columns + j] = options.responsibilitiesInit[i * columns + j] * data.weight(i);
      }
    }
  } else if (!options.noise) {
    randomResponsibilities(data, options, restart, resp);
  } else {
    const std::vector<char> noise = startingNoiseRows(data, options, pool);
    LargeVector<double> respK(static_cast<size_t>(data.n * k), 0.0);
    randomResponsibilities(data, options, restart, respK.data());
    for (Index i = 0; i < data.n; ++i) {
      if (noise[i]) {
        resp[i * columns + k] = data.weight(i);
      } else {
        std::copy_n(respK.data() + i * k, k, resp + i * columns);
      }
    }
  }
  return false;
}

// Responsibilities from the chosen initialisation (or given), then one M-step; user-given
// parameters override the result piece by piece, exactly as scikit-learn's _initialize.
MixtureParams initialise(EStep& estep, const Data& data, const MixtureOptions& options,
                         int restart, ThreadPool& pool, const Control& control,
                         StartStorage& storage, Reseeder* reseeder) {
  MixtureParams params;
  params.type = options.type;
  params.k = options.k;
  params.d = data.d;
  params.noise = options.noise;
  params.logHypervolume = options.noise ? std::log(options.hypervolume) : 0.0;
  const bool allGiven = options.weightsInit && options.meansInit &&
                        (options.covariancesInit || options.precisionsInit);
  if (!allGiven) {
    bool subset = false;
    maximise(startingMoments(estep, data, options, restart, pool, control, storage, &subset),
             options.mstep, true, params, reseeder);
    // mclust's start from hc on a subset: an M-step on the subset (mstep()), then me() on
    // every row, whose first M-step starts cold.
    if (subset) params.mstepState.clear();
  }
  applyGivenParameters(options, params);
  return params;
}

void checkOptions(const Data& data, const MixtureOptions& options) {
  if (data.n < 1 || data.d < 1) throw invalidArgument("X must have at least one row and column");
  if (options.k < 1) throw invalidArgument("nComponents must be at least 1");
  if (options.k > data.n) throw invalidArgument("nComponents exceeds the number of samples");
  if (options.noise && !(options.hypervolume > 0.0 && std::isfinite(options.hypervolume))) {
    throw invalidArgument("the noise component's hypervolume must be a positive finite number");
  }
  for (Index i : options.noiseRows) {
    if (i < 0 || i >= data.n) throw invalidArgument("a noise row is outside X's rows");
  }
  const Parametrisation& p = parametrisation(options.type);
  if (options.onCollapse == CollapsePolicy::Reseed && (p.family != Family::ScikitLearn || options.noise)) {
    throw invalidArgument("onCollapse 'reseed' is for scikit-learn's covariance types without noise");
  }
  if (options.mstep.prior && !p.hasPrior) {
    throw invalidArgument(std::string("covarianceType '") + p.name + "' has no conjugate prior");
  }
}

}  // namespace

std::vector<char> defaultNoiseRows(const Data& data, double hypervolume, ThreadPool& pool) {
  // One Gaussian of all the rows: its M-step on responsibilities w_i (maximum likelihood).
  EStep single(CovarianceType::Full, 1, data.d, false, pool);
  LargeVector<double> resp(static_cast<size_t>(data.n));
  for (Index i = 0; i < data.n; ++i) resp[i] = data.weight(i);
  MixtureParams whole;
  whole.type = CovarianceType::Full;
  whole.k = 1;
  whole.d = data.d;
  MStepSettings plain;
  plain.regCovar = 0.0;
  try {
    maximise(momentsOfResponsibilities(single, data, resp.data()), plain, true, whole, nullptr);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::IllConditioned) throw;
    throw invalidArgument("noise: the rows that start as noise are found under the covariance of X, which is "
                          "singular here; give them (noise.initial)");
  }
  single.prepare(whole, whole.logPriors());
  Vector logProb(data.n);
  single.evaluate(data, RowOutputs{logProb.data(), nullptr, nullptr});
  const double logDensity = -std::log(hypervolume);
  std::vector<char> noise(static_cast<size_t>(data.n), 0);
  for (Index i = 0; i < data.n; ++i) noise[i] = logProb[i] < logDensity;
  return noise;
}

MixtureFit fitMixture(const Data& data, const MixtureOptions& options, unsigned threads,
                      const Control& control) {
  checkOptions(data, options);
  ThreadPool pool(threadsFor(data.blocks(), threads), control.cancel);
  double totalWeight = 0.0;
  for (Index i = 0; i < data.n; ++i) totalWeight += data.weight(i);
  if (!(totalWeight > 0.0)) throw invalidArgument("sampleWeight sums to zero");
  EStep estep(options.type, options.k, data.d, options.noise, pool);
  StartStorage start;

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
    return initialise(estep, data, options, restart, pool, control, start, reseeder.get());
  };
  MixtureStatistics statistics;
  variant.expectation = [&](const MixtureParams& params, Moments& moments) {
    estep.prepare(params, params.logPriors(), false);
    estep.statistics(data, mixtureShape(params), statistics);
    roundedMoments(statistics, moments);
  };
  variant.maximise = [&](const Moments& moments, MixtureParams& params) {
    if (reseeder) reseeder->beginIteration();
    maximise(moments, options.mstep, false, params, reseeder.get());
  };
  if (parametrisation(options.type).family == Family::Mclust) {
    // me(): |L − L_previous| / (1 + |L|) <= tol on the total log-likelihood, after the E-step.
    variant.convergedAfterExpectation = [&](double total, double previousTotal) {
      return std::abs(total - previousTotal) / (1.0 + std::abs(total)) <= options.tol;
    };
  } else {
    variant.converged = [&](double change, const RowMatrix&, const MixtureParams&) {
      return std::abs(change) < options.tol && !(reseeder && reseeder->reseededThisIteration());
    };
  }
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
                        StartStorage& storage, bool* subset) {
  bool hcSubset = false;
  const bool hard = startingResponsibilities(data, options, restart, pool, control, storage, hcSubset);
  if (subset) *subset = hcSubset;
  return hard ? momentsOfLabels(estep, data, storage.labels.data())
              : momentsOfResponsibilities(estep, data, storage.resp.data());
}

RowMatrix startingMeans(const Moments& aboutZero, CovarianceType type) {
  const Index k = aboutZero.sx.rows();
  return aboutZero.sx.array().colwise() / (aboutZero.nk.head(k).array() + weightFloor(type));
}

std::vector<double> covariancesAbout(CovarianceType type, const Moments& moments,
                                     const Vector& nk, const MStepSettings& settings,
                                     RowMatrix& means, std::vector<double>& mstepState) {
  const Parametrisation& p = parametrisation(type);
  const Index k = means.rows();
  const Index d = means.cols();
  std::vector<double> scatter = moments.scatter;
  recentreScatter(p.scatter, scatter.data(), moments.centred, moments.nk, moments.centre, means);
  std::vector<double> covariances(static_cast<size_t>(covarianceSize(type, k, d)));
  CovarianceUpdate update{nk,
                          scatter.data(),
                          settings.regCovar,
                          settings.control,
                          settings.prior ? &*settings.prior : nullptr,
                          means,
                          mstepState,
                          covariances.data()};
  p.maximise(type, update);
  return covariances;
}

GaussianEstimates estimateGaussian(CovarianceType type, const Moments& moments,
                                   double regCovar) {
  GaussianEstimates e;
  e.nk = moments.nk.array() + weightFloor(type);
  e.means = moments.sx.array().colwise() / e.nk.head(moments.sx.rows()).array();
  MStepSettings settings;
  settings.regCovar = regCovar;
  std::vector<double> cold;
  e.covariances = covariancesAbout(type, moments, e.nk, settings, e.means, cold);
  return e;
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
  EStep estep(params.type, params.k, params.d, params.noise, pool);
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
  params.noise = options.noise;
  params.logHypervolume = options.noise ? std::log(options.hypervolume) : 0.0;
  applyGivenParameters(options, params);
  return params;
}

Decomposition decomposeCovariances(const MixtureParams& params) {
  const Index k = params.k;
  const Index d = params.d;
  Decomposition out;
  out.scale.resize(k);
  out.shape.resize(k, d);
  out.orientation.resize(static_cast<size_t>(k * d * d));
  // Σ_k as a matrix, whatever the layout.
  const std::vector<double>& c = params.covariances;
  const CovarianceLayout layout = parametrisation(params.type).layout;
  for (Index j = 0; j < k; ++j) {
    Matrix sigma = Matrix::Zero(d, d);
    switch (layout) {
      case CovarianceLayout::Matrices: sigma = ConstRowMap(c.data() + j * d * d, d, d); break;
      case CovarianceLayout::Matrix: sigma = ConstRowMap(c.data(), d, d); break;
      case CovarianceLayout::Diagonals: sigma.diagonal() = ConstVectorMap(c.data() + j * d, d); break;
      case CovarianceLayout::Variances: sigma.diagonal().setConstant(c[j]); break;
    }
    Eigen::SelfAdjointEigenSolver<Matrix> eigen(sigma);
    if (eigen.info() != Eigen::Success) {
      throw illConditioned(j, "its covariance matrix has no eigen-decomposition");
    }
    const Vector values = eigen.eigenvalues().reverse();  // decreasing
    out.scale[j] = std::exp(values.array().log().mean());  // λ = |Σ|^(1/D)
    out.shape.row(j) = (values / out.scale[j]).transpose();
    RowMap(out.orientation.data() + j * d * d, d, d) = eigen.eigenvectors().rowwise().reverse();
  }
  return out;
}

MixtureStatistics assignmentStatistics(const Data& data, const RowMatrix& centres,
                                       const RowMatrix* about, CovarianceType type,
                                       unsigned threads, const std::atomic<bool>* cancel) {
  const Index k = centres.rows();
  ThreadPool pool(threadsFor(data.blocks(), threads), cancel);
  LargeVector<std::int32_t> labels(static_cast<size_t>(data.n));
  assignNearest(data, centres, pool, labels.data(), nullptr);
  EStep estep(type, k, data.d, false, pool);
  return estep.statisticsOfLabels(data, labels.data(), about ? *about : RowMatrix::Zero(k, data.d),
                                  about);
}

MixtureParams maximiseMixture(const MixtureStatistics& statistics, const MStepSettings& settings,
                              bool initialising, const std::vector<double>& mstepState,
                              double logHypervolume) {
  const StatisticsShape& shape = statistics.shape;
  if (!shape.scatter || shape.entropy) {
    throw invalidArgument("these statistics are not a GaussianMixture's");
  }
  MixtureParams params;
  params.type = shape.type;
  params.k = shape.k;
  params.d = shape.d;
  params.noise = shape.noise;
  params.logHypervolume = shape.noise ? logHypervolume : 0.0;
  params.mstepState = mstepState;
  maximise(roundedMoments(statistics), settings, initialising, params, nullptr);
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
  // (A copy: Eigen's squaredNorm over a map of the data would group its terms by the row's
  // alignment.)
  const RowVector x = ConstRowMap(data.x + row * data.d, 1, data.d);
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
  EStep estep(params.type, params.k, params.d, params.noise, pool);
  estep.prepare(params, params.logPriors());
  estep.evaluate(data, RowOutputs{logProb, resp, labels});
  if (labels && params.noise) {
    for (Index i = 0; i < data.n; ++i) {
      if (labels[i] == params.k) labels[i] = -1;
    }
  }
}

void sampleMixture(const MixtureParams& params, Index n, std::uint64_t seed, double* x,
                   std::int32_t* labels) {
  if (params.noise) throw invalidArgument("sample() cannot draw a noise component's rows (its region is not part of the model)");
  const Index k = params.k;
  const Index d = params.d;
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
    colour(params.type, k, d, j, params.precisionsCholesky.data(), z);
    RowMap(x + row * d, counts[j], d) = z.rowwise() + params.means.row(j);
    std::fill(labels + row, labels + row + counts[j], static_cast<std::int32_t>(j));
    row += counts[j];
  }
}

}  // namespace gaussmix
