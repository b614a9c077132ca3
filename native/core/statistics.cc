#include "statistics.h"

#include <cstring>
#include <limits>
#include <string>

#include "errors.h"
#include "statistics_bytes.h"

namespace gaussmix {

Index StatisticsShape::scatterSize() const {
  return scatter ? gaussmix::scatterSize(parametrisation(type).scatter, k, d) : 0;
}

StatisticsLayout::StatisticsLayout(const StatisticsShape& shape) {
  centred = kComponents + shape.components();
  scatter = centred + shape.k * shape.d;
  size = scatter + shape.scatterSize();
}

MixtureStatistics::MixtureStatistics(const StatisticsShape& s, const RowMatrix& c,
                                     std::uint64_t f) {
  reset(s, &c, f);
}

void MixtureStatistics::merge(const MixtureStatistics& later) {
  if (later.shape != shape) {
    throw invalidArgument("statistics of another model shape (components, features, covariance "
                          "type or kind) cannot be merged");
  }
  if (later.fingerprint != fingerprint || later.centre != centre) {
    throw invalidArgument("statistics computed under other parameters cannot be merged");
  }
  sums.merge(later.sums);
  rows += later.rows;
}

std::uint64_t fingerprintBytes(const void* data, std::size_t bytes, std::uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t h = seed;
  for (std::size_t i = 0; i < bytes; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

void MixtureStatistics::reset(const StatisticsShape& s, const RowMatrix* c, std::uint64_t f) {
  shape = s;
  if (c) {
    centre = *c;
  } else {
    centre.setZero(s.k, s.d);
  }
  fingerprint = f;
  rows = 0;
  sums.resize(StatisticsLayout(s).size);
}

Moments roundedMoments(const MixtureStatistics& st) {
  Moments m;
  roundedMoments(st, m);
  return m;
}

void roundedMoments(const MixtureStatistics& st, Moments& m) {
  const StatisticsShape& s = st.shape;
  const StatisticsLayout at(s);
  std::vector<double>& v = m.rounded;
  v.resize(static_cast<size_t>(at.size));
  st.sums.round(v.data());
  m.logLikelihood = v[StatisticsLayout::kObjective];
  m.weight = v[StatisticsLayout::kWeight];
  m.entropy = v[StatisticsLayout::kEntropy];
  m.nk = Eigen::Map<const Vector>(v.data() + StatisticsLayout::kComponents, s.components());
  m.centred = ConstRowMap(v.data() + at.centred, s.k, s.d);
  m.centre = st.centre;
  // Σ r x = Σ r (x − c) + n c.
  m.sx = m.centred + (st.centre.array().colwise() * m.nk.head(s.k).array()).matrix();
  m.scatter.assign(v.begin() + at.scatter, v.end());
}

// ------------------------------------------------------------------------------ the encoding
//
// Little-endian throughout:
//   "GMXS"  u16 version  u8 family (1: mixture)  u8 flags (1 noise, 2 scatter, 4 entropy)
//   u8 type  3 bytes 0   u32 K  u32 D  u64 rows  u64 fingerprint
//   K·D f64 centre   then the exact sums (exact_sum.h's encoding)   u32 CRC-32 of all before
namespace {

using namespace statistics_bytes;

constexpr std::uint8_t kMixtureFamily = 1;
constexpr std::size_t kHeaderBytes = 4 + 2 + 1 + 1 + 1 + 3 + 4 + 4 + 8 + 8;

[[noreturn]] void malformed(const std::string& what) {
  throw invalidArgument("not valid gaussmix statistics: " + what);
}

}  // namespace

std::vector<std::uint8_t> MixtureStatistics::serialise() const {
  std::vector<std::uint8_t> out;
  out.reserve(kHeaderBytes + static_cast<std::size_t>(centre.size()) * 8 +
              16 * static_cast<std::size_t>(sums.size()));
  for (const char c : kMagic) out.push_back(static_cast<std::uint8_t>(c));
  put<std::uint16_t>(out, kVersion);
  put<std::uint8_t>(out, kMixtureFamily);
  put<std::uint8_t>(out, static_cast<std::uint8_t>((shape.noise ? 1 : 0) | (shape.scatter ? 2 : 0) |
                                                   (shape.entropy ? 4 : 0)));
  put<std::uint8_t>(out, static_cast<std::uint8_t>(shape.type));
  for (int i = 0; i < 3; ++i) out.push_back(0);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(shape.k));
  put<std::uint32_t>(out, static_cast<std::uint32_t>(shape.d));
  put<std::uint64_t>(out, static_cast<std::uint64_t>(rows));
  put<std::uint64_t>(out, fingerprint);
  for (Index i = 0; i < centre.size(); ++i) putDouble(out, centre.data()[i]);
  sums.serialise(out);
  appendChecksum(out);
  return out;
}

MixtureStatistics MixtureStatistics::parse(const std::uint8_t* data, std::size_t size) {
  size = checkPrefix(data, size, kHeaderBytes, malformed);
  if (data[6] != kMixtureFamily) malformed("they are not a mixture's statistics");
  const std::uint8_t flags = data[7];
  if (flags & ~7u) malformed("unknown flags");
  const std::uint8_t type = data[8];
  if (type >= kCovarianceTypes) malformed("unknown covariance type");
  if (data[9] || data[10] || data[11]) malformed("reserved bytes are not 0");
  const std::uint64_t k = get<std::uint32_t>(data + 12);
  const std::uint64_t d = get<std::uint32_t>(data + 16);
  const std::uint64_t rows = get<std::uint64_t>(data + 20);
  if (k < 1 || d < 1) malformed("K and D must be at least 1");
  if (k * d > kMaxValues || rows > kMaxValues * kMaxValues) malformed("K x D is too large");
  const std::size_t centreBytes = static_cast<std::size_t>(k * d * 8);
  if (size - kHeaderBytes < centreBytes) malformed("truncated in the centres");
  StatisticsShape shape;
  shape.type = static_cast<CovarianceType>(type);
  shape.k = static_cast<Index>(k);
  shape.d = static_cast<Index>(d);
  shape.noise = flags & 1;
  shape.scatter = flags & 2;
  shape.entropy = flags & 4;
  const StatisticsLayout at(shape);
  if (static_cast<std::uint64_t>(at.size) > kMaxValues) malformed("K x D is too large");
  RowMatrix centre(shape.k, shape.d);
  const std::uint8_t* p = data + kHeaderBytes;
  for (Index i = 0; i < centre.size(); ++i) {
    const std::uint64_t bits = get<std::uint64_t>(p + 8 * i);
    std::memcpy(centre.data() + i, &bits, 8);
  }
  MixtureStatistics st(shape, centre, get<std::uint64_t>(data + 28));
  st.rows = static_cast<Index>(rows);
  std::size_t consumed = 0;
  const std::size_t rest = size - kHeaderBytes - centreBytes;
  st.sums = parseSums(p + centreBytes, rest, consumed, malformed);
  if (st.sums.size() != at.size) malformed("the sums do not match K, D and the covariance type");
  if (consumed != rest) malformed(std::to_string(rest - consumed) + " bytes follow the sums");
  return st;
}

}  // namespace gaussmix
