// The covariance scatters of covariance.cc in every SIMD variant this CPU runs, for each
// covariance type and feature counts on both sides of the small-D kernels: the two-pass
// accumulateScatter about the means, and the one-pass accumulateScatterColumns about the
// E-step's means moved by recentreScatter, against Σ r (x − μ)(x − μ)ᵀ in long double. The
// error is measured against Σ r |x_a − c_a + δ_a|·|x_b − c_b + δ_b|-style bounds (what the
// rounding of each term can reach), not against the result, which cancellation can make small.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "variants.h"

namespace gaussmix::testing {
namespace {

enum Type { kFull = 0, kTied = 1, kDiag = 2, kSpherical = 3 };
const char* const kTypeNames[] = {"full", "tied", "diag", "spherical"};

struct Problem {
  int type;
  std::ptrdiff_t n, k, d;
  std::vector<double> x, resp, means, centre, precChol;
};

// n rows around k means at distance `offset` from the origin, soft responsibilities (a few 0),
// and the E-step's means a small step δ away from the M-step's.
Problem makeProblem(int type, std::ptrdiff_t n, std::ptrdiff_t k, std::ptrdiff_t d,
                    double offset, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  Problem p{type, n, k, d, {}, {}, {}, {}, {}};
  for (std::ptrdiff_t c = 0; c < k; ++c) {
    for (std::ptrdiff_t j = 0; j < d; ++j) {
      const double mu = offset + 5.0 * normal(rng);
      p.means.push_back(mu);
      p.centre.push_back(mu + 0.1 * normal(rng));
    }
  }
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const auto home = static_cast<std::ptrdiff_t>(rng() % static_cast<std::uint64_t>(k));
    for (std::ptrdiff_t j = 0; j < d; ++j) p.x.push_back(p.means[home * d + j] + 2.0 * normal(rng));
    double total = 0.0;
    std::vector<double> r(static_cast<std::size_t>(k));
    for (double& v : r) total += v = uniform(rng) < 0.1 ? 0.0 : uniform(rng);
    if (total == 0.0) r[0] = total = 1.0;
    for (const double v : r) p.resp.push_back(v / total);
  }
  // U: upper-triangular with a positive diagonal (full, tied), or positive scales.
  const std::ptrdiff_t factors = type == kFull ? k : 1;
  if (type == kFull || type == kTied) {
    for (std::ptrdiff_t f = 0; f < factors; ++f) {
      for (std::ptrdiff_t a = 0; a < d; ++a) {
        for (std::ptrdiff_t b = 0; b < d; ++b) {
          p.precChol.push_back(a == b ? 0.5 + uniform(rng) : a < b ? 0.1 * normal(rng) : 0.0);
        }
      }
    }
  } else {
    const std::ptrdiff_t size = type == kDiag ? k * d : k;
    for (std::ptrdiff_t i = 0; i < size; ++i) p.precChol.push_back(0.5 + uniform(rng));
  }
  return p;
}

std::ptrdiff_t scatterSize(const Problem& p) {
  switch (p.type) {
    case kFull: return p.k * p.d * p.d;
    case kTied: return p.d * p.d;
    case kDiag: return p.k * p.d;
    default: return p.k;
  }
}

// Σ_i r_ik f(y_a) f(y_b) in long double, y = x_i − about_k − shift_k, in the layout of the
// type; with f = |·| and shift = δ it gives the error scale of the one-pass scatter.
std::vector<long double> scatterOf(const Problem& p, const std::vector<double>& about,
                                   const std::vector<double>* shift, bool magnitudes) {
  std::vector<long double> s(static_cast<std::size_t>(scatterSize(p)), 0.0L);
  std::vector<long double> y(static_cast<std::size_t>(p.d));
  for (std::ptrdiff_t i = 0; i < p.n; ++i) {
    for (std::ptrdiff_t c = 0; c < p.k; ++c) {
      const long double r = p.resp[i * p.k + c];
      for (std::ptrdiff_t j = 0; j < p.d; ++j) {
        const long double v = static_cast<long double>(p.x[i * p.d + j]) - about[c * p.d + j];
        const long double t = shift ? std::fabs((*shift)[c * p.d + j]) : 0.0L;
        y[j] = magnitudes ? std::fabs(v) + t : v;
      }
      switch (p.type) {
        case kFull:
        case kTied: {
          long double* m = s.data() + (p.type == kFull ? c * p.d * p.d : 0);
          for (std::ptrdiff_t a = 0; a < p.d; ++a) {
            for (std::ptrdiff_t b = 0; b <= a; ++b) m[a * p.d + b] += r * y[a] * y[b];
          }
          break;
        }
        case kDiag:
          for (std::ptrdiff_t j = 0; j < p.d; ++j) s[c * p.d + j] += r * y[j] * y[j];
          break;
        default:
          for (std::ptrdiff_t j = 0; j < p.d; ++j) s[c] += r * y[j] * y[j];
      }
    }
  }
  return s;
}

// The largest |got − want| / scale over the scatter; entries above the diagonal (full, tied)
// must stay exactly 0.
double worstRelative(const Problem& p, const std::vector<double>& got,
                     const std::vector<long double>& want, const std::vector<long double>& scale) {
  double worst = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (scale[i] == 0.0L) {
      EXPECT_EQ(got[i], 0.0) << kTypeNames[p.type] << " entry " << i << " above the diagonal";
      continue;
    }
    worst = std::max(worst, static_cast<double>(std::fabs(got[i] - want[i]) / scale[i]));
  }
  return worst;
}

class Scatter : public PerVariant {};

// 6000 rows: several chunks of the one-pass kernels and a short last one (padding lanes).
// Feature counts 1..4 take the small-D kernels, 5, 7 and 16 the tiled ones; data near the
// origin and far from it (where only the recentring about nearby means keeps precision).
TEST_P(Scatter, OnePassAndTwoPassMatchTheExactScatter) {
  const std::ptrdiff_t shapes[][2] = {{1, 1}, {3, 2}, {2, 3}, {3, 4}, {2, 5}, {3, 7}, {2, 16}};
  constexpr double kTolerance = 1e-13;  // about 450 ulps of the scale; errors seen are ~100× less
  for (int type = kFull; type <= kSpherical; ++type) {
    double worstOne = 0.0;
    double worstTwo = 0.0;
    for (const auto& shape : shapes) {
      for (const double offset : {0.0, 1e6}) {
        const Problem p = makeProblem(type, 6001, shape[0], shape[1], offset,
                                      static_cast<std::uint64_t>(type * 100 + shape[1]));
        SCOPED_TRACE(std::string(kTypeNames[type]) + " K=" + std::to_string(p.k) +
                     " D=" + std::to_string(p.d) + " offset=" + std::to_string(offset));
        const std::vector<long double> want = scatterOf(p, p.means, nullptr, false);
        std::vector<double> two(static_cast<std::size_t>(scatterSize(p)));
        variant().scatterTwoPass(type, p.n, p.k, p.d, p.x.data(), p.resp.data(), p.means.data(),
                                 two.data());
        const auto twoScale = scatterOf(p, p.means, nullptr, true);
        worstTwo = std::max(worstTwo, worstRelative(p, two, want, twoScale));
        std::vector<double> one(two.size());
        variant().scatterOnePass(type, p.n, p.k, p.d, p.x.data(), p.resp.data(), p.centre.data(),
                                 p.precChol.data(), p.means.data(), one.data());
        std::vector<double> delta(p.means.size());
        for (std::size_t i = 0; i < delta.size(); ++i) delta[i] = p.means[i] - p.centre[i];
        const auto oneScale = scatterOf(p, p.centre, &delta, true);
        worstOne = std::max(worstOne, worstRelative(p, one, want, oneScale));
      }
    }
    std::printf("[ %s ] %s scatter: max error / scale: two-pass %.2e, one-pass %.2e\n",
                variant().name.c_str(), kTypeNames[type], worstTwo, worstOne);
    EXPECT_LT(worstTwo, kTolerance) << kTypeNames[type] << " two-pass";
    EXPECT_LT(worstOne, kTolerance) << kTypeNames[type] << " one-pass";
  }
}

GAUSSMIX_PER_VARIANT(Scatter);

}  // namespace
}  // namespace gaussmix::testing
