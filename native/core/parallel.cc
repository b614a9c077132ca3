#include "parallel.h"

#include "errors.h"

namespace gaussmix {

ThreadPool::ThreadPool(unsigned threads, const std::atomic<bool>* cancel) : cancel_(cancel) {
  if (threads < 1) threads = 1;
  workers_.reserve(threads - 1);
  for (unsigned w = 1; w < threads; ++w) workers_.emplace_back([this, w] { workerLoop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutdown_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::forEach(Index blocks, const std::function<void(Index, unsigned)>& body) {
  run(blocks, &body, nullptr);
}

void ThreadPool::forEachOrdered(Index blocks, const std::function<void(Index, unsigned)>& body,
                                const std::function<void(Index, unsigned)>& fold) {
  run(blocks, &body, &fold);
}

void ThreadPool::run(Index blocks, const std::function<void(Index, unsigned)>* body,
                     const std::function<void(Index, unsigned)>* fold) {
  if (blocks <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_ = blocks;
    body_ = body;
    fold_ = fold;
    next_.store(0);
    nextFold_ = 0;
    failed_.store(false);
    error_ = nullptr;
    busy_ = static_cast<unsigned>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  work(0);  // the calling thread is worker 0
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_ == 0; });
    error = error_;
    body_ = fold_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

void ThreadPool::workerLoop(unsigned worker) {
  unsigned long seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return shutdown_ || generation_ != seen; });
      if (shutdown_) return;
      seen = generation_;
    }
    work(worker);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --busy_;
    }
    done_.notify_all();
  }
}

void ThreadPool::fail(std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = error;
    failed_.store(true);
  }
  folded_.notify_all();
}

void ThreadPool::work(unsigned worker) {
  for (;;) {
    if (failed_.load(std::memory_order_relaxed)) return;
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) {
      fail(std::make_exception_ptr(aborted()));
      return;
    }
    const Index block = next_.fetch_add(1);
    if (block >= blocks_) return;
    try {
      (*body_)(block, worker);
      if (fold_) {
        std::unique_lock<std::mutex> lock(mutex_);
        // Blocks are handed out in order, so the one before ours is running or done: the
        // wait is at most one block long.
        folded_.wait(lock, [&] { return nextFold_ == block || failed_.load(); });
        if (failed_.load()) return;
        (*fold_)(block, worker);
        ++nextFold_;
        lock.unlock();
        folded_.notify_all();
      }
    } catch (...) {
      fail(std::current_exception());
      return;
    }
  }
}

}  // namespace gaussmix
