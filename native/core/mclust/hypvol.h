// mclust's hypvol(): the hypervolume of the data region, the default 1/V density of the noise
// component. The smaller of the volumes of two boxes: the coordinate bounding box and the
// bounding box of the principal-component scores.
#pragma once

#include "../types.h"

namespace gaussmix {
namespace mclust {

struct Hypervolume {
  double logBox;        // Σ_j log(range of x_j)
  double logPcBox;      // Σ_j log(range of the j-th principal-component score)
  double volume;        // exp(min(logBox, logPcBox)) (mclust's hypvol(x))
  double reciprocal;    // exp(−min(...)) (hypvol(x, reciprocal = TRUE): the noise density)
};

// x: N × D row-major, D >= 1 (one column: the range).
Hypervolume hypervolume(const ConstRowMap& x);

}  // namespace mclust
}  // namespace gaussmix
