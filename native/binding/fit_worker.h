// One asynchronous fit. The core runs on one of the process-wide compute threads (core/parallel.h:
// the fit is a posted task, and fans out on the same shared threads; libuv's thread pool is
// never used, so a long fit cannot starve the server's fs, dns or crypto work). The result comes
// back to the JS thread through a thread-safe function, which also carries each onIteration
// call: with a callback the fit's thread waits for every answer, so that "return false to
// stop" is exact and reproducible.
//
// Cancellation is an atomic flag that the core polls per iteration and per row block; cancel()
// also wakes a thread that waits for a callback's answer. Teardown of the environment (a
// worker_threads worker terminated, or the addon's env cleaned up) runs a cleanup hook on the
// JS thread that cancels the fit, wakes it, waits only until it has stopped touching the
// caller's memory (one block at most once it is running; not at all when it has not started),
// and releases every JS reference while the environment is still valid; after that hook the fit
// never touches the environment again. process.exit() runs no hook and needs none: nothing
// waits for the compute threads, which end with the process.
#pragma once

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/control.h"

namespace gaussmix::binding {

class AsyncFit : public std::enable_shared_from_this<AsyncFit> {
 public:
  using Run = std::function<void(const Control&)>;        // compute thread: call the core
  using Convert = std::function<Napi::Value(Napi::Env)>;  // JS thread: shape the result

  // Starts the fit and returns its cancel() function; done(error, result) is called on the JS
  // thread when the fit ends (unless the environment is torn down first). onIteration may be
  // undefined. keepAlive: the JS values whose memory the core reads.
  static Napi::Value start(Napi::Env env, Run run, Convert convert, Napi::Value onIteration,
                           Napi::Value done, const std::vector<Napi::Value>& keepAlive);

  AsyncFit(Run run, Convert convert);
  ~AsyncFit();
  AsyncFit(const AsyncFit&) = delete;
  AsyncFit& operator=(const AsyncFit&) = delete;

 private:
  enum class State { Queued, Running, Finished };
  struct Message;

  void execute();                           // compute thread
  bool ask(const IterationInfo& info);      // compute thread
  void cancel();                            // any thread
  void answer(Napi::Env env, const Message& m);  // JS thread (through the thread-safe function)
  void settle(Napi::Env env);               // JS thread
  void releaseJs();                         // JS thread
  static void callJs(napi_env env, napi_value, void* context, void* data);
  static void finalize(napi_env env, void* data, void* hint);
  static void onEnvCleanup(void* arg);

  Run run_;
  Convert convert_;
  std::atomic<bool> cancel_{false};
  bool hasCallback_ = false;  // set before the fit is posted
  std::exception_ptr error_;  // written by execute() before Finished

  // JS thread only.
  Napi::FunctionReference onIteration_;
  Napi::FunctionReference done_;
  std::vector<Napi::Reference<Napi::Value>> keepAlive_;
  std::shared_ptr<AsyncFit>* hookArg_ = nullptr;  // owned by the cleanup hook while registered

  std::mutex mutex_;
  std::condition_variable changed_;
  // Guarded by mutex_.
  State state_ = State::Queued;
  bool envAlive_ = true;          // false once the cleanup hook ran: never touch tsfn_ again
  std::uint64_t question_ = 0;    // the onIteration call waited for (0: none)
  std::uint64_t asked_ = 0;       // questions so far
  bool answered_ = false;
  bool answer_ = false;
  napi_threadsafe_function tsfn_ = nullptr;
};

// The iteration report as a JS object { init, iter, objective, change }.
Napi::Object iterationInfoToJs(Napi::Env env, const IterationInfo& info);
// Whether a callback's return value asks to continue (anything but `false`).
bool continues(const Napi::Value& answer);

}  // namespace gaussmix::binding
