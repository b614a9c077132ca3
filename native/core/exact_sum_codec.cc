// ExactSums::serialise and ExactSums::parse: the canonical encoding described in exact_sum.h.
#include <limits>
#include <string>

#include "errors.h"
#include "exact_sum.h"

namespace gaussmix {

using exact::kDigitBits;
using exact::kDigits;

namespace {

// The first byte of an accumulator's encoding.
enum class Tag : std::uint8_t {
  Zero = 0,
  Positive = 1,
  Negative = 2,
  PlusInf = 3,
  MinusInf = 4,
  NaN = 5,
};
void put(std::vector<std::uint8_t>& out, Tag tag) { out.push_back(static_cast<std::uint8_t>(tag)); }

void putVarint(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

// Reads the encoding with bounds checks; every failure names what and where.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t offset() const { return at_; }
  std::size_t left() const { return size_ - at_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw invalidArgument("exact sums encoding: " + what + " (at byte " + std::to_string(at_) +
                          " of " + std::to_string(size_) + ")");
  }
  std::uint8_t byte(const char* what) {
    if (at_ >= size_) fail(std::string("truncated before ") + what);
    return data_[at_++];
  }
  const std::uint8_t* bytes(std::size_t count, const char* what) {
    if (count > left()) fail(std::string("truncated in ") + what);
    const std::uint8_t* p = data_ + at_;
    at_ += count;
    return p;
  }
  // An unsigned LEB128 in its shortest form, at most `limit`.
  std::uint64_t varint(std::uint64_t limit, const char* what) {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const std::uint8_t b = byte(what);
      if (shift > 0 && b == 0) {
        fail(std::string("non-canonical ") + what + " (a trailing zero byte)");
      }
      if (shift >= 35) fail(std::string(what) + " is out of range");
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (v > limit) {
        fail(std::string(what) + " is out of range (above " + std::to_string(limit) + ")");
      }
      if ((b & 0x80) == 0) return v;
    }
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// Appends tag, s, b and the bytes of a non-zero exact value given as balanced digits.
void putValue(std::vector<std::uint8_t>& out, std::int64_t* d, int count, int lo) {
  bool negative = false;
  count = exact::toMagnitude(d, count, negative);
  const int first = [&] {
    int j = 0;
    while (d[j] == 0) ++j;
    return j;
  }();
  const int low = first * kDigitBits + exact::trailingZeros(static_cast<std::uint64_t>(d[first]));
  const int top = exact::topBit(d, count);
  const int shift = low + kDigitBits * lo;
  if (top + kDigitBits * lo >= exact::kMaxBits) {
    throw Error(ErrorKind::Internal, "exact sums encoding: a sum beyond 2^1160 cannot be encoded");
  }
  const int bytes = (top - low) / 8 + 1;
  put(out, negative ? Tag::Negative : Tag::Positive);
  putVarint(out, static_cast<std::uint64_t>(shift));
  putVarint(out, static_cast<std::uint64_t>(bytes));
  for (int k = 0; k < bytes; ++k) {
    out.push_back(static_cast<std::uint8_t>(exact::bitsAt(d, count, low + 8 * k)));
  }
}

}  // namespace

void ExactSums::serialise(std::vector<std::uint8_t>& out) const {
  out.push_back(kFormat);
  putVarint(out, static_cast<std::uint64_t>(n_));
  std::int64_t d[kDigits + 1];
  for (Index i = 0; i < n_; ++i) {
    const std::uint8_t s = specials(i);
    if ((s & kNaN) != 0 || (s & (kPlusInf | kMinusInf)) == (kPlusInf | kMinusInf)) {
      put(out, Tag::NaN);
    } else if (s != 0) {
      put(out, (s & kPlusInf) != 0 ? Tag::PlusInf : Tag::MinusInf);
    } else {
      int lo = 0;
      const int count = exactDigits(i, d, lo);
      if (count == 0) {
        put(out, Tag::Zero);
      } else {
        putValue(out, d, count, lo);
      }
    }
  }
}

ExactSums ExactSums::parse(const std::uint8_t* data, std::size_t size, std::size_t& consumed) {
  Reader in(data, size);
  const std::uint8_t format = in.byte("the format byte");
  if (format != kFormat) {
    in.fail("unknown format " + std::to_string(format) + " (expected " +
            std::to_string(kFormat) + ")");
  }
  // Every accumulator takes at least one byte: a count beyond what is left is a lie, caught
  // before anything is allocated for it.
  const std::uint64_t n = in.varint(std::numeric_limits<std::int32_t>::max(), "the count");
  if (n > in.left()) {
    in.fail("the count " + std::to_string(n) + " exceeds the bytes left (" +
            std::to_string(in.left()) + ")");
  }
  ExactSums sums(static_cast<Index>(n));
  sums.materialise();
  sums.countPart();  // each accumulator gets one normalised value
  std::int64_t d[kDigits + 1];
  for (Index i = 0; i < sums.n_; ++i) {
    const std::uint8_t byte = in.byte("an accumulator's tag");
    const auto tag = static_cast<Tag>(byte);
    switch (tag) {
      case Tag::Zero:
        continue;
      case Tag::PlusInf:
        sums.special_[i] = ExactSums::kPlusInf;
        continue;
      case Tag::MinusInf:
        sums.special_[i] = ExactSums::kMinusInf;
        continue;
      case Tag::NaN:
        sums.special_[i] = ExactSums::kNaN;
        continue;
      case Tag::Positive:
      case Tag::Negative:
        break;
      default:
        in.fail("unknown tag " + std::to_string(byte) + " of accumulator " + std::to_string(i));
    }
    const auto shift = static_cast<int>(in.varint(exact::kMaxBits, "a value's scale"));
    const auto count =
        static_cast<std::size_t>(in.varint(exact::kMaxBits / 8 + 1, "a value's length"));
    if (count == 0) in.fail("a value of no bytes (accumulator " + std::to_string(i) + ")");
    const std::uint8_t* bytes = in.bytes(count, "a value's bytes");
    if ((bytes[0] & 1) == 0) in.fail("a value whose lowest bit is not set (non-canonical)");
    if (bytes[count - 1] == 0) in.fail("a value with a leading zero byte (non-canonical)");
    const int bits = static_cast<int>(count - 1) * 8 + 64 - exact::leadingZeros(bytes[count - 1]);
    if (shift + bits > exact::kMaxBits) {
      in.fail("a value beyond the range of exact sums (accumulator " + std::to_string(i) + ")");
    }
    // The magnitude's digits, from digit shift/52 on, then signed and balanced.
    const int lo = shift / kDigitBits;
    const int hi = (shift + bits - 1) / kDigitBits;
    const int used = hi - lo + 1;
    std::fill(d, d + used + 1, 0);
    for (std::size_t k = 0; k < count; ++k) {
      const int at = shift + static_cast<int>(8 * k) - lo * kDigitBits;
      const int j = at / kDigitBits;
      const int off = at - j * kDigitBits;
      const std::uint64_t b = bytes[k];
      d[j] |= static_cast<std::int64_t>((b << off) & exact::kDigitMask);
      if (off > kDigitBits - 8) d[j + 1] |= static_cast<std::int64_t>(b >> (kDigitBits - off));
    }
    if (tag == Tag::Negative) {
      for (int j = 0; j < used; ++j) d[j] = -d[j];
    }
    d[used] = exact::normalise(d, used);
    const int top = d[used] != 0 ? used : used - 1;
    std::int64_t* to = sums.reach(i, lo, lo + top);
    for (int j = 0; j <= top; ++j) to[j] += d[j];
  }
  consumed = in.offset();
  return sums;
}

}  // namespace gaussmix
