#pragma once

#include <vector>

#include "fixture.h"

namespace mclust_test {

// n_k, x̄_k and W_k (K × D × D row-major) from data and responsibilities (first `components`
// columns of z), computed directly (two-pass).
struct Statistics {
  Vector counts;
  RowMatrix means;
  std::vector<double> scatter;
};
Statistics statistics(const RowMatrix& x, const RowMatrix& z, Index components);

void testMSteps(Checker& checker, const Json& fixture);
void testPriorMSteps(Checker& checker, const Json& fixture);

}  // namespace mclust_test
