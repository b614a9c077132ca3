#include "kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "errors.h"

namespace gaussmix {
namespace {

// Rows of xb minus a reference point, into ws (centring keeps ‖c‖² − 2x·c accurate).
void centreRows(const ConstRowMap& xb, const RowVector& origin, RowMatrix& out) {
  out.resize(xb.rows(), xb.cols());
  out.noalias() = xb.rowwise() - origin;
}

// label_i = argmin_k ‖c_k‖² − 2 x_i·c_k (ties to the lowest k), as dense products over
// cache-sized chunks of the block. Returns in dmin the (approximate) squared distance
// ‖x_i‖² + min_k(...), clamped at 0.
void nearestInChunk(const Eigen::Ref<const RowMatrix>& xc, const RowMatrix& centers,
                    const Vector& c2, RowMatrix& products, std::int32_t* labels, double* dmin);

void nearestInBlock(const RowMatrix& xc, const RowMatrix& centers, const Vector& c2,
                    RowMatrix& products, std::int32_t* labels, double* dmin) {
  forEachChunk(xc.rows(), chunkRowsFor(centers.rows()), [&](Index first, Index rows) {
    nearestInChunk(xc.middleRows(first, rows), centers, c2, products, labels + first,
                   dmin ? dmin + first : nullptr);
  });
}

void nearestInChunk(const Eigen::Ref<const RowMatrix>& xc, const RowMatrix& centers,
                    const Vector& c2, RowMatrix& products, std::int32_t* labels, double* dmin) {
  products.resize(xc.rows(), centers.rows());
  products.noalias() = xc * centers.transpose();
  for (Index i = 0; i < xc.rows(); ++i) {
    Index best = 0;
    double bestValue = c2[0] - 2.0 * products(i, 0);
    for (Index k = 1; k < centers.rows(); ++k) {
      const double v = c2[k] - 2.0 * products(i, k);
      if (v < bestValue) {
        bestValue = v;
        best = k;
      }
    }
    labels[i] = static_cast<std::int32_t>(best);
    if (dmin) dmin[i] = std::max(0.0, xc.row(i).squaredNorm() + bestValue);
  }
}

// The index whose cumulative mass first reaches target (numpy.searchsorted, side 'left'),
// walking whole blocks by their precomputed sums first. mass(i) is the mass of row i.
template <class Mass>
Index searchMass(const Data& data, const std::vector<double>& blockMass, Mass mass,
                 double target) {
  double cumulative = 0.0;
  for (Index b = 0; b < data.blocks(); ++b) {
    if (cumulative + blockMass[b] < target) {
      cumulative += blockMass[b];
      continue;
    }
    const Index begin = data.blockBegin(b);
    const Index end = begin + data.blockSize(b);
    for (Index i = begin; i < end; ++i) {
      cumulative += mass(i);
      if (cumulative >= target) return i;
    }
  }
  return data.n - 1;
}

double squaredDistance(const Data& data, Index i, const RowVector& c) {
  return (ConstRowMap(data.x + i * data.d, 1, data.d) - c).squaredNorm();
}

Index positiveWeightCount(const Data& data) {
  if (!data.weights) return data.n;
  Index count = 0;
  for (Index i = 0; i < data.n; ++i) count += data.weights[i] > 0.0;
  return count;
}

void requireDistinctCandidates(const Data& data, Index k) {
  const Index available = positiveWeightCount(data);
  if (available < k) {
    throw invalidArgument("only " + std::to_string(available) +
                          " samples have a positive weight, fewer than the " + std::to_string(k) +
                          " components");
  }
}

struct Sums {
  Vector weight;   // K
  RowMatrix sum;   // K x D, Σ w·(x − origin)
  Index changed = 0;
  double objective = 0.0;

  void reset(Index k, Index d) {
    weight.setZero(k);
    sum.setZero(k, d);
    changed = 0;
    objective = 0.0;
  }
  void add(const Sums& other) {
    weight += other.weight;
    sum += other.sum;
    changed += other.changed;
    objective += other.objective;
  }
};

struct Scratch {
  RowMatrix xc;
  RowMatrix products;
  std::vector<std::int32_t> labels;
  std::vector<double> dmin;
  Sums sums;
};

class Lloyd {
 public:
  Lloyd(const Data& data, const KMeansOptions& options, ThreadPool& pool, const Control& control)
      : data_(data), options_(options), pool_(pool), control_(control),
        scratch_(pool.size()) {
    computeMoments();
  }

  // One Lloyd run from the given centres (original coordinates).
  KMeansFit run(const RowMatrix& initial, int restart) {
    const Index k = options_.k;
    RowMatrix centers = initial.rowwise() - origin_;
    std::vector<std::int32_t> labels(static_cast<size_t>(data_.n), -1);
    KMeansFit fit;
    bool strict = false;
    double previousObjective = std::numeric_limits<double>::quiet_NaN();
    for (int iter = 0; iter < options_.maxIter; ++iter) {
      control_.throwIfCancelled();
      Sums total = assign(centers, labels.data(), true);
      if ((total.weight.array() == 0.0).any()) relocateEmpty(centers, labels, total);
      RowMatrix updated = centers;
      for (Index c = 0; c < k; ++c) {
        if (total.weight[c] > 0.0) updated.row(c) = total.sum.row(c) / total.weight[c];
      }
      const double shift = (updated - centers).rowwise().squaredNorm().sum();
      centers.swap(updated);
      fit.nIter = iter + 1;
      const double change = total.objective - previousObjective;
      previousObjective = total.objective;
      const bool keepGoing = control_.report({restart, iter + 1, total.objective, change});
      if (total.changed == 0) {
        strict = true;
        fit.converged = true;
        break;
      }
      if (shift <= tolerance_) {
        fit.converged = true;
        break;
      }
      if (!keepGoing) {
        stopRequested_ = true;
        break;
      }
    }
    // Labels must belong to the final centres.
    if (!strict) assign(centers, labels.data(), false);
    fit.inertia = inertia(centers, labels);
    fit.centers = centers.rowwise() + origin_;
    fit.labels = std::move(labels);
    return fit;
  }

 private:
  // Unweighted mean (the origin for centring) and tol scaled by the mean feature variance,
  // both as scikit-learn computes them.
  void computeMoments() {
    const Index d = data_.d;
    std::vector<RowVector> partial(pool_.size(), RowVector::Zero(d));
    RowVector total = RowVector::Zero(d);
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned w) { partial[w] = data_.block(b).colwise().sum(); },
        [&](Index, unsigned w) { total += partial[w]; });
    origin_ = total / static_cast<double>(data_.n);
    total.setZero();
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned w) {
          partial[w] = (data_.block(b).rowwise() - origin_).array().square().colwise().sum();
        },
        [&](Index, unsigned w) { total += partial[w]; });
    tolerance_ = (total / static_cast<double>(data_.n)).mean() * options_.tol;
  }

  // Assigns every row to its nearest centre; with update, also sums the assigned rows.
  Sums assign(const RowMatrix& centers, std::int32_t* labels, bool update) {
    const Index k = centers.rows();
    const Vector c2 = centers.rowwise().squaredNorm();
    Sums total;
    total.reset(k, data_.d);
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned w) {
          Scratch& s = scratch_[w];
          const Index begin = data_.blockBegin(b);
          const Index rows = data_.blockSize(b);
          centreRows(data_.block(b), origin_, s.xc);
          s.labels.resize(rows);
          s.dmin.resize(rows);
          nearestInBlock(s.xc, centers, c2, s.products, s.labels.data(), s.dmin.data());
          s.sums.reset(k, data_.d);
          for (Index i = 0; i < rows; ++i) {
            const std::int32_t label = s.labels[i];
            s.sums.changed += labels[begin + i] != label;
            labels[begin + i] = label;
            if (!update) continue;
            const double weight = data_.weight(begin + i);
            s.sums.weight[label] += weight;
            s.sums.sum.row(label) += weight * s.xc.row(i);
            s.sums.objective += weight * s.dmin[i];
          }
        },
        [&](Index, unsigned w) { total.add(scratch_[w].sums); });
    return total;
  }

  // scikit-learn's rule: each empty cluster takes the point farthest from its assigned centre
  // (descending distance, ties to the lowest index; zero-weight points are never taken).
  void relocateEmpty(const RowMatrix& centers, const std::vector<std::int32_t>& labels,
                     Sums& total) {
    std::vector<Index> empty;
    for (Index c = 0; c < centers.rows(); ++c) {
      if (total.weight[c] == 0.0) empty.push_back(c);
    }
    std::vector<double> distance(static_cast<size_t>(data_.n));
    pool_.forEach(data_.blocks(), [&](Index b, unsigned) {
      const Index begin = data_.blockBegin(b);
      for (Index i = begin; i < begin + data_.blockSize(b); ++i) {
        distance[i] = squaredDistance(data_, i, centers.row(labels[i]) + origin_);
      }
    });
    std::vector<Index> order;
    order.reserve(static_cast<size_t>(data_.n));
    for (Index i = 0; i < data_.n; ++i) {
      if (data_.weight(i) > 0.0) order.push_back(i);
    }
    const size_t take = std::min(order.size(), empty.size());
    std::partial_sort(order.begin(), order.begin() + take, order.end(), [&](Index a, Index b) {
      return distance[a] > distance[b] || (distance[a] == distance[b] && a < b);
    });
    for (size_t e = 0; e < take; ++e) {
      const Index far = order[e];
      const Index from = labels[far];
      const double weight = data_.weight(far);
      const RowVector xc = ConstRowMap(data_.x + far * data_.d, 1, data_.d) - origin_;
      total.sum.row(from) -= weight * xc;
      total.weight[from] -= weight;
      total.sum.row(empty[e]) = weight * xc;
      total.weight[empty[e]] = weight;
    }
  }

  double inertia(const RowMatrix& centers, const std::vector<std::int32_t>& labels) {
    std::vector<double> partial(pool_.size());
    double total = 0.0;
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned w) {
          const Index begin = data_.blockBegin(b);
          double sum = 0.0;
          for (Index i = begin; i < begin + data_.blockSize(b); ++i) {
            const RowVector xc = ConstRowMap(data_.x + i * data_.d, 1, data_.d) - origin_;
            sum += data_.weight(i) * (xc - centers.row(labels[i])).squaredNorm();
          }
          partial[w] = sum;
        },
        [&](Index, unsigned w) { total += partial[w]; });
    return total;
  }

  const Data& data_;
  const KMeansOptions& options_;
  ThreadPool& pool_;

 public:
  // onIteration returned false: no further restart runs.
  bool stopRequested() const { return stopRequested_; }

 private:
  bool stopRequested_ = false;
  const Control& control_;
  std::vector<Scratch> scratch_;
  RowVector origin_;
  double tolerance_ = 0.0;
};

RowMatrix rowsAt(const Data& data, const std::vector<Index>& indices) {
  RowMatrix out(static_cast<Index>(indices.size()), data.d);
  for (size_t c = 0; c < indices.size(); ++c) {
    out.row(static_cast<Index>(c)) = ConstRowMap(data.x + indices[c] * data.d, 1, data.d);
  }
  return out;
}

}  // namespace

std::vector<Index> kmeansPlusPlusIndices(const Data& data, Index k, Rng& rng, ThreadPool& pool) {
  requireDistinctCandidates(data, k);
  const Index blocks = data.blocks();
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  std::vector<double> closest(static_cast<size_t>(data.n));
  std::vector<double> blockMass(static_cast<size_t>(blocks));
  std::vector<Index> chosen;

  // Distances to a new centre; closest = min(closest, d) and the block masses w·closest.
  auto absorb = [&](Index index, bool first) {
    const RowVector c = ConstRowMap(data.x + index * data.d, 1, data.d);
    pool.forEach(blocks, [&](Index b, unsigned) {
      const Index begin = data.blockBegin(b);
      double mass = 0.0;
      for (Index i = begin; i < begin + data.blockSize(b); ++i) {
        const double d2 = squaredDistance(data, i, c);
        closest[i] = first ? d2 : std::min(closest[i], d2);
        mass += data.weight(i) * closest[i];
      }
      blockMass[b] = mass;
    });
    chosen.push_back(index);
  };

  // The first centre: in proportion to the sample weights.
  {
    std::vector<double> weightMass(static_cast<size_t>(blocks));
    double total = 0.0;
    for (Index b = 0; b < blocks; ++b) {
      double mass = 0.0;
      for (Index i = data.blockBegin(b); i < data.blockBegin(b) + data.blockSize(b); ++i) {
        mass += data.weight(i);
      }
      weightMass[b] = mass;
      total += mass;
    }
    const double target = rng.uniform() * total;
    absorb(searchMass(data, weightMass, [&](Index i) { return data.weight(i); }, target), true);
  }

  std::vector<Index> candidates(trials);
  std::vector<double> candidatePot(static_cast<size_t>(blocks) * trials);
  for (Index c = 1; c < k; ++c) {
    double potential = 0.0;
    for (Index b = 0; b < blocks; ++b) potential += blockMass[b];
    for (int t = 0; t < trials; ++t) {
      const double target = rng.uniform() * potential;
      candidates[t] = searchMass(
          data, blockMass, [&](Index i) { return data.weight(i) * closest[i]; }, target);
    }
    // The potential Σ w·min(closest, d(x, candidate)) of each candidate, per block.
    pool.forEach(blocks, [&](Index b, unsigned) {
      for (int t = 0; t < trials; ++t) {
        const RowVector x = ConstRowMap(data.x + candidates[t] * data.d, 1, data.d);
        double pot = 0.0;
        for (Index i = data.blockBegin(b); i < data.blockBegin(b) + data.blockSize(b); ++i) {
          pot += data.weight(i) * std::min(closest[i], squaredDistance(data, i, x));
        }
        candidatePot[b * trials + t] = pot;
      }
    });
    int best = 0;
    double bestPot = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      double pot = 0.0;
      for (Index b = 0; b < blocks; ++b) pot += candidatePot[b * trials + t];
      if (pot < bestPot) {
        bestPot = pot;
        best = t;
      }
    }
    absorb(candidates[best], false);
  }
  return chosen;
}

std::vector<Index> randomIndices(const Data& data, Index k, Rng& rng) {
  requireDistinctCandidates(data, k);
  std::vector<Index> chosen;
  if (!data.weights) {
    // Partial Fisher–Yates.
    std::vector<Index> order(static_cast<size_t>(data.n));
    std::iota(order.begin(), order.end(), Index{0});
    for (Index i = 0; i < k; ++i) {
      const Index j = i + static_cast<Index>(rng.below(static_cast<std::uint64_t>(data.n - i)));
      std::swap(order[i], order[j]);
      chosen.push_back(order[i]);
    }
    return chosen;
  }
  // Successive draws in proportion to the weights, without replacement.
  std::vector<double> weight(data.weights, data.weights + data.n);
  for (Index c = 0; c < k; ++c) {
    double total = 0.0;
    for (double w : weight) total += w;
    const double target = rng.uniform() * total;
    double cumulative = 0.0;
    Index pick = -1;
    for (Index i = 0; i < data.n; ++i) {
      if (weight[i] <= 0.0) continue;
      pick = i;
      cumulative += weight[i];
      if (cumulative > target) break;
    }
    chosen.push_back(pick);
    weight[pick] = 0.0;
  }
  return chosen;
}

KMeansFit fitKMeans(const Data& input, const KMeansOptions& options, ThreadPool& pool,
                    const Control& control) {
  const Data data = blocked(input);
  Lloyd lloyd(data, options, pool, control);
  KMeansFit best;
  bool haveBest = false;
  for (int restart = 0; restart < options.nInit; ++restart) {
    Rng rng(options.seed, static_cast<std::uint64_t>(restart));
    RowMatrix initial;
    switch (options.init) {
      case KMeansInit::Given:
        initial = ConstRowMap(options.centersInit, options.k, data.d);
        break;
      case KMeansInit::Random:
        initial = rowsAt(data, randomIndices(data, options.k, rng));
        break;
      case KMeansInit::KMeansPlusPlus:
        initial = rowsAt(data, kmeansPlusPlusIndices(data, options.k, rng, pool));
        break;
    }
    KMeansFit fit = lloyd.run(initial, restart);
    if (!haveBest || fit.inertia < best.inertia) {
      best = std::move(fit);
      haveBest = true;
    }
    if (lloyd.stopRequested()) break;
  }
  return best;
}

void assignNearest(const Data& input, const RowMatrix& centers, ThreadPool& pool,
                   std::int32_t* labels, double* distance2) {
  const Data data = blocked(input);
  // Centre on the mean of the centres so that ‖c‖² − 2x·c keeps its precision.
  const RowVector origin = centers.colwise().mean();
  const RowMatrix shifted = centers.rowwise() - origin;
  const Vector c2 = shifted.rowwise().squaredNorm();
  std::vector<Scratch> scratch(pool.size());
  pool.forEach(data.blocks(), [&](Index b, unsigned w) {
    Scratch& s = scratch[w];
    const Index begin = data.blockBegin(b);
    centreRows(data.block(b), origin, s.xc);
    nearestInBlock(s.xc, shifted, c2, s.products, labels + begin, nullptr);
    if (distance2) {
      for (Index i = 0; i < s.xc.rows(); ++i) {
        distance2[begin + i] = (s.xc.row(i) - shifted.row(labels[begin + i])).squaredNorm();
      }
    }
  });
}

void distancesToCenters(const Data& input, const RowMatrix& centers, ThreadPool& pool,
                        double* distances) {
  const Data data = blocked(input);
  const Index k = centers.rows();
  pool.forEach(data.blocks(), [&](Index b, unsigned) {
    const Index begin = data.blockBegin(b);
    for (Index i = begin; i < begin + data.blockSize(b); ++i) {
      const auto x = ConstRowMap(data.x + i * data.d, 1, data.d);
      for (Index c = 0; c < k; ++c) distances[i * k + c] = std::sqrt((x - centers.row(c)).squaredNorm());
    }
  });
}

}  // namespace gaussmix
