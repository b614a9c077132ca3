// The per-cluster sums of a K-means pass, kept about a reference point per cluster so that
// incremental passes can update them (see docs/design.md, "Incremental sums").
#pragma once

#include <cstdint>

#include "kmeans_nearest.h"

namespace gaussmix::kmeans {

// A full pass is due when a centre has moved from its reference by more than √16 = 4 RMS
// radii of its cluster, or when rows weighing more than 16 times what the cluster still holds
// have left it (the cancellation then stays under about 6 bits).
constexpr double kRebaseShift = 16.0;
constexpr double kRebaseRemoved = 16.0;

// Per-cluster sums about a reference point r_k per cluster (the centres of the last full
// pass): the centre is r + Σw(x − r)/Σw, the inertia Σw‖x − r‖² − 2(c − r)·Σw(x − r) +
// Σw‖c − r‖².
struct Sums {
  Vector weight;    // K: Σ w
  RowMatrix sum;    // K x D: Σ w·(x − r_k)
  Vector squares;   // K: Σ w‖x − r_k‖²
  Vector removed;   // K: Σ w of the rows that left the cluster (incremental passes)
  Eigen::Matrix<Index, Eigen::Dynamic, 1> count;  // K: rows of positive weight
  Index changed = 0;
  double objective = 0.0;  // full passes: Σ w‖x − c_label‖², row by row in block order
  Index overflowRow = -1;  // the first row whose squared distance passed kSafeSquare

  void reset(Index k, Index d, bool update) {
    weight.setZero(k);
    if (update) {
      sum.setZero(k, d);
      squares.setZero(k);
      removed.setZero(k);
      count.setZero(k);
    }
    changed = 0;
    objective = 0.0;
    overflowRow = -1;
  }
  void add(const Sums& other, bool update) {
    weight += other.weight;
    if (update) {
      sum += other.sum;
      squares += other.squares;
      removed += other.removed;
      count += other.count;
    }
    changed += other.changed;
    objective += other.objective;
  }
  // Adds (sign +1) or removes (−1) the row x (centred coordinates) of weight w to cluster c
  // about its reference r.
  void move(Index c, const double* x, const double* r, Index d, double w, double sign) {
    double* t = sum.data() + c * d;
    double q = 0.0;
    for (Index j = 0; j < d; ++j) {
      const double y = x[j] - r[j];
      t[j] += sign * (w * y);
      q += y * y;
    }
    squares[c] += sign * (w * q);
    weight[c] += sign * w;
    if (w > 0.0) count[c] += sign > 0 ? 1 : -1;
    if (sign < 0) removed[c] += w;
  }
};

struct Scratch {
  ChunkScratch chunk;
  Sums sums;
};

}  // namespace gaussmix::kmeans
