// Eigen aliases and the shared view of the data. Every core file starts here, so the Eigen
// configuration below applies everywhere.
#pragma once

// Checks that could abort() the host process are never compiled in: the TypeScript layer
// validates every input, and the core reports its own failures as exceptions (errors.h).
#ifndef EIGEN_NO_DEBUG
#define EIGEN_NO_DEBUG
#endif
// Our own thread pool parallelises across rows; Eigen must stay single-threaded inside it.
#ifndef EIGEN_DONT_PARALLELIZE
#define EIGEN_DONT_PARALLELIZE
#endif

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(_MSC_VER) && !defined(__clang__) && (defined(_M_X64) || defined(_M_IX86))
#include <xmmintrin.h>  // _mm_prefetch
#endif

namespace gaussmix {

using Index = Eigen::Index;
using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using RowVector = Eigen::RowVectorXd;
using RowMap = Eigen::Map<RowMatrix>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using ConstVectorMap = Eigen::Map<const Vector>;

// Rows are handed to threads in blocks of kBlockRows rows counted from the first row (the
// last block may be shorter). Per-block partial sums are the unit of every reduction, so a sum
// depends only on which rows share a block: never on the thread count, and never on how the
// rows were cut into chunks, provided every chunk starts at a multiple of kBlockRows (exported
// to JavaScript as BLOCK_ROWS). Large enough that a block's work dwarfs its hand-over and
// fold, small enough to balance a few threads on tens of thousands of rows.
constexpr Index kBlockRows = 4096;

// Inside a block, kernels work on chunks of rows whose scratch (about `perRow` doubles a row)
// stays near `budget` doubles (64K by default), in cache. A power of two from 16, so chunks
// tile the blocks.
inline Index chunkRowsFor(Index perRow, Index budget = Index{1} << 16) {
  Index rows = 16;
  while (rows < kBlockRows && (rows * 2) * std::max<Index>(1, perRow) <= budget) {
    rows *= 2;
  }
  return rows;
}

// Row-wise kernels that lay a chunk out by column pad each column to a multiple of kLanes
// (a multiple of every SIMD width), so whole columns run vectorised with no scalar tail.
constexpr Index kLanes = 8;
inline Index paddedRows(Index rows) { return (rows + kLanes - 1) / kLanes * kLanes; }
// The distance between the columns of such a chunk: whole lanes, and an odd number of them, so
// that the values of one row in successive columns fall into different level-1 cache sets
// (columns a multiple of 4 KiB apart would evict one another: measured 15% of g16's fit).
inline Index columnStride(Index rows) { return ((rows + kLanes - 1) / kLanes | 1) * kLanes; }

// N samples x D features, row-major, borrowed (zero-copy) from the caller.
struct Data {
  const double* x = nullptr;
  Index n = 0;
  Index d = 0;
  // Optional raw sample weights (length n, >= 0); nullptr means all ones.
  const double* weights = nullptr;
  // nullptr: x is row-major. Otherwise the rows are held by column, x_ij = columns[j][i], and
  // x is unused (a stream's chunk: Arrow columns read in place, or a chunk staged by column):
  // read only by the E-step's statistics (estep.h), which lays every chunk out by column
  // anyway and checks these values as it copies them; all() and block() are then meaningless.
  const double* const* columns = nullptr;
  bool byColumn() const { return columns != nullptr; }

  ConstRowMap all() const { return ConstRowMap(x, n, d); }
  Index blocks() const { return (n + kBlockRows - 1) / kBlockRows; }
  Index blockBegin(Index b) const { return b * kBlockRows; }
  Index blockSize(Index b) const {
    const Index begin = b * kBlockRows;
    return (n - begin < kBlockRows) ? n - begin : kBlockRows;
  }
  // The rows of block b as a (rows x D) row-major map.
  ConstRowMap block(Index b) const { return ConstRowMap(x + blockBegin(b) * d, blockSize(b), d); }
  double weight(Index i) const { return weights ? weights[i] : 1.0; }
};

// Asks for the cache line holding p to be brought in: a hint, with each compiler's own
// spelling (MSVC has no __builtin_prefetch), and nothing where there is none.
inline void prefetch(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p);
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
#else
  (void)p;
#endif
}

// Asks for the `count` doubles from x (none when count <= 0) to be brought into the cache:
// each 64-byte line they touch once, from the first one's line to the last one's.
inline void prefetchRows(const double* x, Index count) {
  if (count <= 0) return;
  constexpr std::uintptr_t kLine = 64;
  const std::uintptr_t last = reinterpret_cast<std::uintptr_t>(x + count) - 1;
  for (std::uintptr_t p = reinterpret_cast<std::uintptr_t>(x) & ~(kLine - 1); p <= last; p += kLine) {
    prefetch(reinterpret_cast<const void*>(p));
  }
}

// The rows a kernel reads next (`rows` rows of d values from x), asked for a few at a time
// while it computes the current ones: asked for all at once, the prefetches stalled on a full
// fill buffer (docs/design.md, "Plain and bounded passes").
struct RowsAhead {
  const double* x = nullptr;
  Index rows = 0;
  Index d = 0;
  // Asks for rows [from, from + count), those of them that exist.
  void ask(Index from, Index count) const {
    if (from < rows) prefetchRows(x + from * d, std::min(count, rows - from) * d);
  }
};

// Calls fn(first, rows) for consecutive chunks of at most chunkRows of the rows [0, total).
template <class Fn>
void forEachChunk(Index total, Index chunkRows, Fn fn) {
  for (Index first = 0; first < total; first += chunkRows) {
    fn(first, std::min(chunkRows, total - first));
  }
}

namespace detail {
// Four rows at a time, so that each column's four values go out as one vector store.
template <int W>
void transposeNarrow(const double* __restrict src, Index rows, double* __restrict dst,
                     Index dstStride) {
  Index i = 0;
  for (; i + 4 <= rows; i += 4) {
    for (int j = 0; j < W; ++j) {
      for (int l = 0; l < 4; ++l) dst[j * dstStride + i + l] = src[(i + l) * W + j];
    }
  }
  for (; i < rows; ++i) {
    for (int j = 0; j < W; ++j) dst[j * dstStride + i] = src[i * W + j];
  }
}
template <int W>
void untransposeNarrow(const double* __restrict src, Index srcStride, Index rows,
                       double* __restrict dst) {
  Index i = 0;
  for (; i + 4 <= rows; i += 4) {
    for (int l = 0; l < 4; ++l) {
      for (int j = 0; j < W; ++j) dst[(i + l) * W + j] = src[j * srcStride + i + l];
    }
  }
  for (; i < rows; ++i) {
    for (int j = 0; j < W; ++j) dst[i * W + j] = src[j * srcStride + i];
  }
}

// Wider rows by square tiles of one packet per row, transposed in registers (Eigen's
// ptranspose), the edges one value at a time: the rows are read along, a cache line per row
// and tile (a column-by-column copy read each line eight times, and waited on memory for it).
inline void transposeTiles(const double* __restrict src, Index rows, Index cols,
                           double* __restrict dst, Index dstStride) {
  using namespace Eigen::internal;
  using Packet = packet_traits<double>::type;
  constexpr int kPacket = packet_traits<double>::size;
  Index i = 0;
  if constexpr (kPacket > 1) {
    const Index wholeCols = cols / kPacket * kPacket;
    for (; i + kPacket <= rows; i += kPacket) {
      for (Index j = 0; j < wholeCols; j += kPacket) {
        PacketBlock<Packet, kPacket> tile;
        for (int r = 0; r < kPacket; ++r) tile.packet[r] = ploadu<Packet>(src + (i + r) * cols + j);
        ptranspose(tile);
        for (int c = 0; c < kPacket; ++c) pstoreu(dst + (j + c) * dstStride + i, tile.packet[c]);
      }
      for (Index j = wholeCols; j < cols; ++j) {
        for (int r = 0; r < kPacket; ++r) dst[j * dstStride + i + r] = src[(i + r) * cols + j];
      }
    }
  }
  for (; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) dst[j * dstStride + i] = src[i * cols + j];
  }
}

// Calls fn(std::integral_constant<int, W>()) for the narrow widths that have an unrolled
// kernel and returns true; false (fn not called) for any other width.
template <class Fn>
bool withNarrowWidth(Index cols, Fn&& fn) {
  switch (cols) {
    case 1: fn(std::integral_constant<int, 1>()); return true;
    case 2: fn(std::integral_constant<int, 2>()); return true;
    case 3: fn(std::integral_constant<int, 3>()); return true;
    case 4: fn(std::integral_constant<int, 4>()); return true;
    case 5: fn(std::integral_constant<int, 5>()); return true;
    case 6: fn(std::integral_constant<int, 6>()); return true;
    case 8: fn(std::integral_constant<int, 8>()); return true;
    case 10: fn(std::integral_constant<int, 10>()); return true;
    case 16: fn(std::integral_constant<int, 16>()); return true;
    default: return false;
  }
}
}  // namespace detail

// dst[j·dstStride + i] = src[i·cols + j]: rows x cols (row-major, contiguous) laid out by
// column. Narrow widths are unrolled so that the compiler vectorises along the rows.
inline void transposeRows(const double* src, Index rows, Index cols, double* dst,
                          Index dstStride) {
  // Whole packets per row: square tiles in registers (512 x 8 in cache, against the copy four
  // rows at a time: 1.2 against 2.6 µs on AVX-512, 2.1 against 4.4 µs on AVX2).
  constexpr Index kPacket = Eigen::internal::packet_traits<double>::size;
  if (kPacket >= 4 && cols % kPacket == 0) {
    detail::transposeTiles(src, rows, cols, dst, dstStride);
    return;
  }
  const bool narrow = detail::withNarrowWidth(cols, [&](auto width) {
    detail::transposeNarrow<decltype(width)::value>(src, rows, dst, dstStride);
  });
  if (narrow) return;
  detail::transposeTiles(src, rows, cols, dst, dstStride);
}

// The inverse: dst[i·cols + j] = src[j·srcStride + i].
inline void untransposeRows(const double* src, Index srcStride, Index rows, Index cols,
                            double* dst) {
  const bool narrow = detail::withNarrowWidth(cols, [&](auto width) {
    detail::untransposeNarrow<decltype(width)::value>(src, srcStride, rows, dst);
  });
  if (narrow) return;
  RowMap(dst, rows, cols) = Eigen::Map<const RowMatrix, 0, Eigen::OuterStride<>>(
                                src, cols, rows, Eigen::OuterStride<>(srcStride))
                                .transpose();
}

}  // namespace gaussmix
