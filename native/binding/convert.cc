#include "convert.h"

#include <cmath>
#include <memory>

namespace gaussmix::binding {
namespace {

[[noreturn]] void typeError(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

}  // namespace

const double* float64Data(const Napi::Value& value, size_t length, const char* name) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    typeError(value.Env(), std::string(name) + " must be a Float64Array");
  }
  auto array = value.As<Napi::Float64Array>();
  if (array.ElementLength() < length) {
    typeError(value.Env(), std::string(name) + " has " + std::to_string(array.ElementLength()) +
                               " elements, expected " + std::to_string(length));
  }
  return array.Data();
}

const double* optionalFloat64(const Napi::Object& object, const char* key, size_t length) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined() || value.IsNull()) return nullptr;
  return float64Data(value, length, key);
}

double* mutableFloat64(const Napi::Object& object, const char* key, size_t length) {
  // The outputs are fresh arrays the facade allocated for this call.
  return const_cast<double*>(optionalFloat64(object, key, length));
}

std::int32_t* optionalInt32(const Napi::Object& object, const char* key, size_t length) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined() || value.IsNull()) return nullptr;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      value.As<Napi::TypedArray>().ElementLength() < length) {
    typeError(object.Env(), std::string(key) + " must be an Int32Array of length " +
                                std::to_string(length));
  }
  return value.As<Napi::Int32Array>().Data();
}

double numberProperty(const Napi::Object& object, const char* key) {
  const Napi::Value value = object.Get(key);
  if (!value.IsNumber()) typeError(object.Env(), std::string(key) + " must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

std::string stringProperty(const Napi::Object& object, const char* key) {
  const Napi::Value value = object.Get(key);
  if (!value.IsString()) typeError(object.Env(), std::string(key) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

Index countArgument(const Napi::Value& value, const char* name) {
  const double v = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (!(v >= 0.0) || v != std::floor(v) || v > 9007199254740991.0) {
    typeError(value.Env(), std::string(name) + " must be a non-negative integer");
  }
  return static_cast<Index>(v);
}

unsigned threadsArgument(const Napi::Value& value) {
  const Index threads = countArgument(value, "threads");
  return static_cast<unsigned>(threads < 1 ? 1 : (threads > 1024 ? 1024 : threads));
}

std::uint64_t seedArgument(const Napi::Value& value) {
  return static_cast<std::uint64_t>(countArgument(value, "seed"));
}

CovarianceType covarianceTypeFrom(const std::string& name) {
  if (name == "full") return CovarianceType::Full;
  if (name == "tied") return CovarianceType::Tied;
  if (name == "diag") return CovarianceType::Diag;
  if (name == "spherical") return CovarianceType::Spherical;
  throw invalidArgument("unknown covarianceType '" + name + "'");
}


static MixtureInit mixtureInitFrom(const std::string& name) {
  if (name == "kmeans") return MixtureInit::KMeans;
  if (name == "k-means++") return MixtureInit::KMeansPlusPlus;
  if (name == "random") return MixtureInit::Random;
  if (name == "random-from-data") return MixtureInit::RandomFromData;
  throw invalidArgument("unknown init '" + name + "'");
}

MixtureOptions mixtureOptionsFrom(const Napi::Object& object, Index d) {
  MixtureOptions o;
  o.k = countArgument(object.Get("nComponents"), "nComponents");
  o.type = covarianceTypeFrom(stringProperty(object, "covarianceType"));
  o.tol = numberProperty(object, "tol");
  o.maxIter = static_cast<int>(countArgument(object.Get("maxIter"), "maxIter"));
  o.nInit = static_cast<int>(countArgument(object.Get("nInit"), "nInit"));
  o.seed = seedArgument(object.Get("seed"));
  o.regCovar = numberProperty(object, "regCovar");
  o.init = mixtureInitFrom(stringProperty(object, "init"));
  const size_t k = static_cast<size_t>(o.k);
  const size_t size = static_cast<size_t>(covarianceSize(o.type, o.k, d));
  o.weightsInit = optionalFloat64(object, "weightsInit", k);
  o.meansInit = optionalFloat64(object, "meansInit", k * static_cast<size_t>(d));
  o.covariancesInit = optionalFloat64(object, "covariancesInit", size);
  o.precisionsInit = optionalFloat64(object, "precisionsInit", size);
  const Napi::Value onCollapse = object.Get("onCollapse");
  if (!onCollapse.IsUndefined()) {
    const std::string policy = stringProperty(object, "onCollapse");
    if (policy == "reseed") {
      o.onCollapse = CollapsePolicy::Reseed;
    } else if (policy != "error") {
      throw invalidArgument("unknown onCollapse '" + policy + "'");
    }
  }
  const Napi::Value previous = object.Get("previousLowerBound");
  if (previous.IsNumber()) o.previousLowerBound = previous.As<Napi::Number>().DoubleValue();
  return o;
}

MixtureParams mixtureParamsFrom(const Napi::Object& object, Index d) {
  MixtureParams p;
  p.type = covarianceTypeFrom(stringProperty(object, "covarianceType"));
  const Napi::Value weights = object.Get("weights");
  if (!weights.IsTypedArray()) typeError(object.Env(), "weights must be a Float64Array");
  p.k = static_cast<Index>(weights.As<Napi::TypedArray>().ElementLength());
  p.d = d;
  const size_t k = static_cast<size_t>(p.k);
  const size_t size = static_cast<size_t>(covarianceSize(p.type, p.k, d));
  p.weights = ConstVectorMap(float64Data(weights, k, "weights"), p.k);
  p.means = ConstRowMap(float64Data(object.Get("means"), k * d, "means"), p.k, d);
  const double* cov = float64Data(object.Get("covariances"), size, "covariances");
  const double* pc = float64Data(object.Get("precisionsCholesky"), size, "precisionsCholesky");
  p.covariances.assign(cov, cov + size);
  p.precisionsCholesky.assign(pc, pc + size);
  return p;
}

Napi::Float64Array toFloat64Array(Napi::Env env, const double* data, size_t length) {
  Napi::Float64Array array = Napi::Float64Array::New(env, length);
  std::copy(data, data + length, array.Data());
  return array;
}

namespace {
template <class Array, class T>
Napi::TypedArray narrowedCopy(Napi::Env env, const LargeVector<std::int32_t>& labels) {
  const size_t n = labels.size();
  Array array = Array::New(env, n);
  // Local pointers: a byte store may alias the vector's own, which would be reloaded per label.
  const std::int32_t* __restrict in = labels.data();
  T* __restrict out = array.Data();
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<T>(in[i]);
  return array;
}
}  // namespace

Napi::TypedArray toLabelArray(Napi::Env env, const LargeVector<std::int32_t>& labels, Index k) {
  if (k <= 256) return narrowedCopy<Napi::Uint8Array, std::uint8_t>(env, labels);
  if (k <= 65536) return narrowedCopy<Napi::Uint16Array, std::uint16_t>(env, labels);
  return narrowedCopy<Napi::Int32Array, std::int32_t>(env, labels);
}

const char* covarianceTypeName(CovarianceType type) {
  static const char* const kTypeNames[] = {"full", "tied", "diag", "spherical"};
  return kTypeNames[static_cast<int>(type)];
}

Napi::Object mixtureParamsToJs(Napi::Env env, const MixtureParams& p) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("covarianceType", covarianceTypeName(p.type));
  out.Set("weights", toFloat64Array(env, p.weights.data(), static_cast<size_t>(p.weights.size())));
  out.Set("means", toFloat64Array(env, p.means.data(), static_cast<size_t>(p.means.size())));
  out.Set("covariances", toFloat64Array(env, p.covariances.data(), p.covariances.size()));
  out.Set("precisionsCholesky",
          toFloat64Array(env, p.precisionsCholesky.data(), p.precisionsCholesky.size()));
  return out;
}

Napi::Object mixtureFitToJs(Napi::Env env, const MixtureFit& fit) {
  Napi::Object out = mixtureParamsToJs(env, fit.params);
  out.Set("converged", Napi::Boolean::New(env, fit.converged));
  out.Set("nIter", Napi::Number::New(env, fit.nIter));
  out.Set("lowerBound", Napi::Number::New(env, fit.lowerBound));
  Napi::Array reseeds = Napi::Array::New(env, fit.reseeds.size());
  for (size_t i = 0; i < fit.reseeds.size(); ++i) {
    const ReseedEvent& e = fit.reseeds[i];
    Napi::Object event = Napi::Object::New(env);
    event.Set("init", Napi::Number::New(env, e.init));
    event.Set("iter", Napi::Number::New(env, e.iter));
    event.Set("component", Napi::Number::New(env, static_cast<double>(e.component)));
    event.Set("row", Napi::Number::New(env, static_cast<double>(e.row)));
    reseeds.Set(static_cast<uint32_t>(i), event);
  }
  out.Set("reseeds", reseeds);
  return out;
}

}  // namespace gaussmix::binding
