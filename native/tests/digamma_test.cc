// digamma against scipy.special.digamma on the grid of scripts/make_bayesian_fixtures.py
// (fixtures/digamma_cases.txt): within 8 ulps of max(|ψ(x)|, 1). Near ψ's root (x ≈ 1.4616)
// the relative error of any double-precision implementation is unbounded; the absolute one
// is what the E-step's log-priors see.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "core/digamma.h"

namespace gaussmix::testing {
namespace {

TEST(Digamma, MatchesScipyOnTheGrid) {
  std::ifstream in(std::string(GAUSSMIX_TEST_FIXTURES) + "/digamma_cases.txt");
  ASSERT_TRUE(in) << "fixtures/digamma_cases.txt is missing";
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    double x = 0.0;
    double expected = 0.0;
    fields >> x >> expected;
    const double scale = std::max(std::abs(expected), 1.0);
    EXPECT_LE(std::abs(digamma(x) - expected), 8 * std::numeric_limits<double>::epsilon() * scale)
        << "x = " << x;
    ++cases;
  }
  EXPECT_GT(cases, 200);
}

TEST(Digamma, OutsideItsDomain) {
  EXPECT_TRUE(std::isnan(digamma(0.0)));
  EXPECT_TRUE(std::isnan(digamma(-1.5)));
  EXPECT_TRUE(std::isnan(digamma(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(digamma(std::numeric_limits<double>::infinity()), std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace gaussmix::testing
