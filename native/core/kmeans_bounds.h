// Hamerly's bounds for K-means (see docs/design.md, "Plain and bounded passes"): per row an
// upper bound on its distance to its own centre and a lower bound on its distance to every
// other, so that most rows keep their label without being read.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "kmeans_nearest.h"
#include "memory.h"

namespace gaussmix::kmeans {

struct Bounds {
  // The relative margin a bound must clear (roundingMargin(D): far above the rounding of
  // distances, bounds and drifts).
  double margin = 1e-10;
  LargeVector<double> upper;  // N: an upper bound on the row's distance to its own centre
  LargeVector<double> lower;  // N; meaningful where the row has a label
  Vector drift;               // K: how far each centre moved since the last pass
  Vector maxOtherDrift;       // K: the largest drift of the centres other than k since the last pass
  Vector half;                // K: half the distance from centre k to its nearest other centre
  // K x (K − 1): for each centre, the distances to the others and their indices, nearest first.
  std::vector<std::pair<double, std::int32_t>> neighbours;

  // Called with the centres of the pass and those of the previous pass (same size).
  void moved(const RowMatrix& before, const RowMatrix& after);
  // The distances between the centres: each centre's neighbours, nearest first, and half the
  // distance to the nearest (+∞ when K = 1).
  void spacing(const RowMatrix& centres);

  // Whether a row of label a, at most u from its centre and at least l from every other, keeps
  // its label.
  bool keeps(std::int32_t a, double u, double l) const {
    return u * (1.0 + margin) < std::max(l, half[a]);
  }

  // A row x labelled a at exact squared distance d2a whose bounds failed: its nearest centre
  // among those that could be nearer than c_a (‖c_a − c_j‖ < 2‖x − c_a‖, by the triangle
  // inequality; ties to the lowest index), measured exactly. Sets d2 to the squared distance to
  // it and lower to a lower bound on the distance to every other centre: the second nearest
  // measured, or for the centres not measured ‖c_a − c_j‖ − ‖x − c_a‖.
  std::int32_t nearAssign(const double* x, std::int32_t a, double d2a, const double* centres,
                          Index d, double& d2, double& lower) const;

  // Whether nearAssign is the cheaper way for a row at squared distance d2a from its centre a:
  // at most K/16 other centres (at least one) lie within 2√d2a of c_a, rather than more (one
  // product with every centre is then cheaper; with K/4, k16 took 8% longer and k128 15%).
  bool fewNear(std::int32_t a, double d2a) const {
    const Index k = half.size();
    if (k <= 4) return true;
    const Index most = std::max<Index>(1, k / 16);
    const double limit = 2.0 * std::sqrt(d2a) * (1.0 + margin);
    return !(neighbours[a * (k - 1) + most].first < limit);
  }
};

}  // namespace gaussmix::kmeans
