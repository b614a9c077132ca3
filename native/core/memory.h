// Storage for the arrays a fit allocates per row (labels, bounds, responsibilities). On Linux a
// large one is aligned to 2 MiB and advised to use transparent huge pages (as numpy does for
// its arrays), so that first touching it faults once per 2 MiB instead of once per 4 KiB page:
// on virtual machines a fault can cost ~10 µs, which made the page faults of a K-means fit on a
// million rows (20 MB of labels and bounds) cost as much as three of its iterations.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace gaussmix {

namespace detail {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
// From this size on (numpy's threshold), huge pages are asked for.
constexpr std::size_t kHugeFrom = std::size_t{4} << 20;

// Blocks of 1 KiB to 256 KiB, kept when freed (a few per power-of-two size) for the next
// allocation of the same size. A small fit allocates such scratch (seeding sums, a chunk laid
// out by column) at every call; from glibc each takes the arena's lock (its per-thread cache
// stops at 1 KiB), which V8's sweeper thread holds while it frees the backing stores of dead
// typed arrays: contended, those locks cost microseconds per fit. This cache's own mutex is
// taken by gaussmix's allocations only. Process-wide, not per thread: a thread_local with a
// destructor needs glibc 2.18, above the prebuild's 2.17 floor (kept_spare.h).
class BlockCache {
 public:
  static constexpr int kMinShift = 10;  // 1 KiB
  static constexpr int kClasses = 9;    // up to 256 KiB
  static constexpr int kDepth = 4;

  // The class of a block of `bytes`, or -1 when the cache does not take that size.
  static int classOf(std::size_t bytes) {
    if (bytes <= (std::size_t{1} << (kMinShift - 1)) ||
        bytes > (std::size_t{1} << (kMinShift + kClasses - 1))) {
      return -1;
    }
    int c = 0;
    while ((std::size_t{1} << (kMinShift + c)) < bytes) ++c;
    return c;
  }
  static std::size_t classBytes(int c) { return std::size_t{1} << (kMinShift + c); }

  // Never destroyed: a fit on another thread may still free blocks at process exit.
  static BlockCache& instance() {
    static BlockCache* const cache = new BlockCache();
    return *cache;
  }
  void* take(int c) {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_[c] > 0 ? blocks_[c][--count_[c]] : nullptr;
  }
  bool keep(int c, void* p) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (count_[c] == kDepth) return false;
    blocks_[c][count_[c]++] = p;
    return true;
  }

 private:
  std::mutex mutex_;
  void* blocks_[kClasses][kDepth] = {};
  int count_[kClasses] = {};
};

inline void* allocateLarge(std::size_t bytes) {
  if (const int c = BlockCache::classOf(bytes); c >= 0) {
    if (void* p = BlockCache::instance().take(c)) return p;
    void* p = std::malloc(BlockCache::classBytes(c));
    if (!p) throw std::bad_alloc();
    return p;
  }
#if defined(__linux__)
  if (bytes >= kHugeFrom) {
    void* p = nullptr;
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    if (posix_memalign(&p, kHugePage, rounded) != 0) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: ignored where THP is off
    return p;
  }
#endif
  void* p = std::malloc(bytes > 0 ? bytes : 1);
  if (!p) throw std::bad_alloc();
  return p;
}

// Releases what allocateLarge(bytes) returned (the same bytes).
inline void deallocateLarge(void* p, std::size_t bytes) noexcept {
  if (const int c = BlockCache::classOf(bytes); c >= 0 && p && BlockCache::instance().keep(c, p)) {
    return;
  }
  std::free(p);
}
}  // namespace detail

// A std::allocator for such arrays and for per-chunk scratch. For arrays of numbers.
template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(detail::allocateLarge(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { detail::deallocateLarge(p, n * sizeof(T)); }
  // Sized without a value (resize(n), vector(n)): left uninitialised, as Eigen's matrices are,
  // so that the first pass that writes them is also the one that faults them in.
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  bool operator==(const LargeAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const LargeAllocator<U>&) const noexcept { return false; }
};

template <class T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

}  // namespace gaussmix
