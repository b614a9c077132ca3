#include "fit_entry.h"

namespace gaussmix::binding {

Napi::Object optionsArgument(const Napi::CallbackInfo& info) {
  if (!info[3].IsObject()) throw Napi::TypeError::New(info.Env(), "options must be an object");
  return info[3].As<Napi::Object>();
}

Data rowsArgument(const Napi::CallbackInfo& info) {
  Data data;
  data.n = countArgument(info[1], "n");
  data.d = countArgument(info[2], "d");
  data.x = float64Data(info[0], static_cast<size_t>(data.n * data.d), "X");
  return data;
}

Data dataArgument(const Napi::CallbackInfo& info) {
  Data data = rowsArgument(info);
  sampleWeightArgument(info, data);
  return data;
}

void sampleWeightArgument(const Napi::CallbackInfo& info, Data& data) {
  if (info[3].IsObject()) {
    data.weights =
        optionalFloat64(info[3].As<Napi::Object>(), Key::sampleWeight, static_cast<size_t>(data.n));
  }
}

}  // namespace gaussmix::binding
