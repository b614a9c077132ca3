// GaussianMixture (every covariance type) and its evaluation and sampling.
#include "entries.h"

#include "convert.h"
#include "core/mixture.h"
#include "errors.h"
#include "fit_entry.h"

namespace gaussmix::binding {
namespace {

struct MixtureRequest {
  Data data;
  MixtureOptions options;
  unsigned threads = 1;
};

MixtureRequest makeRequest(const Napi::CallbackInfo& info) {
  MixtureRequest r;
  r.data = dataArgument(info);
  const Napi::Object options = optionsArgument(info);
  r.options = mixtureOptionsFrom(options, r.data.d);
  r.threads = threadsArgument(get(options, Key::threads));
  return r;
}

MixtureFit run(const MixtureRequest& r, const Control& control) {
  return fitMixture(r.data, r.options, r.threads, control);
}

}  // namespace

Napi::Value FitMixtureSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeRequest, run, mixtureFitToJs);
}

Napi::Value FitMixtureAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeRequest, run, mixtureFitToJs);
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
    double* logProb = mutableFloat64(outputs, Key::logProb, n);
    double* resp = mutableFloat64(outputs, Key::resp, n * static_cast<size_t>(params.k));
    std::int32_t* labels = optionalInt32(outputs, Key::labels, n);
    evaluateMixture(data, params, threads, logProb, resp, labels);
    return info.Env().Undefined();
  });
}

// mixtureSample(params, d, n, seed, { X: Float64Array[n*d], labels: Int32Array[n] }): fills the
// caller's arrays (allocated in JS, where a refused allocation is a catchable RangeError).
Napi::Value MixtureSample(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsObject() || !info[4].IsObject()) {
      throw Napi::TypeError::New(info.Env(), "params and outputs must be objects");
    }
    const Index d = countArgument(info[1], "d");
    const MixtureParams params = mixtureParamsFrom(info[0].As<Napi::Object>(), d);
    const Index n = countArgument(info[2], "n");
    const std::uint64_t seed = seedArgument(info[3]);
    const Napi::Object outputs = info[4].As<Napi::Object>();
    double* x = mutableFloat64(outputs, Key::X, static_cast<size_t>(n * d));
    std::int32_t* labels = optionalInt32(outputs, Key::labels, static_cast<size_t>(n));
    if (!x || !labels) throw Napi::TypeError::New(info.Env(), "outputs X and labels are required");
    sampleMixture(params, n, seed, x, labels);
    return info.Env().Undefined();
  });
}

}  // namespace gaussmix::binding
