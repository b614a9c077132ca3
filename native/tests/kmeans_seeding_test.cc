// Greedy k-means++ on a single block of rows (every small fit takes kmeans_seeding.cc's
// single-block path) against a plain transcription of the blocked search for one block: the
// same rows, for weighted and unweighted data, 1 to 4 features and several K.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/kmeans.h"
#include "core/parallel.h"
#include "core/rng.h"

namespace gaussmix::testing {
namespace {

// kmeans_rows.h's order for d <= 4: ((y0² + y1²) + y2²), and (y0² + y1²) + (y2² + y3²) at 4.
double distance(const double* x, const double* c, Index d) {
  double y[4];
  for (Index t = 0; t < d; ++t) y[t] = x[t] - c[t];
  if (d == 4) return (y[0] * y[0] + y[1] * y[1]) + (y[2] * y[2] + y[3] * y[3]);
  double s = y[0] * y[0];
  for (Index t = 1; t < d; ++t) s += y[t] * y[t];
  return s;
}

// The first row whose running sum of mass(i) reaches target; n − 1 when none does.
template <class Mass>
Index search(Index n, Mass mass, double target) {
  double total = 0.0;
  for (Index i = 0; i < n; ++i) total += mass(i);
  if (0.0 + total < target) return n - 1;
  double cumulative = 0.0;
  for (Index i = 0; i < n; ++i) {
    cumulative += mass(i);
    if (cumulative >= target) return i;
  }
  return n - 1;
}

std::vector<Index> reference(const std::vector<double>& x, const std::vector<double>* w, Index n,
                             Index d, Index k, Rng& rng) {
  const auto weight = [&](Index i) { return w ? (*w)[static_cast<size_t>(i)] : 1.0; };
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  std::vector<Index> chosen;
  double total = 0.0;
  for (Index i = 0; i < n; ++i) total += weight(i);
  chosen.push_back(search(n, weight, rng.uniform() * (0.0 + total)));
  std::vector<double> closest(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i) closest[i] = distance(&x[i * d], &x[chosen[0] * d], d);
  for (Index c = 1; c < k; ++c) {
    double potential = 0.0;
    for (Index i = 0; i < n; ++i) potential += weight(i) * closest[i];
    std::vector<Index> candidates;
    for (int t = 0; t < trials; ++t) {
      const double target = rng.uniform() * (0.0 + potential);
      candidates.push_back(search(n, [&](Index i) { return weight(i) * closest[i]; }, target));
    }
    int best = 0;
    double bestPot = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      double pot = 0.0;
      for (Index i = 0; i < n; ++i) {
        pot += weight(i) * std::min(closest[i], distance(&x[i * d], &x[candidates[t] * d], d));
      }
      if (0.0 + pot < bestPot) {
        bestPot = 0.0 + pot;
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

TEST(SingleBlockSeeding, ChoosesTheRowsOfTheBlockedSearch) {
  std::atomic<bool> cancel{false};
  ThreadPool pool(2, &cancel);
  for (const Index n : {7, 500, 4096}) {
    for (Index d = 1; d <= 4; ++d) {
      for (const Index k : {1, 2, 3, 7, 25}) {
        if (k > n) continue;
        for (const bool weighted : {false, true}) {
          std::mt19937_64 gen(static_cast<std::uint64_t>(n * 131 + d * 17 + k));
          std::normal_distribution<double> normal;
          std::uniform_real_distribution<double> uniform(0.0, 2.0);
          std::vector<double> x(static_cast<size_t>(n * d));
          // Clusters, and a few duplicated rows (ties between candidates).
          for (Index i = 0; i < n; ++i) {
            const double centre = 5.0 * static_cast<double>(i % 3);
            for (Index t = 0; t < d; ++t) x[i * d + t] = i % 11 == 0 && i > 0 ? x[(i - 1) * d + t] : centre + normal(gen);
          }
          std::vector<double> w(static_cast<size_t>(n));
          for (Index i = 0; i < n; ++i) w[i] = n > 50 && i % 5 == 0 ? 0.0 : uniform(gen);
          Data data;
          data.x = x.data();
          data.n = n;
          data.d = d;
          data.weights = weighted ? w.data() : nullptr;
          for (std::uint64_t seed = 1; seed <= 5; ++seed) {
            Rng a(seed, 0);
            Rng b(seed, 0);
            const std::vector<Index> got = kmeansPlusPlusIndices(data, k, a, pool);
            EXPECT_EQ(got, reference(x, weighted ? &w : nullptr, n, d, k, b))
                << "n " << n << " d " << d << " k " << k << (weighted ? " weighted" : "") << " seed " << seed;
            EXPECT_EQ(a.next(), b.next()) << "the same draws";
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace gaussmix::testing
