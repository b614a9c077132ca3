// The K-means pass modes of kmeans_lloyd.cc — plain passes (K·D below kBoundedWork), bounded
// passes mixed with plain ones in any order (the clock's, one kind only, or alternating), and
// the float32 shortlist — checked on the fixed point they must reach, whatever mode got there:
// run to convergence (tol 0), every label is a nearest centre of the final centres (in long double,
// near ties either way), every centre is the weighted mean of its rows, the inertia and the
// cluster weights are those of the labels. The float32 shortlist, the order of the passes and
// 1, 2 or 3 threads must all give the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/control.h"
#include "core/kmeans.h"
#include "core/parallel.h"
#include "core/rng.h"

namespace gaussmix::testing {
namespace {

struct Case {
  const char* name;
  Index n, d, k;
  double offset;  // added to every coordinate (large: the float32 scaling)
  double spread;  // the clusters' centres: N(0, spread²) per coordinate
  bool weighted;
  bool grid;  // coordinates on a grid of halves: exact ties between centres
};

struct Problem {
  std::vector<double> x, w, start;
};

Problem make(const Case& c, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.5, 1.5);
  std::vector<double> centres(static_cast<std::size_t>(c.k * c.d));
  for (double& v : centres) v = c.spread * normal(rng);
  Problem p;
  for (Index i = 0; i < c.n; ++i) {
    const auto home = static_cast<Index>(rng() % static_cast<std::uint64_t>(c.k));
    for (Index j = 0; j < c.d; ++j) {
      double v = centres[static_cast<std::size_t>(home * c.d + j)] + uniform(rng) * normal(rng);
      if (c.grid) v = std::round(2.0 * v) / 2.0;
      p.x.push_back(c.offset + v);
    }
    p.w.push_back(c.weighted ? std::exp(2.0 * normal(rng)) : 1.0);
  }
  // The start: K rows spread over the data.
  for (Index j = 0; j < c.k; ++j) {
    const Index row = (j * 7919 + 13) % c.n;
    for (Index t = 0; t < c.d; ++t) p.start.push_back(p.x[static_cast<std::size_t>(row * c.d + t)]);
  }
  return p;
}

KMeansFit fit(const Case& c, const Problem& p, bool float32, unsigned threads,
              PassSchedule schedule = PassSchedule::Timed) {
  Data data;
  data.x = p.x.data();
  data.n = c.n;
  data.d = c.d;
  data.weights = c.weighted ? p.w.data() : nullptr;
  KMeansOptions options;
  options.k = c.k;
  options.maxIter = 1000;
  options.tol = 0.0;
  options.init = KMeansInit::Given;
  options.centersInit = p.start.data();
  options.float32Shortlist = float32;
  options.schedule = schedule;
  std::atomic<bool> cancel{false};
  ThreadPool pool(threads, &cancel);
  Control control;
  return fitKMeans(data, options, pool, control);
}

void expectSameBits(const KMeansFit& a, const KMeansFit& b, const std::string& what) {
  ASSERT_EQ(a.nIter, b.nIter) << what;
  ASSERT_EQ(a.centers.size(), b.centers.size()) << what;
  ASSERT_EQ(std::memcmp(a.centers.data(), b.centers.data(), sizeof(double) * static_cast<std::size_t>(a.centers.size())), 0)
      << what << ": centres";
  ASSERT_EQ(a.labels.size(), b.labels.size()) << what;
  for (std::size_t i = 0; i < a.labels.size(); ++i) ASSERT_EQ(a.labels[i], b.labels[i]) << what << ": row " << i;
  ASSERT_EQ(std::memcmp(&a.inertia, &b.inertia, sizeof(double)), 0) << what << ": inertia";
}

class KMeansModes : public ::testing::TestWithParam<Case> {};

TEST_P(KMeansModes, ReachTheLloydFixedPointAndAgreeBitForBit) {
  const Case c = GetParam();
  const Problem p = make(c, 1234 + static_cast<std::uint64_t>(c.k * 31 + c.d));
  const KMeansFit f = fit(c, p, /*float32=*/true, 2);
  ASSERT_TRUE(f.converged) << c.name << ": not converged in " << f.nIter << " iterations";
  ASSERT_GT(f.nIter, 2) << c.name << ": the start was already the fixed point";

  // Labels: a nearest centre (near ties, relative 1e-12, may go either way).
  const auto sq = [&](Index i, Index j) {
    long double s = 0;
    for (Index t = 0; t < c.d; ++t) {
      const long double e = static_cast<long double>(p.x[static_cast<std::size_t>(i * c.d + t)]) - f.centers(j, t);
      s += e * e;
    }
    return s;
  };
  std::vector<long double> sum(static_cast<std::size_t>(c.k * c.d), 0.0L);
  std::vector<long double> weight(static_cast<std::size_t>(c.k), 0.0L);
  long double inertia = 0;
  for (Index i = 0; i < c.n; ++i) {
    const Index label = f.labels[static_cast<std::size_t>(i)];
    ASSERT_TRUE(label >= 0 && label < c.k) << c.name << ": row " << i;
    long double best = sq(i, 0);
    for (Index j = 1; j < c.k; ++j) best = std::min(best, sq(i, j));
    const long double own = sq(i, label);
    ASSERT_LE(own, best * (1 + 1e-12L) + 1e-300L) << c.name << ": row " << i << " is not at a nearest centre";
    const long double w = p.w[static_cast<std::size_t>(i)];
    inertia += w * own;
    weight[static_cast<std::size_t>(label)] += w;
    for (Index t = 0; t < c.d; ++t) {
      sum[static_cast<std::size_t>(label * c.d + t)] += w * p.x[static_cast<std::size_t>(i * c.d + t)];
    }
  }
  // Centres: the weighted means of their rows; the inertia and weights of the labels.
  for (Index j = 0; j < c.k; ++j) {
    const long double wj = weight[static_cast<std::size_t>(j)];
    EXPECT_NEAR(f.clusterWeights[j], static_cast<double>(wj), 1e-12 * static_cast<double>(wj)) << c.name;
    if (wj == 0) continue;
    for (Index t = 0; t < c.d; ++t) {
      const double mean = static_cast<double>(sum[static_cast<std::size_t>(j * c.d + t)] / wj);
      EXPECT_NEAR(f.centers(j, t), mean, 1e-12 * (std::abs(mean) + c.spread)) << c.name << ": centre " << j << ", feature " << t;
    }
  }
  EXPECT_NEAR(f.inertia, static_cast<double>(inertia), 1e-10 * static_cast<double>(inertia)) << c.name << ": inertia";

  // The float32 shortlist and the thread count change no bit.
  expectSameBits(f, fit(c, p, /*float32=*/false, 2), std::string(c.name) + ": float32 shortlist against float64 products");
  expectSameBits(f, fit(c, p, /*float32=*/true, 1), std::string(c.name) + ": 1 thread against 2");
  expectSameBits(f, fit(c, p, /*float32=*/true, 3), std::string(c.name) + ": 3 threads against 2");
  // Nor does the order of plain and bounded passes (chosen by the clock by default).
  for (const auto& [schedule, name] : {std::pair{PassSchedule::Plain, "plain passes"},
                                       std::pair{PassSchedule::Bounded, "bounded passes"},
                                       std::pair{PassSchedule::Alternate, "alternating passes"}}) {
    expectSameBits(f, fit(c, p, /*float32=*/true, 2, schedule), std::string(c.name) + ": " + name);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Modes, KMeansModes,
    ::testing::Values(
        // Plain passes only (K·D < kBoundedWork).
        Case{"plain_d2_k3", 9000, 2, 3, 0.0, 2.0, false, false},
        Case{"plain_weighted_d3_k5", 6000, 3, 5, 0.0, 1.0, true, false},
        // Bounded passes on overlapping clusters (most rows change label early), with the
        // float32 shortlist (D > 4).
        Case{"bounded_overlap_d16_k32", 20000, 16, 32, 0.0, 0.7, false, false},
        Case{"bounded_weighted_d8_k10", 12000, 8, 10, 0.0, 1.5, true, false},
        Case{"bounded_d64_k64", 8192, 64, 64, 0.0, 0.7, false, false},
        // Far from the origin (the float32 scaling), and a grid full of exact ties.
        Case{"offset_d8_k12", 10000, 8, 12, 1.0e6, 3.0, false, false},
        Case{"grid_ties_d6_k16", 10000, 6, 16, 0.0, 2.0, false, true}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace gaussmix::testing
