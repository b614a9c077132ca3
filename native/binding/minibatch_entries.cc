// MiniBatchKMeans: the whole fit (sync and async), one partial-fit step, and labels with the
// exact inertia. The options are read by name (not through keys.h): these calls are per fit or
// per batch, never per row.
#include "convert.h"
#include "core/minibatch_kmeans.h"
#include "entries.h"
#include "errors.h"
#include "fit_entry.h"

namespace gaussmix::binding {
namespace {

Napi::Value property(const Napi::Object& o, const char* name) { return o.Get(name); }

double numberNamed(const Napi::Object& o, const char* name) {
  const Napi::Value v = property(o, name);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// The options fit and partialFit share.
MiniBatchOptions miniBatchOptionsFrom(const Napi::Object& o, Index d) {
  MiniBatchOptions m;
  m.k = countArgument(property(o, "nClusters"), "nClusters");
  m.seed = seedArgument(property(o, "seed"));
  m.initSize = countArgument(property(o, "initSize"), "initSize");
  m.reassignmentRatio = numberNamed(o, "reassignmentRatio");
  const Napi::Value init = property(o, "init");
  const std::string name = init.IsString() ? init.As<Napi::String>().Utf8Value() : "";
  if (name == "k-means++") {
    m.init = KMeansInit::KMeansPlusPlus;
  } else if (name == "random") {
    m.init = KMeansInit::Random;
  } else if (name == "given") {
    m.init = KMeansInit::Given;
    m.centersInit = float64Data(property(o, "centersInit"), static_cast<size_t>(m.k * d), "centersInit");
  } else {
    throw invalidArgument("unknown init '" + name + "'");
  }
  return m;
}

struct FitRequest {
  Data data;
  MiniBatchOptions options;
  unsigned threads = 1;
};

FitRequest makeFitRequest(const Napi::CallbackInfo& info) {
  FitRequest r;
  r.data = dataArgument(info);
  const Napi::Object o = optionsArgument(info);
  r.options = miniBatchOptionsFrom(o, r.data.d);
  r.options.maxIter = static_cast<int>(countArgument(property(o, "maxIter"), "maxIter"));
  r.options.batchSize = countArgument(property(o, "batchSize"), "batchSize");
  r.options.tol = numberNamed(o, "tol");
  const Napi::Value patience = property(o, "maxNoImprovement");
  r.options.maxNoImprovement =
      patience.IsNull() ? -1 : static_cast<int>(countArgument(patience, "maxNoImprovement"));
  r.options.nInit = static_cast<int>(countArgument(property(o, "nInit"), "nInit"));
  r.options.computeLabels = property(o, "computeLabels").ToBoolean();
  r.threads = threadsArgument(property(o, "threads"));
  if (r.options.batchSize < 1) throw invalidArgument("batchSize must be at least 1");
  return r;
}

MiniBatchFit runFit(const FitRequest& r, const Control& control) {
  ThreadPool pool(threadsFor(r.data.blocks(), r.threads), control.cancel);
  return fitMiniBatchKMeans(r.data, r.options, pool, control);
}

// The centres, counts and the reassignment counter; labels when there are some.
Napi::Object stateToJs(Napi::Env env, const MiniBatchState& state,
                       const LargeVector<std::int32_t>& labels) {
  const size_t kd = static_cast<size_t>(state.centers.size());
  const size_t k = static_cast<size_t>(state.counts.size());
  ResultBuffer buffer(env, (kd + k) * sizeof(double) + labelBytes(labels.size(), state.centers.rows()));
  Napi::Object out = Napi::Object::New(env);
  out.Set("clusterCenters", buffer.float64(state.centers.data(), kd));
  out.Set("counts", buffer.float64(state.counts.data(), k));
  out.Set("sinceReassign", Napi::Number::New(env, static_cast<double>(state.sinceReassign)));
  if (!labels.empty()) out.Set("labels", buffer.labels(labels, state.centers.rows()));
  return out;
}

Napi::Value fitToJs(Napi::Env env, const MiniBatchFit& fit) {
  Napi::Object out = stateToJs(env, fit.state, fit.labels);
  out.Set("inertia", Napi::Number::New(env, fit.inertia));
  out.Set("nIter", Napi::Number::New(env, fit.nIter));
  out.Set("nSteps", Napi::Number::New(env, static_cast<double>(fit.nSteps)));
  out.Set("batchSize", Napi::Number::New(env, static_cast<double>(fit.batchSize)));
  out.Set("converged", Napi::Boolean::New(env, fit.converged));
  return out;
}

}  // namespace

Napi::Value FitMiniBatchKMeansSync(const Napi::CallbackInfo& info) {
  return fitSync(info, makeFitRequest, runFit, fitToJs);
}
Napi::Value FitMiniBatchKMeansAsync(const Napi::CallbackInfo& info) {
  return fitAsync(info, makeFitRequest, runFit, fitToJs);
}

// miniBatchPartialFit(X, n, d, options): one step on the batch X. options: the shared options,
// threads, sampleWeight?, step (this step's number, from 1: its random stream), batchSize (the
// one the first batch fixed), computeLabels, and state ({ clusterCenters, counts,
// sinceReassign }) or null for the first batch, which seeds the centres first (stream 0).
// Returns the new state, and with computeLabels the batch's labels and inertia under it.
Napi::Value MiniBatchPartialFit(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Napi::Env env = info.Env();
    const Data batch = dataArgument(info);
    const Napi::Object o = optionsArgument(info);
    const MiniBatchOptions options = miniBatchOptionsFrom(o, batch.d);
    const Index step = countArgument(property(o, "step"), "step");
    const Index batchSize = countArgument(property(o, "batchSize"), "batchSize");
    ThreadPool pool(threadsFor(batch.blocks(), threadsArgument(property(o, "threads"))), nullptr);
    MiniBatchState state;
    const Napi::Value previous = property(o, "state");
    if (previous.IsObject()) {
      const Napi::Object s = previous.As<Napi::Object>();
      const Index k = options.k;
      state.centers = ConstRowMap(float64Data(property(s, "clusterCenters"), static_cast<size_t>(k * batch.d), "clusterCenters"), k, batch.d);
      state.counts = ConstVectorMap(float64Data(property(s, "counts"), static_cast<size_t>(k), "counts"), k);
      state.sinceReassign = countArgument(property(s, "sinceReassign"), "sinceReassign");
    } else {
      if (options.k < 1 || options.k > batch.n) {
        throw invalidArgument("nClusters must be between 1 and the first batch's number of rows");
      }
      Rng seeding(options.seed, 0);
      state.centers = miniBatchSeed(batch, options, miniBatchInitSize(options, batch.n, batchSize), seeding, pool);
      state.counts = Vector::Zero(options.k);
    }
    Rng rng(options.seed, static_cast<std::uint64_t>(step));
    LargeVector<std::int32_t> labels(static_cast<size_t>(batch.n));
    Index reassigned = 0;
    const bool reassign = reassignmentDue(state, batchSize);
    miniBatchStep(batch, state, reassign, options.reassignmentRatio, rng, pool, labels.data(), &reassigned);
    const bool computeLabels = property(o, "computeLabels").ToBoolean();
    double inertia = 0.0;
    if (computeLabels) {
      inertia = labelsInertia(batch, state.centers, pool, labels.data());
    } else {
      labels.clear();
    }
    Napi::Object out = stateToJs(env, state, labels);
    if (computeLabels) out.Set("inertia", Napi::Number::New(env, inertia));
    out.Set("reassigned", Napi::Number::New(env, static_cast<double>(reassigned)));
    return out;
  });
}

// miniBatchLabelsInertia(X, n, d, { centers, threads, sampleWeight? }): the nearest centre of
// each row (Int32Array) and Σ w‖x − c_label‖², exact, in a fixed order.
Napi::Value MiniBatchLabelsInertia(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Napi::Env env = info.Env();
    const Data data = dataArgument(info);
    const Napi::Object o = optionsArgument(info);
    const Napi::Value c = property(o, "centers");
    if (!c.IsTypedArray() || data.d == 0) throw Napi::TypeError::New(env, "centers must be a Float64Array");
    const size_t length = c.As<Napi::TypedArray>().ElementLength();
    if (length == 0 || length % static_cast<size_t>(data.d) != 0) {
      throw Napi::TypeError::New(env, "centers must hold K rows of d values");
    }
    const Index k = static_cast<Index>(length) / data.d;
    const RowMatrix centers = ConstRowMap(float64Data(c, length, "centers"), k, data.d);
    ThreadPool pool(threadsFor(data.blocks(), threadsArgument(property(o, "threads"))), nullptr);
    Napi::Int32Array labels = Napi::Int32Array::New(env, static_cast<size_t>(data.n));
    const double inertia = labelsInertia(data, centers, pool, labels.Data());
    Napi::Object out = Napi::Object::New(env);
    out.Set("labels", labels);
    out.Set("inertia", Napi::Number::New(env, inertia));
    return out;
  });
}

}  // namespace gaussmix::binding
