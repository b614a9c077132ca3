// Module entry: converts arguments, dispatches to the core, converts results. No numerics here.
#include <napi.h>

#include <memory>

#include "convert.h"
#include "core/mixture.h"
#include "errors.h"
#include "fit_worker.h"

namespace gaussmix::binding {
namespace {

// Everything a mixture fit reads, converted from (X, n, d, options).
struct MixtureRequest {
  Data data;
  MixtureOptions options;
  unsigned threads = 1;
};

MixtureRequest mixtureRequest(const Napi::CallbackInfo& info) {
  MixtureRequest r;
  r.data.n = countArgument(info[1], "n");
  r.data.d = countArgument(info[2], "d");
  r.data.x = float64Data(info[0], static_cast<size_t>(r.data.n * r.data.d), "X");
  if (!info[3].IsObject()) throw Napi::TypeError::New(info.Env(), "options must be an object");
  const Napi::Object options = info[3].As<Napi::Object>();
  r.options = mixtureOptionsFrom(options, r.data.d);
  r.data.weights = optionalFloat64(options, "sampleWeight", static_cast<size_t>(r.data.n));
  r.threads = threadsArgument(options.Get("threads"));
  return r;
}

Napi::Value FitMixtureSync(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const MixtureRequest r = mixtureRequest(info);
    Control control;
    if (info[4].IsFunction()) {
      const Napi::Function callback = info[4].As<Napi::Function>();
      control.onIteration = [&](const IterationInfo& i) {
        return continues(callback.Call({iterationInfoToJs(info.Env(), i)}));
      };
    }
    return mixtureFitToJs(info.Env(), fitMixture(r.data, r.options, r.threads, control));
  });
}

Napi::Value FitMixtureAsync(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    auto request = std::make_shared<MixtureRequest>(mixtureRequest(info));
    auto result = std::make_shared<MixtureFit>();
    auto* worker = new FitWorker(
        info.Env(),
        [request, result](const Control& control) {
          *result = fitMixture(request->data, request->options, request->threads, control);
        },
        [result](Napi::Env env) -> Napi::Value { return mixtureFitToJs(env, *result); },
        info[4], {info[0], info[3]});
    return worker->start();
  });
}

Napi::Value MixtureEvaluate(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Data data;
    data.n = countArgument(info[1], "n");
    data.d = countArgument(info[2], "d");
    data.x = float64Data(info[0], static_cast<size_t>(data.n * data.d), "X");
    if (!info[3].IsObject() || !info[5].IsObject()) {
      throw Napi::TypeError::New(info.Env(), "params and outputs must be objects");
    }
    const MixtureParams params = mixtureParamsFrom(info[3].As<Napi::Object>(), data.d);
    const unsigned threads = threadsArgument(info[4]);
    const Napi::Object outputs = info[5].As<Napi::Object>();
    const size_t n = static_cast<size_t>(data.n);
    double* logProb = const_cast<double*>(optionalFloat64(outputs, "logProb", n));
    double* resp =
        const_cast<double*>(optionalFloat64(outputs, "resp", n * static_cast<size_t>(params.k)));
    std::int32_t* labels = nullptr;
    const Napi::Value labelsValue = outputs.Get("labels");
    if (!labelsValue.IsUndefined()) {
      if (!labelsValue.IsTypedArray() ||
          labelsValue.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
          labelsValue.As<Napi::TypedArray>().ElementLength() < n) {
        throw Napi::TypeError::New(info.Env(), "labels must be an Int32Array of length n");
      }
      labels = labelsValue.As<Napi::Int32Array>().Data();
    }
    evaluateMixture(data, params, threads, logProb, resp, labels);
    return info.Env().Undefined();
  });
}

Napi::Value MixtureSample(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "params must be an object");
    const Index d = countArgument(info[1], "d");
    const MixtureParams params = mixtureParamsFrom(info[0].As<Napi::Object>(), d);
    const Index n = countArgument(info[2], "n");
    const std::uint64_t seed = seedArgument(info[3]);
    Napi::Env env = info.Env();
    Napi::Float64Array x = Napi::Float64Array::New(env, static_cast<size_t>(n * d));
    Napi::Int32Array labels = Napi::Int32Array::New(env, static_cast<size_t>(n));
    sampleMixture(params, n, seed, x.Data(), labels.Data());
    Napi::Object out = Napi::Object::New(env);
    out.Set("X", x);
    out.Set("labels", labels);
    return out;
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("fitMixtureSync", Napi::Function::New(env, FitMixtureSync, "fitMixtureSync"));
  exports.Set("fitMixtureAsync", Napi::Function::New(env, FitMixtureAsync, "fitMixtureAsync"));
  exports.Set("mixtureEvaluate", Napi::Function::New(env, MixtureEvaluate, "mixtureEvaluate"));
  exports.Set("mixtureSample", Napi::Function::New(env, MixtureSample, "mixtureSample"));
  return exports;
}

}  // namespace
}  // namespace gaussmix::binding

// The macro pastes its argument into a name, so it needs a plain identifier.
static Napi::Object InitGaussmix(Napi::Env env, Napi::Object exports) {
  return gaussmix::binding::Init(env, exports);
}
NODE_API_MODULE(gaussmix, InitGaussmix)
