#include "exact_sum.h"

#include <algorithm>
#include <limits>
#include <string>

#include "errors.h"

namespace gaussmix {

using exact::kDigitBits;
using exact::kDigits;

namespace {

constexpr double kCanonicalNaN = std::numeric_limits<double>::quiet_NaN();

// A Single-mode value, which is its own exact sum, as the rounding reports it: −0 becomes +0
// (v + 0), any NaN the canonical one.
inline double canonicalSingle(double v) { return v == v ? v + 0.0 : kCanonicalNaN; }

// The base of a window that holds digits lo..hi, or −1 if none can: the free digits split
// about evenly below and above (one more above: sums grow), within [0, maxBase].
int placeWindow(int lo, int hi, int digits, int maxBase) {
  const int used = hi - lo + 1;
  if (used > digits || hi > maxBase + digits - 1) return -1;
  const int free = digits - used;
  return std::clamp(lo - free / 2, std::max(0, hi - (digits - 1)), std::min(maxBase, lo));
}

}  // namespace

ExactSums::ExactSums(Index n) { resize(n); }

void ExactSums::resize(Index n) {
  // (Too many for memory: std::bad_alloc from the vectors, as for any other array.)
  if (n < 0) {
    throw invalidArgument("ExactSums: a negative number of accumulators (" +
                          std::to_string(n) + ")");
  }
  // The windows are reserved now (too many for memory fails here) but set only when first
  // needed (materialise): sums of one array (a fit's single block of rows) never need them,
  // and zeroing them cost a small fit 2%.
  n_ = n;
  // (A few accumulators are cheap to find room for later: a small fit builds many of them, and
  // reserving each one's three arrays here was a tenth of its allocations.)
  if (n > 64) {
    windows_.reserve(static_cast<std::size_t>(n));
    base_.reserve(static_cast<std::size_t>(n));
    special_.reserve(static_cast<std::size_t>(n));
  }
  clear();
}

void ExactSums::clear() {
  mode_ = Mode::Zero;
  single_.clear();
  full_.clear();
  parts_ = 0;
}

std::size_t ExactSums::memoryBytes() const {
  return windows_.capacity() * sizeof(Window) + base_.capacity() * sizeof(std::int32_t) +
         special_.capacity() + single_.capacity() * sizeof(double) +
         full_.capacity() * sizeof(Full);
}

// Zero or Single -> Digits: fresh windows (the array kept in Single mode added to them).
void ExactSums::materialise() {
  if (mode_ == Mode::Digits) return;
  const auto n = static_cast<std::size_t>(n_);
  windows_.assign(n, Window{});
  base_.assign(n, kFreshBase);
  special_.assign(n, std::uint8_t{0});
  full_.clear();
  parts_ = 0;
  const Mode was = mode_;
  mode_ = Mode::Digits;
  if (was == Mode::Single) {
    addArray(singleData());
    single_.clear();
  }
}

void ExactSums::keepSingle(const double* values) {
  const auto n = static_cast<std::size_t>(n_);
  if (n_ > kInlineValues) single_.resize(n);
  double* to = singleData();
  if (values) {
    std::copy_n(values, n, to);
  } else {
    std::fill_n(to, n, 0.0);
  }
}

void ExactSums::add(const double* values) {
  if (mode_ == Mode::Zero) {
    keepSingle(values);
    mode_ = Mode::Single;
    return;
  }
  materialise();
  addArray(values);
}

// One more part for every digit: normalise everything first when a digit could overflow.
void ExactSums::countPart() {
  if (parts_ >= exact::kMaxParts) normaliseAll();
  ++parts_;
}

void ExactSums::add(Index first, const double* values, Index count) {
  if (first < 0 || count < 0 || first > n_ - count) {
    throw invalidArgument("ExactSums::add: accumulators [" + std::to_string(first) + ", " +
                          std::to_string(first + count) + ") are outside [0, " +
                          std::to_string(n_) + ")");
  }
  // (No Single mode for a part of the accumulators: the windows from the first.)
  materialise();
  addRange(first, values, count);
}

void ExactSums::addRange(Index first, const double* values, Index count) {
  countPart();
  Window* windows = windows_.data() + first;
  const std::int32_t* base = base_.data() + first;
  for (Index i = 0; i < count; ++i) {
    std::uint64_t bits;
    std::memcpy(&bits, values + i, sizeof bits);
    const exact::Parts p = exact::partsOf(bits);
    // Zeros (±0) add 0 to the window's first two digits, wherever the window is (a full-range
    // accumulator keeps its index in the last digit, so that is harmless there too). ∞ and NaN
    // have no digit in reach: the slow path flags them.
    const unsigned at = (bits << 1) == 0 ? 0u : static_cast<unsigned>(p.digit - base[i]);
    if (at <= unsigned{kWindowDigits - 2}) {
      windows[i].d[at] += p.low;
      windows[i].d[at + 1] += p.high;
    } else {
      addSlow(first + i, bits);
    }
  }
}

void ExactSums::addSlow(Index i, std::uint64_t bits) {
  if ((bits >> 52 & exact::kExponentAll) == exact::kExponentAll) {
    special_[i] |= (bits & exact::kMantissaMask) != 0 ? kNaN
                   : (bits >> 63) != 0               ? kMinusInf
                                                     : kPlusInf;
    return;
  }
  if ((bits << 1) == 0) return;
  const exact::Parts p = exact::partsOf(bits);
  std::int64_t* d = reach(i, p.digit, p.digit + 1);
  d[0] += p.low;
  d[1] += p.high;
}

void ExactSums::add(Index i, double v) {
  if (i < 0 || i >= n_) {
    throw invalidArgument("ExactSums::add: index " + std::to_string(i) + " is outside [0, " +
                          std::to_string(n_) + ")");
  }
  if (mode_ == Mode::Zero) {
    // One value into zeros is an array of its own: kept as one (a fit's inertia of a single
    // block; materialising cost a small K-means pass three allocations, one of them aligned).
    keepSingle(nullptr);
    singleData()[i] = v;
    mode_ = Mode::Single;
    return;
  }
  materialise();
  addSlow(i, exact::bitsOf(v));
  // Normalised at once, so that this accumulator's digits stay within what the count of
  // parts_ allows whatever the number of single additions.
  normaliseOne(i);
}

std::int64_t* ExactSums::reach(Index i, int from, int to) {
  const std::int32_t base = base_[i];
  if (base != kFullBase) {
    if (from >= base && to < base + kWindowDigits) return windows_[i].d + (from - base);
    return moveWindow(i, from, to);
  }
  Full& f = full_[static_cast<std::size_t>(windows_[i].d[kWindowDigits - 1])];
  f.lo = std::min(f.lo, from);
  f.hi = std::max(f.hi, to);
  return f.d + from;
}

// Slides window i to cover its non-zero digits and from..to, or moves it to the full range.
std::int64_t* ExactSums::moveWindow(Index i, int from, int to) {
  Window& w = windows_[i];
  const int base = base_[i];
  std::int64_t d[kWindowDigits + 1];
  std::copy(w.d, w.d + kWindowDigits, d);
  d[kWindowDigits] = exact::normalise(d, kWindowDigits);
  int lo = from;
  int hi = to;
  for (int j = 0; j <= kWindowDigits; ++j) {
    if (d[j] != 0) {
      lo = std::min(lo, base + j);
      hi = std::max(hi, base + j);
    }
  }
  const int moved = placeWindow(lo, hi, kWindowDigits, kMaxWindowBase);
  if (moved >= 0) {
    w = Window{};
    for (int j = 0; j <= kWindowDigits; ++j) {
      if (d[j] != 0) w.d[base + j - moved] = d[j];
    }
    base_[i] = moved;
    return w.d + (from - moved);
  }
  Full f{};
  f.lo = lo;
  f.hi = hi;
  for (int j = 0; j <= kWindowDigits; ++j) f.d[base + j] = d[j];
  full_.push_back(f);
  w.d[kWindowDigits - 1] = static_cast<std::int64_t>(full_.size() - 1);
  base_[i] = kFullBase;
  return full_.back().d + from;
}

void ExactSums::normaliseFull(Full& f) {
  if (f.lo > f.hi) return;
  // Balance digits lo..41 (and on while a carry moves up); digit 42 takes the last carry as
  // it is (no reachable sum makes it more than a few units).
  std::int64_t carry = 0;
  int j = f.lo;
  for (; j < kDigits - 1 && (j <= f.hi || carry != 0); ++j) {
    const std::int64_t v = f.d[j] + carry;
    carry = (v + exact::kHalfRadix) >> kDigitBits;
    f.d[j] = v - carry * exact::kRadix;
  }
  if (j == kDigits - 1) f.d[j] += carry;
  int lo = f.lo;
  int hi = std::max(f.hi, std::min(j, kDigits - 1));
  while (lo <= hi && f.d[lo] == 0) ++lo;
  while (hi >= lo && f.d[hi] == 0) --hi;
  f.lo = lo;
  f.hi = hi;
}

void ExactSums::normaliseOne(Index i) {
  if (base_[i] == kFullBase) {
    normaliseFull(full_[static_cast<std::size_t>(windows_[i].d[kWindowDigits - 1])]);
    return;
  }
  const std::int64_t carry = exact::normalise(windows_[i].d, kWindowDigits);
  if (carry != 0) {
    const int top = base_[i] + kWindowDigits;
    *reach(i, top, top) += carry;
  }
}

void ExactSums::normaliseAll() {
  if (mode_ == Mode::Digits) {
    for (Index i = 0; i < n_; ++i) {
      if (base_[i] != kFullBase) normaliseOne(i);
    }
    for (Full& f : full_) normaliseFull(f);
  }
  parts_ = 0;
}

void ExactSums::merge(const ExactSums& other) {
  // (Whole: one array kept stays kept, and digits into zeros are a copy.)
  if (other.n_ == n_ && &other != this) {
    if (other.mode_ == Mode::Single) {
      add(other.singleData());
      return;
    }
    if (other.mode_ == Mode::Digits && mode_ == Mode::Zero) {
      *this = other;
      return;
    }
  }
  merge(other, 0, n_);
}

void ExactSums::merge(const ExactSums& other, Index first, Index count) {
  if (other.n_ != n_) {
    throw invalidArgument("ExactSums::merge: " + std::to_string(other.n_) +
                          " accumulators cannot merge into " + std::to_string(n_));
  }
  if (first < 0 || count < 0 || first > n_ - count) {
    throw invalidArgument("ExactSums::merge: accumulators [" + std::to_string(first) + ", " +
                          std::to_string(first + count) + ") are outside [0, " +
                          std::to_string(n_) + ")");
  }
  if (&other == this) {
    const ExactSums copy = other;
    merge(copy, first, count);
    return;
  }
  switch (other.mode_) {
    case Mode::Zero:
      return;
    case Mode::Single:
      add(first, other.singleData() + first, count);
      return;
    case Mode::Digits:
      break;
  }
  materialise();
  countPart();  // other's digits come normalised: one part each
  std::int64_t d[kDigits + 1];
  for (Index i = first; i < first + count; ++i) {
    special_[i] |= other.special_[i];
    int lo = 0;
    const int digits = other.exactDigits(i, d, lo);
    if (digits == 0) continue;
    std::int64_t* to = reach(i, lo, lo + digits - 1);
    for (int j = 0; j < digits; ++j) to[j] += d[j];
  }
}

int ExactSums::exactDigits(Index i, std::int64_t* d, int& lo) const {
  int count = 0;
  switch (mode_) {
    case Mode::Zero:
      return 0;
    case Mode::Single: {
      const std::uint64_t bits = exact::bitsOf(singleData()[i]);
      if ((bits >> 52 & exact::kExponentAll) == exact::kExponentAll) return 0;
      const exact::Parts p = exact::partsOf(bits);
      lo = p.digit;
      d[0] = p.low;
      d[1] = p.high;
      d[2] = exact::normalise(d, 2);
      count = 3;
      break;
    }
    case Mode::Digits:
      if (base_[i] == kFullBase) {
        const Full& f = full_[static_cast<std::size_t>(windows_[i].d[kWindowDigits - 1])];
        if (f.lo > f.hi) return 0;
        lo = f.lo;
        count = kDigits - f.lo;
        std::copy(f.d + f.lo, f.d + kDigits, d);
        d[count - 1] += exact::normalise(d, count - 1);
      } else {
        lo = base_[i];
        std::copy(windows_[i].d, windows_[i].d + kWindowDigits, d);
        d[kWindowDigits] = exact::normalise(d, kWindowDigits);
        count = kWindowDigits + 1;
      }
      break;
  }
  int first = 0;
  while (first < count && d[first] == 0) ++first;
  while (count > first && d[count - 1] == 0) --count;
  if (first > 0) std::copy(d + first, d + count, d);
  lo += first;
  return count - first;
}

std::uint8_t ExactSums::specials(Index i) const {
  if (mode_ == Mode::Digits) return special_[i];
  if (mode_ == Mode::Zero) return 0;
  const std::uint64_t bits = exact::bitsOf(singleData()[i]);
  if ((bits >> 52 & exact::kExponentAll) != exact::kExponentAll) return 0;
  if ((bits & exact::kMantissaMask) != 0) return kNaN;
  return (bits >> 63) != 0 ? kMinusInf : kPlusInf;
}

double ExactSums::roundOne(Index i) const {
  const std::uint8_t s = specials(i);
  if (s != 0) {
    if ((s & kNaN) != 0 || (s & (kPlusInf | kMinusInf)) == (kPlusInf | kMinusInf)) {
      return kCanonicalNaN;
    }
    return (s & kPlusInf) != 0 ? std::numeric_limits<double>::infinity()
                               : -std::numeric_limits<double>::infinity();
  }
  switch (mode_) {
    case Mode::Zero:
      return 0.0;
    case Mode::Single: {
      return canonicalSingle(singleData()[i]);
    }
    case Mode::Digits:
      break;
  }
  if (base_[i] != kFullBase) return exact::roundDigits(windows_[i].d, kWindowDigits, base_[i]);
  const Full& f = full_[static_cast<std::size_t>(windows_[i].d[kWindowDigits - 1])];
  return f.lo > f.hi ? 0.0 : exact::roundDigits(f.d + f.lo, kDigits - f.lo, f.lo);
}

double ExactSums::rounded(Index i) const {
  if (i < 0 || i >= n_) {
    throw invalidArgument("ExactSums::rounded: index " + std::to_string(i) + " is outside [0, " +
                          std::to_string(n_) + ")");
  }
  return roundOne(i);
}

void ExactSums::round(double* out) const {
  switch (mode_) {
    case Mode::Zero:
      std::fill(out, out + n_, 0.0);
      return;
    case Mode::Single:
      for (Index i = 0; i < n_; ++i) out[i] = canonicalSingle(singleData()[i]);
      return;
    case Mode::Digits:
      for (Index i = 0; i < n_; ++i) out[i] = roundOne(i);
      return;
  }
}

}  // namespace gaussmix
