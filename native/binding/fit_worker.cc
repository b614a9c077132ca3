#include "fit_worker.h"

#include "core/parallel.h"
#include "env_data.h"
#include "errors.h"

namespace gaussmix::binding {

Napi::Object iterationInfoToJs(Napi::Env env, const IterationInfo& info) {
  Napi::Object out = Napi::Object::New(env);
  set(out, Key::init, Napi::Number::New(env, info.init));
  set(out, Key::iter, Napi::Number::New(env, info.iter));
  set(out, Key::objective, Napi::Number::New(env, info.objective));
  set(out, Key::change, Napi::Number::New(env, info.change));
  set(out, Key::reseeds, Napi::Number::New(env, info.reseeds));
  return out;
}

bool continues(const Napi::Value& answer) {
  return !(answer.IsBoolean() && !answer.As<Napi::Boolean>().Value());
}

// ------------------------------------------------------------------------------- FitChannel

// A message for the JS thread: the end of a fit, or an onIteration call.
struct FitChannel::Message {
  std::shared_ptr<AsyncFit> fit;
  bool finished;
  IterationInfo info;
  std::uint64_t question;
};

std::shared_ptr<FitChannel> FitChannel::of(Napi::Env env) {
  std::shared_ptr<FitChannel>& slot = envData(env).fits;
  if (slot) return slot;
  std::shared_ptr<FitChannel> channel(new FitChannel());
  channel->env_ = env;
  // The thread-safe function's context is a reference to the channel, released by its
  // finalizer (at the environment's teardown).
  auto* context = new std::shared_ptr<FitChannel>(channel);
  napi_status status = napi_create_threadsafe_function(
      env, nullptr, nullptr, Napi::String::New(env, "gaussmix.fit"), 0, 1, context,
      [](napi_env, void* data, void*) { delete static_cast<std::shared_ptr<FitChannel>*>(data); },
      context, callJs, &channel->tsfn_);
  if (status != napi_ok) {
    delete context;
    throw Napi::Error::New(env, "cannot create the thread-safe function of asynchronous fits");
  }
  // Idle until a fit starts: no fit, no reason to keep the event loop alive.
  napi_unref_threadsafe_function(env, channel->tsfn_);
  // Added after the thread-safe function's own hook, so it runs before it: the fits are
  // stopped while the thread-safe function still exists.
  if (napi_add_env_cleanup_hook(env, onEnvCleanup, channel.get()) != napi_ok) {
    throw Napi::Error::New(env, "cannot add the cleanup hook of asynchronous fits");
  }
  slot = channel;
  return channel;
}

FitChannel::~FitChannel() = default;

std::uint32_t FitChannel::add(std::shared_ptr<AsyncFit> fit) {
  if (live_.empty()) napi_ref_threadsafe_function(env_, tsfn_);
  std::uint32_t id = ++next_;
  while (id == 0 || live_.count(id) != 0) id = ++next_;  // (after 2^32 fits: skip the live ones)
  live_.emplace(id, std::move(fit));
  return id;
}

void FitChannel::remove(std::uint32_t id) {
  if (live_.erase(id) != 0 && live_.empty()) napi_unref_threadsafe_function(env_, tsfn_);
}

std::shared_ptr<AsyncFit> FitChannel::find(std::uint32_t id) const {
  const auto it = live_.find(id);
  return it == live_.end() ? nullptr : it->second;
}

bool FitChannel::send(std::shared_ptr<AsyncFit> fit, bool finished, const IterationInfo& info,
                      std::uint64_t question) {
  auto message = std::make_unique<Message>(Message{std::move(fit), finished, info, question});
  if (napi_call_threadsafe_function(tsfn_, message.get(), napi_tsfn_nonblocking) != napi_ok) {
    return false;
  }
  message.release();  // the JS thread's now
  return true;
}

void FitChannel::callJs(napi_env env, napi_value, void*, void* data) {
  std::unique_ptr<Message> message(static_cast<Message*>(data));
  if (env == nullptr) return;  // being torn down: only free the message
  try {
    if (message->finished) {
      message->fit->settle(Napi::Env(env));
    } else {
      message->fit->answer(Napi::Env(env), message->question, message->info);
    }
  } catch (...) {
    // Nothing may escape into Node. (Every JS call above catches its own errors.)
  }
}

void FitChannel::onEnvCleanup(void* arg) {
  auto* channel = static_cast<FitChannel*>(arg);
  // Every fit stops touching the environment; then the references are released.
  for (auto& [id, fit] : channel->live_) fit->teardown();
  channel->live_.clear();
}

Napi::Value CancelFit(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info[0].IsNumber()) {
    const double id = info[0].As<Napi::Number>().DoubleValue();
    if (id >= 1 && id <= 4294967295.0) {
      if (auto fit = FitChannel::of(env)->find(static_cast<std::uint32_t>(id))) fit->cancel();
    }
  }
  return env.Undefined();
}

// --------------------------------------------------------------------------------- AsyncFit

AsyncFit::AsyncFit(Run run, Convert convert) : run_(std::move(run)), convert_(std::move(convert)) {}

AsyncFit::~AsyncFit() = default;

Napi::Value AsyncFit::start(Napi::Env env, Run run, Convert convert, Napi::Value onIteration,
                            Napi::Value done, const std::vector<Napi::Value>& keepAlive) {
  if (!done.IsFunction()) throw Napi::TypeError::New(env, "done must be a function");
  auto fit = std::make_shared<AsyncFit>(std::move(run), std::move(convert));
  fit->keepAlive_.reserve(keepAlive.size());
  for (const Napi::Value& value : keepAlive) {
    fit->keepAlive_.push_back(Napi::Reference<Napi::Value>::New(value, 1));
  }
  if (onIteration.IsFunction()) {
    fit->onIteration_ = Napi::Persistent(onIteration.As<Napi::Function>());
    fit->hasCallback_ = true;
  }
  fit->done_ = Napi::Persistent(done.As<Napi::Function>());
  fit->channel_ = FitChannel::of(env);
  fit->id_ = fit->channel_->add(fit);
  try {
    post([fit] { fit->execute(); });
  } catch (...) {
    fit->channel_->remove(fit->id_);
    fit->releaseJs();
    throw;
  }
  return Napi::Number::New(env, fit->id_);
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
  if (envAlive_) channel_->send(shared_from_this(), true, IterationInfo{}, 0);
  changed_.notify_all();
}

bool AsyncFit::ask(const IterationInfo& info) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!envAlive_ || cancel_.load()) throw aborted();
  const std::uint64_t question = ++asked_;
  question_ = question;
  answered_ = false;
  if (!channel_->send(shared_from_this(), false, info, question)) {
    question_ = 0;
    throw aborted();
  }
  changed_.wait(lock, [&] { return answered_ || !envAlive_ || cancel_.load(); });
  question_ = 0;
  if (!answered_) throw aborted();
  return answer_;
}

void AsyncFit::answer(Napi::Env env, std::uint64_t question, const IterationInfo& info) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Not waited for any more (cancelled): the answer would be ignored, so do not ask.
    if (question_ != question || cancel_.load()) return;
  }
  bool keep = false;
  {
    Napi::HandleScope scope(env);
    try {
      keep = continues(onIteration_.Call({iterationInfoToJs(env, info)}));
    } catch (...) {
      keep = false;  // the facade never lets a callback throw; stop if one does
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (question_ == question) {
      answered_ = true;
      answer_ = keep;
    }
  }
  changed_.notify_all();
}

void AsyncFit::settle(Napi::Env env) {
  Napi::HandleScope scope(env);
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
  channel_->remove(id_);
  try {
    done.Call({error, result});
  } catch (...) {
    // The facade's done never throws; a call refused by a terminating environment is moot.
  }
}

void AsyncFit::teardown() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    envAlive_ = false;
    cancel_.store(true);
    changed_.notify_all();
    // A running fit stops at its next row block or iteration (or at once if it waits for an
    // answer); one that has not started never will.
    changed_.wait(lock, [&] { return state_ != State::Running; });
  }
  releaseJs();
}

void AsyncFit::releaseJs() {
  onIteration_.Reset();
  done_.Reset();
  keepAlive_.clear();
  // The request (borrowed pointers into JS memory) and the result are of no use any more.
  run_ = nullptr;
  convert_ = nullptr;
}

}  // namespace gaussmix::binding
