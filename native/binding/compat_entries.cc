// The Lloyd loop of the skmeans / ml-kmeans drop-ins (lib/compat/), synchronous on the calling
// thread (small fits, the common case there, must not wait for compute threads).
#include <cmath>

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

// compatLloyd(X, n, d, centers: Float64Array[K·D] in/out, labels: Int32Array[N] out,
//             rules: bits, tolerance, maxSteps, threads) -> 2·steps + (converged ? 1 : 0)
Napi::Value CompatLloyd(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const Index n = countArgument(info[1], "n");
    const Index d = countArgument(info[2], "d");
    if (n == 0 || d == 0) throw invalidArgument("n and d must be positive");
    const double* x = float64Data(info[0], static_cast<size_t>(n * d), "X");
    if (!info[3].IsTypedArray() || !info[4].IsTypedArray() ||
        info[4].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        info[4].As<Napi::TypedArray>().ElementLength() < static_cast<size_t>(n)) {
      throw Napi::TypeError::New(info.Env(), "centers must be a Float64Array, labels an Int32Array[n]");
    }
    const size_t length = info[3].As<Napi::TypedArray>().ElementLength();
    if (length == 0 || length % static_cast<size_t>(d) != 0) {
      throw Napi::TypeError::New(info.Env(), "centers must hold K rows of d values");
    }
    const Index k = static_cast<Index>(length) / d;
    double* centers = const_cast<double*>(float64Data(info[3], length, "centers"));
    std::int32_t* labels = info[4].As<Napi::Int32Array>().Data();
    const int bits = static_cast<int>(countArgument(info[5], "rules"));
    CompatLloydRules rules;
    rules.laterWins = (bits & kLaterWins) != 0;
    rules.absolute = (bits & kAbsolute) != 0;
    rules.emptyToZero = (bits & kEmptyToZero) != 0;
    rules.stopUnchanged = (bits & kStopUnchanged) != 0;
    if (rules.absolute && d != 1) throw invalidArgument("the absolute distance needs d = 1");
    rules.tolerance = info[6].IsNumber() ? info[6].As<Napi::Number>().DoubleValue() : NAN;
    rules.maxSteps = static_cast<std::int64_t>(countArgument(info[7], "maxSteps"));
    if (rules.maxSteps < 1) throw invalidArgument("maxSteps must be at least 1");
    ThreadPool pool(threadsFor((n + kBlockRows - 1) / kBlockRows, threadsArgument(info[8])), nullptr);
    const CompatLloydResult result = compatLloyd(x, n, d, k, centers, labels, rules, pool);
    return Napi::Number::New(info.Env(),
                             2.0 * static_cast<double>(result.steps) + (result.converged ? 1 : 0));
  });
}

}  // namespace gaussmix::binding
