// The little-endian byte helpers and shared header constants of the "GMXS" statistics encodings
// (statistics.cc for the mixtures, kmeans_statistics.cc for K-means): one copy, so the families
// cannot drift apart in how they write a number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
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

// The checks every family's header starts with: its size, "GMXS" and the version. `malformed`
// throws (each family names its own kind of statistics in the message).
template <class Malformed>
inline void checkPrefix(const std::uint8_t* data, std::size_t size, std::size_t headerBytes,
                        Malformed malformed) {
  if (size < headerBytes) {
    malformed(std::to_string(size) + " bytes is shorter than the " + std::to_string(headerBytes) +
              "-byte header");
  }
  if (std::memcmp(data, kMagic, 4) != 0) malformed("it does not start with GMXS");
  const auto version = get<std::uint16_t>(data + 4);
  if (version != kVersion) {
    malformed("format version " + std::to_string(version) + " (this build reads version " +
              std::to_string(kVersion) + ")");
  }
}

}  // namespace statistics_bytes
}  // namespace gaussmix
