// The drop-ins' nearest-centre choice made in lane vectors (core/compat_lanes.h, choose) against
// the rule as both packages state it, a scalar loop: ties (the first centre for ml-kmeans, the
// last for skmeans), second-nearest distances with ties, +inf and DBL_MAX distances, NaN,
// padding lanes that must be ignored, every K from 1 to 40, on every SIMD variant.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "variants.h"

namespace gaussmix::testing {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Choice {
  std::int32_t label;
  double nearest, second;
};

// The packages' loop: first-wins starts at DBL_MAX and takes acc < best, later-wins starts at
// +inf and takes acc <= best; next is min(best, next) on a take, else min(acc, next).
Choice scalarChoice(const std::vector<double>& acc, bool laterWins) {
  double best = laterWins ? kInf : DBL_MAX;
  double next = kInf;
  std::int32_t id = 0;
  for (size_t c = 0; c < acc.size(); ++c) {
    const bool take = laterWins ? acc[c] <= best : acc[c] < best;
    next = take ? std::min(best, next) : std::min(acc[c], next);
    if (take) {
      best = acc[c];
      id = static_cast<std::int32_t>(c);
    }
  }
  return {id, best, next};
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

class CompatChoice : public PerVariant {};

TEST_P(CompatChoice, MatchesTheScalarRule) {
  std::mt19937_64 rng(20261205);
  const double specials[] = {kInf, DBL_MAX, std::nan(""), 0.0};
  const double paddings[] = {-1.0, 0.0, std::nan(""), kInf};
  int checked = 0;
  for (int k = 1; k <= 40; ++k) {
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<double> acc(static_cast<size_t>(k));
      // Few distinct values (ties are common), sometimes a special value.
      const int levels = 1 + static_cast<int>(rng() % 6);
      for (double& v : acc) v = static_cast<double>(rng() % levels) * 0.5 + 1.0;
      if (trial % 3 == 0) acc[rng() % k] = specials[rng() % 4];
      if (trial % 7 == 0) {
        for (double& v : acc) v = rng() % 2 ? kInf : DBL_MAX;
      }
      const double padding = paddings[trial % 4];
      for (const bool laterWins : {false, true}) {
        const Choice want = scalarChoice(acc, laterWins);
        Choice got{-1, -1.0, -1.0};
        variant().compatChoose(laterWins ? 1 : 0, acc.data(), k, padding, &got.label,
                               &got.nearest, &got.second);
        ASSERT_EQ(got.label, want.label) << "K " << k << " trial " << trial << " later " << laterWins;
        ASSERT_TRUE(same(got.nearest, want.nearest)) << got.nearest << " != " << want.nearest;
        ASSERT_TRUE(same(got.second, want.second))
            << "K " << k << " trial " << trial << " later " << laterWins << ": " << got.second
            << " != " << want.second;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 40 * 300 * 2);
}

GAUSSMIX_PER_VARIANT(CompatChoice);

}  // namespace
}  // namespace gaussmix::testing
