#include "fit_worker.h"

#include <chrono>
#include <future>

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

FitWorker::FitWorker(Napi::Env env, Run run, Convert convert, Napi::Value onIteration,
                     const std::vector<Napi::Value>& keepAlive)
    : Napi::AsyncWorker(env, "gaussmix.fit"),
      run_(std::move(run)),
      convert_(std::move(convert)),
      deferred_(Napi::Promise::Deferred::New(env)),
      cancel_(std::make_shared<std::atomic<bool>>(false)) {
  for (const Napi::Value& value : keepAlive) {
    keepAlive_.push_back(Napi::Reference<Napi::Value>::New(value, 1));
  }
  if (onIteration.IsFunction()) {
    onIteration_ = Napi::ThreadSafeFunction::New(env, onIteration.As<Napi::Function>(),
                                                 "gaussmix.onIteration", 0, 1);
    hasCallback_ = true;
  }
  // If the environment shuts down mid-fit (process exit, worker_threads terminate), cancel so
  // that the worker thread never waits forever for a callback that cannot run.
  auto flag = cancel_;
  cleanup_ = env.AddCleanupHook(std::function<void()>([flag] { flag->store(true); }));
}

FitWorker::~FitWorker() = default;

Napi::Object FitWorker::start() {
  Napi::Env env = Env();
  Napi::Object task = Napi::Object::New(env);
  task.Set("promise", deferred_.Promise());
  auto flag = cancel_;
  task.Set("cancel", Napi::Function::New(env, [flag](const Napi::CallbackInfo& info) {
             flag->store(true);
             return info.Env().Undefined();
           }, "cancel"));
  Queue();
  return task;
}

bool FitWorker::askJs(const IterationInfo& info) {
  struct Call {
    IterationInfo info;
    std::promise<bool> answer;
  };
  // Shared with the queued JS call, which may outlive this frame if the fit is cancelled.
  auto call = std::make_shared<Call>();
  call->info = info;
  std::future<bool> answer = call->answer.get_future();
  auto* held = new std::shared_ptr<Call>(call);
  const napi_status status = onIteration_.BlockingCall(
      held, [](Napi::Env env, Napi::Function fn, std::shared_ptr<Call>* c) {
        bool keep = false;
        try {
          keep = continues(fn.Call({iterationInfoToJs(env, (*c)->info)}));
        } catch (...) {
          keep = false;  // the facade never lets a callback throw; stop if one does
        }
        (*c)->answer.set_value(keep);
        delete c;
      });
  if (status != napi_ok) {
    delete held;
    return false;
  }
  // Poll so that a cancelled or torn-down environment cannot leave this thread waiting.
  while (answer.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
    if (cancel_->load()) throw aborted();
  }
  return answer.get();
}

void FitWorker::Execute() {
  try {
    Control control;
    control.cancel = cancel_.get();
    if (hasCallback_) control.onIteration = [this](const IterationInfo& i) { return askJs(i); };
    run_(control);
  } catch (...) {
    error_ = std::current_exception();
  }
}

void FitWorker::settle(Napi::Env env) {
  if (hasCallback_) onIteration_.Release();
  cleanup_.Remove(env);
  keepAlive_.clear();
  Napi::HandleScope scope(env);
  try {
    if (error_) {
      deferred_.Reject(toJsError(env, error_).Value());
    } else {
      deferred_.Resolve(convert_(env));
    }
  } catch (...) {
    deferred_.Reject(toJsError(env, std::current_exception()).Value());
  }
}

void FitWorker::OnOK() { settle(Env()); }

void FitWorker::OnError(const Napi::Error&) { settle(Env()); }

}  // namespace gaussmix::binding
