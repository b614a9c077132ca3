// One asynchronous fit. The core runs on one of the process-wide compute threads (core/parallel.h:
// the fit is a posted task, and fans out on the same shared threads; libuv's thread pool is
// never used, so a long fit cannot starve the server's fs, dns or crypto work). The result comes
// back to the JS thread through the environment's fit channel (FitChannel: one thread-safe
// function for every fit of the environment, so that starting a fit creates no libuv handle and
// registers no cleanup hook), which also carries each onIteration call: with a callback the
// fit's thread waits for every answer, so that "return false to stop" is exact and
// reproducible.
//
// Cancellation is an atomic flag that the core polls per iteration and per row block; cancel()
// also wakes a thread that waits for a callback's answer. Teardown of the environment (a
// worker_threads worker terminated, or the addon's env cleaned up) runs the channel's cleanup
// hook on the JS thread: it cancels every fit, wakes it, waits only until it has stopped
// touching the caller's memory (one block at most once it is running; not at all when it has
// not started), and releases every JS reference while the environment is still valid; after
// that hook no fit touches the environment again. process.exit() runs no hook and needs none:
// nothing waits for the compute threads, which end with the process.
#pragma once

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/control.h"

namespace gaussmix::binding {

class FitChannel;

class AsyncFit : public std::enable_shared_from_this<AsyncFit> {
 public:
  using Run = std::function<void(const Control&)>;        // compute thread: call the core
  using Convert = std::function<Napi::Value(Napi::Env)>;  // JS thread: shape the result

  // Starts the fit and returns its id for cancelFit(id); done(error, result) is called on the
  // JS thread when the fit ends (unless the environment is torn down first). onIteration may
  // be undefined. keepAlive: the JS values whose memory the core reads.
  static Napi::Value start(Napi::Env env, Run run, Convert convert, Napi::Value onIteration,
                           Napi::Value done, const std::vector<Napi::Value>& keepAlive);

  AsyncFit(Run run, Convert convert);
  ~AsyncFit();
  AsyncFit(const AsyncFit&) = delete;
  AsyncFit& operator=(const AsyncFit&) = delete;

  void cancel();  // any thread

 private:
  friend class FitChannel;
  enum class State { Queued, Running, Finished };

  void execute();                           // compute thread
  bool ask(const IterationInfo& info);      // compute thread
  void answer(Napi::Env env, std::uint64_t question, const IterationInfo& info);  // JS thread
  void settle(Napi::Env env);               // JS thread
  void teardown();                          // JS thread, from the channel's cleanup hook
  void releaseJs();                         // JS thread

  Run run_;
  Convert convert_;
  std::atomic<bool> cancel_{false};
  bool hasCallback_ = false;  // set before the fit is posted
  std::exception_ptr error_;  // written by execute() before Finished
  std::uint32_t id_ = 0;      // the channel's key for this fit
  std::shared_ptr<FitChannel> channel_;

  // JS thread only.
  Napi::FunctionReference onIteration_;
  Napi::FunctionReference done_;
  std::vector<Napi::Reference<Napi::Value>> keepAlive_;

  std::mutex mutex_;
  std::condition_variable changed_;
  // Guarded by mutex_.
  State state_ = State::Queued;
  bool envAlive_ = true;          // false once the cleanup hook ran: never use the channel again
  std::uint64_t question_ = 0;    // the onIteration call waited for (0: none)
  std::uint64_t asked_ = 0;       // questions so far
  bool answered_ = false;
  bool answer_ = false;
};

// The JS thread's end of every asynchronous fit of one environment: one thread-safe function
// (referenced, so that it keeps the event loop alive, only while fits are running), the fits
// by id, and the cleanup hook that stops them when the environment goes away.
class FitChannel {
 public:
  // This environment's channel, created on first use.
  static std::shared_ptr<FitChannel> of(Napi::Env env);
  ~FitChannel();

  // JS thread.
  std::uint32_t add(std::shared_ptr<AsyncFit> fit);
  void remove(std::uint32_t id);
  std::shared_ptr<AsyncFit> find(std::uint32_t id) const;

  // Any thread, only while the fit's environment is alive (the caller holds the fit's lock and
  // has checked envAlive_): hands a message to the JS thread; false if it could not.
  bool send(std::shared_ptr<AsyncFit> fit, bool finished, const IterationInfo& info,
            std::uint64_t question);

 private:
  struct Message;
  FitChannel() = default;
  static void callJs(napi_env env, napi_value, void* context, void* data);
  static void onEnvCleanup(void* arg);

  napi_env env_ = nullptr;
  napi_threadsafe_function tsfn_ = nullptr;
  std::unordered_map<std::uint32_t, std::shared_ptr<AsyncFit>> live_;  // JS thread only
  std::uint32_t next_ = 0;
};

// The iteration report as a JS object { init, iter, objective, change, reseeds }.
Napi::Object iterationInfoToJs(Napi::Env env, const IterationInfo& info);
// Whether a callback's return value asks to continue (anything but `false`).
bool continues(const Napi::Value& answer);
// cancelFit(id): cancels the asynchronous fit `id` of this environment, if it is still running.
Napi::Value CancelFit(const Napi::CallbackInfo& info);

}  // namespace gaussmix::binding
