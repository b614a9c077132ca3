// mclust's hc (VVV on SVD-transformed data) and hclass against mclust 6.0.0's: the transform
// (up to the sign of each column, which no merge criterion sees), the merges from mclust's own
// transformed data and from ours (exactly), and the classifications for G = 2..9.
#include <algorithm>
#include <cstdio>
#include <string>

#include "core/mclust/hc.h"
#include "hc_test.h"

namespace mclust_test {

using namespace gaussmix;
using namespace gaussmix::mclust;

namespace {

std::vector<std::array<Index, 2>> expectedMerges(const Json& j) {
  std::vector<std::array<Index, 2>> m;
  for (const auto& pair : j) m.push_back({pair[0].get<Index>(), pair[1].get<Index>()});
  return m;
}

// The number of leading merges that agree.
size_t agreeing(const std::vector<std::array<Index, 2>>& a, const std::vector<std::array<Index, 2>>& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

void testHc(Checker& checker, const Json& fixture) {
  const std::string name = fixture["name"];
  const RowMatrix x = matrix(fixture["X"]);
  const Json& hc = fixture["hc"];
  const RowMatrix zR = matrix(hc["transformed"]);
  const auto expected = expectedMerges(hc["merges"]);

  // The SVD transform, column signs aligned.
  RowMatrix z = svdTransform(gaussmix::ConstRowMap(x.data(), x.rows(), x.cols()));
  for (Index j = 0; j < z.cols() && j < zR.cols(); ++j) {
    if (z.col(j).dot(zR.col(j)) < 0) z.col(j) *= -1;
  }
  checker.check(name + " hc SVD transform", relativeDeviation(z, zR), 1e-10, "hc transform");

  // Merges from mclust's transformed data: the algorithm itself.
  const auto fromR = hcVVV(zR);
  const size_t okR = agreeing(fromR, expected);
  std::printf("%-9s hc merges from mclust's transformed data: %zu of %zu agree\n", name.c_str(), okR,
              expected.size());
  checker.expect(name + " hc merges (mclust's transformed data)", okR == expected.size());

  // Merges from our transform: the whole of hc(). Where two merges tie in exact arithmetic
  // (iris: rows 58/94 and 117/138 differ by the same ±(0.1, −0.1, 0, 0)), which one mclust
  // takes first is decided by the rounding of its LAPACK SVD; so the same merges, and the
  // same classifications below, are required, and the order only reported.
  const auto ours = hcVVV(svdTransform(gaussmix::ConstRowMap(x.data(), x.rows(), x.cols())));
  size_t inOrder = 0;
  for (size_t i = 0; i < ours.size() && i < expected.size(); ++i) inOrder += ours[i] == expected[i];
  std::printf("%-9s hc merges from our transform: %zu of %zu in mclust's order\n", name.c_str(), inOrder,
              expected.size());
  auto sortedOurs = ours;
  auto sortedExpected = expected;
  std::sort(sortedOurs.begin(), sortedOurs.end());
  std::sort(sortedExpected.begin(), sortedExpected.end());
  checker.expect(name + " hc merges (as a set)", sortedOurs == sortedExpected);

  for (auto& [g, labels] : hc["hclass"].items()) {
    const auto cl = hclass(ours, x.rows(), std::stoi(g));
    bool same = cl.size() == labels.size();
    for (size_t i = 0; same && i < cl.size(); ++i) same = cl[i] == labels[i].get<int>();
    checker.expect(name + " hclass G=" + g, same);
  }
}

}  // namespace mclust_test
