// The Lloyd driver: restarts, iterations, convergence, empty clusters and the final labels.
// Each iteration's statistics are those kmeansStatistics gives on all the rows (kept up to
// date block by block, see docs/design.md, "The fit's statistics"), and the update is
// maximiseKMeans: the fit is a loop of statistics and updates, bit for bit.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "kept_spare.h"
#include "kmeans.h"
#include "kmeans_bounded.h"
#include "kmeans_pass.h"
#include "kmeans_schedule.h"
#include "kmeans_statistics.h"

namespace gaussmix {
namespace {

using namespace kmeans;

struct Scratch {
  PassScratch pass;
  std::vector<double> block;   // a plain pass's block sums (KMeansLayout; K·D < kBoundedWork)
  Index read = 0;              // the block's rows whose bounds could not keep their label
};
// One per thread slot, from the block cache (memory.h): malloc's arena lock is contended.
static_assert(alignof(Scratch) <= alignof(std::max_align_t), "the block cache aligns to malloc's");
using SlotScratch = std::vector<Scratch, LargeAllocator<Scratch>>;

// A bounded fit's bounds (N + N doubles), kept from one fit to the next up to kKeptBytes
// (kept_spare.h; two thirds of the first pass of a 300,000 x 16, K 32 fit repeated was fresh
// memory faulting in): the first pass, always plain, writes every value anyway (left
// uninitialised).
constexpr std::size_t kKeptBytes = std::size_t{64} << 20;

struct BoundedArrays {
  LargeVector<double> upper;
  LargeVector<double> lower;

  std::size_t bytes() const { return (upper.capacity() + lower.capacity()) * sizeof(double); }
  void swap(BoundedArrays& other) {
    upper.swap(other.upper);
    lower.swap(other.lower);
  }
};
using KeptArrays = KeptSpare<BoundedArrays, BoundedArrays>;

class Lloyd {
 public:
  Lloyd(const Data& data, const KMeansOptions& options, ThreadPool& pool, const Control& control)
      : data_(data), options_(options), pool_(pool), control_(control),
        k_(options.k), d_(data.d), scratch_(pool.slots()),
        bounded_(!plainPass(options.k, data.d)), times_(options.schedule) {
    // tol's scale: the mean feature variance, from moments about the first row.
    if (options.tol > 0.0) {
      const RowVector first = ConstRowMap(data.x, 1, data.d);
      tolerance_ = options.tol * kmeansMoments(data, first, pool).meanVariance();
    }
    bounds_.margin = roundingMargin(d_);
    if (bounded_) {
      BoundedArrays arrays;
      KeptArrays::take(arrays);
      bounds_.upper.swap(arrays.upper);
      bounds_.lower.swap(arrays.lower);
    }
  }
  ~Lloyd() {
    BoundedArrays arrays;
    arrays.upper.swap(bounds_.upper);
    arrays.lower.swap(bounds_.lower);
    KeptArrays::give(arrays, kKeptBytes);
  }
  Lloyd(const Lloyd&) = delete;
  Lloyd& operator=(const Lloyd&) = delete;

  // onIteration returned false: no further restart runs.
  bool stopRequested() const { return stopRequested_; }

  // One Lloyd run from the given centres.
  KMeansFit run(const RowMatrix& initial, int restart) {
    RowMatrix centres = initial;
    // No row in any cluster yet: the first pass adds every row to its cluster's sums.
    labels_.assign(static_cast<size_t>(data_.n), -1);
    // (The bounds are uninitialised: the first pass, plain, writes them all.)
    totals_.resize(KMeansLayout::size(k_, d_));
    rounded_.assign(static_cast<size_t>(KMeansLayout::size(k_, d_)), 0.0);
    touched_.assign(static_cast<size_t>(k_), 0);
    if (bounded_) {
      resizeUninitialised(bounds_.upper, static_cast<size_t>(data_.n));
      resizeUninitialised(bounds_.lower, static_cast<size_t>(data_.n));
      bounds_.drift.setZero(k_);
      bounds_.maxOtherDrift.setZero(k_);
    }
    unlabelled_ = true;
    KMeansFit fit;
    bool unchanged = false;
    double previousObjective = std::numeric_limits<double>::quiet_NaN();
    for (int iter = 0; iter < options_.maxIter; ++iter) {
      control_.throwIfCancelled();
      pass(centres, control_.listening());
      const KMeansStep step = update(centres);
      fit.nIter = iter + 1;
      const double objective = inertiaKnown_ ? inertia_ : std::numeric_limits<double>::quiet_NaN();
      const bool keepGoing =
          control_.report({restart, iter + 1, objective, objective - previousObjective});
      previousObjective = objective;
      if (step.unchanged) {  // the labels belong to the centres
        unchanged = fit.converged = true;
        break;
      }
      if (bounded_) bounds_.moved(centres, step.centres);
      centres = step.centres;
      if (step.shift <= tolerance_) {
        fit.converged = true;
        break;
      }
      if (!keepGoing) {
        stopRequested_ = true;
        break;
      }
    }
    // Labels belong to the final centres, and the inertia is measured to them.
    if (unchanged) {
      if (!inertiaKnown_) measure(centres, false);
    } else {
      pass(centres, true);
    }
    fit.inertia = inertia_;
    fit.clusterWeights.resize(k_);
    for (Index c = 0; c < k_; ++c) fit.clusterWeights[c] = rounded_[KMeansLayout::cluster(d_, c)];
    fit.centers = std::move(centres);
    fit.labels = std::move(labels_);
    return fit;
  }

 private:
  // One pass under the centres: every row's label, and the sums taken afresh (K·D below
  // kBoundedWork) or changed by the rows that moved (kmeans_cluster_sums.h); with wantInertia
  // (always on plain passes) also Σ w·d2 into inertia_. A bounded fit's pass is plain when the
  // last pass is predicted cheaper (times_), or no row has a label; it then renews the bounds.
  // Throws ILL_CONDITIONED when a squared distance overflows.
  void pass(const RowMatrix& centres, bool wantInertia) {
    const auto start = std::chrono::steady_clock::now();
    const Centres cs(centres, options_.float32Shortlist);
    if (cs.firstUnsafe >= 0) throw overflowing(cs.firstUnsafe);
    const bool plain = !bounded_ || unlabelled_ || times_.plainNext();
    if (bounded_) bounds_.spacing(centres);
    inertiaKnown_ = wantInertia || plain;
    if (bounded_) {
      for (Scratch& s : scratch_) s.pass.clusterSums.reset(k_, d_, totals_.size());
    } else {
      totals_.clear();
    }
    ExactSums inertia(1);
    Index read = 0;
    withFeatureCount(d_, [&](auto size) {
      constexpr int kD = decltype(size)::value;
      pool_.forEachOrdered(
          data_.blocks(),
          [&](Index b, unsigned slot) {
            Scratch& s = scratch_[slot];
            if (plain) {
              s.pass.reset(k_, d_, false);
              if (!bounded_) {
                passBlock<kD>(data_, b, cs, s.pass, labels_.data());
              } else {
                s.read = 0;
                passBlock<kD>(data_, b, cs, s.pass, labels_.data(),
                              [&](Index begin, Index rows, const ChunkScratch& chunk) {
                                // The share a bounded pass would read, for the schedule
                                // alone: every eighth row's old bounds, before they are
                                // renewed (all of them were a tenth of do8's plain pass).
                                s.read += kLanes * unkept(begin, begin + rows, kLanes);
                                // (Whole packets of square roots: one at a time was slower.)
                                Eigen::Map<Eigen::ArrayXd>(bounds_.upper.data() + begin, rows) =
                                    Eigen::Map<const Eigen::ArrayXd>(chunk.d2.data(), rows).sqrt();
                                std::copy_n(chunk.lower.data(), rows,
                                            bounds_.lower.data() + begin);
                              });
              }
              if (!bounded_) {
                s.block.resize(static_cast<size_t>(KMeansLayout::size(k_, d_)));
                s.pass.sums.block(s.block.data());
              }
              return;
            }
            boundedBlock<kD>(b, cs, s);
            if (inertiaKnown_) inertiaBlock(data_, b, centres, labels_.data(), s.pass);
          },
          [&](Index, unsigned slot) {
            Scratch& s = scratch_[slot];
            if (s.pass.overflowRow >= 0) throw overflowing(labels_[s.pass.overflowRow]);
            read += s.read;
            if (!bounded_) {
              totals_.add(s.block.data());
              inertia.add(0, s.block.back());
              return;
            }
            if (inertiaKnown_) inertia.add(0, s.pass.sums.blockInertia());
          });
    });
    if (inertiaKnown_) inertia_ = inertia.rounded(0);
    if (bounded_) {
      for (Scratch& s : scratch_) {
        ClusterSums& moved = s.pass.clusterSums;
        const ExactSums& sums = moved.sums();
        // (The touched clusters' only: a late pass moves few rows, and merging all K·(D + 1)
        // sums costs in proportion to them.)
        for (Index c = 0; c < k_; ++c) {
          if (!moved.touched()[static_cast<size_t>(c)]) continue;
          touched_[c] = 1;
          totals_.merge(sums, KMeansLayout::cluster(d_, c), d_ + 1);
        }
      }
    }
    if (bounded_) {
      unlabelled_ = false;
      const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
      times_.record(plain, ms.count(), static_cast<double>(read) / static_cast<double>(data_.n));
    }
    if (!bounded_) {
      totals_.round(rounded_.data());
      return;
    }
    // The rounded sums of the clusters whose sums changed.
    for (Index c = 0; c < k_; ++c) {
      if (!touched_[c]) continue;
      touched_[c] = 0;
      const Index first = KMeansLayout::cluster(d_, c);
      for (Index v = 0; v <= d_; ++v) rounded_[first + v] = totals_.rounded(first + v);
    }
  }

  // Of the rows begin, begin + step, ... before end, those whose bounds, moved by the centres'
  // drifts, could not keep their label (as a bounded pass would find them).
  Index unkept(Index begin, Index end, Index step) const {
    Index count = 0;
    for (Index i = begin; i < end; i += step) {
      const std::int32_t a = labels_[i];
      count += a < 0 || !bounds_.keeps(a, bounds_.upper[i] + bounds_.drift[a],
                                       bounds_.lower[i] - bounds_.maxOtherDrift[a]);
    }
    return count;
  }

  // A bounded pass over block b: labels by the bounds, sub-chunk by sub-chunk, each row that
  // moved moved in the slot's cluster sums (its row is still in cache).
  template <int kD>
  void boundedBlock(Index b, const Centres& cs, Scratch& s) {
    s.pass.overflowRow = -1;
    s.pass.sums.ensure(0, d_);  // Σ w·d2 alone: the cluster sums are s.pass.clusterSums
    s.pass.sums.clearFrom((data_.blockSize(b) + kSubRows - 1) / kSubRows);
    s.read = 0;
    forEachSubChunk(data_, b, [&](Index, Index begin, Index rows) {
      s.read += boundedChunk<kD>(data_, cs, bounds_, begin, rows, s.pass.chunk, labels_.data(),
                                 s.pass.clusterSums, s.pass.overflowRow);
    });
  }

  // Under the centres and the current labels: Σ w·d2 into inertia_, and with far the K rows
  // farthest from their centres into far_.
  void measure(const RowMatrix& centres, bool far) {
    ExactSums inertia(1);
    far_.reset(far ? k_ : 0, d_);
    pool_.forEachOrdered(
        data_.blocks(),
        [&](Index b, unsigned slot) {
          PassScratch& s = scratch_[slot].pass;
          s.reset(k_, d_, far);
          inertiaBlock(data_, b, centres, labels_.data(), s);
        },
        [&](Index, unsigned slot) {
          PassScratch& s = scratch_[slot].pass;
          if (s.overflowRow >= 0) throw overflowing(labels_[s.overflowRow]);
          inertia.add(0, s.sums.blockInertia());
          if (far) far_.merge(s.far, 0);
        });
    inertia_ = inertia.rounded(0);
    inertiaKnown_ = true;
  }

  // The update from the current statistics; the far rows are gathered only when a cluster is
  // empty (they are the same rows the statistics of chunks carry).
  KMeansStep update(const RowMatrix& centres) {
    bool empty = false;
    for (Index c = 0; c < k_ && !empty; ++c) empty = rounded_[KMeansLayout::cluster(d_, c)] == 0.0;
    far_.reset(0, d_);
    if (empty) measure(centres, true);
    return maximiseKMeans(centres, totals_, rounded_.data(), far_);
  }

  const Data& data_;
  const KMeansOptions& options_;
  ThreadPool& pool_;
  const Control& control_;
  Index k_;
  Index d_;
  SlotScratch scratch_;
  // Few centres times few features: every row is measured against every centre, every pass
  // (the bounds would cost more than they save).
  bool bounded_;
  bool unlabelled_ = true;  // no pass of this run yet: the next is plain
  PassTimes times_;        // bounded_: which kind the next pass is
  Bounds bounds_;
  LargeVector<std::int32_t> labels_;
  ExactSums totals_;           // KMeansLayout: the sums of every block, exactly (inertia unused)
  std::vector<double> rounded_;  // totals_ rounded
  std::vector<std::uint8_t> touched_;  // K: the clusters whose totals changed since rounded
  FarRows far_;
  double inertia_ = 0.0;       // Σ w‖x − c_label‖² of the last pass, when inertiaKnown_
  bool inertiaKnown_ = false;
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
