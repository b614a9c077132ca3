// One asynchronous fit: the core runs on a libuv worker thread (it then fans out on its own
// thread pool), the promise settles on the JS thread. Cancellation is an atomic flag that the
// core polls per iteration and per row block; with an onIteration callback the worker waits
// for each answer, so that "return false to stop" is exact and reproducible.
#pragma once

#include <napi.h>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "core/control.h"

namespace gaussmix::binding {

class FitWorker : public Napi::AsyncWorker {
 public:
  using Run = std::function<void(const Control&)>;        // worker thread: call the core
  using Convert = std::function<Napi::Value(Napi::Env)>;  // JS thread: shape the result

  // onIteration may be empty. keepAlive: the JS values whose memory the core reads.
  FitWorker(Napi::Env env, Run run, Convert convert, Napi::Value onIteration,
            const std::vector<Napi::Value>& keepAlive);
  ~FitWorker() override;

  // Queues the work and returns { promise, cancel }.
  Napi::Object start();

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  bool askJs(const IterationInfo& info);
  void settle(Napi::Env env);

  Run run_;
  Convert convert_;
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  Napi::ThreadSafeFunction onIteration_;
  bool hasCallback_ = false;
  std::vector<Napi::Reference<Napi::Value>> keepAlive_;
  std::exception_ptr error_;
  Napi::Env::CleanupHook<std::function<void()>> cleanup_;
};

// The iteration report as a JS object { init, iter, objective, change }.
Napi::Object iterationInfoToJs(Napi::Env env, const IterationInfo& info);
// Whether a callback's return value asks to continue (anything but `false`).
bool continues(const Napi::Value& answer);

}  // namespace gaussmix::binding
