// The Lloyd driver: restarts, iterations, convergence, empty clusters and the final labels.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "kmeans.h"
#include "kmeans_bounded.h"
#include "kmeans_plain.h"

namespace gaussmix {
namespace {

using namespace kmeans;

// Per column of a row-major block of kD features, Σ x (kPower 1) or Σ (x − o)² (kPower 2, o
// the origin): row i into partial sum i mod 8 (eight independent chains of adds), the partials
// folded in a fixed order.
template <int kD, int kPower>
RowVector columnMoments(const ConstRowMap& x, const RowVector& o) {
  static_assert(kD > 0 && (kPower == 1 || kPower == 2), "few features, first or second moments");
  constexpr Index kFlat = kLanes * kD;
  double acc[kFlat] = {};
  double of[kFlat] = {};  // the origin repeated per row of eight (kPower 2)
  if constexpr (kPower == 2) {
    for (Index m = 0; m < kFlat; ++m) of[m] = o[m % kD];
  }
  const Index rows = x.rows();
  const double* p = x.data();
  const auto term = [&](Index m) -> double {
    if constexpr (kPower == 1) {
      return p[m];
    } else {
      const double y = p[m] - of[m];
      return y * y;
    }
  };
  Index i = 0;
  for (; i + kLanes <= rows; i += kLanes, p += kFlat) {
    for (Index m = 0; m < kFlat; ++m) acc[m] += term(m);
  }
  for (Index m = 0; i < rows; ++i) {
    for (Index t = 0; t < kD; ++t, ++m) acc[m] += term(m);
  }
  RowVector out(kD);
  for (Index t = 0; t < kD; ++t) {
    Lane lanes;
    for (Index u = 0; u < kLanes; ++u) lanes[u] = acc[u * kD + t];
    out[t] = foldLanes(lanes);
  }
  return out;
}

class Lloyd {
 public:
  Lloyd(const Data& data, const KMeansOptions& options, ThreadPool& pool, const Control& control)
      : data_(data), options_(options), pool_(pool), control_(control),
        scratch_(pool.slots()),
        bounded_(options.k * data.d >= kBoundedWork) {
    computeMoments();
  }

  // onIteration returned false: no further restart runs.
  bool stopRequested() const { return stopRequested_; }

  // One Lloyd run from the given centres (original coordinates).
  KMeansFit run(const RowMatrix& initial, int restart) {
    const Index k = options_.k;
    RowMatrix centers = initial.rowwise() - origin_;
    LargeVector<std::int32_t> labels(static_cast<size_t>(data_.n), -1);
    if (bounded_) {
      bounds_.upper.assign(static_cast<size_t>(data_.n), 0.0);
      bounds_.lower.assign(static_cast<size_t>(data_.n), 0.0);
    }
    bounds_.drift.setZero(k);
    bounds_.maxOtherDrift.setZero(k);
    KMeansFit fit;
    bool strict = false;  // stopped because no label changed
    bool exact = false;   // ... the last pass was a full one and the centres did not move
    bool full = true;     // the next pass takes the sums afresh (see Sums)
    double previousObjective = std::numeric_limits<double>::quiet_NaN();
    double lastObjective = 0.0;
    for (int iter = 0; iter < options_.maxIter; ++iter) {
      control_.throwIfCancelled();
      const bool wasFull = full;
      Sums total = pass(centers, labels.data(), full ? Pass::Full : Pass::Incremental);
      double objective = total.objective;
      if (wasFull) {
        state_ = std::move(total);
        // Without bounds, about the origin: the centres are then Σwx/Σw as plain Lloyd takes
        // them, bit for bit unchanged when only rows of weight 0 changed cluster.
        if (bounded_) {
          references_ = centers;
        } else {
          references_.setZero(centers.rows(), centers.cols());
        }
      } else {
        state_.add(total, true);
        state_.changed = total.changed;
        objective = inertiaAbout(centers);
      }
      // A cluster left with no row of positive weight has exactly no weight (full passes
      // without bounds keep no counts: their weights are fresh sums).
      for (Index c = 0; c < k && bounded_; ++c) {
        if (state_.count[c] == 0) {
          state_.weight[c] = 0.0;
          state_.squares[c] = 0.0;
          state_.sum.row(c).setZero();
        }
      }
      const bool relocated = (state_.weight.array() == 0.0).any();
      if (relocated) relocateEmpty(centers, labels);
      // Labels unchanged and no relocation: the centres are already the means of their rows
      // (the update would only round them again), and they are kept; after a full pass this
      // assignment's objective is then the inertia.
      const bool stable = state_.changed == 0 && !relocated;
      const bool same = wasFull && stable;
      RowMatrix updated = centers;
      for (Index c = 0; c < k && !stable; ++c) {
        if (state_.weight[c] > 0.0) {
          updated.row(c) = references_.row(c) + state_.sum.row(c) / state_.weight[c];
        }
      }
      const double shift = (updated - centers).rowwise().squaredNorm().sum();
      full = !bounded_ || relocated || needsFullPass(updated);
      if (bounded_) bounds_.moved(centers, updated);
      centers.swap(updated);
      fit.nIter = iter + 1;
      const double change = objective - previousObjective;
      previousObjective = objective;
      lastObjective = objective;
      const bool keepGoing = control_.report({restart, iter + 1, objective, change});
      if (state_.changed == 0) {
        strict = true;
        exact = same;
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
    // Labels must belong to the final centres (unless they were stable: scikit-learn keeps
    // them then), and the inertia is measured to those centres, row by row.
    if (!strict) {
      const Sums last = pass(centers, labels.data(), Pass::Assign);
      fit.inertia = last.objective;
      fit.clusterWeights = last.weight;
    } else {
      if (exact) {
        fit.inertia = lastObjective;
        fit.clusterWeights = state_.weight;
      } else {
        fit.inertia = inertia(centers, labels, fit.clusterWeights);
      }
    }
    fit.centers = centers.rowwise() + origin_;
    fit.labels = std::move(labels);
    return fit;
  }

 private:
  enum class Pass {
    Full,         // every row read: labels, the sums afresh about the pass's centres
    Incremental,  // only the rows the bounds cannot keep; the sums' changes
    Assign,       // every row read: labels and the inertia, no sums
  };

  // Cluster c's Σ w‖x − centre‖² from its sums (see Sums), and in shiftTerm Σw‖centre − r_c‖².
  double clusterInertia(Index c, const RowVector& centre, double& shiftTerm) const {
    const RowVector delta = centre - references_.row(c);
    shiftTerm = state_.weight[c] * delta.squaredNorm();
    return state_.squares[c] - 2.0 * delta.dot(state_.sum.row(c)) + shiftTerm;
  }

  // Σ w‖x − c_label‖² from the sums for the centres c of the last pass.
  double inertiaAbout(const RowMatrix& centers) const {
    double total = 0.0;
    double shiftTerm = 0.0;
    for (Index c = 0; c < centers.rows(); ++c) {
      if (state_.weight[c] == 0.0) continue;
      total += std::max(clusterInertia(c, centers.row(c), shiftTerm), 0.0);
    }
    return total;
  }

  // Whether the sums should be taken afresh before the next pass (see kRebaseShift).
  bool needsFullPass(const RowMatrix& next) const {
    for (Index c = 0; c < next.rows(); ++c) {
      const double w = state_.weight[c];
      if (w == 0.0) continue;
      double shiftTerm = 0.0;
      const double about = clusterInertia(c, next.row(c), shiftTerm);
      if (shiftTerm > kRebaseShift * about || state_.removed[c] > kRebaseRemoved * w) return true;
    }
    return false;
  }

  // Unweighted mean (the origin for centring) and tol scaled by the mean feature variance,
  // both as scikit-learn computes them (the variance only when tol > 0: with tol 0 the
  // threshold is 0 whatever it is).
  void computeMoments() {
    const Index d = data_.d;
    std::vector<RowVector> partial(pool_.slots(), RowVector::Zero(d));
    RowVector total = RowVector::Zero(d);
    // Σ x (power 1) or Σ (x − origin_)² (power 2) per column, in blocks folded in block order.
    const auto moments = [&](auto power) {
      constexpr int kPower = decltype(power)::value;
      withFeatureCount(d, [&](auto size) {
        constexpr int kD = decltype(size)::value;
        pool_.forEachOrdered(
            data_.blocks(),
            [&](Index b, unsigned slot) {
              if constexpr (kD > 0) {
                partial[slot] = columnMoments<kD, kPower>(data_.block(b), origin_);
              } else if constexpr (kPower == 1) {
                partial[slot] = data_.block(b).colwise().sum();
              } else {
                partial[slot] =
                    (data_.block(b).rowwise() - origin_).array().square().colwise().sum();
              }
            },
            [&](Index, unsigned slot) { total += partial[slot]; });
      });
    };
    moments(std::integral_constant<int, 1>());
    origin_ = total / static_cast<double>(data_.n);
    if (options_.tol == 0.0) {
      tolerance_ = 0.0;
      return;
    }
    total.setZero();
    moments(std::integral_constant<int, 2>());
    tolerance_ = (total / static_cast<double>(data_.n)).mean() * options_.tol;
  }

  // One pass over the data, chunk by chunk: every row to its nearest centre. Full and Assign:
  // the squared distance to it (exact, ‖x − c‖²) summed with the weights into the objective,
  // and with Full also the sums per centre about that centre. Incremental: the changes of the
  // sums (see Sums). Throws ILL_CONDITIONED when a squared distance could overflow (the labels
  // would not be the nearest centres).
  Sums pass(const RowMatrix& centers, std::int32_t* labels, Pass mode) {
    const bool update = mode != Pass::Assign;
    const Index k = centers.rows();
    const Index d = data_.d;
    const Centres cs(centers);
    if (cs.firstUnsafe >= 0) throw overflowing(cs.firstUnsafe);
    if (bounded_) bounds_.spacing(centers);
    BoundedPass bounded{data_, origin_, bounds_, references_};
    Sums total;
    total.reset(k, d, update);
    withFeatureCount(d, [&](auto size) {
      constexpr int kD = decltype(size)::value;
      pool_.forEachOrdered(
          data_.blocks(),
          [&](Index b, unsigned slot) {
            Scratch& s = scratch_[slot];
            s.sums.reset(k, d, update);
            const Index blockBegin = data_.blockBegin(b);
            forEachChunk(data_.blockSize(b), kChunkRows, [&](Index offset, Index rows) {
              const Index begin = blockBegin + offset;
              if (mode == Pass::Incremental) {
                bounded.move<kD>(cs, begin, rows, s, labels);
                return;
              }
              if (!bounded_) {
                plainChunk<kD>(data_, origin_, cs, begin, rows, update, s, labels);
                return;
              }
              bounded.assign<kD>(cs, begin, rows, s.chunk, labels);
              if (update) {
                bounded.accumulate<kD, true>(cs, begin, rows, s, labels);
              } else {
                bounded.accumulate<kD, false>(cs, begin, rows, s, labels);
              }
            });
          },
          [&](Index b, unsigned slot) {
            const Sums& sums = scratch_[slot].sums;
            if (sums.overflowRow >= 0) throw overflowing(labels[sums.overflowRow]);
            total.add(sums, update);
            if (!std::isfinite(total.objective)) {
              throw overflowing(heaviestInBlock(centers, labels, b));
            }
          });
    });
    return total;
  }

  // Also the weight of each cluster into weights (K).
  // Σ w‖x − c_label‖² for given labels (after a relocation that left every label unchanged).
  double inertia(const RowMatrix& centers, const LargeVector<std::int32_t>& labels,
                 Vector& weights) {
    // Per slot: the block's sum and its first overflowing row (thrown in block order), and
    // the cluster weights.
    std::vector<std::pair<double, Index>> partial(pool_.slots());
    std::vector<Vector> partialWeights(pool_.slots());
    double total = 0.0;
    weights.setZero(centers.rows());
    withFeatureCount(data_.d, [&](auto size) {
      constexpr int kD = decltype(size)::value;
      const Index d = kD > 0 ? kD : data_.d;
      pool_.forEachOrdered(
          data_.blocks(),
          [&](Index b, unsigned slot) {
            const Index begin = data_.blockBegin(b);
            double sum = 0.0;
            Index overflowRow = -1;
            Vector& w = partialWeights[slot];
            w.setZero(centers.rows());
            std::vector<double> xc(static_cast<size_t>(d));
            const double* o = origin_.data();
            for (Index i = begin; i < begin + data_.blockSize(b); ++i) {
              const double* x = data_.x + i * d;
              for (Index j = 0; j < d; ++j) xc[j] = x[j] - o[j];
              const double* c = centers.data() + labels[i] * d;
              const double d2 = squaredDistance(xc.data(), c, d);
              if (!(d2 <= kSafeSquare) && overflowRow < 0) overflowRow = i;
              sum += data_.weight(i) * d2;
              w[labels[i]] += data_.weight(i);
            }
            partial[slot] = {sum, overflowRow};
          },
          [&](Index b, unsigned slot) {
            if (partial[slot].second >= 0) throw overflowing(labels[partial[slot].second]);
            total += partial[slot].first;
            weights += partialWeights[slot];
            if (!std::isfinite(total)) {
              throw overflowing(heaviestInBlock(centers, labels.data(), b));
            }
          });
    });
    return total;
  }

  // The label of the row of block b with the largest weighted squared distance (the inertia
  // overflowed while adding that block).
  Index heaviestInBlock(const RowMatrix& centers, const std::int32_t* labels, Index b) const {
    Index heaviest = data_.blockBegin(b);
    double most = -1.0;
    for (Index i = data_.blockBegin(b); i < data_.blockBegin(b) + data_.blockSize(b); ++i) {
      const RowVector xc = ConstRowMap(data_.x + i * data_.d, 1, data_.d) - origin_;
      const double v = data_.weight(i) * (xc - centers.row(labels[i])).squaredNorm();
      if (!(v <= most)) {
        most = v;
        heaviest = i;
        if (std::isnan(v)) break;
      }
    }
    return labels[heaviest];
  }

  // scikit-learn's rule: each empty cluster takes the point farthest from its assigned centre
  // (descending distance, ties to the lowest index; zero-weight points are never taken).
  // The donor's sums lose the row; the empty cluster's reference becomes the row itself, so
  // that its centre is exactly that row (the next pass is a full one).
  void relocateEmpty(const RowMatrix& centers, const LargeVector<std::int32_t>& labels) {
    Sums& total = state_;
    std::vector<Index> empty;
    for (Index c = 0; c < centers.rows(); ++c) {
      if (total.weight[c] == 0.0) empty.push_back(c);
    }
    LargeVector<double> distance(static_cast<size_t>(data_.n));
    pool_.forEach(data_.blocks(), [&](Index b, unsigned) {
      const Index begin = data_.blockBegin(b);
      for (Index i = begin; i < begin + data_.blockSize(b); ++i) {
        distance[i] = squaredDistance(data_, i, centers.row(labels[i]) + origin_);
      }
    });
    LargeVector<Index> order;
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
      total.move(from, xc.data(), references_.row(from).data(), data_.d, weight, -1.0);
      references_.row(empty[e]) = xc;
      total.sum.row(empty[e]).setZero();
      total.squares[empty[e]] = 0.0;
      total.weight[empty[e]] = weight;
      total.count[empty[e]] = 1;
    }
  }

  const Data& data_;
  const KMeansOptions& options_;
  ThreadPool& pool_;
  const Control& control_;
  std::vector<Scratch> scratch_;
  // Few centres times few features: every row is measured against every centre, every pass
  // (the bounds would cost more than they save).
  bool bounded_;
  Bounds bounds_;
  Sums state_;             // the sums of the current assignment (see Sums)
  RowMatrix references_;   // K x D: their reference points r
  RowVector origin_;
  double tolerance_ = 0.0;
  bool stopRequested_ = false;
};

RowMatrix rowsAt(const Data& data, const std::vector<Index>& indices) {
  RowMatrix out(static_cast<Index>(indices.size()), data.d);
  for (size_t c = 0; c < indices.size(); ++c) {
    out.row(static_cast<Index>(c)) = ConstRowMap(data.x + indices[c] * data.d, 1, data.d);
  }
  return out;
}

}  // namespace

KMeansFit fitKMeans(const Data& data, const KMeansOptions& options, ThreadPool& pool,
                    const Control& control) {
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

}  // namespace gaussmix
