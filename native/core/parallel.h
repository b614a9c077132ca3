// The compute threads. One process-wide set of threads, created lazily and never more than
// maxThreads() of them, serves every call: a call's ThreadPool is only its share of that set
// (the calling thread plus at most size() - 1 shared threads that join its passes when they
// are free). Work is handed out as fixed row blocks; forEachOrdered folds per-block partial
// results serially in block order, which makes every sum independent of the number of
// threads that took part and of which thread ran which block.
//
// post() runs a whole task (an asynchronous fit) on a shared thread: such a task counts
// against the cap like any other work, and it can always make progress on its own (a caller
// never waits for a block nobody has started), so no combination of tasks, synchronous calls
// and caps can deadlock.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <vector>

#include "types.h"

namespace gaussmix {

// No more threads than there are blocks to share (a small predict starts no threads at all).
inline unsigned threadsFor(Index blocks, unsigned threads) {
  return static_cast<unsigned>(std::max<Index>(1, std::min<Index>(blocks, threads)));
}

// The process-wide cap on the shared compute threads. The default is the environment variable
// GAUSSMIX_MAX_THREADS when it holds an integer >= 1, else the number of cores this process
// may run on. setMaxThreads(0) restores the default; lowering the cap lets surplus threads end
// once they finish what they are doing; it never changes a result.
unsigned maxThreads();
void setMaxThreads(unsigned threads);
// The cap's upper limit (setMaxThreads clamps to it).
constexpr unsigned kThreadLimit = 1024;

// Runs task() once on a shared compute thread, in submission order with the other tasks. The
// task must not throw. Throws std::system_error when no compute thread exists and none can be
// started.
void post(std::function<void()> task);

class ThreadPool {
 public:
  // A share of at most `threads` threads (counting the caller; capped by maxThreads()).
  // cancel (nullable) is polled before every block.
  ThreadPool(unsigned threads, const std::atomic<bool>* cancel);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The most threads that ever run one call at once (indexes per-thread scratch).
  unsigned size() const { return size_; }

  // body(block, worker) for every block in [0, blocks), in any order on any thread;
  // worker in [0, size()) indexes per-thread scratch (no two threads share one at a time).
  // Rethrows the first exception (aborted() when cancel was set).
  void forEach(Index blocks, const std::function<void(Index, unsigned)>& body);

  // Per-block partial results that are folded in block order: body(block, slot) for every
  // block, in any order on any thread, then fold(block, slot) serially in increasing block
  // order, on any thread. slot in [0, slots()) indexes the caller's per-slot storage (partial
  // results and scratch): it belongs to the block from the start of its body to the end of its
  // fold, so no thread waits for an earlier block's fold before taking the next block.
  void forEachOrdered(Index blocks, const std::function<void(Index, unsigned)>& body,
                      const std::function<void(Index, unsigned)>& fold);

  // How many slots forEachOrdered uses (also >= size(): forEach's worker indexes fit).
  unsigned slots() const { return 2 * size_; }

 private:
  void run(Index blocks, const std::function<void(Index, unsigned)>* body,
           const std::function<void(Index, unsigned)>* fold);

  unsigned size_;
  const std::atomic<bool>* cancel_;
};

}  // namespace gaussmix
