#include "errors.h"

#include <new>
#include <string>

#include "core/errors.h"

namespace gaussmix::binding {
namespace {

Napi::Error withCode(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  return error;
}

}  // namespace

Napi::Error toJsError(Napi::Env env, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Napi::Error& e) {
    return e;
  } catch (const Error& e) {
    switch (e.kind()) {
      case ErrorKind::InvalidArgument:
        return withCode(Napi::RangeError::New(env, e.what()), "ERR_GAUSSMIX_INVALID_ARGUMENT");
      case ErrorKind::IllConditioned: {
        Napi::Error js = withCode(Napi::Error::New(env, e.what()), "ERR_GAUSSMIX_ILL_CONDITIONED");
        if (e.component() >= 0) {
          js.Set("component", Napi::Number::New(env, static_cast<double>(e.component())));
        }
        return js;
      }
      case ErrorKind::Aborted:
        return withCode(Napi::Error::New(env, e.what()), "ERR_GAUSSMIX_ABORTED");
      case ErrorKind::Internal:
        break;
    }
    return withCode(Napi::Error::New(env, e.what()), "ERR_GAUSSMIX_INTERNAL");
  } catch (const std::bad_alloc&) {
    return withCode(Napi::RangeError::New(env, "not enough memory: a native allocation of this "
                                                "call's working arrays was refused"),
                    "ERR_GAUSSMIX_OUT_OF_MEMORY");
  } catch (const std::exception& e) {
    return withCode(Napi::Error::New(env, std::string("internal error: ") + e.what()),
                    "ERR_GAUSSMIX_INTERNAL");
  } catch (...) {
    return withCode(Napi::Error::New(env, "internal error"), "ERR_GAUSSMIX_INTERNAL");
  }
}

}  // namespace gaussmix::binding
