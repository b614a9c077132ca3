#include "em.h"

#include <algorithm>
#include <cmath>

#include "errors.h"

namespace gaussmix {

void Moments::reset(Index k, Index d) {
  logLikelihood = 0.0;
  nk.setZero(k);
  sx.setZero(k, d);
}

void Moments::add(const Moments& other) {
  logLikelihood += other.logLikelihood;
  nk += other.nk;
  sx += other.sx;
}

void normaliseRows(RowMatrix& logp, Vector& norm) {
  constexpr double kSmallestNormal = std::numeric_limits<double>::min();
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  Vector top = logp.rowwise().maxCoeff();
  for (Index i = 0; i < top.size(); ++i) {
    if (top[i] == kNegInf) top[i] = 0.0;  // exp(−∞ − 0) = 0: the row's p become 0
  }
  logp.array().colwise() -= top.array();
  logp = logp.array().exp();
  // Eigen's vectorised exp clamps its argument near −709.78 and returns about 5.6e-309 below
  // it, even for −∞; what is below the smallest normal double becomes 0 (subnormal values
  // are lost, an absolute error under 2.3e-308).
  double* p = logp.data();
  for (Index i = 0; i < logp.size(); ++i) p[i] = p[i] < kSmallestNormal ? 0.0 : p[i];
  const Vector sum = logp.rowwise().sum();
  norm = top.array() + sum.array().log();
  logp.array().colwise() /= sum.array().max(std::numeric_limits<double>::min());
}

Index farRowResponsibilities(const Covariance& covariance, const double* x, const Vector& weights,
                             double* p) {
  const Index k = weights.size();
  std::vector<double> v(static_cast<size_t>(k));
  covariance.farLogDensities(x, v.data());
  for (Index c = 0; c < k; ++c) v[c] += std::log(weights[c]);
  const Index best = std::max_element(v.begin(), v.end()) - v.begin();
  const double top = v[best];
  if (!std::isfinite(top)) {
    // +∞: infinitely likelier than the rest, shared evenly; −∞ throughout: no information.
    const auto count = static_cast<double>(std::count(v.begin(), v.end(), top));
    for (Index c = 0; c < k; ++c) p[c] = v[c] == top ? 1.0 / count : 0.0;
    return best;
  }
  double sum = 0.0;
  for (Index c = 0; c < k; ++c) sum += p[c] = std::exp(v[c] - top);
  for (Index c = 0; c < k; ++c) p[c] /= sum;
  return best;
}

void resolveFarRows(const Covariance& covariance, const ConstRowMap& xb, const Vector& weights,
                    const Vector& norm, RowMatrix& p) {
  for (Index i = 0; i < xb.rows(); ++i) {
    if (norm[i] == -std::numeric_limits<double>::infinity()) {
      farRowResponsibilities(covariance, xb.row(i).data(), weights, p.row(i).data());
    }
  }
}

struct Engine::Scratch {
  Workspace kernel;
  RowMatrix logp;  // rows x K
  Vector norm;     // rows
  Moments moments;
  std::vector<double> scatter;
};

Engine::Engine(const Data& data, Index k, CovarianceType type, ThreadPool& pool)
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

Engine::~Engine() = default;

Moments Engine::expectation(const MixtureParams& params) {
  covariance_->prepare(params.means, params.precisionsCholesky.data());
  const Vector logWeights = params.weights.array().log();
  return accumulate([&](Index b, Scratch& s) {
    const Index begin = data_.blockBegin(b);
    const Index rows = data_.blockSize(b);
    s.logp.resize(rows, k_);
    covariance_->logGaussian(data_.block(b), s.logp.data(), s.kernel);
    s.logp.rowwise() += logWeights.transpose();
    normaliseRows(s.logp, s.norm);
    resolveFarRows(*covariance_, data_.block(b), params.weights, s.norm, s.logp);
    auto r = resp_.middleRows(begin, rows);
    if (!data_.weights) {
      r = s.logp;
      s.moments.logLikelihood += s.norm.sum();
      return;
    }
    for (Index i = 0; i < rows; ++i) {
      const double weight = data_.weights[begin + i];
      r.row(i) = weight * s.logp.row(i);
      if (weight > 0.0) s.moments.logLikelihood += weight * s.norm[i];
    }
  });
}

Moments Engine::momentsOfResponsibilities() {
  return accumulate([](Index, Scratch&) {});
}

// Runs perBlock (which may fill resp rows), then adds the block's nk and Σ r·x, folding the
// per-block moments in block order.
template <class PerBlock>
Moments Engine::accumulate(PerBlock perBlock) {
  Moments total;
  total.reset(k_, data_.d);
  pool_.forEachOrdered(
      data_.blocks(),
      [&](Index b, unsigned w) {
        Scratch& s = scratch_[w];
        s.moments.reset(k_, data_.d);
        perBlock(b, s);
        const auto r = resp_.middleRows(data_.blockBegin(b), data_.blockSize(b));
        s.moments.nk = r.colwise().sum().transpose();
        s.moments.sx.noalias() = r.transpose() * data_.block(b);
      },
      [&](Index, unsigned w) { total.add(scratch_[w].moments); });
  return total;
}

void Engine::updateCovariances(const Vector& nk, double regCovar, MixtureParams& params) {
  // Two-pass: the scatter is taken around the new means, so no precision is lost far from 0.
  const Index size = covariance_->size();
  std::vector<double> scatter(static_cast<size_t>(size), 0.0);
  pool_.forEachOrdered(
      data_.blocks(),
      [&](Index b, unsigned w) {
        Scratch& s = scratch_[w];
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

MixtureFit runEm(Engine& engine, const EmVariant& variant, const Control& control) {
  MixtureFit best;
  bool haveBest = false;
  for (int restart = 0; restart < variant.nInit; ++restart) {
    control.throwIfCancelled();
    MixtureFit fit;
    fit.params = variant.initialise(restart);
    fit.lowerBound = variant.previousObjective;
    bool stopped = false;
    for (int iter = 1; iter <= variant.maxIter; ++iter) {
      control.throwIfCancelled();
      const double previous = fit.lowerBound;
      const Moments moments = engine.expectation(fit.params);
      fit.lowerBound = moments.logLikelihood / engine.totalWeight();
      if (!std::isfinite(fit.lowerBound)) {
        if (variant.notFinite) throw variant.notFinite(fit.params);
        throw Error(ErrorKind::IllConditioned,
                    "the log-likelihood is not finite: the data or the starting parameters give "
                    "some samples zero density. Standardise the features or increase regCovar.");
      }
      const RowMatrix meansBefore = fit.params.means;
      variant.maximise(moments, fit.params);
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
