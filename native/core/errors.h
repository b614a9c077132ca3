// The core's failures, as typed exceptions. The binding maps each kind to a JavaScript error
// class and code in one place (native/binding/errors.cc); nothing in the core aborts.
#pragma once

#include <stdexcept>
#include <string>

namespace gaussmix {

enum class ErrorKind { InvalidArgument, IllConditioned, Aborted, Internal };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, long component = -1)
      : std::runtime_error(message), kind_(kind), component_(component) {}
  ErrorKind kind() const { return kind_; }
  // The mixture component concerned, or -1.
  long component() const { return component_; }

 private:
  ErrorKind kind_;
  long component_;
};

inline Error invalidArgument(const std::string& message) {
  return Error(ErrorKind::InvalidArgument, message);
}

// A covariance that is not positive definite: the component collapsed onto too few points.
inline Error illConditioned(long component, const std::string& what) {
  return Error(ErrorKind::IllConditioned,
               "component " + std::to_string(component) + ": " + what +
                   " (it collapsed onto too few distinct points). Increase regCovar, use fewer "
                   "components, or standardise the features.",
               component);
}

inline Error aborted() { return Error(ErrorKind::Aborted, "the fit was aborted"); }

}  // namespace gaussmix
