// A small thread pool for one call: the caller's thread plus (threads - 1) workers, created once
// per fit and reused by every pass. Work is handed out as fixed row blocks; forEachOrdered folds
// per-block partial results serially in block order, which makes every sum independent of the
// thread count while keeping memory at one partial per thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "types.h"

namespace gaussmix {

// No more threads than there are blocks to share (a small predict starts no threads at all).
inline unsigned threadsFor(Index blocks, unsigned threads) {
  return static_cast<unsigned>(std::max<Index>(1, std::min<Index>(blocks, threads)));
}

class ThreadPool {
 public:
  // threads >= 1. cancel (nullable) is polled before every block.
  ThreadPool(unsigned threads, const std::atomic<bool>* cancel);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // body(block, worker) for every block in [0, blocks), in any order on any thread;
  // worker in [0, size()) indexes per-thread scratch. Rethrows the first exception.
  void forEach(Index blocks, const std::function<void(Index, unsigned)>& body);

  // As forEach, and then fold(block, worker) runs serially in increasing block order, right
  // after that block's body, on the thread that ran it.
  void forEachOrdered(Index blocks, const std::function<void(Index, unsigned)>& body,
                      const std::function<void(Index, unsigned)>& fold);

 private:
  void run(Index blocks, const std::function<void(Index, unsigned)>* body,
           const std::function<void(Index, unsigned)>* fold);
  void work(unsigned worker);
  void workerLoop(unsigned worker);
  void fail(std::exception_ptr error);

  const std::atomic<bool>* cancel_;
  std::vector<std::thread> workers_;

  std::mutex mutex_;
  std::condition_variable wake_;     // a new job, or shutdown
  std::condition_variable done_;     // a worker finished the job
  std::condition_variable folded_;   // the fold counter moved
  unsigned long generation_ = 0;
  unsigned busy_ = 0;
  bool shutdown_ = false;

  // The current job.
  Index blocks_ = 0;
  const std::function<void(Index, unsigned)>* body_ = nullptr;
  const std::function<void(Index, unsigned)>* fold_ = nullptr;
  std::atomic<Index> next_{0};
  Index nextFold_ = 0;  // guarded by mutex_
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;  // guarded by mutex_
};

}  // namespace gaussmix
