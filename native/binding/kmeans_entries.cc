// KMeans (Lloyd) and SoftKMeans, nearest-centre assignment / distances, and K-means'
// statistics (core/kmeans_statistics.h) as canonical bytes the JavaScript side owns.
#include "entries.h"

#include "convert.h"
#include <algorithm>
#include <cstring>
#include <iterator>
#include <type_traits>

#include "core/kmeans.h"
#include "core/kmeans_statistics.h"
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

// The options of a K-means family fit packed by the facade (lib/centroid-packing.ts, whose
// field order this follows) when they hold no array and only what both estimators share:
// nClusters, tol, maxIter, nInit, seed, threads, init (its row in kPackedInits), stiffness
// (SoftKMeans; NaN for KMeans).
constexpr std::size_t kPackedCentroidOptions = 8;
constexpr KMeansInit kPackedInits[] = {KMeansInit::KMeansPlusPlus, KMeansInit::Random};

template <class Options>
CentroidRequest<Options> packedCentroidRequest(const Napi::CallbackInfo& info) {
  CentroidRequest<Options> r;
  r.data = rowsArgument(info);
  const PackedOptions v(info[3], kPackedCentroidOptions);
  r.options.k = v.count(0, "nClusters");
  r.options.tol = v.number(1, "tol");
  r.options.maxIter = static_cast<int>(v.count(2, "maxIter"));
  r.options.nInit = static_cast<int>(v.count(3, "nInit"));
  r.options.seed = static_cast<std::uint64_t>(v.count(4, "seed"));
  r.threads = v.threads(5);
  r.options.init = kPackedInits[v.code(6, "init", std::size(kPackedInits))];
  if constexpr (std::is_same_v<Options, SoftKMeansOptions>) r.options.stiffness = v.number(7, "stiffness");
  return r;
}

template <class Options>
CentroidRequest<Options> makeCentroidRequest(const Napi::CallbackInfo& info) {
  if (info[3].IsTypedArray()) return packedCentroidRequest<Options>(info);
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
  if constexpr (std::is_same_v<Options, SoftKMeansOptions>) {
    r.options.stiffness = numberProperty(o, Key::stiffness);
  } else {
    // Not a public option: the tests compare the float32 shortlist against float64 passes
    // with float32Shortlist: false.
    const Napi::Value shortlist = get(o, Key::float32Shortlist);
    if (shortlist.IsBoolean()) r.options.float32Shortlist = shortlist.As<Napi::Boolean>().Value();
  }
  return r;
}

using KMeansRequest = CentroidRequest<KMeansOptions>;
using SoftRequest = CentroidRequest<SoftKMeansOptions>;

KMeansFit runKMeans(const KMeansRequest& r, const Control& control) {
  if (r.options.k < 1 || r.options.k > r.data.n) {
    throw invalidArgument("nClusters must be between 1 and the number of samples");
  }
  ThreadPool pool(threadsFor(r.data.blocks(), r.threads), control.cancel);
  return fitKMeans(r.data, r.options, pool, control);
}

// A fit as one ArrayBuffer that the facade cuts into views (lib/centroid-packing.ts
// unpackKMeansFit): a Float64Array [K, K·D, inertia, nIter, converged, label width in bytes,
// centres (K·D), cluster weights (K)], then on the same buffer the N labels. One allocation and
// no property writes: an object with three typed arrays was a sixth of a small fit's call.
Napi::Value kmeansFitToJs(Napi::Env env, const KMeansFit& fit) {
  constexpr size_t kHeader = 6;
  const size_t kd = static_cast<size_t>(fit.centers.size());
  const size_t k = static_cast<size_t>(fit.clusterWeights.size());
  ResultBuffer buffer(env, (kHeader + kd + k) * sizeof(double) +
                               labelBytes(fit.labels.size(), fit.centers.rows()));
  const double head[kHeader] = {static_cast<double>(k), static_cast<double>(kd), fit.inertia,
                                static_cast<double>(fit.nIter), fit.converged ? 1.0 : 0.0,
                                static_cast<double>(labelBytes(1, fit.centers.rows()))};
  Napi::Float64Array out = buffer.float64(kHeader + kd + k);
  double* v = std::copy_n(head, kHeader, out.Data());
  std::copy_n(fit.centers.data(), kd, v);
  std::copy_n(fit.clusterWeights.data(), k, v + kd);
  buffer.writeLabels(fit.labels, fit.centers.rows());
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

// ------------------------------------------------------------------------------ statistics

struct KMeansStatisticsRequest {
  Data data;
  RowMatrix centres;
  unsigned threads = 1;
};

KMeansStatisticsRequest makeStatisticsRequest(const Napi::CallbackInfo& info) {
  KMeansStatisticsRequest r;
  r.data = dataArgument(info);
  const Napi::Object options = optionsArgument(info);
  const Index k = countArgument(options.Get("k"), "k");
  if (k < 1) throw invalidArgument("k must be at least 1");
  r.centres = ConstRowMap(float64Data(options.Get("centres"), static_cast<size_t>(k * r.data.d),
                                      "centres"),
                          k, r.data.d);
  r.threads = threadsArgument(options.Get("threads"));
  return r;
}

KMeansStatistics runStatistics(const KMeansStatisticsRequest& r, const Control& control) {
  ThreadPool pool(threadsFor(r.data.blocks(), r.threads), control.cancel);
  return kmeansStatistics(r.data, r.centres, pool);
}

Napi::Uint8Array bytesToJs(Napi::Env env, const std::vector<std::uint8_t>& bytes) {
  Napi::Uint8Array out = Napi::Uint8Array::New(env, bytes.size());
  std::memcpy(out.Data(), bytes.data(), bytes.size());
  return out;
}

// { bytes?, family: 'kmeans', k, d, rows, objective (−inertia), inertia, weights, weight }.
Napi::Object kmeansSummaryToJs(Napi::Env env, const KMeansStatistics& st, bool withBytes) {
  Napi::Object out = Napi::Object::New(env);
  if (withBytes) out.Set("bytes", bytesToJs(env, st.serialise()));
  out.Set("family", "kmeans");
  out.Set("k", Napi::Number::New(env, static_cast<double>(st.k)));
  out.Set("d", Napi::Number::New(env, static_cast<double>(st.d)));
  out.Set("rows", Napi::Number::New(env, static_cast<double>(st.rows)));
  const double inertia = st.inertia();
  out.Set("objective", Napi::Number::New(env, -inertia));
  out.Set("inertia", Napi::Number::New(env, inertia));
  std::vector<double> weights(static_cast<size_t>(st.k));
  for (Index c = 0; c < st.k; ++c) {
    weights[c] = st.sums.rounded(KMeansLayout::cluster(st.d, c));
  }
  out.Set("weights", toFloat64Array(env, weights.data(), weights.size()));
  out.Set("weight", Napi::Number::New(env, st.totalWeight()));
  return out;
}

Napi::Object kmeansStatisticsToJs(Napi::Env env, const KMeansStatistics& st) {
  return kmeansSummaryToJs(env, st, true);
}

// The bytes of a Uint8Array argument (zero-copy view, alive as long as the argument).
struct Bytes {
  const std::uint8_t* data;
  std::size_t size;
};
Bytes bytesArgument(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a Uint8Array");
  }
  const Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  return {bytes.Data(), bytes.ElementLength()};
}

KMeansStatistics kmeansStatisticsArgument(const Napi::Value& value, const char* name) {
  const Bytes bytes = bytesArgument(value, name);
  return KMeansStatistics::parse(bytes.data, bytes.size);
}

KMeansMoments kmeansMomentsArgument(const Napi::Value& value, const char* name) {
  const Bytes bytes = bytesArgument(value, name);
  return KMeansMoments::parse(bytes.data, bytes.size);
}

Napi::Object momentsToJs(Napi::Env env, const KMeansMoments& m, bool withBytes) {
  Napi::Object out = Napi::Object::New(env);
  if (withBytes) out.Set("bytes", bytesToJs(env, m.serialise()));
  out.Set("family", "kmeans-moments");
  out.Set("d", Napi::Number::New(env, static_cast<double>(m.d)));
  out.Set("rows", Napi::Number::New(env, static_cast<double>(m.rows)));
  out.Set("meanVariance", Napi::Number::New(env, m.meanVariance()));
  return out;
}

}  // namespace

// kmeansStatisticsSync(X, n, d, { k, centres, threads, sampleWeight? }) -> the summary with
// bytes; kmeansStatisticsAsync(..., onIteration: undefined, done) the same off the JS thread.
Napi::Value KMeansStatisticsSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeStatisticsRequest, runStatistics, kmeansStatisticsToJs);
}
Napi::Value KMeansStatisticsAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeStatisticsRequest, runStatistics, kmeansStatisticsToJs);
}

// kmeansStatisticsRead(bytes): the summary of valid statistics, without the bytes.
Napi::Value KMeansStatisticsRead(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    return kmeansSummaryToJs(info.Env(), kmeansStatisticsArgument(info[0], "statistics"), false);
  });
}

// kmeansStatisticsMerge(earlier, later, ...more): the summary (with bytes) of later's rows after
// earlier's, then more's in order.
Napi::Value KMeansStatisticsMerge(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    KMeansStatistics st = kmeansStatisticsArgument(info[0], "statistics");
    for (size_t i = 1; i < std::max<size_t>(info.Length(), 2); ++i) {
      st.merge(kmeansStatisticsArgument(info[i], "later"));
    }
    return kmeansSummaryToJs(info.Env(), st, true);
  });
}

// kmeansMaximise(bytes) -> { centers, clusterWeights, shift, unchanged, relocated }: the update
// from the statistics (see maximiseKMeans); a run has converged when unchanged or shift <=
// tol × meanVariance.
Napi::Value KMeansMaximise(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const KMeansStatistics st = kmeansStatisticsArgument(info[0], "statistics");
    const KMeansStep step = maximiseKMeans(st);
    const Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("centers", toFloat64Array(env, step.centres.data(),
                                      static_cast<size_t>(step.centres.size())));
    out.Set("clusterWeights",
            toFloat64Array(env, step.weights.data(), static_cast<size_t>(step.weights.size())));
    out.Set("shift", Napi::Number::New(env, step.shift));
    out.Set("unchanged", Napi::Boolean::New(env, step.unchanged));
    out.Set("relocated", Napi::Number::New(env, static_cast<double>(step.relocated)));
    return out;
  });
}

// kmeansMoments(X, n, d, { shift: Float64Array[d], threads }) -> { bytes, d, rows,
// meanVariance }: tol's scale over these rows, about shift (a stream's first row).
Napi::Value KMeansMomentsEntry(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Data data = dataArgument(info);
    const Napi::Object options = optionsArgument(info);
    const RowVector shift = ConstRowMap(
        float64Data(options.Get("shift"), static_cast<size_t>(data.d), "shift"), 1, data.d);
    ThreadPool pool(threadsFor(data.blocks(), threadsArgument(options.Get("threads"))), nullptr);
    return momentsToJs(info.Env(), kmeansMoments(data, shift, pool), true);
  });
}

// kmeansMomentsRead(bytes) / kmeansMomentsMerge(earlier, later): as for the statistics.
Napi::Value KMeansMomentsRead(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    return momentsToJs(info.Env(), kmeansMomentsArgument(info[0], "moments"), false);
  });
}
Napi::Value KMeansMomentsMerge(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    KMeansMoments m = kmeansMomentsArgument(info[0], "moments");
    m.merge(kmeansMomentsArgument(info[1], "later"));
    return momentsToJs(info.Env(), m, true);
  });
}

Napi::Value FitKMeansSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeCentroidRequest<KMeansOptions>, runKMeans, kmeansFitToJs);
}
Napi::Value FitKMeansAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeCentroidRequest<KMeansOptions>, runKMeans, kmeansFitToJs);
}
Napi::Value FitSoftKMeansSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeCentroidRequest<SoftKMeansOptions>, runSoft, softFitToJs);
}
Napi::Value FitSoftKMeansAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeCentroidRequest<SoftKMeansOptions>, runSoft, softFitToJs);
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
