// Hard K-means (Lloyd) and its seedings. Also the GaussianMixture's 'kmeans' initialisation.
#pragma once

#include <cstdint>
#include <vector>

#include "control.h"
#include "memory.h"
#include "parallel.h"
#include "rng.h"
#include "types.h"

namespace gaussmix {

enum class KMeansInit { KMeansPlusPlus, Random, Given };

// The kinds of a bounded fit's passes (kmeans_schedule.h): Timed, the one predicted cheaper;
// the others only to check that every order gives the same bits.
enum class PassSchedule { Timed, Plain, Bounded, Alternate };

struct KMeansOptions {
  Index k = 8;
  int maxIter = 300;
  // Converged when the squared centre shift, summed, is <= tol · mean feature variance.
  double tol = 1e-4;
  int nInit = 1;
  std::uint64_t seed = 0;
  KMeansInit init = KMeansInit::KMeansPlusPlus;
  const double* centersInit = nullptr;  // K x D, for KMeansInit::Given
  // Passes may shortlist centres by a float32 product (the same labels, centres and inertia:
  // docs/design.md, "The float32 shortlist"); false only to compare against float64.
  bool float32Shortlist = true;
  PassSchedule schedule = PassSchedule::Timed;
};

struct KMeansFit {
  RowMatrix centers;                 // K x D
  LargeVector<std::int32_t> labels;  // N, nearest final centre
  double inertia = 0.0;              // Σ w ‖x − c_label‖²
  Vector clusterWeights;             // K: Σ w over the rows of each label
  int nIter = 0;
  bool converged = false;
};

// Greedy k-means++ (scikit-learn's: 2 + ⌊ln K⌋ candidates per centre, weighted by w·D²).
std::vector<Index> kmeansPlusPlusIndices(const Data& data, Index k, Rng& rng, ThreadPool& pool);
// K distinct sample indices, uniformly (or in proportion to the sample weights).
std::vector<Index> randomIndices(const Data& data, Index k, Rng& rng);

KMeansFit fitKMeans(const Data& data, const KMeansOptions& options, ThreadPool& pool,
                    const Control& control);

// Nearest centre per row (ties to the lowest index), and optionally the squared distance to it.
void assignNearest(const Data& data, const RowMatrix& centers, ThreadPool& pool,
                   std::int32_t* labels, double* distance2);

// Exact Euclidean distance of every row to every centre (N x K, row-major).
void distancesToCenters(const Data& data, const RowMatrix& centers, ThreadPool& pool,
                        double* distances);

}  // namespace gaussmix
