// The little-endian byte helpers and shared header constants of the "GMXS" statistics encodings
// (statistics.cc for the mixtures, kmeans_statistics.cc for K-means): one copy, so the families
// cannot drift apart in how they write a number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace gaussmix {
namespace statistics_bytes {

constexpr char kMagic[4] = {'G', 'M', 'X', 'S'};
constexpr std::uint16_t kVersion = 1;
// No model of more than 2^31 − 1 values: anything larger is a hostile header.
constexpr std::uint64_t kMaxValues = (std::uint64_t{1} << 31) - 1;

template <class T>
inline void put(std::vector<std::uint8_t>& out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

inline void putDouble(std::vector<std::uint8_t>& out, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  put(out, bits);
}

template <class T>
inline T get(const std::uint8_t* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(p[i]) << (8 * i));
  return v;
}

inline double getDouble(const std::uint8_t* p) {
  const std::uint64_t bits = get<std::uint64_t>(p);
  double v;
  std::memcpy(&v, &bits, 8);
  return v;
}

}  // namespace statistics_bytes
}  // namespace gaussmix
