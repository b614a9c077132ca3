#include "minibatch_kmeans.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "errors.h"

namespace gaussmix {
namespace {

double squaredDistance(const double* x, const double* c, Index d) {
  double sum = 0.0;
  for (Index j = 0; j < d; ++j) {
    const double diff = x[j] - c[j];
    sum += diff * diff;
  }
  return sum;
}

// Rows `indices` of data (and their weights) copied into rows/weights; a Data over the copy.
Data gatherRows(const Data& data, const std::vector<Index>& indices, std::vector<double>& rows,
                std::vector<double>& weights) {
  const Index d = data.d;
  const Index m = static_cast<Index>(indices.size());
  rows.resize(static_cast<size_t>(m * d));
  for (Index i = 0; i < m; ++i) {
    std::copy_n(data.x + indices[i] * d, d, rows.data() + i * d);
  }
  Data out;
  out.x = rows.data();
  out.n = m;
  out.d = d;
  if (data.weights) {
    weights.resize(static_cast<size_t>(m));
    for (Index i = 0; i < m; ++i) weights[i] = data.weights[indices[i]];
    out.weights = weights.data();
  }
  return out;
}

// `count` indices drawn uniformly with replacement from [0, n) (numpy's randint).
std::vector<Index> drawWithReplacement(Index n, Index count, Rng& rng) {
  std::vector<Index> indices(static_cast<size_t>(count));
  for (auto& i : indices) i = static_cast<Index>(rng.below(static_cast<std::uint64_t>(n)));
  return indices;
}

// `count` distinct indices of [0, n), uniformly (a partial Fisher-Yates shuffle).
std::vector<Index> drawDistinct(Index n, Index count, Rng& rng) {
  std::vector<Index> pool(static_cast<size_t>(n));
  std::iota(pool.begin(), pool.end(), Index{0});
  for (Index i = 0; i < count; ++i) {
    const Index j = i + static_cast<Index>(rng.below(static_cast<std::uint64_t>(n - i)));
    std::swap(pool[i], pool[j]);
  }
  pool.resize(static_cast<size_t>(count));
  return pool;
}

// The centres whose count is below ratio·max count, at most ⌊rows / 2⌋ of them (those of
// lowest count; scikit-learn keeps argsort(counts)[⌊rows/2⌋:], here sorted stably so that ties
// go to the lowest index).
std::vector<bool> lowCountCentres(const Vector& counts, double ratio, Index rows) {
  const Index k = counts.size();
  const double threshold = ratio * counts.maxCoeff();
  std::vector<bool> chosen(static_cast<size_t>(k));
  Index n = 0;
  for (Index c = 0; c < k; ++c) {
    chosen[c] = counts[c] < threshold;
    n += chosen[c] ? 1 : 0;
  }
  const Index most = rows / 2;  // int(0.5 · rows)
  if (static_cast<double>(n) > 0.5 * static_cast<double>(rows)) {
    std::vector<Index> order(static_cast<size_t>(k));
    std::iota(order.begin(), order.end(), Index{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](Index a, Index b) { return counts[a] < counts[b]; });
    for (Index i = most; i < k; ++i) chosen[order[i]] = false;
  }
  return chosen;
}

// The population variance of each feature (np.var(X, axis=0)), averaged over features.
double meanVariance(const Data& data) {
  const ConstRowMap x = data.all();
  const RowVector mean = x.colwise().sum() / static_cast<double>(data.n);
  double total = 0.0;
  for (Index j = 0; j < data.d; ++j) {
    total += (x.col(j).array() - mean[j]).square().sum() / static_cast<double>(data.n);
  }
  return total / static_cast<double>(data.d);
}

// The early stopping of scikit-learn's `_mini_batch_convergence`.
class Convergence {
 public:
  Convergence(const MiniBatchOptions& options, Index n, Index batchSize, double tol)
      : options_(options), n_(n), batchSize_(batchSize), tol_(tol) {}

  // Whether to stop after step `step` (from 1), given its batch inertia and centre shift.
  bool stop(Index step, double batchInertia, double centersShift) {
    const double mean = batchInertia / static_cast<double>(batchSize_);
    last_ = mean;
    if (step == 1) return false;  // the first batch's inertia is the initialisation's
    if (!hasEwa_) {
      ewa_ = mean;
      hasEwa_ = true;
    } else {
      // α = 2b / (N + 1), at most 1: an exponentially weighted average over about N/b steps.
      const double alpha = std::min(static_cast<double>(batchSize_) * 2.0 / static_cast<double>(n_ + 1), 1.0);
      ewa_ = ewa_ * (1 - alpha) + mean * alpha;
    }
    if (tol_ > 0.0 && centersShift <= tol_) return true;
    if (!hasMin_ || ewa_ < ewaMin_) {
      noImprovement_ = 0;
      ewaMin_ = ewa_;
      hasMin_ = true;
    } else {
      ++noImprovement_;
    }
    return options_.maxNoImprovement >= 0 && noImprovement_ >= options_.maxNoImprovement;
  }

  // The EWA of the mean batch inertia (before a second step: the last mean batch inertia).
  double ewa() const { return hasEwa_ ? ewa_ : last_; }

 private:
  const MiniBatchOptions& options_;
  Index n_;
  Index batchSize_;
  double tol_;
  double last_ = 0.0;
  bool hasEwa_ = false;
  double ewa_ = 0.0;
  bool hasMin_ = false;
  double ewaMin_ = 0.0;
  int noImprovement_ = 0;
};

}  // namespace

bool reassignmentDue(MiniBatchState& state, Index batchSize) {
  state.sinceReassign += batchSize;
  if ((state.counts.array() == 0.0).any() || state.sinceReassign >= 10 * state.centers.rows()) {
    state.sinceReassign = 0;
    return true;
  }
  return false;
}

double miniBatchStep(const Data& batch, MiniBatchState& state, bool reassign, double ratio,
                     Rng& rng, ThreadPool& pool, std::int32_t* labels, Index* reassigned) {
  const Index k = state.centers.rows();
  const Index d = batch.d;
  const double inertia = labelsInertia(batch, state.centers, pool, labels);

  // c_new = (c_old·count + Σ_i w_i x_i) · (1 / (count + Σ_i w_i)), the sums in row order from
  // c_old·count, and the reciprocal multiplied, as _k_means_minibatch.pyx does.
  RowMatrix sums = state.centers;
  Vector batchWeight = Vector::Zero(k);
  for (Index c = 0; c < k; ++c) sums.row(c) *= state.counts[c];
  for (Index i = 0; i < batch.n; ++i) {
    const Index c = labels[i];
    const double w = batch.weight(i);
    batchWeight[c] += w;
    const double* x = batch.x + i * d;
    for (Index j = 0; j < d; ++j) sums(c, j) += x[j] * w;
  }
  for (Index c = 0; c < k; ++c) {
    if (batchWeight[c] > 0) {
      state.counts[c] += batchWeight[c];
      const double alpha = 1 / state.counts[c];
      state.centers.row(c) = sums.row(c) * alpha;
    }
  }

  Index moved = 0;
  if (reassign && ratio > 0) {
    const std::vector<bool> chosen = lowCountCentres(state.counts, ratio, batch.n);
    for (bool c : chosen) moved += c ? 1 : 0;
    if (moved > 0) {
      const std::vector<Index> rows = drawDistinct(batch.n, moved, rng);
      Index next = 0;
      for (Index c = 0; c < k; ++c) {
        if (chosen[c]) state.centers.row(c) = ConstRowMap(batch.x + rows[next++] * d, 1, d);
      }
      // The moved centres restart from the least count kept (not 0, which would move them again
      // at once); when every centre moved there is none, and the counts stay.
      double least = std::numeric_limits<double>::infinity();
      for (Index c = 0; c < k; ++c) {
        if (!chosen[c]) least = std::min(least, state.counts[c]);
      }
      if (std::isfinite(least)) {
        for (Index c = 0; c < k; ++c) {
          if (chosen[c]) state.counts[c] = least;
        }
      }
    }
  }
  if (reassigned) *reassigned = moved;
  return inertia;
}

double labelsInertia(const Data& data, const RowMatrix& centers, ThreadPool& pool,
                     std::int32_t* labels) {
  LargeVector<std::int32_t> own;
  if (!labels) {
    own.resize(static_cast<size_t>(data.n));
    labels = own.data();
  }
  assignNearest(data, centers, pool, labels, nullptr);
  const Index d = data.d;
  std::vector<double> partial(pool.slots());
  double inertia = 0.0;
  pool.forEachOrdered(
      data.blocks(),
      [&](Index b, unsigned slot) {
        double sum = 0.0;
        const Index begin = data.blockBegin(b);
        for (Index i = begin; i < begin + data.blockSize(b); ++i) {
          sum += squaredDistance(data.x + i * d, centers.data() + labels[i] * d, d) * data.weight(i);
        }
        partial[slot] = sum;
      },
      [&](Index, unsigned slot) { inertia += partial[slot]; });
  return inertia;
}

Index miniBatchInitSize(const MiniBatchOptions& options, Index n, Index batchSize) {
  Index size = options.initSize;
  if (size == 0) {
    size = 3 * batchSize;
    if (size < options.k) size = 3 * options.k;
  } else if (size < options.k) {
    size = 3 * options.k;  // scikit-learn warns and does this
  }
  return std::min(size, n);
}

RowMatrix miniBatchSeed(const Data& data, const MiniBatchOptions& options, Index initSize,
                        Rng& rng, ThreadPool& pool) {
  if (options.init == KMeansInit::Given) {
    return ConstRowMap(options.centersInit, options.k, data.d);
  }
  std::vector<double> rows;
  std::vector<double> weights;
  Data sample = data;
  if (initSize < data.n) {
    sample = gatherRows(data, drawWithReplacement(data.n, initSize, rng), rows, weights);
  }
  if (sample.n < options.k) throw invalidArgument("the seeding sample has fewer rows than nClusters");
  const std::vector<Index> chosen = options.init == KMeansInit::KMeansPlusPlus
                                        ? kmeansPlusPlusIndices(sample, options.k, rng, pool)
                                        : randomIndices(sample, options.k, rng);
  RowMatrix centers(options.k, data.d);
  for (Index c = 0; c < options.k; ++c) {
    centers.row(c) = ConstRowMap(sample.x + chosen[c] * data.d, 1, data.d);
  }
  return centers;
}

MiniBatchFit fitMiniBatchKMeans(const Data& data, const MiniBatchOptions& options,
                                ThreadPool& pool, const Control& control) {
  if (options.k < 1 || options.k > data.n) {
    throw invalidArgument("nClusters must be between 1 and the number of samples");
  }
  const Index n = data.n;
  const Index batchSize = std::min(options.batchSize, n);
  const Index initSize = miniBatchInitSize(options, n, batchSize);
  const double tol = options.tol > 0 ? options.tol * meanVariance(data) : 0.0;
  Rng rng(options.seed, 0);

  // The seedings, compared by their inertia on one validation sample.
  std::vector<double> validationRows;
  std::vector<double> validationWeights;
  const Data validation = gatherRows(data, drawWithReplacement(n, initSize, rng), validationRows,
                                     validationWeights);
  const int nInit = options.init == KMeansInit::Given ? 1 : options.nInit;
  MiniBatchFit fit;
  double best = 0.0;
  for (int init = 0; init < nInit; ++init) {
    control.throwIfCancelled();
    RowMatrix centers = miniBatchSeed(data, options, initSize, rng, pool);
    const double inertia = labelsInertia(validation, centers, pool, nullptr);
    if (init == 0 || inertia < best) {
      best = inertia;
      fit.state.centers = std::move(centers);
    }
  }
  fit.state.counts = Vector::Zero(options.k);
  fit.batchSize = batchSize;

  const Index steps = static_cast<Index>(options.maxIter) * n / batchSize;
  Convergence convergence(options, n, batchSize, tol);
  std::vector<std::int32_t> labels(static_cast<size_t>(batchSize));
  double previous = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> rows;
  std::vector<double> weights;
  Index step = 0;
  while (step < steps) {
    control.throwIfCancelled();
    const Data batch = gatherRows(data, drawWithReplacement(n, batchSize, rng), rows, weights);
    const RowMatrix before = tol > 0 ? fit.state.centers : RowMatrix();
    const bool reassign = reassignmentDue(fit.state, batchSize);
    const double inertia = miniBatchStep(batch, fit.state, reassign, options.reassignmentRatio,
                                         rng, pool, labels.data(), nullptr);
    const double shift = tol > 0 ? (fit.state.centers - before).squaredNorm() : 0.0;
    ++step;
    const bool stop = convergence.stop(step, inertia, shift);
    const double mean = inertia / static_cast<double>(batchSize);
    const bool more = control.report({0, static_cast<int>(step), mean, mean - previous, 0});
    previous = mean;
    if (stop) fit.converged = true;
    if (stop || !more) break;
  }
  fit.nSteps = step;
  fit.nIter = static_cast<int>((step * batchSize + n - 1) / n);
  if (options.computeLabels) {
    fit.labels.resize(static_cast<size_t>(n));
    fit.inertia = labelsInertia(data, fit.state.centers, pool, fit.labels.data());
  } else {
    fit.inertia = convergence.ewa() * static_cast<double>(n);
  }
  return fit;
}

}  // namespace gaussmix
