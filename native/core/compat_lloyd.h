// Lloyd's K-means with the rules of two JavaScript packages, skmeans 0.11 and ml-kmeans 7, so
// that the drop-in entry points (lib/compat/) return their results to the last bit: the same
// distance arithmetic (Σ_j (x_j − c_j)² summed in feature order), the same tie rule, the same
// centre sums (rows added in index order, then divided by the count), the same empty-cluster
// rule and the same stopping test.
#pragma once

#include <cstdint>

#include "parallel.h"
#include "types.h"

namespace gaussmix {

struct CompatLloydRules {
  // A row equally near two centres goes to the later one (skmeans: dist <= min) rather than
  // the earlier (ml-kmeans: dist < min).
  bool laterWins = false;
  // |x − c| instead of (x − c)² (skmeans on 1-D data; D must be 1).
  bool absolute = false;
  // An empty cluster's centre becomes 0, and so does a NaN or zero mean (skmeans: sum/count || 0);
  // otherwise it keeps its previous centre (ml-kmeans).
  bool emptyToZero = false;
  // Converged when no coordinate changed (skmeans), else when every centre moved a squared
  // distance <= tolerance (ml-kmeans).
  bool stopUnchanged = false;
  double tolerance = 0.0;
  // The most steps that end unconverged (>= 1).
  std::int64_t maxSteps = 1;
};

struct CompatLloydResult {
  std::int64_t steps = 0;  // assignment + update steps run
  bool converged = false;
};

// Runs steps from the K x D centres in `centers` until the stopping test holds or maxSteps
// steps ended unconverged. On return `centers` holds the last update's centres and `labels`
// (N) the last assignment, the one those centres were computed from (as both packages return).
// Assignments are shared over the pool's threads by rows; sums stay in row order, so the
// result does not depend on the thread count.
CompatLloydResult compatLloyd(const double* x, Index n, Index d, Index k, double* centers,
                              std::int32_t* labels, const CompatLloydRules& rules,
                              ThreadPool& pool);

}  // namespace gaussmix
