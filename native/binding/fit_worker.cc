#include "fit_worker.h"

#include "core/parallel.h"
#include "errors.h"

namespace gaussmix::binding {

Napi::Object iterationInfoToJs(Napi::Env env, const IterationInfo& info) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("init", Napi::Number::New(env, info.init));
  out.Set("iter", Napi::Number::New(env, info.iter));
  out.Set("objective", Napi::Number::New(env, info.objective));
  out.Set("change", Napi::Number::New(env, info.change));
  out.Set("reseeds", Napi::Number::New(env, info.reseeds));
  return out;
}

bool continues(const Napi::Value& answer) {
  return !(answer.IsBoolean() && !answer.As<Napi::Boolean>().Value());
}

// An onIteration call for the JS thread. (The end of the fit is the message nullptr.)
struct AsyncFit::Message {
  IterationInfo info;
  std::uint64_t question;
};

AsyncFit::AsyncFit(Run run, Convert convert) : run_(std::move(run)), convert_(std::move(convert)) {}

AsyncFit::~AsyncFit() = default;

Napi::Value AsyncFit::start(Napi::Env env, Run run, Convert convert, Napi::Value onIteration,
                            Napi::Value done, const std::vector<Napi::Value>& keepAlive) {
  if (!done.IsFunction()) throw Napi::TypeError::New(env, "done must be a function");
  auto fit = std::make_shared<AsyncFit>(std::move(run), std::move(convert));
  for (const Napi::Value& value : keepAlive) {
    fit->keepAlive_.push_back(Napi::Reference<Napi::Value>::New(value, 1));
  }
  if (onIteration.IsFunction()) {
    fit->onIteration_ = Napi::Persistent(onIteration.As<Napi::Function>());
    fit->hasCallback_ = true;
  }
  fit->done_ = Napi::Persistent(done.As<Napi::Function>());

  // The thread-safe function owns one reference to the fit (released by its finalizer, which
  // runs once it is released and drained, or when the environment is torn down).
  auto* context = new std::shared_ptr<AsyncFit>(fit);
  const napi_status status = napi_create_threadsafe_function(
      env, nullptr, nullptr, Napi::String::New(env, "gaussmix.fit"), 0, 1, context, finalize,
      context, callJs, &fit->tsfn_);
  if (status != napi_ok) {
    delete context;
    throw Napi::Error::New(env, "cannot create the fit's thread-safe function");
  }
  // Added after the thread-safe function's own hook, so it runs before it.
  fit->hookArg_ = new std::shared_ptr<AsyncFit>(fit);
  if (napi_add_env_cleanup_hook(env, onEnvCleanup, fit->hookArg_) != napi_ok) {
    delete fit->hookArg_;
    fit->hookArg_ = nullptr;
    napi_release_threadsafe_function(fit->tsfn_, napi_tsfn_abort);
    throw Napi::Error::New(env, "cannot add the fit's cleanup hook");
  }
  try {
    post([fit] { fit->execute(); });
  } catch (...) {
    napi_remove_env_cleanup_hook(env, onEnvCleanup, fit->hookArg_);
    delete fit->hookArg_;
    fit->hookArg_ = nullptr;
    napi_release_threadsafe_function(fit->tsfn_, napi_tsfn_abort);
    fit->releaseJs();
    throw;
  }
  std::weak_ptr<AsyncFit> weak = fit;
  return Napi::Function::New(
      env,
      [weak](const Napi::CallbackInfo& info) {
        if (auto fit = weak.lock()) fit->cancel();
        return info.Env().Undefined();
      },
      "cancel");
}

void AsyncFit::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancel_.store(true);
  }
  changed_.notify_all();
}

void AsyncFit::execute() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!envAlive_) {
      // Torn down before it started: the caller's memory may be gone; never read it.
      state_ = State::Finished;
      changed_.notify_all();
      return;
    }
    state_ = State::Running;
  }
  try {
    Control control;
    control.cancel = &cancel_;
    if (hasCallback_) control.onIteration = [this](const IterationInfo& i) { return ask(i); };
    control.throwIfCancelled();
    run_(control);
  } catch (...) {
    error_ = std::current_exception();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  state_ = State::Finished;
  if (envAlive_) {
    napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
    napi_release_threadsafe_function(tsfn_, napi_tsfn_release);
  }
  changed_.notify_all();
}

bool AsyncFit::ask(const IterationInfo& info) {
  auto message = std::make_unique<Message>(Message{info, 0});
  std::unique_lock<std::mutex> lock(mutex_);
  if (!envAlive_ || cancel_.load()) throw aborted();
  message->question = ++asked_;
  question_ = message->question;
  answered_ = false;
  if (napi_call_threadsafe_function(tsfn_, message.get(), napi_tsfn_nonblocking) != napi_ok) {
    question_ = 0;
    throw aborted();
  }
  message.release();  // the JS thread's now
  changed_.wait(lock, [&] { return answered_ || !envAlive_ || cancel_.load(); });
  question_ = 0;
  if (!answered_) throw aborted();
  return answer_;
}

void AsyncFit::answer(Napi::Env env, const Message& message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Not waited for any more (cancelled): the answer would be ignored, so do not ask.
    if (question_ != message.question || cancel_.load()) return;
  }
  bool keep = false;
  {
    Napi::HandleScope scope(env);
    try {
      keep = continues(onIteration_.Call({iterationInfoToJs(env, message.info)}));
    } catch (...) {
      keep = false;  // the facade never lets a callback throw; stop if one does
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (question_ == message.question) {
      answered_ = true;
      answer_ = keep;
    }
  }
  changed_.notify_all();
}

void AsyncFit::settle(Napi::Env env) {
  Napi::HandleScope scope(env);
  if (hookArg_) {
    napi_remove_env_cleanup_hook(env, onEnvCleanup, hookArg_);
    delete hookArg_;
    hookArg_ = nullptr;
  }
  Napi::Value error = env.Undefined();
  Napi::Value result = env.Undefined();
  try {
    if (error_) {
      error = toJsError(env, error_).Value();
    } else {
      result = convert_(env);
    }
  } catch (...) {
    error = toJsError(env, std::current_exception()).Value();
  }
  Napi::FunctionReference done = std::move(done_);
  releaseJs();
  try {
    done.Call({error, result});
  } catch (...) {
    // The facade's done never throws; a call refused by a terminating environment is moot.
  }
}

void AsyncFit::releaseJs() {
  onIteration_.Reset();
  done_.Reset();
  keepAlive_.clear();
  // The request (borrowed pointers into JS memory) and the result are of no use any more.
  run_ = nullptr;
  convert_ = nullptr;
}

void AsyncFit::callJs(napi_env env, napi_value, void* context, void* data) {
  std::unique_ptr<Message> message(static_cast<Message*>(data));
  if (env == nullptr) return;  // being torn down: only free the message (context may be gone)
  AsyncFit& fit = **static_cast<std::shared_ptr<AsyncFit>*>(context);
  try {
    if (message) {
      fit.answer(Napi::Env(env), *message);
    } else {
      fit.settle(Napi::Env(env));
    }
  } catch (...) {
    // Nothing may escape into Node. (Every JS call above catches its own errors.)
  }
}

void AsyncFit::finalize(napi_env, void* data, void*) {
  delete static_cast<std::shared_ptr<AsyncFit>*>(data);
}

void AsyncFit::onEnvCleanup(void* arg) {
  std::unique_ptr<std::shared_ptr<AsyncFit>> holder(static_cast<std::shared_ptr<AsyncFit>*>(arg));
  AsyncFit& fit = **holder;
  fit.hookArg_ = nullptr;
  {
    std::unique_lock<std::mutex> lock(fit.mutex_);
    fit.envAlive_ = false;
    fit.cancel_.store(true);
    fit.changed_.notify_all();
    // A running fit stops at its next row block or iteration (or at once if it waits for an
    // answer); one that has not started never will.
    fit.changed_.wait(lock, [&] { return fit.state_ != State::Running; });
  }
  fit.releaseJs();
}

}  // namespace gaussmix::binding
