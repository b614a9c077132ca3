// The probes of probes.h, compiled with the core once per SIMD variant.
#include "probes.h"

#include "core/lanes.h"
#include "core/types.h"

namespace gaussmix {
namespace probe {

void expOrZero(const double* in, double* out, std::ptrdiff_t n) {
  for (Index i = 0; i < n; i += kLanes) {
    LaneMap(out + i) = gaussmix::expOrZero(ConstLaneMap(in + i));
  }
}

void logOrMinusInfinity(const double* in, double* out, std::ptrdiff_t n) {
  for (Index i = 0; i < n; i += kLanes) {
    LaneMap(out + i) = gaussmix::logOrMinusInfinity(ConstLaneMap(in + i));
  }
}

}  // namespace probe
}  // namespace gaussmix
