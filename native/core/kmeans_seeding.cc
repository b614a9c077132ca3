// K-means' seedings: greedy k-means++ and uniform (or weighted) random rows.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "errors.h"
#include "kmeans.h"
#include "kmeans_rows.h"

namespace gaussmix {
namespace {

// ‖x − c‖² with kmeans_rows.h's fixed order: unrolled for kD <= 4 features (kD = 0: any d).
// The rows' distances are a function of the two rows only, whatever their alignment.
template <int kD>
inline double rowDistance(const double* x, const double* c, Index d) {
  if constexpr (kD > 0) {
    return kmeans::smallDistance<kD>(x, c);
  } else {
    return kmeans::squaredDistance(x, c, d);
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

// searchMass for each of several targets (out[t] for targets[t]). Rows of a single block
// (every small fit) are walked once for all of them: the running sum is the same whatever the
// target (it starts at 0 and adds every row's mass in order), so each target stops at the row
// searchMass would, and only the additions are sequential. Several blocks: one search each
// (which blocks a search skips, and so its rounding, depends on its target).
template <class Mass>
void searchMasses(const Data& data, const std::vector<double>& blockMass, Mass mass,
                  const double* targets, int count, Index* out) {
  if (data.blocks() != 1) {
    for (int t = 0; t < count; ++t) out[t] = searchMass(data, blockMass, mass, targets[t]);
    return;
  }
  int open = 0;  // targets not reached yet, flagged in `pending`
  bool pending[64];  // (count <= kMaxTrials, 64)
  for (int t = 0; t < count; ++t) {
    out[t] = data.n - 1;
    // (searchMass skips the block, i.e. answers n − 1, when 0 + its mass < target.)
    pending[t] = !(0.0 + blockMass[0] < targets[t]);
    open += pending[t] ? 1 : 0;
  }
  double cumulative = 0.0;
  for (Index i = 0; i < data.n && open > 0; ++i) {
    cumulative += mass(i);
    for (int t = 0; t < count; ++t) {
      if (pending[t] && cumulative >= targets[t]) {
        out[t] = i;
        pending[t] = false;
        --open;
      }
    }
  }
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

// Greedy k-means++ on rows that make a single block (every small fit): the indices of the
// blocked search below, bit for bit, with fewer sequential sums. With one block the running sum
// a target's search walks (Σ w·closest from row 0, in row order) is the prefix sum of the very
// additions the absorb of a centre and the candidates' pass make, so those passes store it and
// a search only compares (no chain of additions of its own); the chosen candidate's potential
// is the sum the absorb would add again (the same terms in the same order), so it is taken as
// is; and after the last centre nothing is updated.
template <int kD>
std::vector<Index> singleBlockKMeansPlusPlus(const Data& data, Index k, Rng& rng, int trials) {
  constexpr int kMaxTrials = 64;
  constexpr Index kTermChunk = 64;
  constexpr int kGroup = 4;
  const Index n = data.n;
  const Index d = data.d;
  std::vector<Index> chosen;
  chosen.reserve(static_cast<size_t>(k));

  // The first centre, in proportion to the sample weights (searchMass's answer: n − 1 when
  // the total is below the target, else the first row whose running sum reaches it).
  Index first = n - 1;
  if (!data.weights) {
    // A sum of ones is exact: the running sum at row i is i + 1, the total n.
    const double target = rng.uniform() * static_cast<double>(n);
    first = std::clamp<Index>(static_cast<Index>(std::ceil(target)) - 1, 0, n - 1);
  } else {
    double total = 0.0;
    for (Index i = 0; i < n; ++i) total += data.weights[i];
    const double target = rng.uniform() * total;
    double cumulative = 0.0;
    for (Index i = 0; i < n; ++i) {
      cumulative += data.weights[i];
      if (cumulative >= target) {
        first = i;
        break;
      }
    }
  }
  chosen.push_back(first);
  if (k == 1) return chosen;

  LargeVector<double> closest(static_cast<size_t>(n));
  // The running sums Σ w·closest: of the first centre's absorb, then per candidate ([t·n + i]).
  LargeVector<double> firstRunning(static_cast<size_t>(n));
  LargeVector<double> candidateRunning(static_cast<size_t>(n) * trials);
  LargeVector<double> candidateDistance(static_cast<size_t>(n) * trials);
  double potential = 0.0;
  {
    const double* c = data.x + first * d;
    for (Index i = 0; i < n; ++i) {
      closest[i] = rowDistance<kD>(data.x + i * d, c, d);
      potential += data.weight(i) * closest[i];
      firstRunning[i] = potential;
    }
  }
  const double* running = firstRunning.data();
  Index candidates[kMaxTrials];
  for (Index centre = 1; centre < k; ++centre) {
    for (int t = 0; t < trials; ++t) {
      const double target = rng.uniform() * potential;
      candidates[t] = n - 1;
      if (0.0 + potential < target) continue;
      if (std::isfinite(potential)) {
        // Sums of finite terms >= 0 never decrease (rounding is monotone): a binary search.
        const Index at = std::lower_bound(running, running + n, target) - running;
        if (at < n) candidates[t] = at;
        continue;
      }
      for (Index i = 0; i < n; ++i) {
        if (running[i] >= target) {
          candidates[t] = i;
          break;
        }
      }
    }
    // Each candidate's potential Σ w·min(closest, d(x, candidate)) in row order, as the blocked
    // pass adds it (a chunk of independent terms, then up to kGroup sums at once), with its
    // running sums and distances stored.
    double pot[kMaxTrials] = {};
    double terms[kGroup][kTermChunk] = {};
    double unused[kTermChunk];  // the running sums of a group's slots past the last trial
    for (Index begin = 0; begin < n; begin += kTermChunk) {
      const Index m = std::min(kTermChunk, n - begin);
      for (int t0 = 0; t0 < trials; t0 += kGroup) {
        const int g = std::min(kGroup, trials - t0);
        for (int t = 0; t < g; ++t) {
          const double* c = data.x + candidates[t0 + t] * d;
          double* distance = candidateDistance.data() + (t0 + t) * n + begin;
          for (Index i = 0; i < m; ++i) {
            const Index row = begin + i;
            const double d2 = rowDistance<kD>(data.x + row * d, c, d);
            distance[i] = d2;
            terms[t][i] = data.weight(row) * std::min(closest[row], d2);
          }
        }
        double sum[kGroup] = {};
        double* out[kGroup];
        for (int t = 0; t < kGroup; ++t) {
          sum[t] = t < g ? pot[t0 + t] : 0.0;
          out[t] = t < g ? candidateRunning.data() + (t0 + t) * n + begin : unused;
        }
        for (Index i = 0; i < m; ++i) {
          for (int t = 0; t < kGroup; ++t) {
            sum[t] += terms[t][i];
            out[t][i] = sum[t];
          }
        }
        for (int t = 0; t < g; ++t) pot[t0 + t] = sum[t];
      }
    }
    int best = 0;
    double bestPot = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      if (0.0 + pot[t] < bestPot) {
        bestPot = 0.0 + pot[t];
        best = t;
      }
    }
    chosen.push_back(candidates[best]);
    if (centre + 1 == k) break;
    const double* distance = candidateDistance.data() + best * n;
    for (Index i = 0; i < n; ++i) closest[i] = std::min(closest[i], distance[i]);
    running = candidateRunning.data() + best * n;
    potential = 0.0 + pot[best];
  }
  return chosen;
}

}  // namespace

std::vector<Index> kmeansPlusPlusIndices(const Data& data, Index k, Rng& rng, ThreadPool& pool,
                                         SeedingDistances distances) {
  requireDistinctCandidates(data, k);
  const Index blocks = data.blocks();
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  // 2 + ln K < 64 for any K that fits in memory.
  constexpr int kMaxTrials = 64;
  constexpr Index kTermChunk = 64;
  constexpr int kGroup = 4;
  if (trials > kMaxTrials) throw invalidArgument("too many components for k-means++");
  if (blocks == 1) {
    std::vector<Index> chosen;
    kmeans::withFeatureCount(data.d, [&](auto size) {
      chosen = singleBlockKMeansPlusPlus<decltype(size)::value>(data, k, rng, trials);
    });
    return chosen;
  }
  LargeVector<double> closest(static_cast<size_t>(data.n));
  std::vector<double> blockMass(static_cast<size_t>(blocks));
  std::vector<Index> chosen;

  const Index d = data.d;
  // The candidates' distances to every row are kept from their potentials' pass for the chosen
  // one's absorb, instead of reading the rows again, when that costs less than the reading:
  // trials distances per row (a buffer of at most half the data) against d features.
  const bool keepDistances = distances == SeedingDistances::Automatic
                                 ? 2 * trials <= d
                                 : distances == SeedingDistances::Kept;
  LargeVector<double> trialDistance(keepDistances ? static_cast<size_t>(data.n) * trials : 0);
  // closest = min(closest, d(x, c)) and the block masses w·closest, for a new centre c: its
  // distances computed afresh (kept null) or read from kept[i · trials].
  auto absorb = [&](Index index, bool first, const double* kept) {
    const double* c = data.x + index * d;
    kmeans::withFeatureCount(d, [&](auto size) {
      constexpr int kD = decltype(size)::value;
      pool.forEach(blocks, [&](Index b, unsigned) {
        const Index begin = data.blockBegin(b);
        double mass = 0.0;
        for (Index i = begin; i < begin + data.blockSize(b); ++i) {
          const double d2 = kept ? kept[i * trials] : rowDistance<kD>(data.x + i * d, c, d);
          closest[i] = first ? d2 : std::min(closest[i], d2);
          mass += data.weight(i) * closest[i];
        }
        blockMass[b] = mass;
      });
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
    absorb(searchMass(data, weightMass, [&](Index i) { return data.weight(i); }, target), true,
           nullptr);
  }

  std::vector<Index> candidates(static_cast<size_t>(trials));
  std::vector<double> candidatePot(static_cast<size_t>(blocks) * trials);
  for (Index c = 1; c < k; ++c) {
    double potential = 0.0;
    for (Index b = 0; b < blocks; ++b) potential += blockMass[b];
    double targets[kMaxTrials];
    for (int t = 0; t < trials; ++t) targets[t] = rng.uniform() * potential;
    searchMasses(
        data, blockMass, [&](Index i) { return data.weight(i) * closest[i]; }, targets, trials,
        candidates.data());
    // The potential Σ w·min(closest, d(x, candidate)) of each candidate, per block: each row
    // read once for all the candidates, each candidate's sum in row order.
    kmeans::withFeatureCount(d, [&](auto size) {
      constexpr int kD = decltype(size)::value;
      pool.forEach(blocks, [&](Index b, unsigned) {
        // The sums in a local array (registers for the usual few trials), not in candidatePot:
        // through memory every row's additions would wait on the previous row's stores.
        // The terms w·min(closest, d) of a chunk of rows are independent (computed a chunk at
        // a time, vectorisable); only their sums are sequential, in row order.
        // Up to kGroup trials at once, so that their sums (independent) overlap.
        double pot[kMaxTrials] = {};
        double terms[kGroup][kTermChunk] = {};
        const Index end = data.blockBegin(b) + data.blockSize(b);
        for (Index first = data.blockBegin(b); first < end; first += kTermChunk) {
          const Index m = std::min(kTermChunk, end - first);
          for (int t0 = 0; t0 < trials; t0 += kGroup) {
            const int g = std::min(kGroup, trials - t0);
            for (int t = 0; t < g; ++t) {
              const double* c = data.x + candidates[t0 + t] * d;
              if (keepDistances) {
                double* kept = trialDistance.data() + first * trials + t0 + t;
                for (Index i = 0; i < m; ++i) {
                  const Index row = first + i;
                  const double d2 = rowDistance<kD>(data.x + row * d, c, d);
                  kept[i * trials] = d2;
                  terms[t][i] = data.weight(row) * std::min(closest[row], d2);
                }
              } else {
                for (Index i = 0; i < m; ++i) {
                  const Index row = first + i;
                  terms[t][i] = data.weight(row) *
                                std::min(closest[row], rowDistance<kD>(data.x + row * d, c, d));
                }
              }
            }
            // (all kGroup sums, in registers; those past the last trial are dropped)
            double sum[kGroup] = {};
            std::copy_n(pot + t0, g, sum);
            for (Index i = 0; i < m; ++i) {
              for (int t = 0; t < kGroup; ++t) sum[t] += terms[t][i];
            }
            std::copy_n(sum, g, pot + t0);
          }
        }
        std::copy_n(pot, trials, candidatePot.data() + b * trials);
      });
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
    absorb(candidates[best], false, keepDistances ? trialDistance.data() + best : nullptr);
  }
  return chosen;
}

std::vector<Index> randomIndices(const Data& data, Index k, Rng& rng) {
  requireDistinctCandidates(data, k);
  std::vector<Index> chosen;
  if (!data.weights) {
    // Partial Fisher–Yates.
    LargeVector<Index> order(static_cast<size_t>(data.n));
    std::iota(order.begin(), order.end(), Index{0});
    for (Index i = 0; i < k; ++i) {
      const Index j = i + static_cast<Index>(rng.below(static_cast<std::uint64_t>(data.n - i)));
      std::swap(order[i], order[j]);
      chosen.push_back(order[i]);
    }
    return chosen;
  }
  // Successive draws in proportion to the weights, without replacement.
  LargeVector<double> weight(data.weights, data.weights + data.n);
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

}  // namespace gaussmix
