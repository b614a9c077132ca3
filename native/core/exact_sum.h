// Exact sums of doubles: n accumulators that keep the exact, unrounded sum of whatever was
// added to them and round once, correctly (to nearest, ties to even), when asked. Any order or
// grouping of add and merge over the same values gives the same rounded bits, which is what
// lets statistics of chunks of rows, of threads and of machines merge into exactly the
// statistics of the whole.
//
// Each accumulator holds its value as fixed-point digits (exact_digits.h) in a window of eight
// 52-bit digits inline, 64 bytes, placed where its values fall (416 bits: values within about
// 2^250 of one another); a value outside the window slides it, and an accumulator whose values
// span more than the window moves to a heap copy of the whole range (43 digits), so that any
// doubles are summed exactly. Adding an array of n values costs one branch-free split and two
// integer additions per value; the digits are normalised (carries propagated) every 2040 arrays
// and when read. Until a second array is added, the one array added is kept as it is, and
// rounding it is a copy.
//
// Non-finite values are kept aside as flags: the result is NaN if a NaN, or both +∞ and −∞,
// were added; else ±∞ if an infinity was; the finite part stays exact underneath. A finite
// sum beyond the range of a double rounds to ±∞; an exact zero rounds to +0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "exact_digits.h"
#include "types.h"

namespace gaussmix {

class ExactSums {
 public:
  ExactSums() = default;
  // n accumulators, all exactly 0.
  explicit ExactSums(Index n);
  // n accumulators, all exactly 0 (whatever they held before).
  void resize(Index n);
  Index size() const { return n_; }
  // All exactly 0, the size kept.
  void clear();

  // acc[i] += values[i] for every i < size(), exactly.
  void add(const double* values);
  // acc[i] += v, exactly.
  void add(Index i, double v);
  // acc[first + j] += values[j] for every j < count, exactly (first and count within size()).
  void add(Index first, const double* values, Index count);
  // acc[i] += other.acc[i] for every i, exactly. Throws InvalidArgument when the sizes differ.
  void merge(const ExactSums& other);
  // The same for first <= i < first + count only.
  void merge(const ExactSums& other, Index first, Index count);

  // out[i] = the exact sum of acc[i] rounded to the nearest double, ties to even.
  void round(double* out) const;
  double rounded(Index i) const;

  // Appends the canonical encoding: equal exact values (and flags) give equal bytes,
  // whatever the order, grouping or state that produced them. Little-endian, portable:
  //   u8 format (1), varint n, then per accumulator a tag byte:
  //     0 zero, 3 +∞, 4 −∞, 5 NaN, or 1 positive / 2 negative followed by
  //     varint s, varint b, b bytes: the magnitude is B·2^(s − 1074) with B odd, stored
  //     little-endian in b bytes, the last one non-zero.
  // (varint: unsigned LEB128, shortest form.) A typical sum costs 4 bytes plus one per 8 bits
  // from its lowest to its highest set bit.
  void serialise(std::vector<std::uint8_t>& out) const;
  // Reads one encoding from data[0..size) and sets consumed to its length. Throws
  // InvalidArgument naming what is wrong on any malformed, truncated, non-canonical or
  // out-of-range input; allocates at most in proportion to size.
  static ExactSums parse(const std::uint8_t* data, std::size_t size, std::size_t& consumed);

  // Bytes of memory held (accumulators, the kept array, the full-range copies).
  std::size_t memoryBytes() const;
  // How many accumulators hold a full-range copy (their values spanned more than a window).
  Index fullRangeCount() const { return static_cast<Index>(full_.size()); }

  static constexpr std::uint8_t kFormat = 1;

 private:
  static constexpr int kWindowDigits = 8;
  // Windows start at digits 0..34, so that the carry out of a window's top digit is a digit of
  // the full range (<= 42).
  static constexpr int kMaxWindowBase = exact::kDigits - kWindowDigits - 1;
  // A fresh window covers digits 17..24: values from about 2^−190 to 2^225 fit without a move.
  static constexpr int kFreshBase = 17;
  // base_ of an accumulator held in full_ (its index in the window's last digit): far from
  // every digit, so the fast path's range check sends it to the slow path.
  static constexpr std::int32_t kFullBase = 1 << 20;

  struct alignas(64) Window {
    std::int64_t d[kWindowDigits];
  };
  struct Full {
    std::int64_t d[exact::kDigits];
    int lo;  // digits lo..hi may be non-zero (lo > hi: none)
    int hi;
  };
  // Special flags (NaN, +∞ and −∞ added).
  static constexpr std::uint8_t kNaN = 1;
  static constexpr std::uint8_t kPlusInf = 2;
  static constexpr std::uint8_t kMinusInf = 4;

  enum class Mode : std::uint8_t {
    Zero,    // all exactly 0 (the windows are stale)
    Single,  // exactly the one array in single_ (the windows are stale)
    Digits,  // windows_, base_, special_, full_
  };

  void materialise();
  void addArray(const double* values) { addRange(0, values, n_); }
  void addRange(Index first, const double* values, Index count);
  void addSlow(Index i, std::uint64_t bits);
  void countPart();
  void normaliseAll();
  void normaliseFull(Full& f);
  void normaliseOne(Index i);
  // A pointer to digit `from` of accumulator i, with digits from..to addressable after it
  // (the window slid, or the accumulator moved to the full range, if needed).
  std::int64_t* reach(Index i, int from, int to);
  std::int64_t* moveWindow(Index i, int from, int to);
  // The exact finite part of accumulator i, normalised and trimmed into d: returns the number
  // of digits (0 for zero) and sets lo to the global index of d[0].
  int exactDigits(Index i, std::int64_t* d, int& lo) const;
  std::uint8_t specials(Index i) const;
  double roundOne(Index i) const;

  Mode mode_ = Mode::Zero;
  Index n_ = 0;
  int parts_ = 0;  // parts added to any one digit since all were normalised
  // Single mode's array: inline up to kInlineValues accumulators (a small fit's sums: their
  // heap arrays were most of its allocator time, as chunks freed by V8's threads came back cold).
  static constexpr Index kInlineValues = 32;
  double* singleData() { return n_ <= kInlineValues ? inline_ : single_.data(); }
  const double* singleData() const { return n_ <= kInlineValues ? inline_ : single_.data(); }
  void keepSingle(const double* values);  // values (n_ of them) as Single mode's array
  double inline_[kInlineValues] = {};
  std::vector<double> single_;
  std::vector<Window> windows_;
  std::vector<std::int32_t> base_;  // global index of each window's d[0], or kFullBase
  std::vector<std::uint8_t> special_;
  std::vector<Full> full_;
};

}  // namespace gaussmix
