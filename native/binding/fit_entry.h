// The synchronous and asynchronous entry points of every estimator, written once:
//   fitXSync(X, n, d, options, onIteration?)   -> result
//   fitXAsync(X, n, d, options, onIteration?, done) -> cancel; later done(error, result)
// `make` converts the arguments into a request (on the JS thread), `run` calls the core,
// `toJs` shapes its result.
#pragma once

#include <napi.h>

#include <memory>
#include <type_traits>

#include "convert.h"
#include "errors.h"
#include "fit_worker.h"

namespace gaussmix::binding {

// The data part shared by every request: X (zero-copy), n, d and options.sampleWeight.
Data dataArgument(const Napi::CallbackInfo& info);
// X, n and d only (packed options carry no sample weights).
Data rowsArgument(const Napi::CallbackInfo& info);
// options.sampleWeight (data.n values, when options is an object) into data.weights.
void sampleWeightArgument(const Napi::CallbackInfo& info, Data& data);
// info[3] as an object.
Napi::Object optionsArgument(const Napi::CallbackInfo& info);

template <class Make, class Run, class ToJs>
Napi::Value fitSync(const Napi::CallbackInfo& info, Make make, Run run, ToJs toJs) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const auto request = make(info);
    Control control;
    if (info[4].IsFunction()) {
      const Napi::Function callback = info[4].As<Napi::Function>();
      control.onIteration = [&info, callback](const IterationInfo& i) {  // (callback's scope ends here)
        return continues(callback.Call({iterationInfoToJs(info.Env(), i)}));
      };
    }
    return toJs(info.Env(), run(request, control));
  });
}

template <class Make, class Run, class ToJs>
Napi::Value fitAsync(const Napi::CallbackInfo& info, Make make, Run run, ToJs toJs) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    using Request = decltype(make(info));
    using Result = std::decay_t<decltype(run(std::declval<const Request&>(), Control{}))>;
    auto request = std::make_shared<Request>(make(info));
    auto result = std::make_shared<Result>();
    return AsyncFit::start(
        info.Env(),
        [request, result, run](const Control& control) { *result = run(*request, control); },
        [result, toJs](Napi::Env env) -> Napi::Value { return toJs(env, *result); }, info[4],
        info[5], {info[0], info[3]});
  });
}

}  // namespace gaussmix::binding
