// The SIMD variants of the core this test binary holds (see probes.h), and whether this CPU
// runs each.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gaussmix::testing {

struct Variant {
  std::string name;  // "baseline", "avx2-fma", "avx512" (the addon's `simd` names)
  bool runs;         // this CPU has its instructions
  void (*expOrZero)(const double*, double*, std::ptrdiff_t);
  void (*logOrMinusInfinity)(const double*, double*, std::ptrdiff_t);
  void (*scatterTwoPass)(int, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, const double*,
                         const double*, const double*, double*);
  void (*scatterOnePass)(int, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, const double*,
                         const double*, const double*, const double*, const double*, double*);
  void (*compatChoose)(int, const double*, std::ptrdiff_t, double, std::int32_t*, double*,
                       double*);
  void (*kmeansPlusPlus)(const double*, std::ptrdiff_t, std::ptrdiff_t, const double*,
                         std::ptrdiff_t, std::uint64_t, unsigned, std::ptrdiff_t*, std::uint64_t*);
  void (*columnMinima)(int, const double*, std::ptrdiff_t, std::ptrdiff_t, double*, double*,
                       std::int32_t*);
  void (*clusterSums)(const double*, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t,
                      const double*, const std::int32_t*, const std::int32_t*, double*);
};

const std::vector<Variant>& variants();
// variants()[i].name as an identifier (for parameterised test names).
std::string variantLabel(std::size_t i);

// A fixture for tests run once per variant (TEST_P, then GAUSSMIX_PER_VARIANT(fixture)),
// skipped by name where this CPU cannot run the variant.
class PerVariant : public ::testing::TestWithParam<std::size_t> {
 protected:
  const Variant& variant() const { return variants()[GetParam()]; }
  void SetUp() override {
    if (!variant().runs) GTEST_SKIP() << "this CPU cannot run the " << variant().name << " variant";
  }
};

#define GAUSSMIX_PER_VARIANT(fixture)                                                       \
  INSTANTIATE_TEST_SUITE_P(Variants, fixture,                                               \
                           ::testing::Range<std::size_t>(0, variants().size()),             \
                           [](const ::testing::TestParamInfo<std::size_t>& info) {          \
                             return variantLabel(info.param);                               \
                           })

}  // namespace gaussmix::testing
