// Sufficient statistics (native/core/statistics.h): one E-step's sums over a chunk of rows, as
// canonical bytes the JavaScript side owns; their merge, their validation, and the M-steps that
// read them. The bytes are the only state: nothing native outlives a call.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "convert.h"
#include "core/kmeans.h"
#include "core/kmeans_statistics.h"
#include "core/mixture.h"
#include "core/rng.h"
#include "core/soft_kmeans.h"
#include "core/statistics.h"
#include "entries.h"
#include "errors.h"
#include "fit_entry.h"

namespace gaussmix::binding {
namespace {

// gaussian: a mixture's E-step (variational when the parameters have a posterior); soft: soft
// K-means'; assign: hard assignments to the nearest of `centres` (a streamed initialisation),
// about `about` when given; responsibilities: given responsibilities `resp` of the chunk's
// rows (a streamed start from responsibilitiesInit), about `about` when given.
enum class MixtureKind { Gaussian, Soft, Assign, Responsibilities };

struct StatisticsRequest {
  Data data;
  // X by column: the columns' first values (data.columns points here; shared, so that a copy
  // of the request keeps it valid).
  std::shared_ptr<std::vector<const double*>> columns;
  MixtureKind kind = MixtureKind::Gaussian;
  MixtureParams params;             // gaussian, soft
  CovarianceType type = CovarianceType::Full;  // assign
  RowMatrix centres;                // assign
  const double* resp = nullptr;     // responsibilities (N x k, the caller's array)
  Index k = 0;                      // responsibilities
  bool hasAbout = false;
  RowMatrix about;                  // assign, responsibilities
  unsigned threads = 1;
};

// X given as an array of d Float64Arrays of at least n values each (a stream's chunk by
// column: Arrow columns read in place, or a staging buffer's columns), with n, d and weights.
Data columnsArgument(const Napi::CallbackInfo& info, std::vector<const double*>& columns) {
  Data data;
  data.n = countArgument(info[1], "n");
  data.d = countArgument(info[2], "d");
  const Napi::Array list = info[0].As<Napi::Array>();
  if (static_cast<Index>(list.Length()) != data.d) throw invalidArgument("X must have d columns");
  columns.resize(static_cast<size_t>(data.d));
  for (Index j = 0; j < data.d; ++j) {
    columns[j] = float64Data(list.Get(static_cast<uint32_t>(j)), static_cast<size_t>(data.n), "X's column");
  }
  data.columns = columns.data();
  sampleWeightArgument(info, data);
  return data;
}

StatisticsRequest makeRequest(const Napi::CallbackInfo& info) {
  StatisticsRequest r;
  const Napi::Object options = optionsArgument(info);
  const std::string kind = stringProperty(options, Key::kind);
  if (info[0].IsArray()) {
    // By column: read by the E-step of gaussian and soft only.
    if (kind == "responsibilities" || kind == "assign") {
      throw invalidArgument("X by column is only for the gaussian and soft kinds");
    }
    r.columns = std::make_shared<std::vector<const double*>>();
    r.data = columnsArgument(info, *r.columns);
  } else {
    r.data = dataArgument(info);
  }
  r.threads = threadsArgument(get(options, Key::threads));
  if (kind == "responsibilities") {
    r.kind = MixtureKind::Responsibilities;
    r.type = covarianceTypeFrom(stringProperty(options, Key::covarianceType));
    r.k = countArgument(get(options, Key::k), "k");
    r.resp = float64Data(get(options, Key::resp), static_cast<size_t>(r.data.n * r.k), "resp");
    const double* about = optionalFloat64(options, Key::about, static_cast<size_t>(r.k * r.data.d));
    r.hasAbout = about != nullptr;
    if (about) r.about = ConstRowMap(about, r.k, r.data.d);
    return r;
  }
  if (kind == "assign") {
    r.kind = MixtureKind::Assign;
    r.type = covarianceTypeFrom(stringProperty(options, Key::covarianceType));
    const Index k = countArgument(get(options, Key::k), "k");
    const size_t size = static_cast<size_t>(k * r.data.d);
    r.centres = ConstRowMap(float64Data(get(options, Key::centres), size, "centres"), k, r.data.d);
    const double* about = optionalFloat64(options, Key::about, size);
    r.hasAbout = about != nullptr;
    if (about) r.about = ConstRowMap(about, k, r.data.d);
    return r;
  }
  r.kind = kind == "soft" ? MixtureKind::Soft : MixtureKind::Gaussian;
  const Napi::Value params = get(options, Key::params);
  if (!params.IsObject()) throw Napi::TypeError::New(info.Env(), "params must be an object");
  r.params = mixtureParamsFrom(params.As<Napi::Object>(), r.data.d);
  return r;
}

MixtureStatistics run(const StatisticsRequest& r, const Control& control) {
  switch (r.kind) {
    case MixtureKind::Soft:
      return softKMeansStatistics(r.data, r.params, r.threads, control.cancel);
    case MixtureKind::Assign:
      return assignmentStatistics(r.data, r.centres, r.hasAbout ? &r.about : nullptr, r.type,
                                  r.threads, control.cancel);
    case MixtureKind::Responsibilities:
      return responsibilityStatistics(r.data, r.resp, r.k, r.type, r.hasAbout ? &r.about : nullptr,
                                      r.threads, control.cancel);
    case MixtureKind::Gaussian:
      break;
  }
  return mixtureStatistics(r.data, r.params, r.threads, control.cancel);
}

// { bytes, covarianceType, k, d, rows, objective, weight }: the bytes and what the JavaScript
// side shows without reading them.
Napi::Object summaryToJs(Napi::Env env, const MixtureStatistics& st,
                         const std::vector<std::uint8_t>* encoded = nullptr) {
  std::vector<std::uint8_t> own;
  if (!encoded) {
    own = st.serialise();
    encoded = &own;
  }
  Napi::Uint8Array bytes = Napi::Uint8Array::New(env, encoded->size());
  std::memcpy(bytes.Data(), encoded->data(), encoded->size());
  Napi::Object out = Napi::Object::New(env);
  out.Set("bytes", bytes);
  out.Set("family", "mixture");
  out.Set("covarianceType", covarianceTypeName(st.shape.type));
  out.Set("k", Napi::Number::New(env, static_cast<double>(st.shape.k)));
  out.Set("d", Napi::Number::New(env, static_cast<double>(st.shape.d)));
  out.Set("noise", Napi::Boolean::New(env, st.shape.noise));
  out.Set("scatter", Napi::Boolean::New(env, st.shape.scatter));
  out.Set("entropy", Napi::Boolean::New(env, st.shape.entropy));
  out.Set("rows", Napi::Number::New(env, static_cast<double>(st.rows)));
  out.Set("objective", Napi::Number::New(env, st.sums.rounded(StatisticsLayout::kObjective)));
  out.Set("weight", Napi::Number::New(env, st.sums.rounded(StatisticsLayout::kWeight)));
  return out;
}

Napi::Object summaryOfStatistics(Napi::Env env, const MixtureStatistics& st) {
  return summaryToJs(env, st);
}

// Whether a statistics argument holds K-means' bytes (core/kmeans_statistics.h): those are
// read by the K-means entries, everything else by the mixtures'.
bool isKMeansBytes(const Napi::Value& value) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    return false;
  }
  const Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  return isKMeansStatisticsBytes(bytes.Data(), bytes.ElementLength());
}

}  // namespace

Napi::Value MixtureStatisticsSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeRequest, run, summaryOfStatistics);
}

Napi::Value MixtureStatisticsAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeRequest, run, summaryOfStatistics);
}

// statisticsRead(bytes): the summary of valid statistics (a RangeError-kind error otherwise).
Napi::Value StatisticsRead(const Napi::CallbackInfo& info) {
  if (isKMeansBytes(info[0])) return KMeansStatisticsRead(info);
  return guarded(info.Env(), [&]() -> Napi::Value {
    const MixtureStatistics st = statisticsArgument(info[0], "statistics");
    Napi::Object out = summaryToJs(info.Env(), st);
    out.Delete("bytes");
    return out;
  });
}

// statisticsMerge(earlier, later, ...more): the summary (with bytes) of later's rows after
// earlier's, then more's in order (one encoding at the end, however many are merged: a pass
// merges its chunks' statistics in groups).
Napi::Value StatisticsMerge(const Napi::CallbackInfo& info) {
  if (isKMeansBytes(info[0])) return KMeansStatisticsMerge(info);
  return guarded(info.Env(), [&]() -> Napi::Value {
    MixtureStatistics st = statisticsArgument(info[0], "statistics");
    for (size_t i = 1; i < std::max<size_t>(info.Length(), 2); ++i) {
      st.merge(statisticsArgument(info[i], "later"));
    }
    return summaryToJs(info.Env(), st);
  });
}

// mixtureMaximise(bytes, regCovar, initialising, more?): the GaussianMixture M-step's
// parameters (initialising: weights nk / Σ w, as a fit's initialisation). more: { mStepTol,
// mStepMaxIter, prior, mstepState (the parameters' before: the inner state carries over, as
// in a fit), hypervolume (statistics with noise) }, each optional; the result's mstepState is
// the next M-step's.
Napi::Value MixtureMaximise(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const MixtureStatistics st = statisticsArgument(info[0], "statistics");
    if (!info[1].IsNumber()) throw Napi::TypeError::New(info.Env(), "regCovar must be a number");
    const bool initialising = info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
    Napi::Object more = info[3].IsObject() ? info[3].As<Napi::Object>() : Napi::Object::New(info.Env());
    more.Set("regCovar", info[1]);
    const MStepSettings settings = mstepSettingsFrom(more, st.shape.d, st.shape.type);
    std::vector<double> state;
    if (more.Get("mstepState").IsTypedArray()) {
      const size_t length = more.Get("mstepState").As<Napi::TypedArray>().ElementLength();
      const double* v = float64Data(more.Get("mstepState"), length, "mstepState");
      state.assign(v, v + length);
    }
    double logHypervolume = 0.0;
    if (st.shape.noise) {
      const double v = get(more, Key::hypervolume).IsNumber() ? numberProperty(more, Key::hypervolume) : 0.0;
      if (!(v > 0.0)) throw invalidArgument("statistics with noise need the hypervolume");
      logHypervolume = std::log(v);
    }
    return mixtureParamsToJs(info.Env(),
                             maximiseMixture(st, settings, initialising, state, logHypervolume));
  });
}

// startingMeans(bytes) -> Float64Array [K, D]: the centres of an initialisation's second pass
// from the statistics of its first (responsibilities about 0).
Napi::Value StartingMeans(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const MixtureStatistics st = statisticsArgument(info[0], "statistics");
    if (st.shape.scatter) throw invalidArgument("these statistics are not a first pass's (they have a scatter)");
    const RowMatrix means = startingMeans(roundedMoments(st), st.shape.type);
    return toFloat64Array(info.Env(), means.data(), static_cast<size_t>(means.size()));
  });
}

// mixtureStart(d, options): the parameters a fit starts from when weightsInit, meansInit and
// covariancesInit or precisionsInit are all given (their factors computed as a fit does).
Napi::Value MixtureStart(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Index d = countArgument(info[0], "d");
    if (!info[1].IsObject()) throw Napi::TypeError::New(info.Env(), "options must be an object");
    const MixtureOptions options = mixtureOptionsFrom(info[1].As<Napi::Object>(), 0, d);
    return mixtureParamsToJs(info.Env(), givenMixtureParams(options, d));
  });
}

// softKMeansMaximise(bytes, previousMeans): { means, weights } — μ_k = Σ r x / Σ r (a cluster
// with Σ r = 0 keeps its previous centre), and each cluster's share Σ w r / Σ w.
Napi::Value SoftKMeansMaximise(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const MixtureStatistics st = statisticsArgument(info[0], "statistics");
    if (st.shape.scatter || st.shape.noise) {
      throw invalidArgument("these statistics are not a SoftKMeans's (they have a scatter)");
    }
    const Index k = st.shape.k;
    const Index d = st.shape.d;
    const RowMatrix previous =
        ConstRowMap(float64Data(info[1], static_cast<size_t>(k * d), "previousMeans"), k, d);
    const Moments m = roundedMoments(st);
    const RowMatrix means = softKMeansMeans(m, previous);
    const Vector weights = m.nk / m.weight;
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("means", toFloat64Array(info.Env(), means.data(), static_cast<size_t>(means.size())));
    out.Set("weights", toFloat64Array(info.Env(), weights.data(), static_cast<size_t>(k)));
    return out;
  });
}

// seedCentres(X, n, d, { k, seed, restart, init: 'k-means++' | 'random', threads, sampleWeight })
// -> Float64Array [k, d]: the starting centres a fit would pick from these rows (greedy
// k-means++, or k distinct rows at random), from the random stream of (seed, restart).
Napi::Value SeedCentres(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Data data = dataArgument(info);
    const Napi::Object options = optionsArgument(info);
    const Index k = countArgument(get(options, Key::k), "k");
    if (k < 1 || k > data.n) throw invalidArgument("k must be between 1 and the number of rows");
    Rng rng(seedArgument(get(options, Key::seed)),
            static_cast<std::uint64_t>(countArgument(get(options, Key::restart), "restart")));
    ThreadPool pool(threadsFor(data.blocks(), threadsArgument(get(options, Key::threads))), nullptr);
    const std::vector<Index> rows = stringProperty(options, Key::init) == "random"
                                        ? randomIndices(data, k, rng)
                                        : kmeansPlusPlusIndices(data, k, rng, pool);
    Napi::Float64Array out = Napi::Float64Array::New(info.Env(), static_cast<size_t>(k * data.d));
    for (Index c = 0; c < k; ++c) {
      std::copy_n(data.x + rows[c] * data.d, data.d, out.Data() + c * data.d);
    }
    return out;
  });
}

}  // namespace gaussmix::binding
