// Every function the addon exports (registered in addon.cc).
#pragma once

#include <napi.h>

namespace gaussmix::binding {

// Sets every entry point below on exports (addon.cc).
Napi::Object RegisterEntries(Napi::Env env, Napi::Object exports);

Napi::Value FitMixtureSync(const Napi::CallbackInfo& info);
Napi::Value FitMixtureAsync(const Napi::CallbackInfo& info);
Napi::Value MixtureEvaluate(const Napi::CallbackInfo& info);
Napi::Value MixtureSample(const Napi::CallbackInfo& info);
Napi::Value MixtureDecompose(const Napi::CallbackInfo& info);
Napi::Value MixtureDefaultPrior(const Napi::CallbackInfo& info);
Napi::Value MixtureHypervolume(const Napi::CallbackInfo& info);
Napi::Value HierarchicalStartSync(const Napi::CallbackInfo& info);
Napi::Value HierarchicalStartAsync(const Napi::CallbackInfo& info);
Napi::Value MixtureNoiseRows(const Napi::CallbackInfo& info);

Napi::Value FitBayesianSync(const Napi::CallbackInfo& info);
Napi::Value FitBayesianAsync(const Napi::CallbackInfo& info);
Napi::Value BayesianMaximise(const Napi::CallbackInfo& info);
Napi::Value BayesianPriorMean(const Napi::CallbackInfo& info);
Napi::Value BayesianPriorCovariance(const Napi::CallbackInfo& info);
Napi::Value BayesianPrune(const Napi::CallbackInfo& info);
Napi::Value BayesianFromMixtureStart(const Napi::CallbackInfo& info);

Napi::Value FitKMeansSync(const Napi::CallbackInfo& info);
Napi::Value FitKMeansAsync(const Napi::CallbackInfo& info);
Napi::Value FitSoftKMeansSync(const Napi::CallbackInfo& info);
Napi::Value FitSoftKMeansAsync(const Napi::CallbackInfo& info);
Napi::Value KMeansAssign(const Napi::CallbackInfo& info);
Napi::Value KMeansStatisticsSync(const Napi::CallbackInfo& info);
Napi::Value KMeansStatisticsAsync(const Napi::CallbackInfo& info);
Napi::Value KMeansStatisticsRead(const Napi::CallbackInfo& info);
Napi::Value KMeansStatisticsMerge(const Napi::CallbackInfo& info);
Napi::Value KMeansMaximise(const Napi::CallbackInfo& info);
Napi::Value KMeansMomentsEntry(const Napi::CallbackInfo& info);
Napi::Value KMeansMomentsRead(const Napi::CallbackInfo& info);
Napi::Value KMeansMomentsMerge(const Napi::CallbackInfo& info);
Napi::Value CompatLloyd(const Napi::CallbackInfo& info);

Napi::Value FitMiniBatchKMeansSync(const Napi::CallbackInfo& info);
Napi::Value FitMiniBatchKMeansAsync(const Napi::CallbackInfo& info);
Napi::Value MiniBatchPartialFit(const Napi::CallbackInfo& info);
Napi::Value MiniBatchLabelsInertia(const Napi::CallbackInfo& info);

Napi::Value MixtureStatisticsSync(const Napi::CallbackInfo& info);
Napi::Value MixtureStatisticsAsync(const Napi::CallbackInfo& info);
Napi::Value StatisticsRead(const Napi::CallbackInfo& info);
Napi::Value StatisticsMerge(const Napi::CallbackInfo& info);
Napi::Value MixtureMaximise(const Napi::CallbackInfo& info);
Napi::Value MixtureStart(const Napi::CallbackInfo& info);
Napi::Value StartingMeans(const Napi::CallbackInfo& info);
Napi::Value SeedCentres(const Napi::CallbackInfo& info);
Napi::Value SoftKMeansMaximise(const Napi::CallbackInfo& info);

Napi::Value FirstNonFinite(const Napi::CallbackInfo& info);
Napi::Value ColumnsToRows(const Napi::CallbackInfo& info);
Napi::Value RowsToColumns(const Napi::CallbackInfo& info);
Napi::Value CsvRecord(const Napi::CallbackInfo& info);
Napi::Value CsvNumbers(const Napi::CallbackInfo& info);

Napi::Value SetMaxThreads(const Napi::CallbackInfo& info);
Napi::Value MaxThreads(const Napi::CallbackInfo& info);

}  // namespace gaussmix::binding
