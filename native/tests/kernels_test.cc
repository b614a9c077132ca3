// The hand-written exp and log of lanes.h (expOrZero, logOrMinusInfinity), in every SIMD variant
// this CPU runs, against long double expl/logl over their whole domains: the largest error in
// ulps (printed), their edges (0 below the normal range, −∞ at 0, exp(0) = 1) and no subnormal
// result.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

#include "variants.h"

namespace gaussmix::testing {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kSmallestNormal = std::numeric_limits<double>::min();
// lanes.h's kExpLowest: below it, expOrZero is 0.
constexpr double kExpLowest = -708.3964185322;

// |got − want| in units of the last place of a double at want (want's own binade).
double ulpError(double got, long double want) {
  if (want == 0.0L) return got == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  const int e = std::max(std::ilogb(want), std::numeric_limits<double>::min_exponent - 1);
  const long double ulp = std::ldexp(1.0L, e - 52);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / ulp);
}

// The largest ulpError of y[i] against reference(x[i]), and its x.
struct Worst {
  double ulp = 0.0;
  double at = 0.0;
};
template <class Reference>
Worst worstError(const std::vector<double>& x, const std::vector<double>& y, Reference reference) {
  Worst worst;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double err = ulpError(y[i], reference(static_cast<long double>(x[i])));
    if (err > worst.ulp) worst = {err, x[i]};
  }
  return worst;
}

// Applies a kernel to any number of inputs (padded to whole lanes).
std::vector<double> apply(void (*kernel)(const double*, double*, std::ptrdiff_t),
                          std::vector<double> in, double pad) {
  const std::size_t n = in.size();
  in.resize((n + 7) / 8 * 8, pad);
  std::vector<double> out(in.size());
  kernel(in.data(), out.data(), static_cast<std::ptrdiff_t>(in.size()));
  out.resize(n);
  return out;
}

class Kernels : public PerVariant {};

// Inputs over [kExpLowest, 0]: uniform, log-uniform in magnitude down to the smallest
// subnormal, and the neighbourhoods of the reduction's boundaries (−(n ± ½)·log 2).
std::vector<double> expInputs() {
  std::mt19937_64 rng(5);
  std::vector<double> x = {0.0, -0.0, kExpLowest, std::nextafter(kExpLowest, 0.0),
                           -std::numeric_limits<double>::denorm_min(), -kSmallestNormal,
                           -1e-300, -1e-17, -1.0, -0.5, -std::log(2.0) / 2};
  std::uniform_real_distribution<double> uniform(kExpLowest, 0.0);
  for (int i = 0; i < 2000000; ++i) x.push_back(uniform(rng));
  std::uniform_real_distribution<double> exponent(-1074.0, std::log2(-kExpLowest));
  for (int i = 0; i < 500000; ++i) x.push_back(-std::exp2(exponent(rng)));
  const double ln2 = std::log(2.0);
  for (int n = 0; n <= 1022; ++n) {
    for (const double half : {-0.5, 0.5}) {
      const double edge = -(n + half) * ln2;
      if (edge > 0.0 || edge < kExpLowest) continue;
      double v = edge;
      for (int k = 0; k < 4; ++k) v = std::nextafter(v, 0.0);
      for (int k = 0; k < 8; ++k, v = std::nextafter(v, -1e300)) {
        if (v <= 0.0 && v >= kExpLowest) x.push_back(v);
      }
    }
  }
  return x;
}

TEST_P(Kernels, ExpOrZeroWithinOneUlpAndNeverSubnormal) {
  const std::vector<double> x = expInputs();
  const std::vector<double> y = apply(variant().expOrZero, x, 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    ASSERT_GE(y[i], kSmallestNormal) << "exp(" << x[i] << ") is " << y[i];
    ASSERT_LE(y[i], 1.0) << "exp(" << x[i] << ")";
  }
  const Worst worst = worstError(x, y, [](long double v) { return std::exp(v); });
  std::printf("[ %s ] expOrZero: max error %.3f ulp (at %.17g) over %zu inputs\n",
              variant().name.c_str(), worst.ulp, worst.at, x.size());
  RecordProperty("max_ulp", std::to_string(worst.ulp));
  EXPECT_LT(worst.ulp, 1.5) << "at " << worst.at;
  EXPECT_EQ(apply(variant().expOrZero, {0.0, -0.0}, 0.0), std::vector<double>({1.0, 1.0}));
}

TEST_P(Kernels, ExpOrZeroIsZeroBelowTheNormalRange) {
  const std::vector<double> x = {std::nextafter(kExpLowest, -1e300), -708.4, -709.0, -709.79,
                                 -745.2, -1e4, -1e300, -std::numeric_limits<double>::max(),
                                 kNegInf};
  for (const double y : apply(variant().expOrZero, x, 0.0)) EXPECT_EQ(y, 0.0);
}

// Positive normal doubles of every binade, log-uniform; the neighbourhoods of 1 (log ≈ 0, where
// a relative error shows) and of √2 (where the reduction switches).
std::vector<double> logInputs() {
  std::mt19937_64 rng(6);
  std::vector<double> x = {1.0, 2.0, 0.5, kSmallestNormal, std::numeric_limits<double>::max(),
                           std::sqrt(2.0), std::sqrt(0.5), 10.0, 1e-300, 1e300};
  for (int i = 0; i < 2000000; ++i) {
    const std::uint64_t e = 1 + rng() % 2046;
    const std::uint64_t bits = (rng() & ((std::uint64_t{1} << 52) - 1)) | (e << 52);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    x.push_back(v);
  }
  std::uniform_real_distribution<double> near(-60.0, -1.0);
  for (int i = 0; i < 500000; ++i) {
    const double d = std::exp2(near(rng));
    x.push_back(1.0 + d);
    x.push_back(1.0 - d);
  }
  for (const double centre : {1.0, std::sqrt(2.0), std::sqrt(0.5)}) {
    double up = centre;
    double down = centre;
    for (int k = 0; k < 2000; ++k) {
      x.push_back(up = std::nextafter(up, 2.0));
      x.push_back(down = std::nextafter(down, 0.0));
    }
  }
  return x;
}

TEST_P(Kernels, LogOrMinusInfinityWithinOneUlp) {
  const std::vector<double> x = logInputs();
  const std::vector<double> y = apply(variant().logOrMinusInfinity, x, 1.0);
  const Worst worst = worstError(x, y, [](long double v) { return std::log(v); });
  std::printf("[ %s ] logOrMinusInfinity: max error %.3f ulp (at %.17g) over %zu inputs\n",
              variant().name.c_str(), worst.ulp, worst.at, x.size());
  RecordProperty("max_ulp", std::to_string(worst.ulp));
  EXPECT_LT(worst.ulp, 1.0) << "at " << worst.at;
  EXPECT_EQ(apply(variant().logOrMinusInfinity, {0.0, 1.0}, 1.0),
            std::vector<double>({kNegInf, 0.0}));
}

GAUSSMIX_PER_VARIANT(Kernels);

}  // namespace
}  // namespace gaussmix::testing
