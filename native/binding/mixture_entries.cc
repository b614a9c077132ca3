// GaussianMixture (every covariance type) and its evaluation and sampling; the pieces of
// mclust's model family a fit starts from (its prior, hypervolume, hc).
#include "entries.h"

#include "convert.h"
#include "core/mclust/hypvol.h"
#include "core/mixture.h"
#include "errors.h"
#include "fit_entry.h"

namespace gaussmix::binding {
namespace {

struct MixtureRequest {
  Data data;
  MixtureOptions options;
  std::optional<HierarchicalStart> hc;  // owned here: options.hc points at it in run()
  unsigned threads = 1;
};

MixtureRequest makeRequest(const Napi::CallbackInfo& info) {
  MixtureRequest r;
  if (info[3].IsTypedArray()) {
    // Packed options (lib/mixture-packing.ts): numbers only, no sample weights.
    r.data = rowsArgument(info);
    r.options = packedMixtureOptions(info[3], r.threads);
    return r;
  }
  r.data = dataArgument(info);
  const Napi::Object options = optionsArgument(info);
  r.options = mixtureOptionsFrom(options, r.data.n, r.data.d);
  r.hc = hcStartFrom(options, r.data.n);
  r.threads = threadsArgument(get(options, Key::threads));
  return r;
}

MixtureFit run(const MixtureRequest& r, const Control& control) {
  MixtureOptions options = r.options;
  options.hc = r.hc ? &*r.hc : nullptr;
  return fitMixture(r.data, options, r.threads, control);
}

Napi::Int32Array toInt32Array(Napi::Env env, const std::vector<Index>& v) {
  Napi::Int32Array out = Napi::Int32Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<std::int32_t>(v[i]);
  return out;
}

}  // namespace

Napi::Value FitMixtureSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeRequest, run, compactMixtureFitToJs);
}

Napi::Value FitMixtureAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeRequest, run, compactMixtureFitToJs);
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
    double* resp = mutableFloat64(outputs, Key::resp, n * static_cast<size_t>(params.weights.size()));
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

// mixtureDecompose(params, d) -> { scale [K], shape [K·D], orientation [K·D·D] }: Σ_k =
// λ_k D_k A_k D_kᵀ with A_k decreasing (det 1) and D_k's columns in the same order.
Napi::Value MixtureDecompose(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "params must be an object");
    const Index d = countArgument(info[1], "d");
    const Decomposition dec = decomposeCovariances(mixtureParamsFrom(info[0].As<Napi::Object>(), d));
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("scale", toFloat64Array(info.Env(), dec.scale.data(), static_cast<size_t>(dec.scale.size())));
    out.Set("shape", toFloat64Array(info.Env(), dec.shape.data(), static_cast<size_t>(dec.shape.size())));
    out.Set("orientation", toFloat64Array(info.Env(), dec.orientation.data(), dec.orientation.size()));
    return out;
  });
}

// mixtureDefaultPrior(X, n, d, { k, covarianceType }) -> { shrinkage, mean [D], dof, scale
// [1] or [D·D] }: mclust's defaultPrior(X, G = k, modelName).
Napi::Value MixtureDefaultPrior(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Data data = rowsArgument(info);
    if (!info[3].IsObject()) throw Napi::TypeError::New(info.Env(), "options must be an object");
    const Napi::Object options = info[3].As<Napi::Object>();
    const Index k = countArgument(get(options, Key::k), "k");
    const CovarianceType type = covarianceTypeFrom(stringProperty(options, Key::covarianceType));
    if (data.n < 2 || k < 1) throw invalidArgument("the default prior needs at least 2 rows and 1 component");
    const mclust::ConjugatePrior p = mclust::defaultPrior(data.all(), k, type);
    const RowMatrix scale = p.scale;
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("shrinkage", Napi::Number::New(info.Env(), p.shrinkage));
    out.Set("mean", toFloat64Array(info.Env(), p.mean.data(), static_cast<size_t>(p.mean.size())));
    out.Set("dof", Napi::Number::New(info.Env(), p.dof));
    out.Set("scale", toFloat64Array(info.Env(), scale.data(), static_cast<size_t>(scale.size())));
    return out;
  });
}

// mixtureHypervolume(X, n, d) -> mclust's hypvol(X): the noise component's default V.
Napi::Value MixtureHypervolume(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Data data = rowsArgument(info);
    if (data.n < 2) throw invalidArgument("the hypervolume needs at least 2 rows");
    return Napi::Number::New(info.Env(), mclust::hypervolume(data.all()).volume);
  });
}

// mixtureNoiseRows(X, n, d, { hypervolume, sampleWeight? }) -> Int32Array: the rows a fit
// with noise starts as noise when none are given (core/mixture.h defaultNoiseRows).
Napi::Value MixtureNoiseRows(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Data data = rowsArgument(info);
    if (!info[3].IsObject()) throw Napi::TypeError::New(info.Env(), "options must be an object");
    const Napi::Object options = info[3].As<Napi::Object>();
    data.weights = optionalFloat64(options, Key::sampleWeight, static_cast<size_t>(data.n));
    const double hypervolume = numberProperty(options, Key::hypervolume);
    if (!(hypervolume > 0.0)) throw invalidArgument("hypervolume must be positive");
    ThreadPool pool(threadsFor(data.blocks(), maxThreads()), nullptr);
    const std::vector<char> noise = defaultNoiseRows(data, hypervolume, pool);
    std::vector<Index> rows;
    for (Index i = 0; i < data.n; ++i) {
      if (noise[i]) rows.push_back(i);
    }
    return toInt32Array(info.Env(), rows);
  });
}

namespace {

struct HcRequest {
  Data data;
  std::vector<char> exclude;
  std::uint64_t seed = 0;
};

HcRequest makeHcRequest(const Napi::CallbackInfo& info) {
  HcRequest r;
  r.data = rowsArgument(info);
  if (!info[3].IsObject()) throw Napi::TypeError::New(info.Env(), "options must be an object");
  const Napi::Object options = info[3].As<Napi::Object>();
  r.data.weights = optionalFloat64(options, Key::sampleWeight, static_cast<size_t>(r.data.n));
  const Napi::Value given = options.Get("exclude");
  if (given.IsTypedArray()) {
    r.exclude.assign(static_cast<size_t>(r.data.n), 0);
    const Napi::Int32Array rows = given.As<Napi::Int32Array>();
    for (size_t i = 0; i < rows.ElementLength(); ++i) {
      if (rows[i] < 0 || rows[i] >= r.data.n) throw Napi::TypeError::New(info.Env(), "exclude holds a row outside X");
      r.exclude[rows[i]] = 1;
    }
  }
  r.seed = seedArgument(get(options, Key::seed));
  return r;
}

HierarchicalStart runHc(const HcRequest& r, const Control& control) {
  return hierarchicalStart(r.data, r.exclude, r.seed, 0, control.cancel);
}

Napi::Value hcToJs(Napi::Env env, const HierarchicalStart& start) {
  std::vector<Index> merges;
  for (const auto& m : start.merges) merges.insert(merges.end(), {m[0], m[1]});
  Napi::Object out = Napi::Object::New(env);
  set(out, Key::rows, toInt32Array(env, start.rows));
  set(out, Key::subset, Napi::Boolean::New(env, start.subset));
  set(out, Key::merges, toInt32Array(env, merges));
  return out;
}

}  // namespace

// hierarchicalStart(X, n, d, { seed, exclude?: Int32Array, sampleWeight?: Float64Array }) ->
// { rows: Int32Array, subset: boolean, merges: Int32Array (2 labels per merge) }: mclust's hc
// start, computed once for every K of a model selection (fit options.hc); the Async entry
// (an extra onIteration (unused) and done) runs it off the JavaScript thread, cancellably.
Napi::Value HierarchicalStartSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeHcRequest, runHc, hcToJs);
}

Napi::Value HierarchicalStartAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeHcRequest, runHc, hcToJs);
}

}  // namespace gaussmix::binding
