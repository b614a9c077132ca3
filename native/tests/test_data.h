// Random doubles for the ExactSums tests: seeded, so a failure reproduces.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace gaussmix::testing {

inline double fromBits(std::uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}
inline std::uint64_t bitsOf(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Kinds of value streams: what the E-step adds (similar magnitudes, both signs), what can go
// wrong (the whole exponent range, cancellation, subnormals, the largest doubles).
enum class Kind { Similar, Wide, Cancelling, Subnormal, Huge, Mixed };

class Values {
 public:
  explicit Values(std::uint64_t seed) : rng_(seed) {}
  std::mt19937_64& rng() { return rng_; }

  // A finite double with biased exponent in [lo, hi] and a random sign and mantissa.
  double withExponent(unsigned lo, unsigned hi) {
    const std::uint64_t e = std::uniform_int_distribution<unsigned>(lo, hi)(rng_);
    const std::uint64_t bits = (rng_() & ((std::uint64_t{1} << 52) - 1)) | (e << 52) |
                               (rng_() & (std::uint64_t{1} << 63));
    return fromBits(bits);
  }
  double next(Kind kind) {
    switch (kind) {
      case Kind::Similar: return withExponent(1015, 1035);
      case Kind::Wide: return withExponent(0, 2046);
      case Kind::Cancelling: return withExponent(1020, 1023) * 1e15;  // big, both signs
      case Kind::Subnormal: return withExponent(0, 2);
      case Kind::Huge: return withExponent(2040, 2046);
      case Kind::Mixed: {
        const auto pick = rng_() % 8;
        if (pick == 0) return 0.0;
        if (pick == 1) return withExponent(0, 2046);
        return withExponent(1000, 1050);
      }
    }
    return 0.0;
  }
  // rows arrays of n values each.
  std::vector<std::vector<double>> arrays(Kind kind, std::size_t rows, std::size_t n) {
    std::vector<std::vector<double>> out(rows, std::vector<double>(n));
    for (auto& row : out) {
      for (double& v : row) v = next(kind);
    }
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace gaussmix::testing
