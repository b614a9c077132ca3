// KMeans (Lloyd) and SoftKMeans, and nearest-centre assignment / distances.
#include "entries.h"

#include "convert.h"
#include "core/kmeans.h"
#include "core/soft_kmeans.h"
#include "errors.h"
#include "fit_entry.h"

namespace gaussmix::binding {
namespace {

KMeansInit kmeansInitFrom(const Napi::Object& options, const double** centers, size_t length) {
  const std::string init = stringProperty(options, Key::init);
  if (init == "k-means++") return KMeansInit::KMeansPlusPlus;
  if (init == "random") return KMeansInit::Random;
  if (init == "given") {
    *centers = float64Data(get(options, Key::centersInit), length, "centersInit");
    return KMeansInit::Given;
  }
  throw invalidArgument("unknown init '" + init + "'");
}

// A K-means family request: the options both KMeans and SoftKMeans take.
template <class Options>
struct CentroidRequest {
  Data data;
  Options options;
  unsigned threads = 1;
};

template <class Options>
CentroidRequest<Options> makeCentroidRequest(const Napi::CallbackInfo& info) {
  CentroidRequest<Options> r;
  r.data = dataArgument(info);
  const Napi::Object o = optionsArgument(info);
  r.options.k = countArgument(get(o, Key::nClusters), "nClusters");
  r.options.tol = numberProperty(o, Key::tol);
  r.options.maxIter = static_cast<int>(countArgument(get(o, Key::maxIter), "maxIter"));
  r.options.nInit = static_cast<int>(countArgument(get(o, Key::nInit), "nInit"));
  r.options.seed = seedArgument(get(o, Key::seed));
  r.options.init = kmeansInitFrom(o, &r.options.centersInit,
                                  static_cast<size_t>(r.options.k * r.data.d));
  r.threads = threadsArgument(get(o, Key::threads));
  return r;
}

using KMeansRequest = CentroidRequest<KMeansOptions>;
using SoftRequest = CentroidRequest<SoftKMeansOptions>;

KMeansRequest makeKMeansRequest(const Napi::CallbackInfo& info) {
  return makeCentroidRequest<KMeansOptions>(info);
}

SoftRequest makeSoftRequest(const Napi::CallbackInfo& info) {
  SoftRequest r = makeCentroidRequest<SoftKMeansOptions>(info);
  r.options.stiffness = numberProperty(optionsArgument(info), Key::stiffness);
  return r;
}

KMeansFit runKMeans(const KMeansRequest& r, const Control& control) {
  if (r.options.k < 1 || r.options.k > r.data.n) {
    throw invalidArgument("nClusters must be between 1 and the number of samples");
  }
  ThreadPool pool(threadsFor(r.data.blocks(), r.threads), control.cancel);
  return fitKMeans(r.data, r.options, pool, control);
}

Napi::Value kmeansFitToJs(Napi::Env env, const KMeansFit& fit) {
  const size_t kd = static_cast<size_t>(fit.centers.size());
  const size_t k = static_cast<size_t>(fit.clusterWeights.size());
  ResultBuffer buffer(env, (kd + k) * sizeof(double) + labelBytes(fit.labels.size(), fit.centers.rows()));
  Napi::Object out = Napi::Object::New(env);
  set(out, Key::clusterCenters, buffer.float64(fit.centers.data(), kd));
  set(out, Key::clusterWeights, buffer.float64(fit.clusterWeights.data(), k));
  set(out, Key::labels, buffer.labels(fit.labels, fit.centers.rows()));
  set(out, Key::inertia, Napi::Number::New(env, fit.inertia));
  set(out, Key::nIter, Napi::Number::New(env, fit.nIter));
  set(out, Key::converged, Napi::Boolean::New(env, fit.converged));
  return out;
}

MixtureFit runSoft(const SoftRequest& r, const Control& control) {
  return fitSoftKMeans(r.data, r.options, r.threads, control);
}

Napi::Value softFitToJs(Napi::Env env, const MixtureFit& fit) {
  const size_t kd = static_cast<size_t>(fit.params.means.size());
  const size_t k = static_cast<size_t>(fit.params.weights.size());
  ResultBuffer buffer(env, (kd + k) * sizeof(double));
  Napi::Object out = Napi::Object::New(env);
  set(out, Key::means, buffer.float64(fit.params.means.data(), kd));
  set(out, Key::weights, buffer.float64(fit.params.weights.data(), k));
  set(out, Key::converged, Napi::Boolean::New(env, fit.converged));
  set(out, Key::nIter, Napi::Number::New(env, fit.nIter));
  set(out, Key::objective, Napi::Number::New(env, fit.lowerBound));
  return out;
}

}  // namespace

Napi::Value FitKMeansSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeKMeansRequest, runKMeans, kmeansFitToJs);
}
Napi::Value FitKMeansAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeKMeansRequest, runKMeans, kmeansFitToJs);
}
Napi::Value FitSoftKMeansSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeSoftRequest, runSoft, softFitToJs);
}
Napi::Value FitSoftKMeansAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeSoftRequest, runSoft, softFitToJs);
}

// kmeansAssign(X, n, d, centers, threads, { labels?: Int32Array[N], distances?: Float64Array[N*K] })
Napi::Value KMeansAssign(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Data data;
    data.n = countArgument(info[1], "n");
    data.d = countArgument(info[2], "d");
    data.x = float64Data(info[0], static_cast<size_t>(data.n * data.d), "X");
    if (!info[3].IsTypedArray() || !info[5].IsObject()) {
      throw Napi::TypeError::New(info.Env(), "centers must be a Float64Array, outputs an object");
    }
    const size_t length = info[3].As<Napi::TypedArray>().ElementLength();
    if (data.d == 0 || length % static_cast<size_t>(data.d) != 0 || length == 0) {
      throw Napi::TypeError::New(info.Env(), "centers must hold K rows of d values");
    }
    const Index k = static_cast<Index>(length) / data.d;
    const RowMatrix centers = ConstRowMap(float64Data(info[3], length, "centers"), k, data.d);
    const unsigned threads = threadsArgument(info[4]);
    const Napi::Object outputs = info[5].As<Napi::Object>();
    std::int32_t* labels = optionalInt32(outputs, Key::labels, static_cast<size_t>(data.n));
    double* distances = mutableFloat64(outputs, Key::distances, static_cast<size_t>(data.n * k));
    ThreadPool pool(threadsFor(data.blocks(), threads), nullptr);
    if (labels) assignNearest(data, centers, pool, labels, nullptr);
    if (distances) distancesToCenters(data, centers, pool, distances);
    return info.Env().Undefined();
  });
}

}  // namespace gaussmix::binding
