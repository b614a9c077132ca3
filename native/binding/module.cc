// Module entry and SIMD dispatch. The core and the binding are compiled up to three times: for
// the baseline of the architecture (what every CPU runs), and, on x86-64 Linux, with AVX2 and
// FMA and with AVX-512 (F, CD, BW, DQ, VL) into static libraries whose namespaces are renamed
// (gaussmix -> gaussmix_v3 / gaussmix_v4, Eigen -> EigenV3 / EigenV4) so that the copies never
// share a symbol. Here, once per process, the CPU is asked which copy it can run, the widest
// first. GAUSSMIX_SIMD=baseline in the environment forces the baseline, GAUSSMIX_SIMD=avx2 at
// most the AVX2 copy. The variants are linked after the baseline objects, so any inline
// function of the standard library or node-addon-api that several copies emit resolves to
// the baseline version.
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
#if defined(GAUSSMIX_HAVE_V4)
namespace gaussmix_v4::binding {
Napi::Object RegisterEntries(Napi::Env env, Napi::Object exports);
}
#endif

namespace {

enum class Variant { Baseline, V3, V4 };

#if defined(GAUSSMIX_HAVE_V3) || defined(GAUSSMIX_HAVE_V4)
// The widest variant GAUSSMIX_SIMD allows.
Variant allowed() {
  const char* choice = std::getenv("GAUSSMIX_SIMD");
  if (choice && std::strcmp(choice, "baseline") == 0) return Variant::Baseline;
  if (choice && std::strcmp(choice, "avx2") == 0) return Variant::V3;
  return Variant::V4;
}
#endif

// Decided once per process: every environment (main thread and worker_threads) then uses the
// same copy, and so the same process-wide compute threads and thread cap (core/parallel.h).
Variant variant() {
  static const Variant chosen = [] {
#if defined(GAUSSMIX_HAVE_V3) || defined(GAUSSMIX_HAVE_V4)
    __builtin_cpu_init();
    const Variant most = allowed();
    const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#if defined(GAUSSMIX_HAVE_V4)
    const bool v4 = v3 && __builtin_cpu_supports("avx512f") &&
                    __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    if (v4 && most == Variant::V4) return Variant::V4;
#endif
#if defined(GAUSSMIX_HAVE_V3)
    if (v3 && most != Variant::Baseline) return Variant::V3;
#endif
#endif
    return Variant::Baseline;
  }();
  return chosen;
}

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
  switch (variant()) {
#if defined(GAUSSMIX_HAVE_V4)
    case Variant::V4:
      exports.Set("simd", Napi::String::New(env, "avx512"));
      return gaussmix_v4::binding::RegisterEntries(env, exports);
#endif
#if defined(GAUSSMIX_HAVE_V3)
    case Variant::V3:
      exports.Set("simd", Napi::String::New(env, "avx2-fma"));
      return gaussmix_v3::binding::RegisterEntries(env, exports);
#endif
    default:
      break;
  }
  exports.Set("simd", Napi::String::New(env, "baseline"));
  return gaussmix::binding::RegisterEntries(env, exports);
}

}  // namespace

NODE_API_MODULE(gaussmix, Init)
