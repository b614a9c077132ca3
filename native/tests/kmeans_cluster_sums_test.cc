// kmeans::ClusterSums (the exact per-cluster sums of K-means' passes by the product), in every
// SIMD variant: after any sequence of moves its rounded sums are those of ExactSums given each
// moved value (w, then w·x_j, negated when leaving) one at a time — through growing bounds,
// values below the third bin, magnitudes beyond the bins, flushes, every feature count around
// the packet widths, and rows that leave every cluster again.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/exact_sum.h"
#include "test_data.h"
#include "variants.h"

namespace gaussmix::testing {
namespace {

struct Moves {
  Index n = 0, d = 0, k = 0;
  std::vector<double> x, w;
  std::vector<std::int32_t> from, to;
};

std::vector<double> expected(const Moves& m) {
  ExactSums sums(m.k * (m.d + 1));
  for (Index i = 0; i < m.n; ++i) {
    const double w = m.w[static_cast<size_t>(i)];
    for (Index j = 0; j <= m.d; ++j) {
      const double v = j == 0 ? w : w * m.x[static_cast<size_t>(i * m.d + j - 1)];
      const std::int32_t to = m.to[static_cast<size_t>(i)];
      const std::int32_t from = m.from[static_cast<size_t>(i)];
      if (to >= 0) sums.add(to * (m.d + 1) + j, v);
      if (from >= 0) sums.add(from * (m.d + 1) + j, -v);
    }
  }
  std::vector<double> out(static_cast<size_t>(sums.size()));
  sums.round(out.data());
  return out;
}

// n rows (values from `value(i, j)`, weights from `weight(i)`) added to random clusters, then
// `moves` random moves of random rows between clusters (as a fit's passes make them).
template <class Value, class Weight>
Moves randomMoves(Index n, Index d, Index k, Index moves, std::uint64_t seed, Value value,
                  Weight weight) {
  std::mt19937_64 random(seed);
  Moves m;
  m.n = n + moves;
  m.d = d;
  m.k = k;
  std::vector<std::int32_t> label(static_cast<size_t>(n));
  std::vector<double> rows, weights;
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < d; ++j) rows.push_back(value(i, j));
    weights.push_back(weight(i));
  }
  const auto push = [&](Index row, std::int32_t from, std::int32_t to) {
    for (Index j = 0; j < d; ++j) m.x.push_back(rows[static_cast<size_t>(row * d + j)]);
    m.w.push_back(weights[static_cast<size_t>(row)]);
    m.from.push_back(from);
    m.to.push_back(to);
  };
  for (Index i = 0; i < n; ++i) {
    label[static_cast<size_t>(i)] = static_cast<std::int32_t>(random() % static_cast<std::uint64_t>(k));
    push(i, -1, label[static_cast<size_t>(i)]);
  }
  for (Index t = 0; t < moves; ++t) {
    const auto row = static_cast<Index>(random() % static_cast<std::uint64_t>(n));
    const auto to = static_cast<std::int32_t>(random() % static_cast<std::uint64_t>(k));
    push(row, label[static_cast<size_t>(row)], to);
    label[static_cast<size_t>(row)] = to;
  }
  return m;
}

class ClusterSumsPerVariant : public PerVariant {
 protected:
  void check(const Moves& m, const std::string& what) {
    std::vector<double> got(static_cast<size_t>(m.k * (m.d + 1)));
    variant().clusterSums(m.x.data(), m.n, m.d, m.k, m.w.data(), m.from.data(), m.to.data(),
                          got.data());
    const std::vector<double> want = expected(m);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(bitsOf(got[i]), bitsOf(want[i]))
          << what << ", D " << m.d << ": sum " << i << " is " << got[i] << ", not " << want[i];
    }
  }
};

const Index kFeatureCounts[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 64};

TEST_P(ClusterSumsPerVariant, RandomRowsAndMovesMatchExactSums) {
  std::mt19937_64 random(7);
  std::normal_distribution<double> normal;
  for (const Index d : kFeatureCounts) {
    check(randomMoves(3000, d, 7, 5000, 11, [&](Index, Index) { return 3.0 + normal(random); },
                      [](Index) { return 1.0; }),
          "unit weights");
    check(randomMoves(3000, d, 7, 5000, 12, [&](Index, Index) { return normal(random); },
                      [&](Index i) { return i % 10 == 0 ? 0.0 : std::exp(2.0 * normal(random)); }),
          "weights");
  }
}

TEST_P(ClusterSumsPerVariant, GrowingMagnitudesRaiseTheBounds) {
  std::mt19937_64 random(8);
  std::normal_distribution<double> normal;
  for (const Index d : kFeatureCounts) {
    // Each row about 2^(i/40) times the first: the bounds rise a few bits at a time.
    check(randomMoves(2000, d, 5, 2000, 21,
                      [&](Index i, Index) { return std::ldexp(normal(random), static_cast<int>(i / 40)); },
                      [](Index) { return 1.0; }),
          "growing values");
    check(randomMoves(2000, d, 5, 2000, 22, [&](Index, Index) { return normal(random); },
                      [](Index i) { return std::ldexp(1.0, static_cast<int>(i / 100)); }),
          "growing weights");
  }
}

TEST_P(ClusterSumsPerVariant, ValuesFarBelowTheBoundKeepTheirLowBits) {
  std::mt19937_64 random(9);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> scale(-330, 12);
  for (const Index d : kFeatureCounts) {
    // Magnitudes from subnormal to 2^12 in every column: many values have bits below the
    // third bin of the column's bound.
    check(randomMoves(2000, d, 6, 3000, 31,
                      [&](Index, Index) { return std::ldexp(normal(random), scale(random)); },
                      [](Index) { return 1.0; }),
          "wide range");
    check(randomMoves(2000, d, 6, 3000, 32,
                      [&](Index i, Index) { return i % 3 == 0 ? 1e10 * normal(random) : 1e-10 * normal(random); },
                      [&](Index) { return std::exp(normal(random)); }),
          "two scales, weighted");
  }
}

TEST_P(ClusterSumsPerVariant, MagnitudesBeyondTheBinsGoStraightToTheExactSums) {
  std::mt19937_64 random(10);
  std::normal_distribution<double> normal;
  for (const Index d : kFeatureCounts) {
    check(randomMoves(500, d, 4, 800, 41,
                      [&](Index i, Index) { return i < 300 ? normal(random) : 1e306 * normal(random); },
                      [](Index) { return 1.0; }),
          "near the largest double");
    // Products w·x that overflow: the infinities flagged as ExactSums flags them.
    check(randomMoves(200, d, 4, 300, 42, [&](Index, Index) { return 1e300 * normal(random); },
                      [](Index i) { return i == 150 ? 1e10 : 1.0; }),
          "overflowing products");
  }
}

TEST_P(ClusterSumsPerVariant, ManyRowsOfOneClusterAndRowsThatAllLeave) {
  std::mt19937_64 random(11);
  std::normal_distribution<double> normal;
  for (const Index d : {Index{3}, Index{16}}) {
    // Past the bins' flush count several times.
    check(randomMoves(100000, d, 1, 0, 51, [&](Index, Index) { return 1e3 + normal(random); },
                      [](Index) { return 1.0; }),
          "one cluster");
    // Every row in, then out again: exactly 0 everywhere.
    Moves m = randomMoves(3000, d, 5, 0, 52, [&](Index, Index) { return normal(random); },
                          [&](Index) { return std::exp(normal(random)); });
    const Index n = m.n;
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < d; ++j) m.x.push_back(m.x[static_cast<size_t>(i * d + j)]);
      m.w.push_back(m.w[static_cast<size_t>(i)]);
      m.from.push_back(m.to[static_cast<size_t>(i)]);
      m.to.push_back(-1);
    }
    m.n = 2 * n;
    check(m, "all rows out");
    std::vector<double> got(static_cast<size_t>(m.k * (d + 1)));
    variant().clusterSums(m.x.data(), m.n, d, m.k, m.w.data(), m.from.data(), m.to.data(),
                          got.data());
    for (const double v : got) EXPECT_EQ(bitsOf(v), bitsOf(0.0));
  }
}

GAUSSMIX_PER_VARIANT(ClusterSumsPerVariant);

}  // namespace
}  // namespace gaussmix::testing
