#include "parallel.h"

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstdint>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#include <emmintrin.h>  // _mm_pause (SSE2: every x86-64)
#endif

#include "errors.h"

namespace gaussmix {
namespace {

// The cores this process may run on (its CPU affinity where the system has one).
unsigned availableCores() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<unsigned>(count);
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

unsigned defaultCap() {
  const char* text = std::getenv("GAUSSMIX_MAX_THREADS");
  if (text && *text >= '0' && *text <= '9') {
    char* end = nullptr;
    errno = 0;
    const unsigned long value = std::strtoul(text, &end, 10);
    if (errno == 0 && *end == '\0' && value >= 1) {
      return static_cast<unsigned>(std::min<unsigned long>(value, kThreadLimit));
    }
  }
  return std::min(availableCores(), kThreadLimit);
}

using Body = std::function<void(Index, unsigned)>;

// How long a compute thread that ran out of work, or a caller waiting for its helpers to
// leave, spins before it sleeps. The passes of a fit follow one another within microseconds,
// while waking a sleeping thread can take tens to hundreds of them (on a virtual machine an
// idle vCPU must be interrupted), more than a small pass takes; OpenMP runtimes spin likewise.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

// Polls done() for up to kSpin; whether it became true.
template <class Done>
bool spinUntil(Done done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (unsigned i = 1;; ++i) {
    if (done()) return true;
    cpuRelax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() >= until) return false;
  }
}

// One parallel pass: its blocks, and who is working on them.
struct Job {
  Index blocks = 0;
  const Body* body = nullptr;
  const Body* fold = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  unsigned maxHelpers = 0;

  // Changed under the executor's mutex (inside is also read without it, see close()).
  unsigned joined = 0;  // helpers that took a worker index (1..maxHelpers; the caller is 0)
  std::atomic<unsigned> inside{0};  // helpers not yet gone
  std::condition_variable left;  // (with the executor's mutex) inside reached 0

  std::atomic<Index> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;  // guards error and, for ordered passes, everything below
  std::exception_ptr error;
  // Ordered passes: a block holds a slot from its claim until its fold, so that a thread never
  // waits for the fold of an earlier block: it leaves its partial result in the slot and takes
  // the next block; whoever finishes the block that is next in order folds every consecutive
  // finished block (one folder at a time).
  std::vector<unsigned> freeSlots;
  std::vector<unsigned> finished;  // per block modulo the slot count: its slot, or kNone
  std::condition_variable slotFreed;
  Index nextFold = 0;
  bool folding = false;

  static constexpr unsigned kNone = ~0u;

  bool wantsHelp() const {
    return joined < maxHelpers && !failed.load(std::memory_order_relaxed) &&
           next.load(std::memory_order_relaxed) < blocks;
  }
};

void fail(Job& job, std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(job.mutex);
    if (!job.error) job.error = error;
    job.failed.store(true);
  }
  job.slotFreed.notify_all();
}

// Ordered passes: the next block and a free slot for it (waiting while every slot holds a
// block not yet folded, which a slow thread can cause); false when no block is left.
bool claimOrdered(Job& job, Index& block, unsigned& slot) {
  std::unique_lock<std::mutex> lock(job.mutex);
  job.slotFreed.wait(lock, [&] {
    return !job.freeSlots.empty() || job.failed.load() || job.next.load() >= job.blocks;
  });
  if (job.failed.load() || job.next.load() >= job.blocks) return false;
  block = job.next.fetch_add(1);
  slot = job.freeSlots.back();
  job.freeSlots.pop_back();
  return true;
}

// Ordered passes: block (in slot) is finished. If it is the next to fold and nobody is
// folding, this thread folds it and every consecutive finished block after it, in order.
void finishOrdered(Job& job, Index block, unsigned slot) {
  const size_t window = job.finished.size();
  std::unique_lock<std::mutex> lock(job.mutex);
  job.finished[static_cast<size_t>(block) % window] = slot;
  if (job.folding || job.nextFold != block) return;
  job.folding = true;
  while (!job.failed.load() && job.nextFold < job.blocks) {
    unsigned& entry = job.finished[static_cast<size_t>(job.nextFold) % window];
    if (entry == Job::kNone) break;
    const unsigned s = entry;
    const Index b = job.nextFold;
    entry = Job::kNone;
    lock.unlock();
    try {
      (*job.fold)(b, s);
    } catch (...) {
      lock.lock();
      job.folding = false;
      throw;  // (unlocked on the way out) participate fails the job
    }
    lock.lock();
    ++job.nextFold;
    job.freeSlots.push_back(s);
    job.slotFreed.notify_all();
  }
  job.folding = false;
}

// Takes blocks of the job until none is left (or it failed). worker: this thread's index.
void participate(Job& job, unsigned worker) {
  for (;;) {
    if (job.failed.load(std::memory_order_relaxed)) return;
    if (job.cancel && job.cancel->load(std::memory_order_relaxed)) {
      fail(job, std::make_exception_ptr(aborted()));
      return;
    }
    Index block = 0;
    unsigned slot = worker;
    if (job.fold) {
      if (!claimOrdered(job, block, slot)) return;
    } else {
      block = job.next.fetch_add(1);
      if (block >= job.blocks) return;
    }
    try {
      (*job.body)(block, slot);
      if (job.fold) finishOrdered(job, block, slot);
    } catch (...) {
      fail(job, std::current_exception());
      return;
    }
  }
}

// The process-wide compute threads: they help the open jobs first (calls under way), then run
// the posted tasks in order. Threads are started on demand up to the cap and never joined.
class Executor {
 public:
  // Never destroyed: at process exit the threads may still be running (process.exit() in the
  // middle of a fit), and they must not find their executor gone.
  static Executor& instance() {
    static Executor* const executor = new Executor();
    return *executor;
  }

  unsigned cap() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cap_;
  }

  void setCap(unsigned threads) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cap_ = threads == 0 ? defaultCap() : std::min(threads, kThreadLimit);
    }
    wake_.notify_all();  // surplus idle threads end
  }

  void post(std::function<void()> task) {
    std::unique_lock<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
    epoch_.fetch_add(1);
    recruit(1);
    if (threads_ == 0) {
      tasks_.pop_back();
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                              "cannot start a compute thread");
    }
  }

  void open(Job& job) {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(&job);
    epoch_.fetch_add(1);
    recruit(job.maxHelpers);
  }

  // No helper joins the job after this; returns once every helper has left it (spinning a
  // while first: the last helper is usually finishing its last block).
  void close(Job& job) {
    std::unique_lock<std::mutex> lock(mutex_);
    jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &job));
    if (job.inside.load() == 0) return;
    lock.unlock();
    const bool left = spinUntil([&] { return job.inside.load() == 0; });
    // The last helper leaves under the lock (and notifies under it): once this thread holds
    // the lock, no helper touches the job any more.
    lock.lock();
    if (!left) job.left.wait(lock, [&] { return job.inside.load() == 0; });
  }

 private:
  Executor() : cap_(defaultCap()) {}

  // Wakes idle threads for `wanted` more pieces of work, starting threads (up to the cap) when
  // too few are spinning or idle. A thread that cannot be started is done without. Called under
  // mutex_, after epoch_ changed (which the spinning threads notice by themselves).
  void recruit(unsigned wanted) {
    wanted -= std::min(wanted, spinning_);
    for (unsigned i = 0; i < wanted && i < idle_; ++i) wake_.notify_one();
    for (unsigned more = wanted > idle_ ? wanted - idle_ : 0; more > 0 && threads_ < cap_;
         --more) {
      try {
        std::thread(&Executor::loop, this).detach();
        ++threads_;
      } catch (...) {
        return;
      }
    }
  }

  Job* jobWantingHelp() {
    for (Job* job : jobs_) {
      if (job->wantsHelp()) return job;
    }
    return nullptr;
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    bool spun = false;  // spun since the last piece of work: sleep next
    while (threads_ <= cap_) {
      if (Job* job = jobWantingHelp()) {
        spun = false;
        const unsigned slot = ++job->joined;
        ++job->inside;
        lock.unlock();
        participate(*job, slot);
        lock.lock();
        // Notified under the lock: the job's owner may destroy it as soon as it can lock.
        if (--job->inside == 0) job->left.notify_all();
        continue;
      }
      if (!tasks_.empty()) {
        spun = false;
        std::function<void()> task = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        task();
        task = nullptr;  // its captures are released outside the lock
        lock.lock();
        continue;
      }
      if (!spun) {  // spin a while for the next pass, then look again under the lock
        spun = true;
        const std::uint64_t seen = epoch_.load();
        ++spinning_;
        lock.unlock();
        spinUntil([&] { return epoch_.load(std::memory_order_relaxed) != seen; });
        lock.lock();
        --spinning_;
        continue;
      }
      spun = false;
      ++idle_;
      wake_.wait(lock);
      --idle_;
    }
    --threads_;
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  unsigned cap_;
  unsigned threads_ = 0;  // started and not ended
  unsigned idle_ = 0;     // waiting on wake_
  unsigned spinning_ = 0; // spinning for the next piece of work
  std::atomic<std::uint64_t> epoch_{0};  // counts the jobs opened and tasks posted
  std::vector<Job*> jobs_;
  std::deque<std::function<void()>> tasks_;
};

}  // namespace

unsigned maxThreads() { return Executor::instance().cap(); }

void setMaxThreads(unsigned threads) { Executor::instance().setCap(threads); }

void post(std::function<void()> task) { Executor::instance().post(std::move(task)); }

ThreadPool::ThreadPool(unsigned threads, const std::atomic<bool>* cancel)
    : size_(std::max(1u, std::min(threads, maxThreads()))), cancel_(cancel) {}

void ThreadPool::forEach(Index blocks, const Body& body) { run(blocks, &body, nullptr); }

void ThreadPool::forEachOrdered(Index blocks, const Body& body, const Body& fold) {
  run(blocks, &body, &fold);
}

void ThreadPool::run(Index blocks, const Body* body, const Body* fold) {
  if (blocks <= 0) return;
  if (size_ == 1 || blocks == 1) {
    // No helper can join: the blocks in order on this thread, each folded as soon as it is
    // done (slot 0 throughout), with none of a shared pass's bookkeeping (its locks and slot
    // lists cost a small fit's pass more than its arithmetic).
    for (Index b = 0; b < blocks; ++b) {
      if (cancel_ && cancel_->load(std::memory_order_relaxed)) throw aborted();
      (*body)(b, 0);
      if (fold) (*fold)(b, 0);
    }
    return;
  }
  Job job;
  job.blocks = blocks;
  job.body = body;
  job.fold = fold;
  job.cancel = cancel_;
  job.maxHelpers = static_cast<unsigned>(std::min<Index>(size_ - 1, blocks - 1));
  if (fold) {
    const unsigned slots = this->slots();
    job.freeSlots.resize(slots);
    for (unsigned s = 0; s < slots; ++s) job.freeSlots[s] = slots - 1 - s;  // 0 taken first
    job.finished.assign(slots, Job::kNone);
  }
  if (job.maxHelpers == 0) {
    participate(job, 0);
  } else {
    Executor& executor = Executor::instance();
    executor.open(job);
    participate(job, 0);  // the calling thread is worker 0
    executor.close(job);
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace gaussmix
