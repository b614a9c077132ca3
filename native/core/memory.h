// Storage for the arrays a fit allocates per row (labels, bounds, responsibilities). On Linux a
// large one is aligned to 2 MiB and advised to use transparent huge pages (as numpy does for
// its arrays), so that first touching it faults once per 2 MiB instead of once per 4 KiB page:
// on virtual machines a fault can cost ~10 µs, which made the page faults of a K-means fit on a
// million rows (20 MB of labels and bounds) cost as much as three of its iterations.
#pragma once

#include <cstddef>
#include <cstdlib>
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

inline void* allocateLarge(std::size_t bytes) {
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
}  // namespace detail

// A std::allocator for such arrays (std::free releases both kinds). For arrays of numbers.
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
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
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
