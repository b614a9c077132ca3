// The Lloyd loop of the skmeans / ml-kmeans drop-ins (lib/compat/), synchronous on the calling
// thread (small fits, the common case there, must not wait for compute threads).
#include <algorithm>
#include <cmath>
#include <string>

#include "convert.h"
#include "core/compat_lloyd.h"
#include "entries.h"
#include "errors.h"

namespace gaussmix::binding {

// Bits of compatLloyd's `rules` argument.
enum CompatRuleBits : int {
  kLaterWins = 1,
  kAbsolute = 2,
  kEmptyToZero = 4,
  kStopUnchanged = 8,
};

namespace {

// The arguments read with one N-API call each (not the two to four of node-addon-api's
// checked accessors): the drop-ins call this entry once per fit, and most fits are small.
template <class T>
T* typedArgument(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type want,
                 size_t* length, const char* message) {
  napi_typedarray_type type;
  void* data = nullptr;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(info.Env(), info[i], &type, length, &data, &buffer, &offset) !=
          napi_ok ||
      type != want) {
    throw Napi::TypeError::New(info.Env(), message);
  }
  return static_cast<T*>(data);
}

double numberArgument(const Napi::CallbackInfo& info, size_t i, double otherwise) {
  double value;
  return napi_get_value_double(info.Env(), info[i], &value) == napi_ok ? value : otherwise;
}

// A non-negative integer argument (as countArgument).
Index countOf(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const double v = numberArgument(info, i, -1.0);
  if (!(v >= 0.0) || v != std::floor(v) || v > 9007199254740991.0) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a non-negative integer");
  }
  return static_cast<Index>(v);
}

}  // namespace

// compatLloyd(X, n, d, centers: Float64Array[K·D] in/out, labels: Int32Array[N] out,
//             rules: bits, tolerance, maxSteps, threads) -> 2·steps + (converged ? 1 : 0)
Napi::Value CompatLloyd(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Index n = countOf(info, 1, "n");
    const Index d = countOf(info, 2, "d");
    if (n == 0 || d == 0) throw invalidArgument("n and d must be positive");
    size_t xLength, length, labelsLength;
    const double* x = typedArgument<double>(info, 0, napi_float64_array, &xLength, "X must be a Float64Array");
    if (xLength < static_cast<size_t>(n * d)) {
      throw Napi::TypeError::New(info.Env(), "X has " + std::to_string(xLength) + " elements, expected " +
                                                 std::to_string(n * d));
    }
    const char* const shapes = "centers must be a Float64Array, labels an Int32Array[n]";
    double* centers = typedArgument<double>(info, 3, napi_float64_array, &length, shapes);
    std::int32_t* labels = typedArgument<std::int32_t>(info, 4, napi_int32_array, &labelsLength, shapes);
    if (labelsLength < static_cast<size_t>(n)) throw Napi::TypeError::New(info.Env(), shapes);
    if (length == 0 || length % static_cast<size_t>(d) != 0) {
      throw Napi::TypeError::New(info.Env(), "centers must hold K rows of d values");
    }
    const Index k = static_cast<Index>(length) / d;
    const int bits = static_cast<int>(countOf(info, 5, "rules"));
    CompatLloydRules rules;
    rules.laterWins = (bits & kLaterWins) != 0;
    rules.absolute = (bits & kAbsolute) != 0;
    rules.emptyToZero = (bits & kEmptyToZero) != 0;
    rules.stopUnchanged = (bits & kStopUnchanged) != 0;
    if (rules.absolute && d != 1) throw invalidArgument("the absolute distance needs d = 1");
    rules.tolerance = numberArgument(info, 6, NAN);
    rules.maxSteps = static_cast<std::int64_t>(countOf(info, 7, "maxSteps"));
    if (rules.maxSteps < 1) throw invalidArgument("maxSteps must be at least 1");
    const Index threads = countOf(info, 8, "threads");
    ThreadPool pool(threadsFor((n + kBlockRows - 1) / kBlockRows,
                               static_cast<unsigned>(std::clamp<Index>(threads, 1, 1024))),
                    nullptr);
    const CompatLloydResult result = compatLloyd(x, n, d, k, centers, labels, rules, pool);
    napi_value out;
    napi_create_double(info.Env(), 2.0 * static_cast<double>(result.steps) + (result.converged ? 1 : 0),
                       &out);
    return Napi::Value(info.Env(), out);
  });
}

}  // namespace gaussmix::binding
