// JavaScript values <-> core structs. The TypeScript layer has validated everything already;
// these checks only keep a malformed call from reaching the core (they throw TypeError).
#pragma once

#include <napi.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "core/memory.h"
#include "core/mixture.h"
#include "keys.h"

namespace gaussmix::binding {

// A Float64Array argument of at least `length` elements (zero-copy: the pointer accounts for
// byteOffset). `name` is used in the error message.
const double* float64Data(const Napi::Value& value, size_t length, const char* name);
// The same for an optional property (nullptr when undefined).
const double* optionalFloat64(const Napi::Object& object, Key key, size_t length);

// Caller-allocated outputs (nullptr when the property is undefined).
double* mutableFloat64(const Napi::Object& object, Key key, size_t length);
std::int32_t* optionalInt32(const Napi::Object& object, Key key, size_t length);

double numberProperty(const Napi::Object& object, Key key);
std::string stringProperty(const Napi::Object& object, Key key);
Index countArgument(const Napi::Value& value, const char* name);
unsigned threadsArgument(const Napi::Value& value);
std::uint64_t seedArgument(const Napi::Value& value);

// A fit's options packed by the facade into a Float64Array of `count` numbers (NaN: absent),
// read at once instead of property by property, with the checks and messages of the object
// path (countArgument, numberProperty, threadsArgument).
class PackedOptions {
 public:
  PackedOptions(const Napi::Value& value, size_t count);
  Index count(size_t i, const char* name) const;
  double number(size_t i, const char* name) const;
  unsigned threads(size_t i) const;
  // A code: an index below `codes` into the reader's table of names or enums.
  Index code(size_t i, const char* name, size_t codes) const;
  bool has(size_t i) const { return !std::isnan(v_[i]); }
  double operator[](size_t i) const { return v_[i]; }

 private:
  Napi::Env env_;
  const double* v_;
};

CovarianceType covarianceTypeFrom(const std::string& name);
// The options of a fit on n x d data (n: for responsibilitiesInit and the noise rows; 0 when
// there are no data: both must then be absent). hc: see hcStartFrom.
MixtureOptions mixtureOptionsFrom(const Napi::Object& object, Index n, Index d);
// The options of a mixture fit packed by the facade into a Float64Array (lib/mixture-packing.ts,
// whose field order this follows) when it has no array or object option: one read instead of
// one property read per option. Sets threads; noise rows, starting values and prior are absent.
constexpr size_t kPackedMixtureOptions = 14;
MixtureOptions packedMixtureOptions(const Napi::Value& value, unsigned& threads);
// The M-step settings of options: regCovar, mStepTol, mStepMaxIter, prior.
MStepSettings mstepSettingsFrom(const Napi::Object& object, Index d, CovarianceType type);
// options.hc = { rows: Int32Array, subset: boolean, merges: Int32Array [2 per merge] } (precomputed hc), if any.
std::optional<HierarchicalStart> hcStartFrom(const Napi::Object& object, Index n);
// Parameters (with a variational posterior when the object has one).
MixtureParams mixtureParamsFrom(const Napi::Object& object, Index d);
WeightPrior weightPriorFrom(const std::string& name);
const char* weightPriorName(WeightPrior prior);
VariationalPosterior posteriorFrom(const Napi::Object& object, Index k);
Napi::Object posteriorToJs(Napi::Env env, const VariationalPosterior& posterior);

// Statistics from the bytes of a Uint8Array argument (validated: malformed bytes throw).
MixtureStatistics statisticsArgument(const Napi::Value& value, const char* name);

Napi::Float64Array toFloat64Array(Napi::Env env, const double* data, size_t length);

// The bytes of n labels in [0, k) stored as the narrowest typed array that holds them:
// Uint8Array (k <= 256), Uint16Array (k <= 65536) or Int32Array. A fit's labels are new memory
// for every fit (the previous fit's are only freed by the garbage collector), and on virtual
// machines first touching memory is slow: a quarter of it is a quarter of the page faults.
size_t labelBytes(size_t n, Index k);

// The typed arrays of one result, copied into views of one ArrayBuffer (one allocation, one
// backing store for the garbage collector, rather than one per array): Float64Arrays first,
// then the labels.
class ResultBuffer {
 public:
  ResultBuffer(Napi::Env env, size_t bytes);
  Napi::Float64Array float64(const double* data, size_t length);
  Napi::Float64Array float64(size_t length);  // to be filled by the caller
  Napi::TypedArray labels(const LargeVector<std::int32_t>& labels, Index k);
  // The labels written after the Float64Arrays without a view of their own (the facade makes
  // it); returns their width in bytes (labelBytes(1, k)).
  size_t writeLabels(const LargeVector<std::int32_t>& labels, Index k);

 private:
  Napi::Env env_;
  Napi::ArrayBuffer buffer_;
  size_t bytes_;
  size_t offset_ = 0;
};

const char* covarianceTypeName(CovarianceType type);
// The parametrisation table (covariance.h) as JavaScript objects.
Napi::Array covarianceTypesToJs(Napi::Env env);
// Mixture parameters as the facade takes them (NativeMixtureParams), on one ArrayBuffer.
Napi::Object mixtureParamsToJs(Napi::Env env, const MixtureParams& params);
Napi::Object mixtureFitToJs(Napi::Env env, const MixtureFit& fit);
// A fit with no M-step state, re-seeds or posterior (the usual one) as one Float64Array that the
// facade cuts into views (lib/mixture-packing.ts unpackMixtureFit): [K', K·D, S, converged,
// nIter, lowerBound, weights (K'), means (K·D), covariances (S), precisionsCholesky (S)], one
// allocation and no property writes; any other fit as mixtureFitToJs.
Napi::Value compactMixtureFitToJs(Napi::Env env, const MixtureFit& fit);

}  // namespace gaussmix::binding
