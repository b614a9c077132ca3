#include "kmeans_statistics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "errors.h"
#include "kmeans_pass.h"
#include "memory.h"
#include "statistics.h"
#include "statistics_bytes.h"

namespace gaussmix {

using kmeans::FarRows;
using kmeans::PassScratch;

namespace {

constexpr std::uint64_t kFingerprintSeed = 0xcbf29ce484222325ULL;

std::uint64_t fingerprintOf(const double* values, Index count) {
  return fingerprintBytes(values, static_cast<std::size_t>(count) * sizeof(double),
                          kFingerprintSeed);
}

}  // namespace

KMeansStatistics::KMeansStatistics(const RowMatrix& c)
    : k(c.rows()),
      d(c.cols()),
      centres(c),
      fingerprint(fingerprintOf(c.data(), c.size())),
      sums(KMeansLayout::size(c.rows(), c.cols())),
      far(c.rows(), c.cols()) {}

double KMeansStatistics::totalWeight() const {
  double total = 0.0;
  for (Index c = 0; c < k; ++c) total += sums.rounded(KMeansLayout::cluster(d, c));
  return total;
}

void KMeansStatistics::merge(const KMeansStatistics& later) {
  if (later.k != k || later.d != d) {
    throw invalidArgument("K-means statistics of another number of clusters or features cannot "
                          "be merged");
  }
  if (later.fingerprint != fingerprint || later.centres != centres) {
    throw invalidArgument("K-means statistics computed under other centres cannot be merged");
  }
  sums.merge(later.sums);
  far.merge(later.far, rows);
  rows += later.rows;
}

KMeansStatistics kmeansStatistics(const Data& data, const RowMatrix& centres, ThreadPool& pool,
                                  std::int32_t* labels) {
  const Index k = centres.rows();
  const Index d = centres.cols();
  if (d != data.d) throw invalidArgument("the centres have another number of features");
  KMeansStatistics st(centres);
  st.rows = data.n;
  const kmeans::Centres cs(centres);
  if (cs.firstUnsafe >= 0) throw kmeans::overflowing(cs.firstUnsafe);
  LargeVector<std::int32_t> own;
  if (!labels) {
    own.resize(static_cast<size_t>(data.n));
    labels = own.data();
  }
  // Every row comes from no cluster: the passes by the product add each one to its cluster's
  // sums exactly (kmeans_cluster_sums.h).
  std::fill_n(labels, data.n, std::int32_t{-1});
  std::vector<PassScratch> scratch(pool.slots());
  const bool byProduct = !kmeans::plainPass(k, d);
  if (byProduct) {
    for (PassScratch& s : scratch) s.clusterSums.reset(k, d, KMeansLayout::size(k, d));
  }
  std::vector<double> partial(static_cast<size_t>(KMeansLayout::size(k, d)));
  kmeans::withFeatureCount(d, [&](auto size) {
    constexpr int kD = decltype(size)::value;
    pool.forEachOrdered(
        data.blocks(),
        [&](Index b, unsigned slot) {
          PassScratch& s = scratch[slot];
          s.reset(k, d, true);
          kmeans::passBlock<kD>(data, b, cs, s, labels);
        },
        [&](Index, unsigned slot) {
          PassScratch& s = scratch[slot];
          if (s.overflowRow >= 0) throw kmeans::overflowing(labels[s.overflowRow]);
          if (byProduct) {
            st.sums.add(KMeansLayout::inertia(k, d), s.sums.blockInertia());
          } else {
            s.sums.block(partial.data());
            st.sums.add(partial.data());
          }
          st.far.merge(s.far, 0);
        });
  });
  if (byProduct) {
    for (PassScratch& s : scratch) st.sums.merge(s.clusterSums.sums());
  }
  return st;
}

KMeansStep maximiseKMeans(const KMeansStatistics& st) {
  std::vector<double> rounded(static_cast<size_t>(st.sums.size()));
  st.sums.round(rounded.data());
  return maximiseKMeans(st.centres, st.sums, rounded.data(), st.far);
}

KMeansStep maximiseKMeans(const RowMatrix& centres, const ExactSums& sums, const double* rounded,
                          const FarRows& far) {
  const Index k = centres.rows();
  const Index d = centres.cols();
  KMeansStep step;
  step.centres = centres;
  // The rounded sums, or (rows moved to empty clusters) those of the sums without them.
  const double* v = rounded;
  std::vector<double> movedRounded;
  step.weights.resize(k);
  std::vector<Index> empty;
  for (Index c = 0; c < k; ++c) {
    step.weights[c] = v[KMeansLayout::cluster(d, c)];
    if (step.weights[c] == 0.0) empty.push_back(c);
  }
  const Index take = std::min<Index>(static_cast<Index>(empty.size()), far.size());
  if (take > 0) {
    ExactSums moved = sums;
    for (Index e = 0; e < take; ++e) {
      // The row leaves its cluster's sums: its weight and w·x as the sums took them.
      const FarRows::Row& row = far[e];
      const Index at = KMeansLayout::cluster(d, row.label);
      const double* x = far.x(e);
      moved.add(at, -row.weight);
      for (Index j = 0; j < d; ++j) moved.add(at + 1 + j, -(row.weight * x[j]));
    }
    movedRounded.resize(static_cast<size_t>(KMeansLayout::size(k, d)));
    moved.round(movedRounded.data());
    v = movedRounded.data();
  }
  for (Index c = 0; c < k; ++c) {
    const double* s = v + KMeansLayout::cluster(d, c);
    if (!(s[0] > 0.0)) continue;  // empty, or every row taken: the centre stays
    for (Index j = 0; j < d; ++j) step.centres(c, j) = s[1 + j] / s[0];
  }
  for (Index e = 0; e < take; ++e) step.centres.row(empty[e]) = ConstRowMap(far.x(e), 1, d);
  step.relocated = take;
  double shift = 0.0;
  for (Index c = 0; c < k; ++c) {
    for (Index j = 0; j < d; ++j) {
      const double t = step.centres(c, j) - centres(c, j);
      shift += t * t;
    }
  }
  step.shift = shift;
  step.unchanged = std::memcmp(step.centres.data(), centres.data(),
                               static_cast<std::size_t>(centres.size()) * sizeof(double)) == 0;
  return step;
}

// ---------------------------------------------------------------------------------- moments

KMeansMoments::KMeansMoments(const RowVector& s)
    : d(s.size()), shift(s), fingerprint(fingerprintOf(s.data(), s.size())), sums(2 * s.size()) {}

double KMeansMoments::meanVariance() const {
  if (rows == 0 || d == 0) return 0.0;
  const double n = static_cast<double>(rows);
  double total = 0.0;
  for (Index j = 0; j < d; ++j) {
    const double sum = sums.rounded(j);
    const double squares = sums.rounded(d + j);
    total += std::max(0.0, (squares - sum * sum / n) / n);
  }
  return total / static_cast<double>(d);
}

void KMeansMoments::merge(const KMeansMoments& later) {
  if (later.d != d || later.fingerprint != fingerprint || later.shift != shift) {
    throw invalidArgument("K-means moments about another shift cannot be merged");
  }
  sums.merge(later.sums);
  rows += later.rows;
}

namespace {

// Per column j of block b: Σ (x − s) and Σ (x − s)², row i of the block into lane i mod 8
// (kD features known at compile time, or 0), then folded; acc holds 2·kLanes·d doubles.
template <int kD>
void blockMoments(const Data& data, Index b, const RowVector& shift, double* acc, double* out) {
  const Index d = kD > 0 ? kD : data.d;
  const Index flat = kLanes * d;
  std::fill_n(acc, 2 * flat, 0.0);
  double* a1 = acc;
  double* a2 = acc + flat;
  const double* s = shift.data();
  const Index rows = data.blockSize(b);
  const double* x = data.x + data.blockBegin(b) * d;
  for (Index i = 0; i < rows; ++i) {
    double* l1 = a1 + (i & (kLanes - 1)) * d;
    double* l2 = a2 + (i & (kLanes - 1)) * d;
    const double* xi = x + i * d;
    for (Index t = 0; t < d; ++t) {
      const double y = xi[t] - s[t];
      l1[t] += y;
      l2[t] += y * y;
    }
  }
  for (Index t = 0; t < d; ++t) {
    Lane p1, p2;
    for (Index l = 0; l < kLanes; ++l) {
      p1[l] = a1[l * d + t];
      p2[l] = a2[l * d + t];
    }
    out[t] = foldLanes(p1);
    out[d + t] = foldLanes(p2);
  }
}

}  // namespace

KMeansMoments kmeansMoments(const Data& data, const RowVector& shift, ThreadPool& pool) {
  if (shift.size() != data.d) throw invalidArgument("the shift has another number of features");
  KMeansMoments m(shift);
  m.rows = data.n;
  const Index d = data.d;
  // Per slot, one array: the lanes (2·kLanes·d), then the block's sums (2·d). One allocation
  // where a vector per slot and per use cost a small K-means fit four.
  const Index lanes = 2 * kLanes * d;
  const Index perSlot = lanes + 2 * d;
  std::vector<double> scratch(static_cast<size_t>(perSlot) * pool.slots());
  kmeans::withFeatureCount(d, [&](auto size) {
    constexpr int kD = decltype(size)::value;
    pool.forEachOrdered(
        data.blocks(),
        [&](Index b, unsigned slot) {
          double* at = scratch.data() + static_cast<Index>(slot) * perSlot;
          blockMoments<kD>(data, b, shift, at, at + lanes);
        },
        [&](Index, unsigned slot) {
          m.sums.add(scratch.data() + static_cast<Index>(slot) * perSlot + lanes);
        });
  });
  return m;
}

// ------------------------------------------------------------------------------ the encodings
//
// Little-endian throughout, the header of statistics.cc's encoding:
//   "GMXS"  u16 version  u8 family (2: K-means, 3: K-means moments)  u8 flags (0)
//   4 bytes 0  u32 K (moments: 0)  u32 D  u64 rows  u64 fingerprint
// K-means: K·D f64 centres, the exact sums (exact_sum.h), u32 far rows, then per far row
//   f64 d2, u64 row, u32 label, f64 weight, D f64 x.
// Moments: D f64 shift, the exact sums. Both end with a u32 CRC-32 of all the bytes before.
namespace {

using namespace statistics_bytes;

constexpr std::uint8_t kKMeansFamily = 2;
constexpr std::uint8_t kMomentsFamily = 3;
constexpr std::size_t kHeaderBytes = 4 + 2 + 1 + 1 + 4 + 4 + 4 + 8 + 8;
constexpr std::size_t kFarRowBytes = 8 + 8 + 4 + 8;

[[noreturn]] void malformed(const std::string& what) {
  throw invalidArgument("not valid gaussmix K-means statistics: " + what);
}

void putHeader(std::vector<std::uint8_t>& out, std::uint8_t family, Index k, Index d, Index rows,
               std::uint64_t fingerprint) {
  out.insert(out.end(), kMagic, kMagic + 4);
  put<std::uint16_t>(out, kVersion);
  put<std::uint8_t>(out, family);
  put<std::uint8_t>(out, 0);
  out.insert(out.end(), 4, 0);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(k));
  put<std::uint32_t>(out, static_cast<std::uint32_t>(d));
  put<std::uint64_t>(out, static_cast<std::uint64_t>(rows));
  put<std::uint64_t>(out, fingerprint);
}

struct Header {
  std::uint64_t k, d, rows, fingerprint;
};

// Checks the header (and the checksum: size becomes the size before it).
Header readHeader(const std::uint8_t* data, std::size_t& size, std::uint8_t family) {
  size = checkPrefix(data, size, kHeaderBytes, malformed);
  if (data[6] != family) {
    malformed(family == kKMeansFamily ? "they are not a K-means' statistics"
                                      : "they are not K-means moments");
  }
  if (data[7] != 0) malformed("unknown flags");
  if (data[8] || data[9] || data[10] || data[11]) malformed("reserved bytes are not 0");
  Header h{get<std::uint32_t>(data + 12), get<std::uint32_t>(data + 16),
           get<std::uint64_t>(data + 20), get<std::uint64_t>(data + 28)};
  if (h.d < 1) malformed("D must be at least 1");
  if (family == kKMeansFamily && h.k < 1) malformed("K must be at least 1");
  if (family == kMomentsFamily && h.k != 0) malformed("moments have no K");
  if (h.rows > kMaxValues * kMaxValues) malformed("the row count is too large");
  if (h.k > kMaxValues || h.d > kMaxValues || (h.k + 2) * (h.d + 1) > kMaxValues) {
    malformed("K x D is too large");
  }
  return h;
}

// count doubles from p, each finite.
void readFinite(const std::uint8_t* p, Index count, double* out, const char* what) {
  for (Index i = 0; i < count; ++i) {
    out[i] = getDouble(p + 8 * i);
    if (!std::isfinite(out[i])) malformed(std::string(what) + " are not all finite");
  }
}

}  // namespace

bool isKMeansStatisticsBytes(const std::uint8_t* data, std::size_t size) {
  return size > 6 && std::memcmp(data, kMagic, 4) == 0 && data[6] == kKMeansFamily;
}

std::vector<std::uint8_t> KMeansStatistics::serialise() const {
  std::vector<std::uint8_t> out;
  putHeader(out, kKMeansFamily, k, d, rows, fingerprint);
  for (Index i = 0; i < centres.size(); ++i) putDouble(out, centres.data()[i]);
  sums.serialise(out);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(far.size()));
  for (Index r = 0; r < far.size(); ++r) {
    putDouble(out, far[r].d2);
    put<std::uint64_t>(out, static_cast<std::uint64_t>(far[r].row));
    put<std::uint32_t>(out, static_cast<std::uint32_t>(far[r].label));
    putDouble(out, far[r].weight);
    for (Index j = 0; j < d; ++j) putDouble(out, far.x(r)[j]);
  }
  appendChecksum(out);
  return out;
}

KMeansStatistics KMeansStatistics::parse(const std::uint8_t* data, std::size_t size) {
  const Header h = readHeader(data, size, kKMeansFamily);
  const Index k = static_cast<Index>(h.k);
  const Index d = static_cast<Index>(h.d);
  std::size_t at = kHeaderBytes;
  const std::size_t centreBytes = static_cast<std::size_t>(h.k * h.d * 8);
  if (size - at < centreBytes) malformed("truncated in the centres");
  RowMatrix centres(k, d);
  readFinite(data + at, k * d, centres.data(), "the centres");
  at += centreBytes;
  KMeansStatistics st(centres);
  if (st.fingerprint != h.fingerprint) malformed("the fingerprint does not match the centres");
  st.rows = static_cast<Index>(h.rows);
  std::size_t consumed = 0;
  st.sums = parseSums(data + at, size - at, consumed, malformed);
  if (st.sums.size() != KMeansLayout::size(k, d)) malformed("the sums do not match K and D");
  at += consumed;
  if (size - at < 4) malformed("truncated before the far rows");
  const std::uint64_t count = get<std::uint32_t>(data + at);
  at += 4;
  if (count > h.k || count > h.rows) malformed("more far rows than clusters or rows");
  const std::size_t rowBytes = kFarRowBytes + static_cast<std::size_t>(d) * 8;
  if ((size - at) / rowBytes < count) malformed("truncated in the far rows");
  if (size - at != count * rowBytes) {
    malformed(std::to_string(size - at - count * rowBytes) + " bytes follow the far rows");
  }
  std::vector<double> x(static_cast<size_t>(d));
  FarRows::Row previous{};
  for (std::uint64_t r = 0; r < count; ++r, at += rowBytes) {
    const FarRows::Row row{getDouble(data + at),
                           static_cast<Index>(get<std::uint64_t>(data + at + 8)),
                           static_cast<std::int32_t>(get<std::uint32_t>(data + at + 16)),
                           getDouble(data + at + 20)};
    if (!(row.d2 >= 0.0) || !std::isfinite(row.d2)) malformed("a far row's distance is invalid");
    if (get<std::uint64_t>(data + at + 8) >= h.rows) malformed("a far row is past the rows");
    if (get<std::uint32_t>(data + at + 16) >= h.k) malformed("a far row's label is not a cluster");
    if (!(row.weight > 0.0) || !std::isfinite(row.weight)) {
      malformed("a far row's weight is not positive and finite");
    }
    if (r > 0 && !FarRows::farther(previous, row)) malformed("the far rows are out of order");
    readFinite(data + at + kFarRowBytes, d, x.data(), "a far row's features");
    st.far.offer(row.d2, row.row, row.label, row.weight, x.data());
    previous = row;
  }
  return st;
}

std::vector<std::uint8_t> KMeansMoments::serialise() const {
  std::vector<std::uint8_t> out;
  putHeader(out, kMomentsFamily, 0, d, rows, fingerprint);
  for (Index j = 0; j < d; ++j) putDouble(out, shift[j]);
  sums.serialise(out);
  appendChecksum(out);
  return out;
}

KMeansMoments KMeansMoments::parse(const std::uint8_t* data, std::size_t size) {
  const Header h = readHeader(data, size, kMomentsFamily);
  const Index d = static_cast<Index>(h.d);
  std::size_t at = kHeaderBytes;
  if (size - at < static_cast<std::size_t>(d) * 8) malformed("truncated in the shift");
  RowVector shift(d);
  readFinite(data + at, d, shift.data(), "the shift's values");
  at += static_cast<std::size_t>(d) * 8;
  KMeansMoments m(shift);
  if (m.fingerprint != h.fingerprint) malformed("the fingerprint does not match the shift");
  m.rows = static_cast<Index>(h.rows);
  std::size_t consumed = 0;
  m.sums = parseSums(data + at, size - at, consumed, malformed);
  if (m.sums.size() != 2 * d) malformed("the sums do not match D");
  if (consumed != size - at) {
    malformed(std::to_string(size - at - consumed) + " bytes follow the sums");
  }
  return m;
}

}  // namespace gaussmix
