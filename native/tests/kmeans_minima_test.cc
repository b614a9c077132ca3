// kmeans::columnMinima (the least and next-least value of each column of a K x rows block, and
// the row of the least) against a plain one-column-at-a-time transcription, in float and double,
// for every row count up to a few tiles (the bounded passes ask for a few dozen rows, so the
// packets past the last whole tile, and the last one that overlaps rows already done, are most
// of the calls), with many ties, in every SIMD variant this CPU runs (probes.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/types.h"
#include "variants.h"

namespace gaussmix::testing {
namespace {

template <class Scalar>
void reference(const std::vector<double>& values, Index k, Index rows, std::vector<double>& best,
               std::vector<double>& second, std::vector<std::int32_t>& labels) {
  for (Index i = 0; i < rows; ++i) {
    Scalar b = static_cast<Scalar>(values[i]);
    Scalar s = std::numeric_limits<Scalar>::infinity();
    std::int32_t at = 0;
    for (Index j = 1; j < k; ++j) {
      const Scalar t = static_cast<Scalar>(values[j * rows + i]);
      if (t < b) {
        s = b;
        b = t;
        at = static_cast<std::int32_t>(j);
      } else if (t < s) {
        s = t;
      }
    }
    best[i] = b;
    second[i] = s;
    labels[i] = at;
  }
}

class MinimaPerVariant : public PerVariant {};

TEST_P(MinimaPerVariant, EveryRowCountMatchesOneColumnAtATime) {
  std::mt19937_64 random(1234);
  std::uniform_int_distribution<int> small(0, 5);  // many ties
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const int asFloat : {0, 1}) {
    for (const Index k : {1, 2, 3, 32, 33}) {
      for (Index rows = 1; rows <= 150; ++rows) {
        std::vector<double> values(static_cast<size_t>(k * rows));
        const bool ties = rows % 2 == 0;
        for (double& v : values) v = ties ? small(random) : normal(random);
        std::vector<double> best(rows), second(rows), wantBest(rows), wantSecond(rows);
        std::vector<std::int32_t> labels(rows, -1), wantLabels(rows);
        variant().columnMinima(asFloat, values.data(), k, rows, best.data(), second.data(),
                               labels.data());
        if (asFloat) {
          reference<float>(values, k, rows, wantBest, wantSecond, wantLabels);
        } else {
          reference<double>(values, k, rows, wantBest, wantSecond, wantLabels);
        }
        for (Index i = 0; i < rows; ++i) {
          ASSERT_EQ(labels[i], wantLabels[i])
              << "float " << asFloat << ", K " << k << ", rows " << rows << ", row " << i;
          ASSERT_EQ(best[i], wantBest[i]) << "float " << asFloat << ", K " << k << ", row " << i;
          ASSERT_EQ(second[i], wantSecond[i]) << "float " << asFloat << ", K " << k << ", row " << i;
        }
      }
    }
  }
}

GAUSSMIX_PER_VARIANT(MinimaPerVariant);

}  // namespace
}  // namespace gaussmix::testing
