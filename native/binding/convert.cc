#include "convert.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <memory>
#include <stdexcept>

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

// float64Data of exactly `length` values.
static const double* float64Exact(const Napi::Value& value, size_t length, const char* name) {
  const double* data = float64Data(value, length, name);
  const size_t given = value.As<Napi::TypedArray>().ElementLength();
  if (given != length) {
    typeError(value.Env(), std::string(name) + " has " + std::to_string(given) + " elements, expected " +
                               std::to_string(length));
  }
  return data;
}

const double* optionalFloat64(const Napi::Object& object, Key key, size_t length) {
  const Napi::Value value = get(object, key);
  if (value.IsUndefined() || value.IsNull()) return nullptr;
  return float64Data(value, length, keyName(key));
}

double* mutableFloat64(const Napi::Object& object, Key key, size_t length) {
  // The outputs are fresh arrays the facade allocated for this call.
  return const_cast<double*>(optionalFloat64(object, key, length));
}

std::int32_t* optionalInt32(const Napi::Object& object, Key key, size_t length) {
  const Napi::Value value = get(object, key);
  if (value.IsUndefined() || value.IsNull()) return nullptr;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      value.As<Napi::TypedArray>().ElementLength() < length) {
    typeError(object.Env(), std::string(keyName(key)) + " must be an Int32Array of length " +
                                std::to_string(length));
  }
  return value.As<Napi::Int32Array>().Data();
}

double numberProperty(const Napi::Object& object, Key key) {
  const Napi::Value value = get(object, key);
  if (!value.IsNumber()) typeError(object.Env(), std::string(keyName(key)) + " must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

std::string stringProperty(const Napi::Object& object, Key key) {
  const Napi::Value value = get(object, key);
  if (!value.IsString()) typeError(object.Env(), std::string(keyName(key)) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

Index countArgument(const Napi::Value& value, const char* name) {
  const double v = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (!(v >= 0.0) || v != std::floor(v) || v > 9007199254740991.0) {
    typeError(value.Env(), std::string(name) + " must be a non-negative integer");
  }
  return static_cast<Index>(v);
}

namespace {
// 0 (all cores, resolved by the facade) and beyond the most the pool takes are clamped.
unsigned clampThreads(Index threads) {
  return static_cast<unsigned>(threads < 1 ? 1 : (threads > 1024 ? 1024 : threads));
}
}  // namespace

unsigned threadsArgument(const Napi::Value& value) {
  return clampThreads(countArgument(value, "threads"));
}

PackedOptions::PackedOptions(const Napi::Value& value, size_t count)
    : env_(value.Env()), v_(float64Data(value, count, "options")) {}

Index PackedOptions::count(size_t i, const char* name) const {
  const double v = v_[i];
  if (!(v >= 0.0) || v != std::floor(v) || v > 9007199254740991.0) {
    typeError(env_, std::string(name) + " must be a non-negative integer");
  }
  return static_cast<Index>(v);
}

double PackedOptions::number(size_t i, const char* name) const {
  if (std::isnan(v_[i])) typeError(env_, std::string(name) + " must be a number");
  return v_[i];
}

unsigned PackedOptions::threads(size_t i) const { return clampThreads(count(i, "threads")); }

Index PackedOptions::code(size_t i, const char* name, size_t codes) const {
  const Index c = count(i, name);
  if (c >= static_cast<Index>(codes)) typeError(env_, std::string(name) + " is not a known code");
  return c;
}

std::uint64_t seedArgument(const Napi::Value& value) {
  return static_cast<std::uint64_t>(countArgument(value, "seed"));
}

CovarianceType covarianceTypeFrom(const std::string& name) { return parseCovarianceType(name); }

// The inits by name; a packed init is its row here (lib/mixture-packing.ts MIXTURE_INITS).
struct NamedInit {
  const char* name;
  MixtureInit init;
};
constexpr NamedInit kMixtureInits[] = {{"kmeans", MixtureInit::KMeans},
                                       {"k-means++", MixtureInit::KMeansPlusPlus},
                                       {"random", MixtureInit::Random},
                                       {"random-from-data", MixtureInit::RandomFromData},
                                       {"hc", MixtureInit::Hc}};

static MixtureInit mixtureInitFrom(const std::string& name) {
  for (const NamedInit& i : kMixtureInits) {
    if (name == i.name) return i.init;
  }
  throw invalidArgument("unknown init '" + name + "'");
}

namespace {

// An optional Int32Array property of indices in [0, n).
std::vector<Index> indicesProperty(const Napi::Object& object, Key key, Index n) {
  std::vector<Index> out;
  const Napi::Value value = get(object, key);
  if (value.IsUndefined() || value.IsNull()) return out;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    typeError(object.Env(), std::string(keyName(key)) + " must be an Int32Array");
  }
  const Napi::Int32Array array = value.As<Napi::Int32Array>();
  for (size_t i = 0; i < array.ElementLength(); ++i) {
    if (array[i] < 0 || array[i] >= n) typeError(object.Env(), std::string(keyName(key)) + " holds an index outside [0, n)");
    out.push_back(array[i]);
  }
  return out;
}

}  // namespace

MStepSettings mstepSettingsFrom(const Napi::Object& object, Index d, CovarianceType type) {
  MStepSettings m;
  m.regCovar = numberProperty(object, Key::regCovar);
  if (get(object, Key::mStepTol).IsNumber()) m.control.tol = numberProperty(object, Key::mStepTol);
  if (get(object, Key::mStepMaxIter).IsNumber()) {
    m.control.maxIter = static_cast<long>(countArgument(get(object, Key::mStepMaxIter), "mStepMaxIter"));
  }
  const Napi::Value prior = get(object, Key::prior);
  if (prior.IsObject()) {
    const Napi::Object p = prior.As<Napi::Object>();
    mclust::ConjugatePrior c;
    c.shrinkage = numberProperty(p, Key::shrinkage);
    c.dof = numberProperty(p, Key::dof);
    c.mean = ConstVectorMap(float64Data(get(p, Key::mean), static_cast<size_t>(d), "prior.mean"), d);
    const Index side = parametrisation(type).axisAligned() ? 1 : d;
    c.scale = RowMatrix(ConstRowMap(float64Data(get(p, Key::scale), static_cast<size_t>(side * side), "prior.scale"), side, side));
    m.prior = std::move(c);
  }
  return m;
}

std::optional<HierarchicalStart> hcStartFrom(const Napi::Object& object, Index n) {
  const Napi::Value value = get(object, Key::hc);
  if (!value.IsObject()) return std::nullopt;
  const Napi::Object hc = value.As<Napi::Object>();
  HierarchicalStart start;
  start.rows = indicesProperty(hc, Key::rows, n);
  start.subset = get(hc, Key::subset).ToBoolean().Value();
  const std::vector<Index> merges = indicesProperty(hc, Key::merges, n + 1);
  const Index m = static_cast<Index>(start.rows.size());
  if (static_cast<Index>(merges.size()) != 2 * std::max<Index>(m - 1, 0)) {
    typeError(object.Env(), "hc.merges must hold 2 labels per merge of hc.rows");
  }
  for (size_t i = 0; i + 1 < merges.size(); i += 2) {
    if (merges[i] < 1 || merges[i + 1] > m || merges[i] >= merges[i + 1]) {
      typeError(object.Env(), "hc.merges must be pairs of labels 1 <= a < b <= rows");
    }
    start.merges.push_back({merges[i], merges[i + 1]});
  }
  return start;
}

MixtureOptions packedMixtureOptions(const Napi::Value& value, unsigned& threads) {
  const PackedOptions v(value, kPackedMixtureOptions);
  MixtureOptions o;
  o.k = v.count(0, "nComponents");
  o.type = parametrisations()[v.code(1, "covarianceType", kCovarianceTypes)].type;
  o.tol = v.number(2, "tol");
  o.maxIter = static_cast<int>(v.count(3, "maxIter"));
  o.nInit = static_cast<int>(v.count(4, "nInit"));
  o.seed = static_cast<std::uint64_t>(v.count(5, "seed"));
  threads = v.threads(6);
  o.mstep.regCovar = v.number(7, "regCovar");
  o.init = kMixtureInits[v.code(8, "init", std::size(kMixtureInits))].init;
  o.onCollapse = v.code(9, "onCollapse", 2) == 1 ? CollapsePolicy::Reseed : CollapsePolicy::Error;
  if (v.has(10)) o.mstep.control.tol = v[10];
  if (v.has(11)) o.mstep.control.maxIter = static_cast<long>(v.count(11, "mStepMaxIter"));
  if (v.has(12)) {
    o.noise = true;
    o.hypervolume = v[12];
  }
  if (v.has(13)) o.previousLowerBound = v[13];
  return o;
}

MixtureOptions mixtureOptionsFrom(const Napi::Object& object, Index n, Index d) {
  MixtureOptions o;
  o.k = countArgument(get(object, Key::nComponents), "nComponents");
  o.type = covarianceTypeFrom(stringProperty(object, Key::covarianceType));
  o.tol = numberProperty(object, Key::tol);
  o.maxIter = static_cast<int>(countArgument(get(object, Key::maxIter), "maxIter"));
  o.nInit = static_cast<int>(countArgument(get(object, Key::nInit), "nInit"));
  o.seed = seedArgument(get(object, Key::seed));
  o.mstep = mstepSettingsFrom(object, d, o.type);
  o.init = mixtureInitFrom(stringProperty(object, Key::init));
  const Napi::Value noise = get(object, Key::hypervolume);
  if (noise.IsNumber()) {
    o.noise = true;
    o.hypervolume = noise.As<Napi::Number>().DoubleValue();
    o.noiseRows = indicesProperty(object, Key::noiseRows, n);
  }
  const size_t k = static_cast<size_t>(o.k);
  const size_t columns = k + (o.noise ? 1 : 0);
  const size_t size = static_cast<size_t>(covarianceSize(o.type, o.k, d));
  o.weightsInit = optionalFloat64(object, Key::weightsInit, columns);
  o.meansInit = optionalFloat64(object, Key::meansInit, k * static_cast<size_t>(d));
  o.covariancesInit = optionalFloat64(object, Key::covariancesInit, size);
  o.precisionsInit = optionalFloat64(object, Key::precisionsInit, size);
  o.responsibilitiesInit = optionalFloat64(object, Key::responsibilitiesInit, static_cast<size_t>(n) * columns);
  const Napi::Value onCollapse = get(object, Key::onCollapse);
  if (!onCollapse.IsUndefined()) {
    const std::string policy = stringProperty(object, Key::onCollapse);
    if (policy == "reseed") {
      o.onCollapse = CollapsePolicy::Reseed;
    } else if (policy != "error") {
      throw invalidArgument("unknown onCollapse '" + policy + "'");
    }
  }
  const Napi::Value previous = get(object, Key::previousLowerBound);
  if (previous.IsNumber()) o.previousLowerBound = previous.As<Napi::Number>().DoubleValue();
  return o;
}

MixtureParams mixtureParamsFrom(const Napi::Object& object, Index d) {
  MixtureParams p;
  p.type = covarianceTypeFrom(stringProperty(object, Key::covarianceType));
  const Napi::Value weights = get(object, Key::weights);
  if (!weights.IsTypedArray()) typeError(object.Env(), "weights must be a Float64Array");
  // With a noise component (hypervolume given), weights has K + 1 entries.
  const Napi::Value hypervolume = get(object, Key::hypervolume);
  p.noise = hypervolume.IsNumber();
  if (p.noise) p.logHypervolume = std::log(hypervolume.As<Napi::Number>().DoubleValue());
  const Index columns = static_cast<Index>(weights.As<Napi::TypedArray>().ElementLength());
  p.k = columns - (p.noise ? 1 : 0);
  if (p.k < 1) typeError(object.Env(), "weights must have an entry per component");
  p.d = d;
  const size_t k = static_cast<size_t>(p.k);
  const size_t size = static_cast<size_t>(covarianceSize(p.type, p.k, d));
  p.weights = ConstVectorMap(float64Data(weights, static_cast<size_t>(columns), "weights"), columns);
  // Exact sizes: parameters of another width than the data (K·D' values) are refused, not read
  // as K x D.
  p.means = ConstRowMap(float64Exact(get(object, Key::means), k * d, "means"), p.k, d);
  const double* cov = float64Exact(get(object, Key::covariances), size, "covariances");
  const double* pc = float64Exact(get(object, Key::precisionsCholesky), size, "precisionsCholesky");
  p.covariances.assign(cov, cov + size);
  p.precisionsCholesky.assign(pc, pc + size);
  const Napi::Value state = get(object, Key::mstepState);
  if (state.IsTypedArray()) {
    const size_t length = state.As<Napi::TypedArray>().ElementLength();
    const double* v = float64Data(state, length, "mstepState");
    p.mstepState.assign(v, v + length);
  }
  const Napi::Value posterior = get(object, Key::posterior);
  if (!posterior.IsUndefined()) {
    if (!posterior.IsObject()) typeError(object.Env(), "posterior must be an object");
    if (p.noise) typeError(object.Env(), "a posterior and a noise component exclude each other");
    p.posterior = posteriorFrom(posterior.As<Napi::Object>(), p.k);
  }
  return p;
}

WeightPrior weightPriorFrom(const std::string& name) {
  if (name == "dirichlet_process") return WeightPrior::DirichletProcess;
  if (name == "dirichlet_distribution") return WeightPrior::DirichletDistribution;
  throw invalidArgument("unknown weightConcentrationPriorType '" + name + "'");
}

const char* weightPriorName(WeightPrior prior) {
  return prior == WeightPrior::DirichletProcess ? "dirichlet_process" : "dirichlet_distribution";
}

VariationalPosterior posteriorFrom(const Napi::Object& object, Index k) {
  VariationalPosterior p;
  p.weightPrior = weightPriorFrom(stringProperty(object, Key::weightConcentrationPriorType));
  const Index rows = p.weightPrior == WeightPrior::DirichletProcess ? 2 : 1;
  const size_t size = static_cast<size_t>(k);
  p.weightConcentration = ConstRowMap(
      float64Data(get(object, Key::weightConcentration), size * rows, "weightConcentration"), rows, k);
  p.meanPrecision = ConstVectorMap(float64Data(get(object, Key::meanPrecision), size, "meanPrecision"), k);
  p.degreesOfFreedom =
      ConstVectorMap(float64Data(get(object, Key::degreesOfFreedom), size, "degreesOfFreedom"), k);
  return p;
}

Napi::Object posteriorToJs(Napi::Env env, const VariationalPosterior& p) {
  Napi::Object out = Napi::Object::New(env);
  set(out, Key::weightConcentrationPriorType, Napi::String::New(env, weightPriorName(p.weightPrior)));
  set(out, Key::weightConcentration, toFloat64Array(env, p.weightConcentration.data(),
                                                static_cast<size_t>(p.weightConcentration.size())));
  set(out, Key::meanPrecision,
      toFloat64Array(env, p.meanPrecision.data(), static_cast<size_t>(p.meanPrecision.size())));
  set(out, Key::degreesOfFreedom, toFloat64Array(env, p.degreesOfFreedom.data(),
                                             static_cast<size_t>(p.degreesOfFreedom.size())));
  return out;
}

MixtureStatistics statisticsArgument(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    typeError(value.Env(), std::string(name) + " must be a Uint8Array");
  }
  const Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  return MixtureStatistics::parse(bytes.Data(), bytes.ElementLength());
}

Napi::Float64Array toFloat64Array(Napi::Env env, const double* data, size_t length) {
  Napi::Float64Array array = Napi::Float64Array::New(env, length);
  std::copy(data, data + length, array.Data());
  return array;
}

ResultBuffer::ResultBuffer(Napi::Env env, size_t bytes)
    : env_(env), buffer_(Napi::ArrayBuffer::New(env, bytes)), bytes_(bytes) {}

Napi::Float64Array ResultBuffer::float64(size_t length) {
  // Float64Arrays come first, so every offset is a multiple of 8.
  if (offset_ % sizeof(double) != 0 || offset_ + length * sizeof(double) > bytes_) {
    throw std::logic_error("ResultBuffer: float64 arrays out of order or too large");
  }
  Napi::Float64Array array = Napi::Float64Array::New(env_, length, buffer_, offset_);
  offset_ += length * sizeof(double);
  return array;
}

Napi::Float64Array ResultBuffer::float64(const double* data, size_t length) {
  Napi::Float64Array array = float64(length);
  std::copy(data, data + length, array.Data());
  return array;
}

namespace {
template <class T>
void narrowedCopy(const LargeVector<std::int32_t>& labels, void* at) {
  // Local pointers: a byte store may alias the vector's own, which would be reloaded per label.
  const std::int32_t* __restrict in = labels.data();
  T* __restrict out = static_cast<T*>(at);
  for (size_t i = 0; i < labels.size(); ++i) out[i] = static_cast<T>(in[i]);
}
}  // namespace

size_t labelBytes(size_t n, Index k) {
  return n * (k <= 256 ? 1 : k <= 65536 ? 2 : 4);
}

size_t ResultBuffer::writeLabels(const LargeVector<std::int32_t>& labels, Index k) {
  const size_t size = labelBytes(1, k);
  if (offset_ % size != 0 || offset_ + labels.size() * size > bytes_) {
    throw std::logic_error("ResultBuffer: labels out of place or too large");
  }
  void* at = static_cast<std::uint8_t*>(buffer_.Data()) + offset_;
  offset_ += labels.size() * size;
  if (size == 1) narrowedCopy<std::uint8_t>(labels, at);
  if (size == 2) narrowedCopy<std::uint16_t>(labels, at);
  if (size == 4) narrowedCopy<std::int32_t>(labels, at);
  return size;
}

Napi::TypedArray ResultBuffer::labels(const LargeVector<std::int32_t>& labels, Index k) {
  const size_t at = offset_;
  const size_t n = labels.size();
  const size_t size = writeLabels(labels, k);
  if (size == 1) return Napi::Uint8Array::New(env_, n, buffer_, at);
  if (size == 2) return Napi::Uint16Array::New(env_, n, buffer_, at);
  return Napi::Int32Array::New(env_, n, buffer_, at);
}

const char* covarianceTypeName(CovarianceType type) { return parametrisation(type).name; }

Napi::Array covarianceTypesToJs(Napi::Env env) {
  static const char* const kLayouts[] = {"matrices", "matrix", "diagonals", "variances"};
  Napi::Array out = Napi::Array::New(env, kCovarianceTypes);
  for (int i = 0; i < kCovarianceTypes; ++i) {
    const Parametrisation& p = parametrisations()[i];
    Napi::Object row = Napi::Object::New(env);
    row.Set("name", p.name);
    row.Set("family", p.family == Family::Mclust ? "mclust" : "sklearn");
    row.Set("volume", std::string(1, p.volume));
    row.Set("shape", std::string(1, p.shape));
    row.Set("orientation", std::string(1, p.orientation));
    row.Set("layout", kLayouts[static_cast<int>(p.layout)]);
    row.Set("iterative", Napi::Boolean::New(env, p.iterative));
    row.Set("prior", Napi::Boolean::New(env, p.hasPrior));
    out.Set(static_cast<uint32_t>(i), row);
  }
  return out;
}

Napi::Object mixtureParamsToJs(Napi::Env env, const MixtureParams& p) {
  const size_t k = static_cast<size_t>(p.weights.size());
  const size_t kd = static_cast<size_t>(p.means.size());
  const size_t cov = p.covariances.size();
  ResultBuffer buffer(env, (k + kd + 2 * cov) * sizeof(double));
  Napi::Object out = Napi::Object::New(env);
  set(out, Key::covarianceType, Napi::String::New(env, covarianceTypeName(p.type)));
  set(out, Key::weights, buffer.float64(p.weights.data(), k));
  set(out, Key::means, buffer.float64(p.means.data(), kd));
  set(out, Key::covariances, buffer.float64(p.covariances.data(), cov));
  set(out, Key::precisionsCholesky, buffer.float64(p.precisionsCholesky.data(), cov));
  if (p.posterior) set(out, Key::posterior, posteriorToJs(env, *p.posterior));
  if (!p.mstepState.empty()) {
    set(out, Key::mstepState, toFloat64Array(env, p.mstepState.data(), p.mstepState.size()));
  }
  return out;
}

Napi::Value compactMixtureFitToJs(Napi::Env env, const MixtureFit& fit) {
  const MixtureParams& p = fit.params;
  if (!p.mstepState.empty() || !fit.reseeds.empty() || p.posterior) return mixtureFitToJs(env, fit);
  const size_t k = static_cast<size_t>(p.weights.size());
  const size_t kd = static_cast<size_t>(p.means.size());
  const size_t cov = p.covariances.size();
  constexpr size_t kHeader = 6;
  Napi::Float64Array out = Napi::Float64Array::New(env, kHeader + k + kd + 2 * cov);
  double* v = out.Data();
  v[0] = static_cast<double>(k);
  v[1] = static_cast<double>(kd);
  v[2] = static_cast<double>(cov);
  v[3] = fit.converged ? 1.0 : 0.0;
  v[4] = static_cast<double>(fit.nIter);
  v[5] = fit.lowerBound;
  double* at = std::copy_n(p.weights.data(), k, v + kHeader);
  at = std::copy_n(p.means.data(), kd, at);
  at = std::copy_n(p.covariances.data(), cov, at);
  std::copy_n(p.precisionsCholesky.data(), cov, at);
  return out;
}

Napi::Object mixtureFitToJs(Napi::Env env, const MixtureFit& fit) {
  Napi::Object out = mixtureParamsToJs(env, fit.params);
  set(out, Key::converged, Napi::Boolean::New(env, fit.converged));
  set(out, Key::nIter, Napi::Number::New(env, fit.nIter));
  set(out, Key::lowerBound, Napi::Number::New(env, fit.lowerBound));
  // (No array when there are none, the usual case: the facade reads absent as empty.)
  if (fit.reseeds.empty()) return out;
  Napi::Array reseeds = Napi::Array::New(env, fit.reseeds.size());
  for (size_t i = 0; i < fit.reseeds.size(); ++i) {
    const ReseedEvent& e = fit.reseeds[i];
    Napi::Object event = Napi::Object::New(env);
    set(event, Key::init, Napi::Number::New(env, e.init));
    set(event, Key::iter, Napi::Number::New(env, e.iter));
    set(event, Key::component, Napi::Number::New(env, static_cast<double>(e.component)));
    set(event, Key::row, Napi::Number::New(env, static_cast<double>(e.row)));
    reseeds.Set(static_cast<uint32_t>(i), event);
  }
  set(out, Key::reseeds, reseeds);
  return out;
}

}  // namespace gaussmix::binding
