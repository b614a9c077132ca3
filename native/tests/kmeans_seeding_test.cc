// Greedy k-means++ against a plain transcription of the blocked search (per-block masses in row
// order, blocks in order): on a single block of rows (every small fit takes kmeans_seeding.cc's
// single-block path) and on several blocks (the pass that absorbs the last centre as it
// measures the candidates), the same rows for weighted and unweighted data, few and many
// features, several K and any thread count, in every SIMD variant this CPU runs (probes.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/types.h"
#include "variants.h"

namespace gaussmix::testing {
namespace {

// kmeans_rows.h's order: four partial sums of the whole groups of four features (s_q over the
// features j ≡ q mod 4), the rest added to s_0, then (s_0 + s_1) + (s_2 + s_3).
double distance(const double* x, const double* c, Index d) {
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  const Index whole = d / 4 * 4;
  for (Index j = 0; j < whole; ++j) s[j % 4] += (x[j] - c[j]) * (x[j] - c[j]);
  for (Index j = whole; j < d; ++j) s[0] += (x[j] - c[j]) * (x[j] - c[j]);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// Masses are added in groups of eight rows from each block's start: a group's sum in a fixed
// tree (rows past the block's end add +0), then the groups one after another.
constexpr Index kGroup = 8;

template <class Mass>
double groupSum(Index first, Index end, Mass mass, double* t) {
  for (Index j = 0; j < kGroup; ++j) t[j] = first + j < end ? mass(first + j) : 0.0;
  return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
}

// The blocked search: block masses (groups in order); a search skips whole blocks by them, then
// whole groups, then walks the rows of the group reaching the target (its last row if rounding
// leaves the walk short); past a block's end (rounding again) it goes on with the next blocks.
template <class Mass>
Index blockedSearch(Index n, const std::vector<double>& blockMass, Mass mass, double target) {
  double cumulative = 0.0;
  for (size_t b = 0; b < blockMass.size(); ++b) {
    if (cumulative + blockMass[b] < target) {
      cumulative += blockMass[b];
      continue;
    }
    const Index end = std::min<Index>(n, static_cast<Index>(b + 1) * kBlockRows);
    for (Index g = static_cast<Index>(b) * kBlockRows; g < end; g += kGroup) {
      double t[kGroup];
      const double sum = groupSum(g, end, mass, t);
      if (!(cumulative + sum >= target)) {
        cumulative += sum;
        continue;
      }
      double c = cumulative;
      const Index rows = std::min(kGroup, end - g);
      for (Index j = 0; j < rows; ++j) {
        c += t[j];
        if (c >= target) return g + j;
      }
      return g + rows - 1;
    }
  }
  return n - 1;
}

template <class Mass>
std::vector<double> blockSums(Index n, Mass mass) {
  std::vector<double> sums(static_cast<size_t>((n + kBlockRows - 1) / kBlockRows), 0.0);
  for (Index g = 0; g < n; g += kGroup) {
    double t[kGroup];
    sums[static_cast<size_t>(g / kBlockRows)] += groupSum(g, std::min(n, (g / kBlockRows + 1) * kBlockRows), mass, t);
  }
  return sums;
}

std::vector<Index> blockedReference(const std::vector<double>& x, const std::vector<double>* w,
                                    Index n, Index d, Index k, Rng& rng) {
  const auto weight = [&](Index i) { return w ? (*w)[static_cast<size_t>(i)] : 1.0; };
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  const auto sumOf = [](const std::vector<double>& v) {
    double total = 0.0;
    for (const double e : v) total += e;
    return total;
  };
  std::vector<Index> chosen;
  const std::vector<double> weightMass = blockSums(n, weight);
  chosen.push_back(blockedSearch(n, weightMass, weight, rng.uniform() * sumOf(weightMass)));
  std::vector<double> closest(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i) closest[i] = distance(&x[i * d], &x[chosen[0] * d], d);
  for (Index c = 1; c < k; ++c) {
    const auto mass = [&](Index i) { return weight(i) * closest[i]; };
    const std::vector<double> blockMass = blockSums(n, mass);
    const double potential = sumOf(blockMass);
    std::vector<double> targets;
    for (int t = 0; t < trials; ++t) targets.push_back(rng.uniform() * potential);
    std::vector<Index> candidates;
    for (int t = 0; t < trials; ++t) candidates.push_back(blockedSearch(n, blockMass, mass, targets[t]));
    int best = 0;
    double bestPot = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      const double pot = sumOf(blockSums(n, [&](Index i) {
        return weight(i) * std::min(closest[i], distance(&x[i * d], &x[candidates[t] * d], d));
      }));
      if (pot < bestPot) {
        bestPot = pot;
        best = t;
      }
    }
    chosen.push_back(candidates[best]);
    for (Index i = 0; i < n; ++i) {
      closest[i] = std::min(closest[i], distance(&x[i * d], &x[candidates[best] * d], d));
    }
  }
  return chosen;
}

// Rows in clusters spaced `spacing` apart (cycling through `clusters`), with a few duplicated
// rows (ties between candidates) and some zero weights; k-means++ of `variant` on them against
// blockedReference for seeds 1..seeds and each thread count, and the same draws consumed.
void expectReferenceRows(const Variant& variant, Index n, Index d, Index k, double spacing,
                         int clusters, int seeds, std::initializer_list<unsigned> threadCounts) {
  std::mt19937_64 gen(static_cast<std::uint64_t>(n * 131 + d * 17 + k));
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.0, 2.0);
  std::vector<double> x(static_cast<size_t>(n * d));
  for (Index i = 0; i < n; ++i) {
    const double centre = spacing * static_cast<double>(i % clusters);
    for (Index t = 0; t < d; ++t) x[i * d + t] = i % 11 == 0 && i > 0 ? x[(i - 1) * d + t] : centre + normal(gen);
  }
  std::vector<double> w(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i) w[i] = n > 50 && i % 5 == 0 ? 0.0 : uniform(gen);
  for (const bool weighted : {false, true}) {
    for (int seed = 1; seed <= seeds; ++seed) {
      Rng b(static_cast<std::uint64_t>(seed), 0);
      const std::vector<Index> expected = blockedReference(x, weighted ? &w : nullptr, n, d, k, b);
      const std::uint64_t nextDraw = b.next();
      for (const unsigned threads : threadCounts) {
        std::vector<Index> got(static_cast<size_t>(k));
        std::uint64_t draw = 0;
        variant.kmeansPlusPlus(x.data(), n, d, weighted ? w.data() : nullptr, k,
                               static_cast<std::uint64_t>(seed), threads, got.data(), &draw);
        EXPECT_EQ(got, expected) << variant.name << ": n " << n << " d " << d << " k " << k
                                 << (weighted ? " weighted" : "") << " seed " << seed
                                 << " threads " << threads;
        EXPECT_EQ(draw, nextDraw) << "the same draws";
      }
    }
  }
}

using SeedingPerVariant = PerVariant;

// A single block: kmeans_seeding.cc's single-block path (stored running sums, binary search).
TEST_P(SeedingPerVariant, SingleBlockChoosesTheRowsOfTheBlockedSearch) {
  for (const Index n : {7, 500, 4096}) {
    for (Index d = 1; d <= 5; ++d) {
      for (const Index k : {1, 2, 3, 7, 25}) {
        if (k <= n) expectReferenceRows(variant(), n, d, k, 5.0, 3, 5, {2u});
      }
    }
  }
}

// Several blocks: the pass that absorbs the last centre as it measures the candidates.
TEST_P(SeedingPerVariant, SeveralBlocksChooseTheRowsOfTheBlockedSearchWithAnyThreads) {
  // Two blocks and four (over one to three threads: uneven splits); the unrolled features (up
  // to four) and the generic loop's (five on). The reference is slow under ASan: keep it short.
  for (const Index n : {4097, 13001}) {
    for (const Index d : {1, 2, 3, 4, 5, 8, 17, 64}) {
      for (const Index k : {2, 7, 25}) expectReferenceRows(variant(), n, d, k, 1.5, 5, 2, {1u, 2u, 3u});
    }
  }
}

GAUSSMIX_PER_VARIANT(SeedingPerVariant);

}  // namespace
}  // namespace gaussmix::testing
