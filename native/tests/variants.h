// The SIMD variants of the core this test binary holds (see probes.h), and whether this CPU
// runs each.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace gaussmix::testing {

struct Variant {
  std::string name;  // "baseline", "avx2-fma", "avx512" (the addon's `simd` names)
  bool runs;         // this CPU has its instructions
  void (*expOrZero)(const double*, double*, std::ptrdiff_t);
  void (*logOrMinusInfinity)(const double*, double*, std::ptrdiff_t);
};

const std::vector<Variant>& variants();
// variants()[i].name as an identifier (for parameterised test names).
std::string variantLabel(std::size_t i);

}  // namespace gaussmix::testing
