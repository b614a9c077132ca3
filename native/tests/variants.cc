#include "variants.h"

#include "probes.h"

#if defined(GAUSSMIX_HAVE_V3)
GAUSSMIX_DECLARE_PROBES(gaussmix_v3)
#endif
#if defined(GAUSSMIX_HAVE_V4)
GAUSSMIX_DECLARE_PROBES(gaussmix_v4)
#endif

namespace gaussmix::testing {
namespace {

#define GAUSSMIX_VARIANT(label, runs, ns)                                                   \
  Variant {                                                                                 \
    label, runs, &ns::probe::expOrZero, &ns::probe::logOrMinusInfinity,                    \
        &ns::probe::scatterTwoPass, &ns::probe::scatterOnePass, &ns::probe::compatChoose,   \
        &ns::probe::kmeansPlusPlus, &ns::probe::columnMinima, &ns::probe::clusterSums        \
  }

#if defined(__x86_64__) && (defined(GAUSSMIX_HAVE_V3) || defined(GAUSSMIX_HAVE_V4))
// As module.cc decides which copy the addon runs.
bool runsAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool runsAvx512() {
  return runsAvx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
}
#endif

}  // namespace

const std::vector<Variant>& variants() {
  static const std::vector<Variant> all = {
      GAUSSMIX_VARIANT("baseline", true, gaussmix),
#if defined(GAUSSMIX_HAVE_V3)
      GAUSSMIX_VARIANT("avx2-fma", runsAvx2(), gaussmix_v3),
#endif
#if defined(GAUSSMIX_HAVE_V4)
      GAUSSMIX_VARIANT("avx512", runsAvx512(), gaussmix_v4),
#endif
  };
  return all;
}

std::string variantLabel(std::size_t i) {
  std::string name = variants()[i].name;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

}  // namespace gaussmix::testing
