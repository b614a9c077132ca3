// The addon's functions (entries.h), registered on `exports`. Compiled once per SIMD variant
// (see module.cc): the variant build renames the namespaces, so each variant registers its own.
#include <napi.h>

#include "convert.h"
#include "core/eigen_blocking.h"
#include "core/parallel.h"
#include "core/scan.h"
#include "entries.h"
#include "errors.h"
#include "env_data.h"
#include "fit_worker.h"

namespace gaussmix::binding {

Napi::Object RegisterEntries(Napi::Env env, Napi::Object exports) {
  useFixedEigenBlocking();
  createEnvData(env);
  const struct {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  } entries[] = {
      {"fitMixtureSync", FitMixtureSync},         {"fitMixtureAsync", FitMixtureAsync},
      {"mixtureEvaluate", MixtureEvaluate},       {"mixtureSample", MixtureSample},
      {"fitKMeansSync", FitKMeansSync},           {"fitKMeansAsync", FitKMeansAsync},
      {"fitSoftKMeansSync", FitSoftKMeansSync},   {"fitSoftKMeansAsync", FitSoftKMeansAsync},
      {"kmeansAssign", KMeansAssign},
      {"kmeansStatisticsSync", KMeansStatisticsSync},
      {"kmeansStatisticsAsync", KMeansStatisticsAsync},
      {"kmeansStatisticsRead", KMeansStatisticsRead},
      {"kmeansStatisticsMerge", KMeansStatisticsMerge},
      {"kmeansMaximise", KMeansMaximise},
      {"kmeansMoments", KMeansMomentsEntry},
      {"kmeansMomentsRead", KMeansMomentsRead},
      {"kmeansMomentsMerge", KMeansMomentsMerge},
      {"firstNonFinite", FirstNonFinite},
      {"setMaxThreads", SetMaxThreads},           {"maxThreads", MaxThreads},
      {"mixtureStatisticsSync", MixtureStatisticsSync},
      {"mixtureStatisticsAsync", MixtureStatisticsAsync},
      {"statisticsRead", StatisticsRead},         {"statisticsMerge", StatisticsMerge},
      {"mixtureMaximise", MixtureMaximise},       {"softKMeansMaximise", SoftKMeansMaximise},
      {"mixtureStart", MixtureStart},             {"seedCentres", SeedCentres},
      {"columnsToRows", ColumnsToRows},
      {"rowsToColumns", RowsToColumns},
      {"csvRecord", CsvRecord},                   {"csvNumbers", CsvNumbers},
      {"fitMiniBatchKMeansSync", FitMiniBatchKMeansSync},
      {"fitMiniBatchKMeansAsync", FitMiniBatchKMeansAsync},
      {"miniBatchPartialFit", MiniBatchPartialFit},
      {"miniBatchLabelsInertia", MiniBatchLabelsInertia},
      {"cancelFit", CancelFit},
      {"compatLloyd", CompatLloyd},
      {"fitBayesianSync", FitBayesianSync},       {"fitBayesianAsync", FitBayesianAsync},
      {"bayesianMaximise", BayesianMaximise},     {"bayesianPriorMean", BayesianPriorMean},
      {"bayesianPriorCovariance", BayesianPriorCovariance},
      {"startingMeans", StartingMeans},           {"bayesianPrune", BayesianPrune},
      {"bayesianFromMixtureStart", BayesianFromMixtureStart},
      {"mixtureDecompose", MixtureDecompose},     {"mixtureDefaultPrior", MixtureDefaultPrior},
      {"mixtureHypervolume", MixtureHypervolume}, {"hierarchicalStart", HierarchicalStartSync},
      {"hierarchicalStartAsync", HierarchicalStartAsync},
      {"mixtureNoiseRows", MixtureNoiseRows},
  };
  for (const auto& entry : entries) {
    exports.Set(entry.name, Napi::Function::New(env, entry.fn, entry.name));
  }
  // The covariance parametrisations (covariance.h), from which lib/ derives shapes and counts.
  exports.Set("covarianceTypes", covarianceTypesToJs(env));
  // The row block size that fixes every summation order (types.h), exported as BLOCK_ROWS.
  exports.Set("blockRows", Napi::Number::New(env, static_cast<double>(kBlockRows)));
  return exports;
}

// firstNonFinite(X: Float64Array): the index of its first NaN or ±Infinity, or -1 (on the
// process's compute threads).
Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "X must be a Float64Array");
    const size_t length = info[0].As<Napi::TypedArray>().ElementLength();
    const double* x = float64Data(info[0], length, "X");
    const Index bad = firstNonFinite(x, static_cast<Index>(length), maxThreads());
    return Napi::Number::New(info.Env(), static_cast<double>(bad));
  });
}

// setMaxThreads(n): the process-wide cap on the compute threads (0: the default).
Napi::Value SetMaxThreads(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Index threads = countArgument(info[0], "threads");
    setMaxThreads(static_cast<unsigned>(std::min<Index>(threads, kThreadLimit)));
    return info.Env().Undefined();
  });
}

Napi::Value MaxThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), maxThreads());
}

}  // namespace gaussmix::binding
