// JavaScript values <-> core structs. The TypeScript layer has validated everything already;
// these checks only keep a malformed call from reaching the core (they throw TypeError).
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "core/memory.h"
#include "core/mixture.h"

namespace gaussmix::binding {

// A Float64Array argument of at least `length` elements (zero-copy: the pointer accounts for
// byteOffset). `name` is used in the error message.
const double* float64Data(const Napi::Value& value, size_t length, const char* name);
// The same for an optional property (nullptr when undefined).
const double* optionalFloat64(const Napi::Object& object, const char* key, size_t length);

// Caller-allocated outputs (nullptr when the property is undefined).
double* mutableFloat64(const Napi::Object& object, const char* key, size_t length);
std::int32_t* optionalInt32(const Napi::Object& object, const char* key, size_t length);

double numberProperty(const Napi::Object& object, const char* key);
std::string stringProperty(const Napi::Object& object, const char* key);
Index countArgument(const Napi::Value& value, const char* name);
unsigned threadsArgument(const Napi::Value& value);
std::uint64_t seedArgument(const Napi::Value& value);

CovarianceType covarianceTypeFrom(const std::string& name);
MixtureOptions mixtureOptionsFrom(const Napi::Object& object, Index d);
MixtureParams mixtureParamsFrom(const Napi::Object& object, Index d);

Napi::Float64Array toFloat64Array(Napi::Env env, const double* data, size_t length);
// Labels in [0, k) as the narrowest typed array that holds them: Uint8Array (k <= 256),
// Uint16Array (k <= 65536) or Int32Array. A fit's labels are new memory for every fit (the
// previous fit's are only freed by the garbage collector), and on virtual machines first
// touching memory is slow: a quarter of it is a quarter of the page faults.
Napi::TypedArray toLabelArray(Napi::Env env, const LargeVector<std::int32_t>& labels, Index k);
const char* covarianceTypeName(CovarianceType type);
Napi::Object mixtureParamsToJs(Napi::Env env, const MixtureParams& params);
Napi::Object mixtureFitToJs(Napi::Env env, const MixtureFit& fit);

}  // namespace gaussmix::binding
