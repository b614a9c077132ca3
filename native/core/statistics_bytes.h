// The little-endian byte helpers and shared header constants of the "GMXS" statistics encodings
// (statistics.cc for the mixtures, kmeans_statistics.cc for K-means): one copy, so the families
// cannot drift apart in how they write a number.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"
#include "exact_sum.h"

namespace gaussmix {
namespace statistics_bytes {

constexpr char kMagic[4] = {'G', 'M', 'X', 'S'};
// Version 2: every encoding ends with a CRC-32 of the bytes before it.
constexpr std::uint16_t kVersion = 2;
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

// CRC-32 (IEEE 802.3, zlib's polynomial) of n bytes.
inline std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// Ends an encoding: the CRC-32 of everything before it, so that a damaged byte anywhere (not
// only in a field with a range to check) is refused on read.
inline void appendChecksum(std::vector<std::uint8_t>& out) {
  put<std::uint32_t>(out, crc32(out.data(), out.size()));
}

// The checks every family's encoding starts with: its size, "GMXS", the version, and the
// checksum it ends with. Returns the size before the checksum. `malformed` throws (each family
// names its own kind of statistics in the message).
template <class Malformed>
inline std::size_t checkPrefix(const std::uint8_t* data, std::size_t size, std::size_t headerBytes,
                               Malformed malformed) {
  if (size < headerBytes + 4) {
    malformed(std::to_string(size) + " bytes is shorter than the " + std::to_string(headerBytes + 4) +
              "-byte header and checksum");
  }
  if (std::memcmp(data, kMagic, 4) != 0) malformed("it does not start with GMXS");
  const auto version = get<std::uint16_t>(data + 4);
  if (version != kVersion) {
    malformed("format version " + std::to_string(version) + " (this build reads version " +
              std::to_string(kVersion) + ")");
  }
  const std::size_t body = size - 4;
  if (crc32(data, body) != get<std::uint32_t>(data + body)) {
    malformed("the checksum does not match: bytes were changed, added or cut");
  }
  return body;
}

// The exact sums' encoding from p, its errors named as the family's (`malformed` throws).
template <class Malformed>
inline ExactSums parseSums(const std::uint8_t* p, std::size_t size, std::size_t& consumed,
                           Malformed malformed) {
  try {
    return ExactSums::parse(p, size, consumed);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::InvalidArgument) throw;
    malformed(std::string("the sums: ") + e.what());
    throw;  // (not reached: malformed throws)
  }
}

}  // namespace statistics_bytes
}  // namespace gaussmix
