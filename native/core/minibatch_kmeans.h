// Mini-batch K-means (Sculley 2010) with scikit-learn 1.2's update rule, reassignment and
// stopping rules (sklearn/cluster/_kmeans.py, _k_means_minibatch.pyx). Each centre keeps the
// total sample weight it has absorbed (its count); a batch moves centre c to the weighted mean
// of its old position, counted count_c times, and the batch rows nearest to it.
#pragma once

#include <cstdint>

#include "control.h"
#include "kmeans.h"
#include "memory.h"
#include "parallel.h"
#include "rng.h"
#include "types.h"

namespace gaussmix {

// What a partial fit carries from one batch to the next.
struct MiniBatchState {
  RowMatrix centers;        // K x D
  Vector counts;            // K: Σ w of the rows each centre has absorbed (1/count = its step)
  Index sinceReassign = 0;  // rows counted since the last step that checked for reassignment
};

// scikit-learn's `_random_reassign`: counts `batchSize` more rows and says whether this step
// checks for low-count centres (some count is 0, or 10·K rows since the last check).
bool reassignmentDue(MiniBatchState& state, Index batchSize);

// One mini-batch step on `batch`: labels to the nearest centres (written to labels[batch.n]),
// the update c ← (c·count + Σ w x) / (count + Σ w) per centre (in row order, as scikit-learn),
// then, when `reassign` and ratio > 0, the reassignment of the centres whose count is below
// ratio·max count to distinct batch rows drawn uniformly from rng (at most ⌊batch.n / 2⌋
// centres: those of lowest count, ties to the lowest index), their counts reset to the least
// count kept. Returns the batch's inertia Σ w‖x − c_label‖² under the centres before the
// update; *reassigned (nullable) receives how many centres were moved.
double miniBatchStep(const Data& batch, MiniBatchState& state, bool reassign, double ratio,
                     Rng& rng, ThreadPool& pool, std::int32_t* labels, Index* reassigned);

// The nearest centre of each row (labels, nullable) and the exact inertia Σ w‖x − c_label‖²,
// summed per row block and folded in block order (independent of the thread count).
double labelsInertia(const Data& data, const RowMatrix& centers, ThreadPool& pool,
                     std::int32_t* labels);

struct MiniBatchOptions {
  Index k = 8;
  int maxIter = 100;             // passes over the data: steps = ⌊maxIter·N / batchSize⌋
  Index batchSize = 1024;        // rows per step, at most N
  double tol = 0.0;              // on the summed squared centre shift, × mean feature variance
  int maxNoImprovement = 10;     // steps without a new smallest EWA inertia; < 0: no limit
  Index initSize = 0;            // rows each seeding draws from; 0: scikit-learn's default
  int nInit = 3;                 // seedings compared on a validation sample
  std::uint64_t seed = 0;
  KMeansInit init = KMeansInit::KMeansPlusPlus;
  const double* centersInit = nullptr;  // K x D, for KMeansInit::Given
  double reassignmentRatio = 0.01;
  bool computeLabels = true;     // labels and inertia of every row at the end
};

struct MiniBatchFit {
  MiniBatchState state;
  LargeVector<std::int32_t> labels;  // N when computeLabels, else empty
  double inertia = 0.0;              // exact (computeLabels) or the EWA batch inertia × N
  int nIter = 0;                     // ⌈steps·batchSize / N⌉
  Index nSteps = 0;
  Index batchSize = 0;               // the batch size used, min(batchSize, N)
  bool converged = false;
};

// The starting centres as scikit-learn's `_init_centroids` with init_size: the seeding runs on
// `initSize` rows drawn with replacement when initSize < N.
RowMatrix miniBatchSeed(const Data& data, const MiniBatchOptions& options, Index initSize,
                        Rng& rng, ThreadPool& pool);

// The effective init size for N rows and batch size b (scikit-learn's _check_params_vs_input).
Index miniBatchInitSize(const MiniBatchOptions& options, Index n, Index batchSize);

// scikit-learn's MiniBatchKMeans.fit: nInit seedings on initSize-row samples, the best by
// inertia on one validation sample of initSize rows; then batches of batchSize rows drawn
// uniformly with replacement, until the steps run out, the centre shift is <= tol (tol > 0), or
// maxNoImprovement steps pass without a new smallest EWA of the mean batch inertia. One random
// stream (seed) for every draw. onIteration reports each step (iter = step, objective = mean
// batch inertia).
MiniBatchFit fitMiniBatchKMeans(const Data& data, const MiniBatchOptions& options,
                                ThreadPool& pool, const Control& control);

}  // namespace gaussmix
