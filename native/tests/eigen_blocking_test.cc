// useFixedEigenBlocking: whatever cache sizes Eigen detected (here: those of a CPU with a
// 48 KiB L1), products are blocked by the fixed sizes, so a block's rᵀx has the same bits on
// every machine running the same SIMD variant.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include <Eigen/Core>

#include "core/eigen_blocking.h"

namespace gaussmix::testing {
namespace {

using Rows = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Rows product(const Rows& r, const Rows& x) {
  Rows out(r.cols(), x.cols());
  out.noalias() = r.transpose() * x;
  return out;
}

TEST(FixedEigenBlocking, ProductsDoNotDependOnTheDetectedCaches) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  Rows r(4096, 8), x(4096, 16);
  for (Eigen::Index i = 0; i < r.size(); ++i) r.data()[i] = std::abs(normal(rng));
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = 3.0 + normal(rng);

  Eigen::setCpuCacheSizes(std::ptrdiff_t{32} << 10, std::ptrdiff_t{1} << 20, std::ptrdiff_t{320} << 20);
  const Rows reference = product(r, x);
  // Another CPU's caches change the bits (the reason for the fix) ...
  Eigen::setCpuCacheSizes(std::ptrdiff_t{48} << 10, std::ptrdiff_t{1280} << 10, std::ptrdiff_t{32} << 20);
  const Rows other = product(r, x);
  EXPECT_NE(std::memcmp(other.data(), reference.data(), sizeof(double) * reference.size()), 0);
  // ... unless the blocking is fixed.
  useFixedEigenBlocking();
  EXPECT_EQ(Eigen::l1CacheSize(), std::ptrdiff_t{32} << 10);
  EXPECT_EQ(Eigen::l2CacheSize(), std::ptrdiff_t{1} << 20);
  const Rows fixed = product(r, x);
  EXPECT_EQ(std::memcmp(fixed.data(), reference.data(), sizeof(double) * reference.size()), 0);
}

}  // namespace
}  // namespace gaussmix::testing
