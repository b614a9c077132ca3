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

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#endif

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

#if defined(GAUSSMIX_HAVE_V3)
// Decided once per process: every environment (main thread and worker_threads) then uses the
// same copy, and so the same process-wide compute threads and thread cap (core/parallel.h).
bool useV3() {
  static const bool v3 = [] {
    __builtin_cpu_init();
    return !wantsBaseline() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return v3;
}
#endif

// The compute threads outlive any one environment: keep the addon mapped even if the
// environment that loaded it (a worker_threads worker) goes away and node closes its handle.
void pinAddon() {
#if defined(__unix__) || defined(__APPLE__)
  static const bool pinned = [] {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&pinAddon), &info) != 0 && info.dli_fname != nullptr) {
      return dlopen(info.dli_fname, RTLD_LAZY | RTLD_NODELETE) != nullptr;
    }
    return false;
  }();
  (void)pinned;
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  pinAddon();
#if defined(GAUSSMIX_HAVE_V3)
  if (useV3()) {
    exports.Set("simd", Napi::String::New(env, "avx2-fma"));
    return gaussmix_v3::binding::RegisterEntries(env, exports);
  }
#endif
  exports.Set("simd", Napi::String::New(env, "baseline"));
  return gaussmix::binding::RegisterEntries(env, exports);
}

}  // namespace

NODE_API_MODULE(gaussmix, Init)
