// The sufficient statistics of one E-step of a mixture over some rows: the seam between the
// E-step (estep.h), which produces them chunk by chunk, and the M-step, which needs nothing
// else. Every sum is kept exactly (exact_sum.h), so statistics merge in any grouping with the
// same result: the statistics of rows cut into chunks that start at multiples of kBlockRows,
// merged, are bit for bit those of the whole (each block's partial sums are doubles summed in
// one fixed order inside the block, then folded exactly), whichever process computed each
// chunk and with however many threads.
#pragma once

#include <cstdint>
#include <vector>

#include "covariance.h"
#include "exact_sum.h"
#include "types.h"

namespace gaussmix {

// What a pass accumulates besides Σ w, Σ w·r_k and the sums about the centres.
struct StatisticsShape {
  CovarianceType type = CovarianceType::Full;
  Index k = 0;              // Gaussian components
  Index d = 0;              // features
  bool noise = false;       // one more component of uniform density: its Σ w·r comes last
  bool scatter = true;      // the per-type scatter about the centres (covariance updates)
  bool entropy = false;     // Σ w Σ_k r_k log r_k (variational objectives)

  Index components() const { return k + (noise ? 1 : 0); }
  Index scatterSize() const;  // the type's scatter kind (scatter.h), or 0 without scatter
  bool operator==(const StatisticsShape& o) const {
    return type == o.type && k == o.k && d == o.d && noise == o.noise && scatter == o.scatter &&
           entropy == o.entropy;
  }
  bool operator!=(const StatisticsShape& o) const { return !(*this == o); }
};

// The layout of the exact sums, one array:
//   [0] Σ w log p(x)   [1] Σ w   [2] Σ w Σ_k r log r (0 unless shape.entropy)
//   [3, 3 + C)          Σ w r_k for the C = components() components
//   then K x D          Σ w r_k (x − c_k)
//   then scatterSize()  Σ w r_k (x − c_k)(x − c_k)ᵀ in the layout of the type's scatter kind
//                       (scatter.h; matrices: the lower triangle is accumulated, the upper is 0)
struct StatisticsLayout {
  static constexpr Index kObjective = 0;
  static constexpr Index kWeight = 1;
  static constexpr Index kEntropy = 2;
  static constexpr Index kComponents = 3;
  Index centred = 0;
  Index scatter = 0;
  Index size = 0;
  explicit StatisticsLayout(const StatisticsShape& shape);
};

struct MixtureStatistics {
  StatisticsShape shape;
  // The points c_k the sums are taken about (K x D): the means of the E-step's parameters, or
  // of an initialisation's first pass; 0 when shape.scatter is false and no centre was given.
  RowMatrix centre;
  // A fingerprint of everything the E-step computed with (parameters, log-priors, centres), so
  // that statistics computed under different parameters are never merged.
  std::uint64_t fingerprint = 0;
  Index rows = 0;
  ExactSums sums;

  MixtureStatistics() = default;
  MixtureStatistics(const StatisticsShape& shape, const RowMatrix& centre, std::uint64_t fingerprint);

  // No rows yet, for the given shape, centre (0 when null) and fingerprint: the storage is
  // kept, so that a fit's E-steps reuse one object (a small fit's allocations were a tenth of
  // its time).
  void reset(const StatisticsShape& shape, const RowMatrix* centre, std::uint64_t fingerprint);

  // `later`'s rows follow these rows. Throws InvalidArgument when the shapes, centres or
  // fingerprints differ.
  void merge(const MixtureStatistics& later);

  // The canonical encoding (statistics with the same exact sums give the same bytes), and its
  // validating reader: anything malformed, truncated, oversized or of another version throws
  // InvalidArgument saying what is wrong.
  std::vector<std::uint8_t> serialise() const;
  static MixtureStatistics parse(const std::uint8_t* data, std::size_t size);
};

// The statistics rounded to doubles, as the M-steps read them.
struct Moments {
  double logLikelihood = 0.0;   // Σ w log p(x)
  double weight = 0.0;          // Σ w
  double entropy = 0.0;         // Σ w Σ_k r log r
  Vector nk;                    // C
  RowMatrix centred;            // K x D: Σ w r (x − c)
  RowMatrix sx;                 // K x D: Σ w r x = centred + nk·c
  std::vector<double> scatter;  // about c (empty without scatter)
  RowMatrix centre;             // c
  std::vector<double> rounded;  // every sum rounded, in StatisticsLayout (roundedMoments' storage)
};
Moments roundedMoments(const MixtureStatistics& statistics);
// The same into m, its storage reused (an EM loop's moments, from one iteration to the next).
void roundedMoments(const MixtureStatistics& statistics, Moments& m);

// FNV-1a over raw bytes, chained from `seed`: the fingerprints above.
std::uint64_t fingerprintBytes(const void* data, std::size_t bytes, std::uint64_t seed);

}  // namespace gaussmix
