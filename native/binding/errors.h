// The one place where core failures become JavaScript errors.
#pragma once

#include <napi.h>

#include <exception>

namespace gaussmix::binding {

// Maps an exception to a JS error with a stable `code`:
//   core InvalidArgument -> RangeError ERR_GAUSSMIX_INVALID_ARGUMENT
//   core IllConditioned  -> Error ERR_GAUSSMIX_ILL_CONDITIONED (+ `component` when known)
//   core Aborted         -> Error ERR_GAUSSMIX_ABORTED
//   std::bad_alloc       -> RangeError ERR_GAUSSMIX_OUT_OF_MEMORY
//   Napi::Error          -> itself
//   anything else        -> Error ERR_GAUSSMIX_INTERNAL
Napi::Error toJsError(Napi::Env env, std::exception_ptr error);

// Runs body, turning any exception into a pending JS exception (never lets one escape into
// Node, never aborts the process).
template <class Body>
Napi::Value guarded(Napi::Env env, Body body) {
  try {
    return body();
  } catch (...) {
    toJsError(env, std::current_exception()).ThrowAsJavaScriptException();
    return env.Undefined();
  }
}

}  // namespace gaussmix::binding
