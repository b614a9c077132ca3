// What the binding keeps per JavaScript environment (the main thread, each worker): its
// property names (keys.h) and the channel of its asynchronous fits (fit_worker.h). Created by
// RegisterEntries; freed with the environment.
#pragma once

#include <napi.h>

#include <memory>

#include "keys.h"

namespace gaussmix::binding {

class FitChannel;

struct EnvData {
  // The names of Key, in order, in an array kept alive by a reference (Node-API before version
  // 10 refers to objects only, not to strings).
  Napi::ObjectReference names;
  // Created by the first asynchronous fit.
  std::shared_ptr<FitChannel> fits;
};

// Creates this environment's data (RegisterEntries calls it once per environment).
void createEnvData(Napi::Env env);
EnvData& envData(Napi::Env env);

}  // namespace gaussmix::binding
