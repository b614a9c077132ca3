// Working arrays a fit keeps for the next fit of its kind. Fresh memory faults in page by page
// (on a virtual machine a fault costs ~10 µs, and the faults of a fit's per-row arrays cost as
// much as its first pass), so a fit hands its large arrays to a process-wide spare, and the
// next fit takes them. One spare per kind under a mutex, not a thread_local: a thread_local
// with a destructor needs glibc 2.18's __cxa_thread_atexit_impl, above the prebuild's glibc
// 2.17 floor.
#pragma once

#include <cstddef>
#include <mutex>

#include "memory.h"

namespace gaussmix {

// T: default-constructible, with swap(T&) and bytes() (the memory it holds). Tag: one spare per
// kind of fit.
template <class T, class Tag>
class KeptSpare {
 public:
  // The spare into `out`, swapped with out's contents (empty when another fit holds it).
  static void take(T& out) {
    std::lock_guard<std::mutex> lock(spare().mutex);
    out.swap(spare().value);
  }
  // `in` kept when it holds at most `limit` bytes and more than the spare.
  static void give(T& in, std::size_t limit) {
    const std::size_t bytes = in.bytes();
    if (bytes == 0 || bytes > limit) return;
    std::lock_guard<std::mutex> lock(spare().mutex);
    if (spare().value.bytes() < bytes) in.swap(spare().value);
  }

 private:
  struct Spare {
    std::mutex mutex;
    T value;
  };
  // Never destroyed: a fit on another thread may still hand its arrays back at process exit.
  static Spare& spare() {
    static Spare* const kept = new Spare();
    return *kept;
  }
};

// v resized to n values for a pass that writes them all: uninitialised past its old size, and
// without copying the old values when its capacity falls short.
template <class T>
void resizeUninitialised(LargeVector<T>& v, std::size_t n) {
  if (v.capacity() < n) LargeVector<T>().swap(v);
  v.resize(n);
}

}  // namespace gaussmix
