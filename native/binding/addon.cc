// Module entry: registers the entry points (entries.h). No numerics in the binding.
#include <napi.h>

#include "entries.h"

namespace gaussmix::binding {
namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
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

}  // namespace
}  // namespace gaussmix::binding

// The macro pastes its argument into a name, so it needs a plain identifier.
static Napi::Object InitGaussmix(Napi::Env env, Napi::Object exports) {
  return gaussmix::binding::Init(env, exports);
}
NODE_API_MODULE(gaussmix, InitGaussmix)
