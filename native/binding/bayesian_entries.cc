// BayesianGaussianMixture: its fit, its M-step from statistics and the data-dependent defaults
// of its priors. Its evaluation, sampling and statistics are GaussianMixture's entries (the
// parameters carry the posterior their log-priors come from).
#include "core/bayesian.h"
#include "convert.h"
#include "entries.h"
#include "errors.h"
#include "fit_entry.h"

namespace gaussmix::binding {
namespace {

// { weightConcentrationPriorType, weightConcentrationPrior, meanPrecisionPrior, meanPrior?,
//   degreesOfFreedomPrior, covariancePrior? } (absent mean and covariance: the data's).
VariationalPriors priorsFrom(const Napi::Value& value, CovarianceType type, Index d) {
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "priors must be an object");
  const Napi::Object o = value.As<Napi::Object>();
  VariationalPriors p;
  p.weightPrior = weightPriorFrom(stringProperty(o, Key::weightConcentrationPriorType));
  p.weightConcentration = numberProperty(o, Key::weightConcentrationPrior);
  p.meanPrecision = numberProperty(o, Key::meanPrecisionPrior);
  p.degreesOfFreedom = numberProperty(o, Key::degreesOfFreedomPrior);
  if (const double* mean = optionalFloat64(o, Key::meanPrior, static_cast<size_t>(d))) {
    p.mean = Eigen::Map<const RowVector>(mean, d);
  }
  const size_t size = static_cast<size_t>(covarianceSize(type, 1, d));
  if (const double* cov = optionalFloat64(o, Key::covariancePrior, size)) {
    p.covariance.assign(cov, cov + size);
  }
  return p;
}

Napi::Object priorsToJs(Napi::Env env, const VariationalPriors& p) {
  Napi::Object out = Napi::Object::New(env);
  set(out, Key::weightConcentrationPriorType, Napi::String::New(env, weightPriorName(p.weightPrior)));
  set(out, Key::weightConcentrationPrior, Napi::Number::New(env, p.weightConcentration));
  set(out, Key::meanPrecisionPrior, Napi::Number::New(env, p.meanPrecision));
  set(out, Key::meanPrior, toFloat64Array(env, p.mean.data(), static_cast<size_t>(p.mean.size())));
  set(out, Key::degreesOfFreedomPrior, Napi::Number::New(env, p.degreesOfFreedom));
  set(out, Key::covariancePrior, toFloat64Array(env, p.covariance.data(), p.covariance.size()));
  return out;
}

struct BayesianRequest {
  Data data;
  BayesianOptions options;
  MixtureParams warm;
  bool hasWarm = false;
  unsigned threads = 1;
};

BayesianRequest makeRequest(const Napi::CallbackInfo& info) {
  BayesianRequest r;
  r.data = dataArgument(info);
  const Napi::Object options = optionsArgument(info);
  MixtureOptions& mixture = r.options.mixture;
  mixture = mixtureOptionsFrom(options, r.data.n, r.data.d);
  r.options.priors = priorsFrom(get(options, Key::priors), mixture.type, r.data.d);
  const Napi::Value warm = get(options, Key::warm);
  if (!warm.IsUndefined()) {
    if (!warm.IsObject()) throw Napi::TypeError::New(info.Env(), "warm must be an object");
    r.warm = mixtureParamsFrom(warm.As<Napi::Object>(), r.data.d);
    r.hasWarm = true;
  }
  r.threads = threadsArgument(get(options, Key::threads));
  return r;
}

BayesianFit run(const BayesianRequest& r, const Control& control) {
  BayesianOptions options = r.options;
  options.warm = r.hasWarm ? &r.warm : nullptr;
  return fitBayesian(r.data, options, r.threads, control);
}

Napi::Object fitToJs(Napi::Env env, const BayesianFit& fit) {
  Napi::Object out = mixtureFitToJs(env, fit.fit);
  set(out, Key::priors, priorsToJs(env, fit.priors));
  return out;
}

}  // namespace

Napi::Value FitBayesianSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeRequest, run, fitToJs);
}

Napi::Value FitBayesianAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeRequest, run, fitToJs);
}

// bayesianMaximise(bytes, priors, regCovar): the variational M-step's parameters (with their
// posterior) and lowerBound, the evidence lower bound after it (NaN for statistics of starting
// responsibilities, which have no entropy).
Napi::Value BayesianMaximise(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const MixtureStatistics st = statisticsArgument(info[0], "statistics");
    const VariationalPriors priors = priorsFrom(info[1], st.shape.type, st.shape.d);
    if (!info[2].IsNumber()) throw Napi::TypeError::New(info.Env(), "regCovar must be a number");
    double lowerBound = 0.0;
    const MixtureParams params =
        maximiseBayesian(st, priors, info[2].As<Napi::Number>().DoubleValue(), &lowerBound);
    Napi::Object out = Napi::Object::New(info.Env());
    set(out, Key::params, mixtureParamsToJs(info.Env(), params));
    set(out, Key::lowerBound, Napi::Number::New(info.Env(), lowerBound));
    return out;
  });
}

// bayesianPriorMean(bytes) -> Float64Array [D]: the default meanPrior from the one-component
// statistics of the rows about 0; bayesianPriorCovariance(bytes) -> the default
// covariancePrior from those about that mean.
Napi::Value BayesianPriorMean(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const RowVector mean = priorMean(statisticsArgument(info[0], "statistics"));
    return toFloat64Array(info.Env(), mean.data(), static_cast<size_t>(mean.size()));
  });
}

Napi::Value BayesianPriorCovariance(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const std::vector<double> cov = priorCovariance(statisticsArgument(info[0], "statistics"));
    return toFloat64Array(info.Env(), cov.data(), cov.size());
  });
}

// bayesianFromMixtureStart(params, d, totalWeight, priors): the posterior of a
// GaussianMixture's starting parameters (bayesian.h posteriorOfMixtureStart).
Napi::Value BayesianFromMixtureStart(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "params must be an object");
    const Index d = countArgument(info[1], "d");
    const MixtureParams start = mixtureParamsFrom(info[0].As<Napi::Object>(), d);
    if (!info[2].IsNumber()) throw Napi::TypeError::New(info.Env(), "totalWeight must be a number");
    const VariationalPriors priors = priorsFrom(info[3], start.type, d);
    return mixtureParamsToJs(
        info.Env(), posteriorOfMixtureStart(start, info[2].As<Napi::Number>().DoubleValue(), priors));
  });
}

// bayesianPrune(params, d, keep: Int32Array, weightConcentrationPrior): the parameters of the
// kept components (variational.h pruneComponents).
Napi::Value BayesianPrune(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "params must be an object");
    const Index d = countArgument(info[1], "d");
    const MixtureParams params = mixtureParamsFrom(info[0].As<Napi::Object>(), d);
    if (!params.posterior) throw invalidArgument("params have no posterior");
    if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throw Napi::TypeError::New(info.Env(), "keep must be an Int32Array");
    }
    const Napi::Int32Array keep = info[2].As<Napi::Int32Array>();
    if (!info[3].IsNumber()) throw Napi::TypeError::New(info.Env(), "weightConcentrationPrior must be a number");
    const std::vector<Index> kept(keep.Data(), keep.Data() + keep.ElementLength());
    return mixtureParamsToJs(
        info.Env(), pruneComponents(params, kept, info[3].As<Napi::Number>().DoubleValue()));
  });
}

}  // namespace gaussmix::binding
