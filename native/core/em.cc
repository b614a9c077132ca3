#include "em.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors.h"
#include "lanes.h"

namespace gaussmix {

void Moments::reset(Index k, Index d, Index scatterSize) {
  logLikelihood = 0.0;
  nk.setZero(k);
  sx.setZero(k, d);
  scatter.assign(static_cast<size_t>(scatterSize), 0.0);
  if (scatterSize > 0) {
    centred.setZero(k, d);
  } else {
    centred.resize(0, 0);
  }
}

void Moments::add(const Moments& other) {
  logLikelihood += other.logLikelihood;
  nk += other.nk;
  sx += other.sx;
  for (size_t i = 0; i < scatter.size(); ++i) scatter[i] += other.scatter[i];
  if (centred.size() > 0) centred += other.centred;
}

void normaliseRows(RowMatrix& logp, Vector& norm) {
  constexpr double kSmallestNormal = std::numeric_limits<double>::min();
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  const Index n = logp.rows();
  const Index k = logp.cols();
  Vector top = logp.rowwise().maxCoeff();
  for (Index i = 0; i < n; ++i) {
    if (top[i] == kNegInf) top[i] = 0.0;  // exp(−∞ − 0) = 0: the row's p become 0
  }
  logp.array().colwise() -= top.array();
  // The fit's E-step arithmetic (Engine::expectationChunk), so that predictions repeat it: its
  // exp, eight values at a time (all <= 0; none subnormal, which is slow), the row sums in
  // component order, its log, and one division per row.
  double* p = logp.data();
  const Index size = logp.size();
  Index j = 0;
  for (; j + kLanes <= size; j += kLanes) LaneMap(p + j) = expOrZero(ConstLaneMap(p + j));
  if (j < size) {
    Lane tail = Lane::Constant(kNegInf);
    std::copy(p + j, p + size, tail.data());
    tail = expOrZero(tail);
    std::copy_n(tail.data(), size - j, p + j);
  }
  Vector sum(n);
  for (Index i = 0; i < n; ++i) {
    double s = 0.0;
    for (Index c = 0; c < k; ++c) s += p[i * k + c];
    sum[i] = s;
  }
  // Every sum is 0 (a row −∞ throughout) or at least 1 (the likeliest component's exp(0)).
  norm.resize(n);
  for (Index i = 0; i < n; i += kLanes) {
    Lane lanes = Lane::Ones();
    const Index m = std::min<Index>(kLanes, n - i);
    std::copy_n(sum.data() + i, m, lanes.data());
    lanes = logOrMinusInfinity(lanes);
    for (Index r = 0; r < m; ++r) norm[i + r] = top[i + r] + lanes[r];
  }
  const Vector inverse = sum.array().max(kSmallestNormal).inverse();
  logp.array().colwise() *= inverse.array();
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
  // The fused E-step's chunk, laid out by column (see expectationChunk).
  RowMatrix xt;  // D x stride
  RowMatrix p;   // K x stride: log w_k + log N(x_i | k), then the responsibilities
  std::vector<double> nkLanes;  // K x 8: nk's partial sums over the chunk
};

Engine::Engine(const Data& data, Index k, CovarianceType type, ThreadPool& pool,
               bool covariances)
    : data_(data), k_(k), pool_(pool), covariance_(Covariance::make(type, k, data.d)),
      scratch_(pool.slots()) {
  fused_ = covariances && covariance_->fusesScatter();
  std::vector<double> partial(pool.slots());
  pool_.forEachOrdered(
      data_.blocks(),
      [&](Index b, unsigned slot) {
        double sum = 0.0;
        for (Index i = data_.blockBegin(b); i < data_.blockBegin(b) + data_.blockSize(b); ++i) {
          sum += data_.weight(i);
        }
        partial[slot] = sum;
      },
      [&](Index, unsigned slot) { totalWeight_ += partial[slot]; });
}

Engine::~Engine() = default;

RowMap Engine::responsibilities() {
  respStorage_.resize(static_cast<size_t>(data_.n * k_));
  return RowMap(respStorage_.data(), data_.n, k_);
}

namespace {

// Up to this many features, Σ r·x is taken by dot products along the chunk's columns; beyond,
// by one matrix product per chunk.
constexpr Index kDotFeatures = 16;

}  // namespace

Moments Engine::expectation(const MixtureParams& params) {
  covariance_->prepare(params.means, params.precisionsCholesky.data());
  const Vector logWeights = params.weights.array().log();
  const Index d = data_.d;
  const Index chunk = covariance_->chunkRows(d + 2 * k_ + 4);
  const Index scatterSize = fused_ ? covariance_->size() : 0;
  if (!fused_) responsibilities();
  Moments total;
  total.reset(k_, d, scatterSize);
  pool_.forEachOrdered(
      data_.blocks(),
      [&](Index b, unsigned slot) {
        Scratch& s = scratch_[slot];
        s.moments.reset(k_, d, scatterSize);
        const Index begin = data_.blockBegin(b);
        forEachChunk(data_.blockSize(b), chunk, [&](Index first, Index rows) {
          expectationChunk(begin + first, rows, params.weights, logWeights, s);
        });
      },
      [&](Index, unsigned slot) { total.add(scratch_[slot].moments); });
  if (fused_) {
    // Σ r x = Σ r (x − c) + n c.
    total.centre = params.means;
    total.sx = total.centred + (params.means.array().colwise() * total.nk.array()).matrix();
  }
  return total;
}

// One pass over a chunk of rows while it is in cache: log-densities and log-weights, the row
// maxima, the exp, the normalisation (normaliseRows' semantics), the log-likelihood, nk and
// Σ r·x. Everything runs along the rows of the chunk, laid out by column; after the
// log-densities, eight rows at a time through every component, so that their K·8 values stay
// in registers and the level-1 cache instead of a pass over K×stride for every step
// (the same operations in the same order as one pass per step: bit-identical).
void Engine::expectationChunk(Index begin, Index rows, const Vector& weights,
                              const Vector& logWeights, Scratch& s) {
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  constexpr double kSmallestNormal = std::numeric_limits<double>::min();
  const Index d = data_.d;
  const Index k = k_;
  const Index stride = columnStride(rows);
  const Index n = paddedRows(rows);  // lanes from n to stride are never read
  const ConstRowMap x(data_.x + begin * d, rows, d);
  s.xt.resize(d, stride);
  s.p.resize(k, stride);
  transposeRows(x.data(), rows, d, s.xt.data(), stride);
  if (stride > rows) s.xt.rightCols(stride - rows).setZero();
  // The next chunk's rows are asked for now, to arrive while this one is computed (the
  // hardware's prefetcher restarts at every page and chunk).
  prefetchRows(data_.x + (begin + rows) * d,
               std::min(rows, data_.n - (begin + rows)) * d);
  // p holds log N(x_i | k), then the responsibilities, in place.
  covariance_->logGaussianColumns(x, s.xt.data(), stride, s.p.data(), s.kernel);
  // The padding lanes take part in the vectorised steps: give them a harmless value.
  if (stride > rows) s.p.rightCols(stride - rows).setZero();

  s.nkLanes.assign(static_cast<size_t>(k * kLanes), 0.0);
  double* nkLanes = s.nkLanes.data();
  // The log-likelihood: Σ w·norm per lane for the rows of the general path; for the common
  // path Σ top per lane and the logs of products of the row sums, one log per kProductGroups
  // groups of eight rows (every sum is in [1, K]: the products cannot overflow).
  constexpr int kProductGroups = 8;
  Lane logLikelihood = Lane::Zero();
  Lane tops = Lane::Zero();
  Lane product = Lane::Ones();
  int grouped = 0;
  double* p = s.p.data();
  const double* rowWeights = data_.weights ? data_.weights + begin : nullptr;
  for (Index i = 0; i < n; i += kLanes) {
    Lane top = LaneMap(p + i) += logWeights[0];
    for (Index c = 1; c < k; ++c) {
      const Lane v = LaneMap(p + c * stride + i) += logWeights[c];
      top = top.max(v);
    }
    // exp(−∞ − 0) = 0: a row that is −∞ throughout gets p = 0 and norm −∞.
    top = zeroWhereEqual(top, kNegInf);
    // As normaliseRows: p below the smallest normal double is 0.
    Lane sum;
    if (k == 2) {
      // One exp per row: the likelier component's is exp(0) = 1.
      LaneMap p0(p + i), p1(p + stride + i);
      const Lane d0 = p0 - top, d1 = p1 - top;
      const Lane e = expOrZero(d0.min(d1));
      p0 = oneWhereZero(d0, e);
      p1 = oneWhereZero(d1, e);
      sum = p0 + p1;
    } else {
      sum = Lane::Zero();
      for (Index c = 0; c < k; ++c) {
        LaneMap pc(p + c * stride + i);
        const Lane e = expOrZero(pc - top);
        pc = e;
        sum += e;
      }
    }
    // A row whose sum is 0 was −∞ throughout: far from every component (norm −∞); every other
    // sum is at least 1, the likeliest component's exp(0).
    const bool far = sum.minCoeff() == 0.0;
    // One division per row: p = e · (1/sum).
    const Lane inverse = sum.max(kSmallestNormal).inverse();
    if (!far && !rowWeights && i + kLanes <= rows) {
      // The common case: the responsibilities and nk in one sweep.
      for (Index c = 0; c < k; ++c) {
        LaneMap pc(p + c * stride + i);
        pc *= inverse;
        LaneMap(nkLanes + c * kLanes) += pc;
      }
      tops += top;
      product *= sum;
      if (++grouped == kProductGroups) {
        logLikelihood += logOrMinusInfinity(product);
        product = Lane::Ones();
        grouped = 0;
      }
      continue;
    }
    Lane norm = top + logOrMinusInfinity(sum);
    for (Index c = 0; c < k; ++c) LaneMap(p + c * stride + i) *= inverse;
    // Rows far from every component (norm −∞): the limit responsibilities, as resolveFarRows.
    if (far) {
      std::vector<double> farP(static_cast<size_t>(k));
      for (Index r = i; r < std::min(i + kLanes, rows); ++r) {
        if (norm[r - i] != kNegInf) continue;
        farRowResponsibilities(*covariance_, x.row(r).data(), weights, farP.data());
        for (Index c = 0; c < k; ++c) p[c * stride + r] = farP[c];
      }
    }
    // From here on the padding lanes must add nothing: p = 0 and norm = 0 there.
    for (Index r = rows; r < i + kLanes; ++r) {
      for (Index c = 0; c < k; ++c) p[c * stride + r] = 0.0;
      norm[r - i] = 0.0;
    }
    if (rowWeights) {
      for (Index r = i; r < std::min(i + kLanes, rows); ++r) {
        const double w = rowWeights[r];
        for (Index c = 0; c < k; ++c) p[c * stride + r] *= w;
        // A row of weight 0 adds nothing, even when its density is 0 (norm −∞).
        norm[r - i] = w > 0.0 ? w * norm[r - i] : 0.0;
      }
    }
    for (Index c = 0; c < k; ++c) LaneMap(nkLanes + c * kLanes) += LaneMap(p + c * stride + i);
    logLikelihood += norm;
  }
  if (grouped > 0) logLikelihood += logOrMinusInfinity(product);
  logLikelihood += tops;
  Moments& m = s.moments;
  m.logLikelihood += foldLanes(logLikelihood);
  for (Index c = 0; c < k; ++c) m.nk[c] += foldLanes(LaneMap(nkLanes + c * kLanes));
  if (fused_) {
    covariance_->accumulateScatterColumns(rows, s.xt.data(), s.p.data(), stride,
                                          m.scatter.data(), m.centred.data(), s.kernel);
    return;
  }
  untransposeRows(s.p.data(), stride, rows, k, respStorage_.data() + begin * k);
  if (d <= kDotFeatures) {
    for (Index c = 0; c < k; ++c) {
      for (Index j = 0; j < d; ++j) {
        m.sx(c, j) += laneDot(s.p.row(c).data(), s.xt.row(j).data(), n);
      }
    }
  } else {
    m.sx.noalias() += s.p.leftCols(rows) * x;
  }
}

Moments Engine::momentsOfResponsibilities() {
  Moments total;
  total.reset(k_, data_.d);
  pool_.forEachOrdered(
      data_.blocks(),
      [&](Index b, unsigned slot) {
        Moments& m = scratch_[slot].moments;
        m.reset(k_, data_.d);
        const ConstRowMap r(respStorage_.data() + data_.blockBegin(b) * k_, data_.blockSize(b), k_);
        m.nk = r.colwise().sum().transpose();
        m.sx.noalias() = r.transpose() * data_.block(b);
      },
      [&](Index, unsigned slot) { total.add(scratch_[slot].moments); });
  return total;
}

void Engine::updateCovariances(const Moments& moments, const Vector& nk, double regCovar,
                               MixtureParams& params) {
  const Index size = covariance_->size();
  std::vector<double> scatter;
  if (!moments.scatter.empty()) {
    // One pass: the E-step's scatter about its means, moved to the new means.
    scatter = moments.scatter;
    covariance_->recentreScatter(scatter.data(), moments.centred, moments.nk, moments.centre,
                                 params.means);
  } else {
    // Two passes: the scatter is taken around the new means, so no precision is lost far
    // from 0.
    scatter.assign(static_cast<size_t>(size), 0.0);
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned slot) {
          Scratch& s = scratch_[slot];
          s.scatter.assign(static_cast<size_t>(size), 0.0);
          covariance_->accumulateScatter(data_.block(b), respStorage_.data() + data_.blockBegin(b) * k_,
                                         params.means, s.scatter.data(), s.kernel);
        },
        [&](Index, unsigned slot) {
          const std::vector<double>& partial = scratch_[slot].scatter;
          for (Index i = 0; i < size; ++i) scatter[i] += partial[i];
        });
  }
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
