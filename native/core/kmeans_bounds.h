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

// The relative margin a bound must clear (far above the rounding of distances, bounds and
// drifts, far below any gap the data show between its nearest and second nearest centre).
constexpr double kBoundMargin = 1e-10;

struct Bounds {
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
    return u * (1.0 + kBoundMargin) < std::max(l, half[a]);
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
  // product with every centre is then cheaper).
  bool fewNear(std::int32_t a, double d2a) const;

  // A lower bound on the distance of a row to every centre but its nearest, from the kernel's
  // smallest and second smallest c2 − 2x·c (best, second) and the exact squared distance d2 to
  // the nearest: ‖x − c₂‖² = ‖x‖² + second = d2 + (second − best), rounded by about
  // eps·(‖x‖² + ‖c‖²) times a few, which the margin takes off (‖x‖² <= 2·d2 + 2·max‖c‖²).
  static double lowerFromSecond(double d2, double best, double second, const Centres& cs) {
    const double second2 = d2 + (second - best) - kBoundMargin * (2.0 * d2 + 3.0 * cs.c2max);
    return second2 > 0.0 ? std::sqrt(second2) : 0.0;
  }
};

}  // namespace gaussmix::kmeans
