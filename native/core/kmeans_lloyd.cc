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
  Changes changes;                  // of the sub-chunk being labelled
  std::vector<std::uint8_t> dirty;  // K: the clusters whose sums changed in the block
  std::vector<double> before;       // K x (D + 1): their block sums before the pass
  std::vector<double> after;        // D + 1
  // For every dirty cluster whose block sums changed: (cluster, where in values its sums
  // before and after are).
  std::vector<std::pair<Index, Index>> deltas;
  std::vector<double> values;
  std::vector<double> arrays;  // addDeltas' two arrays
  std::vector<double> block;   // a plain pass's block sums (KMeansLayout)
  Index read = 0;              // the block's rows whose bounds could not keep their label
};
// One per thread slot, from the block cache (memory.h): malloc's arena lock is contended.
static_assert(alignof(Scratch) <= alignof(std::max_align_t), "the block cache aligns to malloc's");
using SlotScratch = std::vector<Scratch, LargeAllocator<Scratch>>;

// The fit's per-cluster sums are stored per sub-chunk, so that a changed label costs the
// re-reading of one sub-chunk's rows of two clusters (mostly just read), unless there are so
// many clusters that a block holds few rows of each (kFineClusters), or that store would take
// more than kFineStoreBytes and half the data's size; then per block.
constexpr Index kFineClusters = 256;
constexpr std::size_t kFineStoreBytes = std::size_t{64} << 20;

// A bounded fit's bounds and stored sums (N + N doubles, and the store), kept from one fit to
// the next up to kKeptBytes (kept_spare.h; two thirds of the first pass of a 300,000 x 16, K 32
// fit repeated was fresh memory faulting in): the first pass, always plain, writes every value
// anyway (left uninitialised).
constexpr std::size_t kKeptBytes = std::size_t{64} << 20;

struct BoundedArrays {
  LargeVector<double> upper;
  LargeVector<double> lower;
  LargeVector<double> store;

  std::size_t bytes() const {
    return (upper.capacity() + lower.capacity() + store.capacity()) * sizeof(double);
  }
  void swap(BoundedArrays& other) {
    upper.swap(other.upper);
    lower.swap(other.lower);
    store.swap(other.store);
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
    const std::size_t fine = static_cast<std::size_t>(data.blocks() * kLanes * k_ * (d_ + 1)) * 8;
    fine_ = k_ < kFineClusters &&
            fine <= std::max(kFineStoreBytes, static_cast<std::size_t>(data.n * d_) * 4);
    if (bounded_) {
      BoundedArrays arrays;
      KeptArrays::take(arrays);
      bounds_.upper.swap(arrays.upper);
      bounds_.lower.swap(arrays.lower);
      store_.swap(arrays.store);
    }
  }
  ~Lloyd() {
    BoundedArrays arrays;
    arrays.upper.swap(bounds_.upper);
    arrays.lower.swap(bounds_.lower);
    arrays.store.swap(store_);
    KeptArrays::give(arrays, kKeptBytes);
  }
  Lloyd(const Lloyd&) = delete;
  Lloyd& operator=(const Lloyd&) = delete;

  // onIteration returned false: no further restart runs.
  bool stopRequested() const { return stopRequested_; }

  // One Lloyd run from the given centres.
  KMeansFit run(const RowMatrix& initial, int restart) {
    RowMatrix centres = initial;
    labels_.assign(static_cast<size_t>(data_.n), -1);
    // (The store and the bounds are uninitialised: the first pass, plain, writes them all.)
    if (bounded_) {
      resizeUninitialised(store_, static_cast<size_t>(data_.blocks() * units() * k_ * (d_ + 1)));
    }
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
  // Sub-chunks per stored unit of sums.
  Index units() const { return fine_ ? kLanes : 1; }
  // Cluster c's stored sums of unit u of block b (D + 1 values).
  double* stored(Index b, Index u, Index c) {
    return store_.data() + ((b * units() + u) * k_ + c) * (d_ + 1);
  }

  // One pass under the centres: every row's label, and the sums taken afresh (plain passes) or
  // updated where a label changed (bounded passes, see boundedBlock); with wantInertia (always
  // on plain passes) also Σ w·d2 into inertia_. A bounded fit's pass is plain when the last
  // pass is predicted cheaper (times_), or no row has a label; it then renews the bounds and the
  // stored sums. Throws ILL_CONDITIONED when a squared distance overflows.
  void pass(const RowMatrix& centres, bool wantInertia) {
    const auto start = std::chrono::steady_clock::now();
    const Centres cs(centres, options_.float32Shortlist);
    if (cs.firstUnsafe >= 0) throw overflowing(cs.firstUnsafe);
    const bool plain = !bounded_ || unlabelled_ || times_.plainNext();
    if (bounded_) bounds_.spacing(centres);
    inertiaKnown_ = wantInertia || plain;
    if (plain) totals_.clear();
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
              s.block.resize(static_cast<size_t>(KMeansLayout::size(k_, d_)));
              s.pass.sums.block(s.block.data());
              if (bounded_) storeBlock(b, s);
              return;
            }
            boundedBlock<kD>(b, cs, s);
            if (inertiaKnown_) inertiaBlock(data_, b, centres, labels_.data(), s.pass);
          },
          [&](Index, unsigned slot) {
            Scratch& s = scratch_[slot];
            if (s.pass.overflowRow >= 0) throw overflowing(labels_[s.pass.overflowRow]);
            read += s.read;
            if (plain) {
              totals_.add(s.block.data());
              inertia.add(0, s.block.back());
              return;
            }
            addDeltas(s);
            if (inertiaKnown_) inertia.add(0, s.pass.sums.blockInertia());
          });
    });
    if (inertiaKnown_) inertia_ = inertia.rounded(0);
    if (bounded_) {
      unlabelled_ = false;
      const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
      times_.record(plain, ms.count(), static_cast<double>(read) / static_cast<double>(data_.n));
    }
    if (plain) {
      totals_.round(rounded_.data());
      std::fill(touched_.begin(), touched_.end(), std::uint8_t{0});
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

  // A plain pass's sums of block b (s.pass.sums, folded in s.block) into the store.
  void storeBlock(Index b, Scratch& s) {
    const Index width = d_ + 1;
    if (!fine_) {
      std::copy_n(s.block.data(), k_ * width, stored(b, 0, 0));
      return;
    }
    for (Index u = 0; u < kLanes; ++u) std::copy_n(s.pass.sums.sub(u), k_ * width, stored(b, u, 0));
  }

  // A block's changed sums into the totals, exactly: the old taken out, the new put in (as two
  // arrays when they are many).
  void addDeltas(Scratch& s) {
    const Index width = d_ + 1;
    for (const auto& delta : s.deltas) touched_[delta.first] = 1;
    if (static_cast<Index>(s.deltas.size()) * 2 >= k_) {
      s.arrays.assign(static_cast<size_t>(2 * totals_.size()), 0.0);
      double* old = s.arrays.data();
      double* now = old + totals_.size();
      for (const auto& [c, at] : s.deltas) {
        const Index first = KMeansLayout::cluster(d_, c);
        for (Index v = 0; v < width; ++v) {
          old[first + v] = -s.values[at + v];
          now[first + v] = s.values[at + width + v];
        }
      }
      totals_.add(old);
      totals_.add(now);
      return;
    }
    for (const auto& [c, at] : s.deltas) {
      const Index first = KMeansLayout::cluster(d_, c);
      const double* old = s.values.data() + at;
      const double* now = old + width;
      for (Index v = 0; v < width; ++v) {
        if (old[v] != 0.0) totals_.add(first + v, -old[v]);
        if (now[v] != 0.0) totals_.add(first + v, now[v]);
      }
    }
  }

  // A bounded pass over block b: labels by the bounds, sub-chunk by sub-chunk; the sums of
  // every (sub-chunk, cluster) that gained or lost a row taken afresh from the sub-chunk's rows
  // of that cluster into the store (or, with a store per block, the block's rows of every
  // cluster that changed); and in s.deltas the block sums of each cluster whose sums changed,
  // before and after.
  template <int kD>
  void boundedBlock(Index b, const Centres& cs, Scratch& s) {
    const Index width = d_ + 1;
    s.pass.overflowRow = -1;
    s.pass.sums.ensure(k_, d_);
    s.pass.sums.clearFrom((data_.blockSize(b) + kSubRows - 1) / kSubRows);
    s.dirty.assign(static_cast<size_t>(k_), 0);
    s.before.resize(static_cast<size_t>(k_ * width));
    s.after.resize(static_cast<size_t>(width));
    s.deltas.clear();
    s.values.clear();
    s.read = 0;
    bool changed = false;
    const auto blockSums = [&](Index c, double* out) {
      if (fine_) {
        foldSubChunks(stored(b, 0, c), k_ * width, width, out);
      } else {
        std::copy_n(stored(b, 0, c), width, out);
      }
    };
    // The sums of the rows [begin, begin + rows) (a sub-chunk) of each selected cluster c,
    // into out(c).
    const auto sumRows = [&](Index begin, Index rows, const std::uint8_t* selected, auto out) {
      s.pass.clusterRows.sum(data_.x + begin * d_, d_,
                             data_.weights ? data_.weights + begin : nullptr, rows,
                             labels_.data() + begin, k_, selected, out);
    };
    forEachSubChunk(data_, b, [&](Index sub, Index begin, Index rows) {
      s.changes.reset(k_);
      boundedChunk<kD>(data_, cs, bounds_, begin, rows, s.pass.chunk, labels_.data(), s.changes,
                       s.pass.overflowRow);
      s.read += s.changes.read;
      if (!s.changes.any) return;
      changed = true;
      for (Index c = 0; c < k_; ++c) {
        if (s.changes.involved[c] && !s.dirty[c]) {
          s.dirty[c] = 1;
          blockSums(c, s.before.data() + c * width);
        }
      }
      if (fine_) {
        sumRows(begin, rows, s.changes.involved.data(), [&](Index c) { return stored(b, sub, c); });
      }
    });
    if (!changed) return;
    if (!fine_) {
      // Each changed cluster's sub-chunk sums (0 past the data), folded into its block sums.
      forEachSubChunk(data_, b, [&](Index sub, Index begin, Index rows) {
        sumRows(begin, rows, s.dirty.data(),
                [&](Index c) { return s.pass.sums.sub(sub) + c * width; });
      });
      for (Index c = 0; c < k_; ++c) {
        if (s.dirty[c]) {
          foldSubChunks(s.pass.sums.sub(0) + c * width, s.pass.sums.stride(), width,
                        stored(b, 0, c));
        }
      }
    }
    for (Index c = 0; c < k_; ++c) {
      if (!s.dirty[c]) continue;
      blockSums(c, s.after.data());
      const double* old = s.before.data() + c * width;
      if (std::memcmp(old, s.after.data(), static_cast<size_t>(width) * sizeof(double)) == 0) {
        continue;
      }
      s.deltas.emplace_back(c, static_cast<Index>(s.values.size()));
      s.values.insert(s.values.end(), old, old + width);
      s.values.insert(s.values.end(), s.after.begin(), s.after.end());
    }
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
  // Bounded: per block, per unit (sub-chunk, or the block), per cluster: its sums (Σw, Σw·x).
  LargeVector<double> store_;
  bool fine_ = true;           // units are sub-chunks

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
