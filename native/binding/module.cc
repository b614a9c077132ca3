// Module entry and SIMD dispatch. The core and the binding are compiled twice: for the baseline
// of the architecture (what every CPU runs), and, on x86-64, a second time with AVX2 and FMA
// into a static library whose namespaces are renamed (gaussmix -> gaussmix_v3, Eigen ->
// EigenV3) so that the two copies never share a symbol. Here, once per process, the CPU is
// asked which copy it can run. GAUSSMIX_SIMD=baseline in the environment forces the baseline.
// The variant is linked after the baseline objects, so any inline function of the standard
// library or node-addon-api that both copies emit resolves to the baseline version.
#include <napi.h>

#include <cstdlib>
#include <cstring>

#include "entries.h"

#if defined(GAUSSMIX_HAVE_V3)
namespace gaussmix_v3::binding {
Napi::Object RegisterEntries(Napi::Env env, Napi::Object exports);
}
#endif

namespace {

bool wantsBaseline() {
  const char* choice = std::getenv("GAUSSMIX_SIMD");
  return choice && std::strcmp(choice, "baseline") == 0;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(GAUSSMIX_HAVE_V3)
  __builtin_cpu_init();
  if (!wantsBaseline() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    exports.Set("simd", Napi::String::New(env, "avx2-fma"));
    return gaussmix_v3::binding::RegisterEntries(env, exports);
  }
#endif
  exports.Set("simd", Napi::String::New(env, "baseline"));
  return gaussmix::binding::RegisterEntries(env, exports);
}

}  // namespace

NODE_API_MODULE(gaussmix, Init)
