// TEMPORARY STAND-IN (lead's development only; replaced by the exactsum branch).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>
#include "errors.h"
#include "types.h"
namespace gaussmix {
class ExactSums {
 public:
  static constexpr int kChunks = 68;
  ExactSums() = default;
  explicit ExactSums(Index n) { resize(n); }
  void resize(Index n) { arrays_ = 0; single_.clear(); n_ = n; c_.assign(static_cast<size_t>(n * kChunks), 0); flags_.assign(static_cast<size_t>(n), 0); adds_ = 0; }
  Index size() const { return n_; }
  void clear() { resize(n_); }
  void add(const double* v) {
    if (arrays_ == 0) single_.assign(v, v + n_);
    ++arrays_;
    for (Index i = 0; i < n_; ++i) addOne(i, v[i]);
    bump();
  }
  void add(Index i, double v) { arrays_ = 2; addOne(i, v); bump(); }
  void merge(const ExactSums& o) {
    if (o.n_ != n_) throw invalidArgument("ExactSums::merge: sizes differ");
    arrays_ = 2;
    ExactSums t = o; t.normalise(); normalise();
    for (size_t j = 0; j < c_.size(); ++j) c_[j] += t.c_[j];
    for (Index i = 0; i < n_; ++i) flags_[i] |= t.flags_[i];
    normalise();
  }
  void round(double* out) const { for (Index i = 0; i < n_; ++i) out[i] = rounded(i); }
  double rounded(Index i) const {
    if (arrays_ == 1) return single_[static_cast<size_t>(i)] == 0.0 ? 0.0 : single_[static_cast<size_t>(i)];
    if (flags_[i] & 4) return NAN;
    if ((flags_[i] & 3) == 3) return NAN;
    if (flags_[i] & 1) return INFINITY;
    if (flags_[i] & 2) return -INFINITY;
    std::int64_t ch[kChunks];
    std::memcpy(ch, &c_[static_cast<size_t>(i * kChunks)], sizeof ch);
    for (int j = 0; j + 1 < kChunks; ++j) { std::int64_t carry = ch[j] >> 32; ch[j] -= carry * (std::int64_t{1} << 32); ch[j + 1] += carry; }
    bool neg = ch[kChunks - 1] < 0;
    if (neg) { // negate two's complement across chunks
      std::int64_t borrow = 0;
      for (int j = 0; j < kChunks; ++j) { std::int64_t v = -ch[j] - borrow; borrow = 0; if (v < 0 && j + 1 < kChunks) { v += std::int64_t{1} << 32; borrow = 1; } ch[j] = v; }
    }
    int h = kChunks - 1; while (h >= 0 && ch[h] == 0) --h;
    if (h < 0) return 0.0;
    auto bit = [&](int p) -> std::uint64_t { return p < 0 ? 0 : (static_cast<std::uint64_t>(ch[p >> 5]) >> (p & 31)) & 1; };
    int P = 32 * h + 31; while (!bit(P)) --P;
    int r = P - 52 > 0 ? P - 52 : 0;
    std::uint64_t m = 0; for (int p = P; p >= r; --p) m = (m << 1) | bit(p);
    std::uint64_t rb = bit(r - 1); bool sticky = false;
    if (r >= 2) {
      const int top = r - 2;  // bits [0, top] decide the sticky bit
      const int c = top >> 5;
      const std::uint64_t mask = (top & 31) == 31 ? 0xffffffffu : ((std::uint64_t{1} << ((top & 31) + 1)) - 1);
      sticky = (static_cast<std::uint64_t>(ch[c]) & mask) != 0;
      for (int j = c - 1; j >= 0 && !sticky; --j) sticky = ch[j] != 0;
    }
    if (rb && (sticky || (m & 1))) ++m;
    double v = std::ldexp(static_cast<double>(m), r - 1074);
    return neg ? -v : v;
  }
  void serialise(std::vector<std::uint8_t>& out) const {
    std::uint64_t n = static_cast<std::uint64_t>(n_); const auto* p = reinterpret_cast<const std::uint8_t*>(&n); out.insert(out.end(), p, p + 8);
    ExactSums t = *this; t.normalise();
    p = reinterpret_cast<const std::uint8_t*>(t.c_.data()); out.insert(out.end(), p, p + t.c_.size() * 8);
    out.insert(out.end(), t.flags_.begin(), t.flags_.end());
  }
  static ExactSums parse(const std::uint8_t* data, std::size_t size, std::size_t& consumed) {
    if (size < 8) throw invalidArgument("statistics: truncated");
    std::uint64_t n; std::memcpy(&n, data, 8);
    if (n > (size - 8) / (kChunks * 8 + 1)) throw invalidArgument("statistics: truncated");
    ExactSums s(static_cast<Index>(n));
    s.arrays_ = 2;
    std::memcpy(s.c_.data(), data + 8, s.c_.size() * 8);
    std::memcpy(s.flags_.data(), data + 8 + s.c_.size() * 8, s.flags_.size());
    consumed = 8 + s.c_.size() * 8 + s.flags_.size();
    return s;
  }
 private:
  void bump() { if (++adds_ >= (1 << 28)) normalise(); }
  void normalise() {
    for (Index i = 0; i < n_; ++i) { std::int64_t* ch = &c_[static_cast<size_t>(i * kChunks)];
      for (int j = 0; j + 1 < kChunks; ++j) { std::int64_t carry = ch[j] >> 32; ch[j] -= carry * (std::int64_t{1} << 32); ch[j + 1] += carry; } }
    adds_ = 0;
  }
  void addOne(Index i, double v) {
    if (!std::isfinite(v)) { flags_[i] |= std::isnan(v) ? 4 : (v > 0 ? 1 : 2); return; }
    if (v == 0) return;
    std::uint64_t bits; std::memcpy(&bits, &v, 8);
    const bool neg = bits >> 63; int eb = static_cast<int>((bits >> 52) & 0x7ff);
    std::uint64_t m = bits & ((std::uint64_t{1} << 52) - 1);
    if (eb) m |= std::uint64_t{1} << 52; else eb = 1;
    const int p = eb - 1;  // position of bit 0 of m (units 2^-1074)
    const int idx = p >> 5, s = p & 31;
    std::int64_t* ch = &c_[static_cast<size_t>(i * kChunks)];
    const std::uint64_t lo = (m & 0xffffffffu) << s, hi = (m >> 32) << s;
    const std::int64_t a0 = static_cast<std::int64_t>(lo & 0xffffffffu);
    const std::int64_t a1 = static_cast<std::int64_t>((lo >> 32) + (hi & 0xffffffffu));
    const std::int64_t a2 = static_cast<std::int64_t>(hi >> 32);
    if (neg) { ch[idx] -= a0; ch[idx + 1] -= a1; ch[idx + 2] -= a2; } else { ch[idx] += a0; ch[idx + 1] += a1; ch[idx + 2] += a2; }
  }
  Index n_ = 0;
  std::vector<std::int64_t> c_;
  std::vector<std::uint8_t> flags_;
  std::int64_t adds_ = 0;
  int arrays_ = 0;              // arrays added (2: more than one, or single values, or merges)
  std::vector<double> single_;  // the one array added, while arrays_ == 1
};
}  // namespace gaussmix
