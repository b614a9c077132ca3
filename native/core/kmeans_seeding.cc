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

// The candidates' distances to a chunk of rows (m rows from row `first`; out holds them rounded
// up to whole packets), as rowDistance gives them: along the rows laid out by column (xt, with
// the given stride) where a packet holds four doubles or more; with two (SSE2, NEON) laying
// the rows out costs more than it saves (200,000 x 64: 20% slower), so row by row.
constexpr bool kAlongRows = detail::kPacket >= 4;

template <int kD>
void chunkDistances(const Data& data, const double* xt, Index stride, Index first, Index m,
                    const double* c, double* out) {
  if constexpr (kAlongRows) {
    kmeans::squaredDistancesAlongRows<kD>(xt, stride, m, c, data.d, out);
  } else {
    for (Index i = 0; i < m; ++i) out[i] = rowDistance<kD>(data.x + (first + i) * data.d, c, data.d);
  }
}

// The first block from `from` on whose mass takes cumulative (the mass before block from) to
// target, with cumulative then the mass before it; blockMass.size() when none does.
Index blockReaching(const std::vector<double>& blockMass, Index from, double target,
                    double& cumulative) {
  const Index blocks = static_cast<Index>(blockMass.size());
  for (Index b = from; b < blocks; ++b) {
    if (!(cumulative + blockMass[b] < target)) return b;
    cumulative += blockMass[b];
  }
  return blocks;
}

// Masses (w·closest, or the weights) are added in groups of kSumGroup rows from each block's
// start: a group's sum in a fixed tree, then the groups one after another. A chain of n / 8
// dependent additions rather than n: on a small fit (500 rows) the chains of row-by-row running
// sums were most of k-means++'s time.
constexpr Index kSumGroup = 8;

// The sum of a group's eight masses (+0 for rows past the end) in the fixed tree.
inline double groupTree(const double* t) {
  return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}

// Σ of m masses (m a whole number of groups but for the block's last), group by group, onto sum.
inline double addGroups(const double* t, Index m, double sum) {
  Index i = 0;
  for (; i + kSumGroup <= m; i += kSumGroup) sum += groupTree(t + i);
  if (i < m) {
    double last[kSumGroup] = {};
    std::copy(t + i, t + m, last);
    sum += groupTree(last);
  }
  return sum;
}

// The row of the group, from `first` (below end), whose masses t take cumulative to target:
// the first whose running sum reaches it, or the group's last when rounding leaves it short.
inline Index rowInGroup(const double* t, Index first, Index end, double cumulative, double target) {
  const Index rows = std::min(kSumGroup, end - first);
  for (Index j = 0; j < rows; ++j) {
    cumulative += t[j];
    if (cumulative >= target) return first + j;
  }
  return first + rows - 1;
}

// The index whose cumulative mass first reaches target (numpy.searchsorted, side 'left', on the
// sums as grouped above), skipping whole blocks by their precomputed sums, then whole groups.
// mass(i) is the mass of row i.
template <class Mass>
Index searchMass(const Data& data, const std::vector<double>& blockMass, Mass mass,
                 double target) {
  double cumulative = 0.0;
  for (Index b = blockReaching(blockMass, 0, target, cumulative); b < data.blocks();
       b = blockReaching(blockMass, b + 1, target, cumulative)) {
    const Index begin = data.blockBegin(b);
    const Index end = begin + data.blockSize(b);
    for (Index g = begin; g < end; g += kSumGroup) {
      double t[kSumGroup] = {};
      for (Index j = 0; j < std::min(kSumGroup, end - g); ++j) t[j] = mass(g + j);
      const double sum = groupTree(t);
      if (cumulative + sum >= target) return rowInGroup(t, g, end, cumulative, target);
      cumulative += sum;
    }
  }
  return data.n - 1;
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
// a target's search walks (group by group from row 0) is the prefix sum of the very group sums
// the absorb of a centre and the candidates' pass take, so those passes store it per group and
// a search finds its group by bisection, then walks that group's rows; the chosen candidate's
// potential is the sum the absorb would take again (the same terms in the same order), so it
// is taken as is; and after the last centre nothing is updated.
template <int kD>
std::vector<Index> singleBlockKMeansPlusPlus(const Data& data, Index k, Rng& rng, int trials) {
  constexpr int kMaxTrials = 64;
  constexpr Index kTermChunk = 64;  // a whole number of groups
  constexpr int kAtOnce = 4;        // candidates whose sums are taken together
  const Index n = data.n;
  const Index d = data.d;
  const Index groups = (n + kSumGroup - 1) / kSumGroup;
  std::vector<Index> chosen;
  chosen.reserve(static_cast<size_t>(k));

  // The first centre, in proportion to the sample weights (searchMass's answer: n − 1 when
  // the total is below the target, else the row whose grouped running sum reaches it).
  Index first = n - 1;
  if (!data.weights) {
    // Sums of ones are exact: the running sum at row i is i + 1, the total n.
    const double target = rng.uniform() * static_cast<double>(n);
    first = std::clamp<Index>(static_cast<Index>(std::ceil(target)) - 1, 0, n - 1);
  } else {
    const std::vector<double> total(1, addGroups(data.weights, n, 0.0));
    first = searchMass(data, total, [&](Index i) { return data.weights[i]; },
                       rng.uniform() * total[0]);
  }
  chosen.push_back(first);
  if (k == 1) return chosen;

  LargeVector<double> closest(static_cast<size_t>(n));
  // The running sums after each group: of the first centre's absorb, then per candidate
  // ([t·groups + g]).
  LargeVector<double> firstRunning(static_cast<size_t>(groups));
  LargeVector<double> candidateRunning(static_cast<size_t>(groups) * trials);
  // The rows laid out by column once (chunkDistances); the candidates' distances per candidate
  // ([t·padded + i], whole packets of rows).
  const Index padded = (n + detail::kPacket - 1) / detail::kPacket * detail::kPacket;
  LargeVector<double> columns(kAlongRows ? static_cast<size_t>(padded * d) : 0);
  if (kAlongRows) transposeRows(data.x, n, d, columns.data(), padded);
  LargeVector<double> candidateDistance(static_cast<size_t>(padded) * trials);
  double potential = 0.0;
  {
    const double* c = data.x + first * d;
    for (Index g = 0; g < groups; ++g) {
      double t[kSumGroup] = {};
      for (Index j = 0, i = g * kSumGroup; j < kSumGroup && i < n; ++j, ++i) {
        closest[i] = rowDistance<kD>(data.x + i * d, c, d);
        t[j] = data.weight(i) * closest[i];
      }
      potential += groupTree(t);
      firstRunning[g] = potential;
    }
  }
  const double* running = firstRunning.data();
  Index candidates[kMaxTrials];
  for (Index centre = 1; centre < k; ++centre) {
    for (int t = 0; t < trials; ++t) {
      const double target = rng.uniform() * potential;
      candidates[t] = n - 1;
      if (0.0 + potential < target) continue;
      // The first group whose running sum reaches the target; sums of finite terms >= 0 never
      // decrease (rounding is monotone): a bisection.
      Index g = groups;
      if (std::isfinite(potential)) {
        g = std::lower_bound(running, running + groups, target) - running;
      } else {
        for (Index q = 0; q < groups; ++q) {
          if (running[q] >= target) {
            g = q;
            break;
          }
        }
      }
      if (g == groups) continue;
      double masses[kSumGroup] = {};
      const Index begin = g * kSumGroup;
      for (Index j = 0; j < kSumGroup && begin + j < n; ++j) {
        masses[j] = data.weight(begin + j) * closest[begin + j];
      }
      candidates[t] = rowInGroup(masses, begin, n, g == 0 ? 0.0 : running[g - 1], target);
    }
    // Each candidate's potential Σ w·min(closest, d(x, candidate)), grouped, with its running
    // sums and distances stored: a chunk of independent terms, then kAtOnce sums at once.
    double pot[kMaxTrials] = {};
    double terms[kAtOnce][kTermChunk] = {};
    double unused[kTermChunk / kSumGroup];  // the running sums of slots past the last trial
    for (Index begin = 0; begin < n; begin += kTermChunk) {
      const Index m = std::min(kTermChunk, n - begin);
      const Index whole = (m + kSumGroup - 1) / kSumGroup * kSumGroup;
      for (int t0 = 0; t0 < trials; t0 += kAtOnce) {
        const int g = std::min(kAtOnce, trials - t0);
        for (int t = 0; t < g; ++t) {
          double* distance = candidateDistance.data() + (t0 + t) * padded + begin;
          // (No columns on two-double packets: no offset into an empty buffer.)
          const double* xt = kAlongRows ? columns.data() + begin : nullptr;
          chunkDistances<kD>(data, xt, padded, begin, m, data.x + candidates[t0 + t] * d, distance);
          for (Index i = 0; i < m; ++i) {
            const Index row = begin + i;
            terms[t][i] = data.weight(row) * std::min(closest[row], distance[i]);
          }
          std::fill(terms[t] + m, terms[t] + whole, 0.0);  // the last group's missing rows
        }
        double sum[kAtOnce] = {};
        double* out[kAtOnce];
        for (int t = 0; t < kAtOnce; ++t) {
          sum[t] = t < g ? pot[t0 + t] : 0.0;
          out[t] = t < g ? candidateRunning.data() + (t0 + t) * groups + begin / kSumGroup : unused;
        }
        for (Index i = 0; i < whole; i += kSumGroup) {
          for (int t = 0; t < kAtOnce; ++t) {
            sum[t] += groupTree(terms[t] + i);
            out[t][i / kSumGroup] = sum[t];
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
    const double* distance = candidateDistance.data() + best * padded;
    for (Index i = 0; i < n; ++i) closest[i] = std::min(closest[i], distance[i]);
    running = candidateRunning.data() + best * groups;
    potential = 0.0 + pot[best];
  }
  return chosen;
}

// Greedy k-means++ on rows of several blocks, in one read of the rows per centre. Block b's
// sums are grouped from its first row (searchMass) and the blocks' in block order (any thread
// count gives the same bits). The candidates' pass takes every row's distances to them (chunkDistances: the bits of
// rowDistance) and, in the same read, lowers `closest` by the centre chosen last: absorbing
// that centre takes no pass of its own. Its blocks' masses
// Σ w·closest are the chosen candidate's potentials of that pass (the same terms added in the
// same order), and the few blocks the next searches walk are lowered before they are walked.
template <int kD>
std::vector<Index> blockedKMeansPlusPlus(const Data& data, Index k, Rng& rng, ThreadPool& pool,
                                         int trials) {
  constexpr int kMaxTrials = 64;
  constexpr Index kTermChunk = 64;  // rows laid out by column at a time
  constexpr int kAtOnce = 4;  // candidates measured per sweep of a chunk
  const Index blocks = data.blocks();
  const Index d = data.d;
  LargeVector<double> closest(static_cast<size_t>(data.n));
  std::vector<double> blockMass(static_cast<size_t>(blocks));
  std::vector<Index> chosen;
  chosen.reserve(static_cast<size_t>(k));

  // The first centre: in proportion to the sample weights; closest and the masses from it.
  {
    std::vector<double> weightMass(static_cast<size_t>(blocks));
    double total = 0.0;
    for (Index b = 0; b < blocks; ++b) {
      // Unweighted: a block's sum of ones is its row count, exactly, in any order.
      const Index rows = data.blockSize(b);
      weightMass[b] = data.weights ? addGroups(data.weights + data.blockBegin(b), rows, 0.0)
                                   : static_cast<double>(rows);
      total += weightMass[b];
    }
    const double target = rng.uniform() * total;
    chosen.push_back(
        searchMass(data, weightMass, [&](Index i) { return data.weight(i); }, target));
    const double* c = data.x + chosen[0] * d;
    pool.forEach(blocks, [&](Index b, unsigned) {
      double mass = 0.0;
      const Index end = data.blockBegin(b) + data.blockSize(b);
      for (Index g = data.blockBegin(b); g < end; g += kSumGroup) {
        double t[kSumGroup] = {};
        for (Index j = 0, i = g; j < kSumGroup && i < end; ++j, ++i) {
          closest[i] = rowDistance<kD>(data.x + i * d, c, d);
          t[j] = data.weight(i) * closest[i];
        }
        mass += groupTree(t);
      }
      blockMass[b] = mass;
    });
  }
  if (k == 1) return chosen;

  // lowered[b]: block b's closest already holds the centre chosen last (`last`).
  std::vector<std::uint8_t> lowered(static_cast<size_t>(blocks), 1);
  const double* last = nullptr;
  const auto lowerRow = [&](Index i) {
    closest[i] = std::min(closest[i], rowDistance<kD>(data.x + i * d, last, d));
  };
  // Per thread: a chunk laid out by column, and the distances of its rows (whole packets).
  const Index stride = (kTermChunk + detail::kPacket - 1) / detail::kPacket * detail::kPacket;
  std::vector<std::vector<double>> columns(pool.slots());
  std::vector<std::vector<double>> distances(pool.slots());

  Index candidates[kMaxTrials];
  std::vector<double> candidatePot(static_cast<size_t>(blocks) * trials);
  std::vector<Index> toLower;
  for (Index c = 1; c < k; ++c) {
    double potential = 0.0;
    for (Index b = 0; b < blocks; ++b) potential += blockMass[b];
    double targets[kMaxTrials];
    for (int t = 0; t < trials; ++t) targets[t] = rng.uniform() * potential;
    // The blocks where the searches stop (searchMass's skips), lowered first, together.
    toLower.clear();
    for (int t = 0; t < trials; ++t) {
      double cumulative = 0.0;
      const Index b = blockReaching(blockMass, 0, targets[t], cumulative);
      if (b < blocks && !lowered[b] &&
          std::find(toLower.begin(), toLower.end(), b) == toLower.end()) {
        toLower.push_back(b);
      }
    }
    pool.forEach(static_cast<Index>(toLower.size()), [&](Index j, unsigned) {
      const Index b = toLower[j];
      for (Index i = data.blockBegin(b); i < data.blockBegin(b) + data.blockSize(b); ++i) {
        lowerRow(i);
      }
    });
    for (const Index b : toLower) lowered[b] = 1;
    for (int t = 0; t < trials; ++t) {
      // (A search that runs past its block, by rounding, lowers the rows it reads as it goes.)
      candidates[t] = searchMass(
          data, blockMass,
          [&](Index i) {
            if (!lowered[i / kBlockRows]) lowerRow(i);
            return data.weight(i) * closest[i];
          },
          targets[t]);
    }
    // The potential Σ w·min(closest, d(x, candidate)) of each candidate, per block, grouped:
    // per chunk the terms (independent), then their groups' sums.
    pool.forEach(blocks, [&](Index b, unsigned slot) {
      std::vector<double>& xt = columns[slot];
      std::vector<double>& dist = distances[slot];
      xt.resize(kAlongRows ? static_cast<size_t>(stride * d) : 0);
      dist.resize(static_cast<size_t>(stride * kAtOnce));
      const bool lower = !lowered[b];
      double pot[kMaxTrials] = {};
      const Index end = data.blockBegin(b) + data.blockSize(b);
      for (Index first = data.blockBegin(b); first < end; first += kTermChunk) {
        const Index m = std::min(kTermChunk, end - first);
        // The next chunk's rows asked for while this one is measured, a slice before each
        // centre's distances: read at the pace of this chunk's arithmetic, rather than waited
        // on when transposed (most of a pass at 64 features).
        const RowsAhead next{data.x + (first + m) * d, std::min(kTermChunk, end - first - m), d};
        const Index slices = trials + (lower ? 1 : 0);
        Index slice = 0;
        const auto prefetchSlice = [&]() {
          const Index from = next.rows * slice / slices;
          next.ask(from, next.rows * ++slice / slices - from);
        };
        if (kAlongRows) transposeRows(data.x + first * d, m, d, xt.data(), stride);
        if (lower) {
          prefetchSlice();
          chunkDistances<kD>(data, xt.data(), stride, first, m, last, dist.data());
          for (Index i = 0; i < m; ++i) closest[first + i] = std::min(closest[first + i], dist[i]);
        }
        for (int t0 = 0; t0 < trials; t0 += kAtOnce) {
          const int g = std::min(kAtOnce, trials - t0);
          double* terms[kAtOnce];
          for (int t = 0; t < kAtOnce; ++t) terms[t] = dist.data() + t * stride;
          for (int t = 0; t < g; ++t) {
            prefetchSlice();
            chunkDistances<kD>(data, xt.data(), stride, first, m,
                               data.x + candidates[t0 + t] * d, terms[t]);
            for (Index i = 0; i < m; ++i) {
              terms[t][i] = data.weight(first + i) * std::min(closest[first + i], terms[t][i]);
            }
          }
          for (int t = 0; t < g; ++t) pot[t0 + t] = addGroups(terms[t], m, pot[t0 + t]);
        }
      }
      std::copy_n(pot, trials, candidatePot.data() + b * trials);
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
    chosen.push_back(candidates[best]);
    last = data.x + candidates[best] * d;
    for (Index b = 0; b < blocks; ++b) {
      blockMass[b] = candidatePot[b * trials + best];
      lowered[b] = 0;
    }
  }
  return chosen;
}

}  // namespace

std::vector<Index> kmeansPlusPlusIndices(const Data& data, Index k, Rng& rng, ThreadPool& pool) {
  requireDistinctCandidates(data, k);
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  // 2 + ln K < 64 for any K that fits in memory.
  if (trials > 64) throw invalidArgument("too many components for k-means++");
  std::vector<Index> chosen;
  kmeans::withFeatureCount(data.d, [&](auto size) {
    constexpr int kD = decltype(size)::value;
    chosen = data.blocks() == 1 ? singleBlockKMeansPlusPlus<kD>(data, k, rng, trials)
                                : blockedKMeansPlusPlus<kD>(data, k, rng, pool, trials);
  });
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
