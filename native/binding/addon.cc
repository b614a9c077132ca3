// The addon's functions (entries.h), registered on `exports`. Compiled once per SIMD variant
// (see module.cc): the variant build renames the namespaces, so each variant registers its own.
#include <napi.h>

#include "entries.h"

namespace gaussmix::binding {

Napi::Object RegisterEntries(Napi::Env env, Napi::Object exports) {
  const struct {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  } entries[] = {
      {"fitMixtureSync", FitMixtureSync},         {"fitMixtureAsync", FitMixtureAsync},
      {"mixtureEvaluate", MixtureEvaluate},       {"mixtureSample", MixtureSample},
      {"fitKMeansSync", FitKMeansSync},           {"fitKMeansAsync", FitKMeansAsync},
      {"fitSoftKMeansSync", FitSoftKMeansSync},   {"fitSoftKMeansAsync", FitSoftKMeansAsync},
      {"kmeansAssign", KMeansAssign},
  };
  for (const auto& entry : entries) {
    exports.Set(entry.name, Napi::Function::New(env, entry.fn, entry.name));
  }
  return exports;
}

}  // namespace gaussmix::binding
