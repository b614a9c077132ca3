// A row-major matrix for per-chunk scratch: an Eigen map over storage that only grows. An Eigen
// matrix frees and allocates again whenever its size changes (a block's last, shorter chunk),
// and takes its memory from malloc, whose arena lock V8's sweeper thread contends for (memory.h);
// this one reuses its storage and takes it from the block cache.
#pragma once

#include <cstdint>
#include <new>
#include <utility>

#include "memory.h"
#include "types.h"

namespace gaussmix {

class ScratchMatrix : public RowMap {
 public:
  ScratchMatrix() : RowMap(nullptr, 0, 0) {}
  ScratchMatrix(const ScratchMatrix&) = delete;
  ScratchMatrix& operator=(const ScratchMatrix&) = delete;
  ScratchMatrix(ScratchMatrix&& other) noexcept : RowMap(nullptr, 0, 0) { swap(other); }

  // rows x cols, 64-byte aligned (the kernels' packets); the values are left as they were only
  // where the storage did not grow: callers write what they read.
  void resize(Index rows, Index cols) {
    const std::size_t values = static_cast<std::size_t>(rows * cols);
    if (storage_.size() < values + kAlignValues) {
      LargeVector<double>().swap(storage_);
      storage_.resize(values + kAlignValues);
    }
    seat(rows, cols);
  }

  void swap(ScratchMatrix& other) noexcept {
    const Index rows = this->rows(), cols = this->cols();
    storage_.swap(other.storage_);
    const Index otherRows = other.rows(), otherCols = other.cols();
    other.seat(rows, cols);
    seat(otherRows, otherCols);
  }

 private:
  static constexpr std::size_t kAlignValues = 8;  // 64 bytes

  void seat(Index rows, Index cols) {
    double* p = storage_.data();
    if (p) {
      const auto address = reinterpret_cast<std::uintptr_t>(p);
      p += ((64 - address % 64) % 64) / sizeof(double);
    }
    // Eigen's documented way to point a Map elsewhere.
    new (static_cast<RowMap*>(this)) RowMap(p, rows, cols);
  }

  LargeVector<double> storage_;
};

}  // namespace gaussmix
