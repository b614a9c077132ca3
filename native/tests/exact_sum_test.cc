// ExactSums: known sums (ties, subnormals, overflow, specials), and the property that makes it
// useful: any order and grouping of the same values gives the same bits.
#include "core/exact_sum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <numeric>

#include "core/errors.h"
#include "test_data.h"

namespace gaussmix::testing {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kTiny = std::numeric_limits<double>::denorm_min();

// The sum of `terms` by one accumulator, one term per add.
double sumOf(const std::vector<double>& terms) {
  ExactSums s(1);
  for (const double v : terms) s.add(&v);
  return s.rounded(0);
}

std::vector<double> rounded(const ExactSums& s) {
  std::vector<double> out(static_cast<std::size_t>(s.size()));
  s.round(out.data());
  return out;
}

std::vector<std::uint8_t> encoded(const ExactSums& s) {
  std::vector<std::uint8_t> out;
  s.serialise(out);
  return out;
}

// Bit-for-bit equality (NaN == NaN, +0 != −0).
::testing::AssertionResult sameBits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return ::testing::AssertionFailure() << "sizes differ";
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (bitsOf(a[i]) != bitsOf(b[i])) {
      return ::testing::AssertionFailure() << "at " << i << ": " << a[i] << " (0x" << std::hex
                                           << bitsOf(a[i]) << ") vs " << b[i] << " (0x"
                                           << bitsOf(b[i]) << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(ExactSums, ZeroRoundsToPositiveZero) {
  ExactSums s(3);
  EXPECT_TRUE(sameBits(rounded(s), {0.0, 0.0, 0.0}));
  const double negatives[] = {-0.0, -0.0, -0.0};
  s.add(negatives);  // the one array: kept as it is, but −0 still rounds to +0
  EXPECT_TRUE(sameBits(rounded(s), {0.0, 0.0, 0.0}));
  const double values[] = {1.5, -kTiny, kMax};
  const double opposite[] = {-1.5, kTiny, -kMax};
  s.add(values);
  s.add(opposite);
  EXPECT_TRUE(sameBits(rounded(s), {0.0, 0.0, 0.0}));
  s.clear();
  s.add(1, -0.0);
  EXPECT_TRUE(sameBits(rounded(s), {0.0, 0.0, 0.0}));
}

TEST(ExactSums, OneArrayIsItsOwnSum) {
  Values gen(1);
  std::vector<double> v(1000);
  for (double& x : v) x = gen.next(Kind::Wide);
  v[0] = kInf;
  v[1] = -kInf;
  v[2] = kTiny;
  ExactSums s(static_cast<Index>(v.size()));
  s.add(v.data());
  EXPECT_TRUE(sameBits(rounded(s), v));
  // The same values through the digits (a zero array added first) round to the same.
  ExactSums t(static_cast<Index>(v.size()));
  const std::vector<double> zeros(v.size(), 0.0);
  t.add(zeros.data());
  t.add(v.data());
  EXPECT_TRUE(sameBits(rounded(t), v));
  EXPECT_EQ(encoded(s), encoded(t));
}

TEST(ExactSums, RoundsToNearestTiesToEven) {
  const double u = std::ldexp(1.0, -52);  // ulp(1)
  EXPECT_EQ(sumOf({1.0, u / 2}), 1.0);                                 // tie: to even (down)
  EXPECT_EQ(sumOf({1.0 + u, u / 2}), 1.0 + 2 * u);                     // tie: to even (up)
  EXPECT_EQ(sumOf({1.0, u / 2, std::ldexp(1.0, -200)}), 1.0 + u);      // just above the tie
  EXPECT_EQ(sumOf({1.0, u / 2, -std::ldexp(1.0, -200)}), 1.0);         // just below it
  EXPECT_EQ(sumOf({-1.0, -u / 2, -std::ldexp(1.0, -1074)}), -1.0 - u);  // sticky bit far below
  EXPECT_EQ(sumOf({std::ldexp(1.0, 60), 1.0, -std::ldexp(1.0, 60)}), 1.0);
  EXPECT_EQ(sumOf({1e308, 1e308, -1e308}), 1e308);  // no intermediate overflow
  EXPECT_EQ(sumOf({0.1, 0.2, 0.3, -0.6}), std::ldexp(1.0, -55));  // the decimals' binary errors
}

TEST(ExactSums, SubnormalsAreExact) {
  EXPECT_EQ(sumOf({kTiny, kTiny}), 2 * kTiny);
  EXPECT_EQ(sumOf({std::numeric_limits<double>::min(), -kTiny}),
            std::nextafter(std::numeric_limits<double>::min(), 0.0));
  EXPECT_EQ(sumOf({1.0, kTiny, -1.0}), kTiny);
  EXPECT_EQ(sumOf({-kTiny, -kTiny, -kTiny}), -3 * kTiny);
}

TEST(ExactSums, OverflowRoundsToInfinity) {
  const double ulpMax = std::ldexp(1.0, 971);  // ulp of the largest double
  EXPECT_EQ(sumOf({kMax, kMax}), kInf);
  EXPECT_EQ(sumOf({-kMax, -kMax}), -kInf);
  EXPECT_EQ(sumOf({kMax, ulpMax / 2}), kInf);  // the tie rounds to even: 2^1024, beyond
  EXPECT_EQ(sumOf({kMax, ulpMax / 4}), kMax);
  EXPECT_EQ(sumOf({kMax, ulpMax / 2, -std::ldexp(1.0, -1074)}), kMax);
  EXPECT_EQ(sumOf({kMax, kMax, kMax, -kMax, -kMax}), kMax);  // exact beyond the range
}

TEST(ExactSums, NonFiniteValuesFollowIeee) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(sumOf({1.0, kInf, 2.0}), kInf);
  EXPECT_EQ(sumOf({-kInf, kMax, kMax}), -kInf);
  EXPECT_TRUE(std::isnan(sumOf({kInf, -kInf})));
  EXPECT_TRUE(std::isnan(sumOf({1.0, nan})));
  EXPECT_TRUE(std::isnan(sumOf({-nan, kInf})));
  // The finite part stays exact underneath, and the flags stick through a merge.
  ExactSums a(2);
  ExactSums b(2);
  const double first[] = {kInf, 1.0};
  const double second[] = {2.0, -kInf};
  a.add(first);
  a.add(first);
  b.add(second);
  a.merge(b);
  const std::vector<double> r = rounded(a);
  EXPECT_EQ(r[0], kInf);
  EXPECT_EQ(r[1], -kInf);
  ExactSums c(2);
  const double opposite[] = {-kInf, kInf};
  c.add(opposite);
  c.merge(a);
  EXPECT_TRUE(std::isnan(c.rounded(0)));
  EXPECT_TRUE(std::isnan(c.rounded(1)));
  b.merge(a);  // {2 + ∞, −∞ − ∞}
  EXPECT_EQ(b.rounded(0), kInf);
  EXPECT_EQ(b.rounded(1), -kInf);
}

// The same multiset of arrays, added in shuffled orders and grouped into randomly merged parts,
// single additions or whole arrays: the same rounded bits and the same encoding every time.
void expectOrderFree(Kind kind, std::size_t arrays, std::size_t n, std::uint64_t seed) {
  Values gen(seed);
  auto rows = gen.arrays(kind, arrays, n);
  // Exact cancellation: the negatives of some rows come later.
  for (std::size_t r = 0; r < arrays / 3; ++r) {
    std::vector<double> negated = rows[r];
    for (double& v : negated) v = -v;
    rows.push_back(negated);
  }
  const auto count = static_cast<Index>(n);
  ExactSums reference(count);
  for (const auto& row : rows) reference.add(row.data());
  const std::vector<double> want = rounded(reference);
  const std::vector<std::uint8_t> wantBytes = encoded(reference);
  std::mt19937_64& rng = gen.rng();
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<std::size_t> order(rows.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    // Parts of random sizes (some empty), each summed on its own, merged in shuffled order.
    std::vector<ExactSums> parts;
    std::size_t at = 0;
    while (at < order.size()) {
      const std::size_t take = std::min<std::size_t>(rng() % 5, order.size() - at);
      ExactSums part(count);
      for (std::size_t k = 0; k < take; ++k) {
        const auto& row = rows[order[at + k]];
        if (trial % 3 == 2) {
          for (Index i = 0; i < count; ++i) part.add(i, row[static_cast<std::size_t>(i)]);
        } else {
          part.add(row.data());
        }
      }
      at += take;
      parts.push_back(std::move(part));
    }
    std::shuffle(parts.begin(), parts.end(), rng);
    ExactSums total(count);
    for (const ExactSums& part : parts) total.merge(part);
    SCOPED_TRACE("trial " + std::to_string(trial));
    EXPECT_TRUE(sameBits(rounded(total), want));
    EXPECT_EQ(encoded(total), wantBytes);
  }
}

TEST(ExactSums, OrderAndGroupingFreeSimilarValues) { expectOrderFree(Kind::Similar, 40, 257, 11); }
TEST(ExactSums, OrderAndGroupingFreeWholeExponentRange) { expectOrderFree(Kind::Wide, 40, 64, 12); }
TEST(ExactSums, OrderAndGroupingFreeLargeValues) { expectOrderFree(Kind::Cancelling, 40, 64, 13); }
TEST(ExactSums, OrderAndGroupingFreeSubnormals) { expectOrderFree(Kind::Subnormal, 40, 64, 14); }
TEST(ExactSums, OrderAndGroupingFreeHugeValues) { expectOrderFree(Kind::Huge, 40, 64, 15); }
TEST(ExactSums, OrderAndGroupingFreeMixed) { expectOrderFree(Kind::Mixed, 60, 100, 16); }

// Thousands of arrays (the digits are normalised every 2040) of the largest mantissas at the
// top of the range: no digit overflows, and the cancellation is exact.
TEST(ExactSums, ManyArraysOfExtremeValues) {
  const double big = std::nextafter(kMax, 0.0);  // mantissa all ones but the last bit
  const double values[] = {kMax, -kMax, 1.0 - std::ldexp(1.0, -53), big, kTiny};
  const double negated[] = {-kMax, kMax, -(1.0 - std::ldexp(1.0, -53)), -big, -kTiny};
  ExactSums s(5);
  for (int r = 0; r < 5000; ++r) s.add(values);
  for (int r = 0; r < 4999; ++r) s.add(negated);
  EXPECT_TRUE(sameBits(rounded(s), {kMax, -kMax, 1.0 - std::ldexp(1.0, -53), big, kTiny}));
  for (int r = 0; r < 4999; ++r) s.add(0, kMax);
  EXPECT_EQ(s.rounded(0), kInf);
  for (int r = 0; r < 4999; ++r) s.add(0, -kMax);
  EXPECT_EQ(s.rounded(0), kMax);
}

// Windows slide to follow the values and move to the full range when they must; the sums do
// not change.
TEST(ExactSums, WindowsSlideAndWiden) {
  ExactSums s(4);
  const double steps[][4] = {
      {1.0, 1e300, 1e-300, 1.0},
      {1e30, 1e280, 1e-280, 1.0},
      {1e60, -1e300, -1e-300, 1e-320},  // the last: from digit 20 to digit 0
      {-1e60, 1.0, 1.0, 1e300},
  };
  for (const auto& row : steps) s.add(row);
  EXPECT_GT(s.fullRangeCount(), 0);
  const std::vector<double> r = rounded(s);
  EXPECT_EQ(r[0], 1e30);  // 1 + 1e30 exactly, rounded (a double sum in this order gives 0)
  EXPECT_EQ(r[1], 1e280 + 1.0);
  EXPECT_EQ(r[2], 1.0);
  EXPECT_EQ(r[3], 1e300);
  EXPECT_EQ(sumOf({1.0, 1e-300, 1e300, -1e300, -1.0}), 1e-300);
}

// What the E-step's statistics cost: 64-byte windows and a small header, no full-range copy
// for values within a few hundred bits of one another.
TEST(ExactSums, TypicalDataStaysInItsWindows) {
  Values gen(7);
  const std::size_t n = 10000;
  ExactSums s(static_cast<Index>(n));
  for (const auto& row : gen.arrays(Kind::Similar, 30, n)) s.add(row.data());
  std::vector<double> small(n);
  for (double& v : small) v = gen.withExponent(800, 820);  // 2^-223 .. 2^-203
  s.add(small.data());
  EXPECT_EQ(s.fullRangeCount(), 0);
  EXPECT_LE(static_cast<double>(s.memoryBytes()) / static_cast<double>(n), 80.0);
}

TEST(ExactSums, RejectsMismatchedSizesAndIndices) {
  ExactSums a(3);
  ExactSums b(4);
  EXPECT_THROW(a.merge(b), Error);
  EXPECT_THROW(a.add(3, 1.0), Error);
  EXPECT_THROW(a.add(-1, 1.0), Error);
  EXPECT_THROW(a.rounded(3), Error);
  EXPECT_THROW(ExactSums(-1), Error);
  try {
    a.merge(b);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
  }
}

// Too many accumulators for memory is std::bad_alloc, which the binding reports as out of
// memory, like any other allocation. (Not under ASan: its allocator ends the process. GCC
// says so with __SANITIZE_ADDRESS__, clang 14 only through __has_feature.)
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GAUSSMIX_TEST_UNDER_ASAN 1
#endif
#endif
#if !defined(__SANITIZE_ADDRESS__) && !defined(GAUSSMIX_TEST_UNDER_ASAN)
TEST(ExactSums, TooManyForMemoryIsBadAlloc) {
  EXPECT_THROW(ExactSums(Index{1} << 42), std::bad_alloc);
}
#endif

// Ranges: add(first, values, count) and merge(other, first, count) touch those accumulators
// only, and give what adding the same values one at a time gives, in any mode of either side.
TEST(ExactSums, RangesAddAndMergeTheirAccumulatorsOnly) {
  Values gen(4);
  const std::vector<std::vector<double>> rows = gen.arrays(Kind::Mixed, 6, 20);
  for (const int modes : {0, 1, 2}) {  // the receiver: zero, one array kept, digits
    ExactSums into(20);
    ExactSums want(20);
    for (int r = 0; r < modes; ++r) {
      into.add(rows[static_cast<std::size_t>(r)].data());
      want.add(rows[static_cast<std::size_t>(r)].data());
    }
    ExactSums single(20);
    single.add(rows[2].data());  // merged from Single mode
    ExactSums digits(20);
    digits.add(rows[3].data());
    digits.add(rows[4].data());  // merged from Digits mode
    into.add(5, rows[5].data() + 5, 7);
    into.merge(single, 2, 4);
    into.merge(digits, 9, 11);
    for (Index i = 5; i < 12; ++i) want.add(i, rows[5][static_cast<std::size_t>(i)]);
    for (Index i = 2; i < 6; ++i) want.add(i, rows[2][static_cast<std::size_t>(i)]);
    for (Index i = 9; i < 20; ++i) {
      want.add(i, rows[3][static_cast<std::size_t>(i)]);
      want.add(i, rows[4][static_cast<std::size_t>(i)]);
    }
    EXPECT_TRUE(sameBits(rounded(into), rounded(want))) << "receiver mode " << modes;
  }
  ExactSums a(5);
  ExactSums b(5);
  EXPECT_THROW(a.merge(b, 3, 3), Error);
  EXPECT_THROW(a.merge(b, -1, 2), Error);
  EXPECT_THROW(a.add(4, rows[0].data(), 2), Error);
}

TEST(ExactSums, MergeWithItselfDoubles) {
  Values gen(3);
  ExactSums s(50);
  for (const auto& row : gen.arrays(Kind::Wide, 5, 50)) s.add(row.data());
  const std::vector<double> once = rounded(s);
  s.merge(s);
  const std::vector<double> twice = rounded(s);
  for (std::size_t i = 0; i < once.size(); ++i) {
    if (std::isfinite(2 * once[i])) {
      EXPECT_EQ(twice[i], 2 * once[i]) << i;
    }
  }
}

TEST(ExactSums, ResizeAndClearStartFromZero) {
  ExactSums s(2);
  const double v[] = {1.0, 2.0, 3.0};
  s.add(v);
  s.add(v);
  s.clear();
  EXPECT_TRUE(sameBits(rounded(s), {0.0, 0.0}));
  s.resize(3);
  s.add(v);
  EXPECT_TRUE(sameBits(rounded(s), {1.0, 2.0, 3.0}));
  s.add(v);
  EXPECT_TRUE(sameBits(rounded(s), {2.0, 4.0, 6.0}));
  EXPECT_EQ(s.rounded(2), 6.0);
}

}  // namespace
}  // namespace gaussmix::testing
