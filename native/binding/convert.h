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
Index covarianceSize(CovarianceType type, Index k, Index d);

Napi::Float64Array toFloat64Array(Napi::Env env, const double* data, size_t length);
// An Int32Array of the values: from 4 MiB on their storage itself (an external ArrayBuffer,
// freed when collected), else (or where the runtime allows no external buffers) a copy.
Napi::Int32Array toInt32Array(Napi::Env env, LargeVector<std::int32_t>&& values);
Napi::Object mixtureFitToJs(Napi::Env env, const MixtureFit& fit);

}  // namespace gaussmix::binding
