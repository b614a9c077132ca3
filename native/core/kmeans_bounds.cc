#include "kmeans_bounds.h"

#include <algorithm>
#include <limits>

namespace gaussmix::kmeans {
namespace {

// out[k] = the largest v[c] over c != k.
Vector othersMaximum(const Vector& v) {
  const Index k = v.size();
  Index top = 0;
  for (Index c = 1; c < k; ++c) top = v[c] > v[top] ? c : top;
  double next = 0.0;
  for (Index c = 0; c < k; ++c) next = c != top ? std::max(next, v[c]) : next;
  Vector out = Vector::Constant(k, v[top]);
  out[top] = next;
  return out;
}

}  // namespace

void Bounds::moved(const RowMatrix& before, const RowMatrix& after) {
  const Index k = after.rows();
  const Index d = after.cols();
  drift.resize(k);
  for (Index c = 0; c < k; ++c) {
    drift[c] = std::sqrt(squaredDistance(before.row(c).data(), after.row(c).data(), d));
  }
  maxOtherDrift = othersMaximum(drift);
}

void Bounds::spacing(const RowMatrix& centres) {
  const Index k = centres.rows();
  const Index d = centres.cols();
  half.setConstant(k, std::numeric_limits<double>::infinity());
  neighbours.resize(static_cast<size_t>(k * (k - 1)));
  for (Index a = 0; a < k; ++a) {
    auto* row = neighbours.data() + a * (k - 1);
    Index t = 0;
    for (Index b = 0; b < k; ++b) {
      if (b == a) continue;
      row[t++] = {std::sqrt(squaredDistance(centres.row(a).data(), centres.row(b).data(), d)),
                  static_cast<std::int32_t>(b)};
    }
    std::sort(row, row + (k - 1));
    if (k > 1) half[a] = 0.5 * row[0].first;
  }
}

std::int32_t Bounds::nearAssign(const double* x, std::int32_t a, double d2a,
                                const double* centres, Index d, double& d2,
                                double& lower) const {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const Index k = half.size();
  const double u = std::sqrt(d2a);
  const double limit = 2.0 * u * (1.0 + margin);
  const auto* near = neighbours.data() + a * (k - 1);
  std::int32_t best = a;
  double bestD2 = d2a;
  double second2 = kInf;
  double far = kInf;
  for (Index t = 0; t < k - 1; ++t) {
    if (!(near[t].first < limit)) {
      far = (near[t].first - u) * (1.0 - margin);
      break;
    }
    const std::int32_t j = near[t].second;
    const double dj = squaredDistance(x, centres + j * d, d);
    if (dj < bestD2 || (dj == bestD2 && j < best)) {
      second2 = bestD2;
      bestD2 = dj;
      best = j;
    } else if (dj < second2) {
      second2 = dj;
    }
  }
  d2 = bestD2;
  lower = std::min(std::sqrt(second2) * (1.0 - margin), far);
  return best;
}


}  // namespace gaussmix::kmeans
