#include "kmeans_cluster_sums.h"

#include <algorithm>
#include <cmath>

namespace gaussmix::kmeans {

namespace {

using Packet = Eigen::internal::packet_traits<double>::type;
constexpr Index kPacket = Eigen::internal::packet_traits<double>::size;

// The first `count` (< kPacket) values from x, 0 in the other lanes, without reading past
// x + count (masked loads do not touch the masked lanes' memory).
inline Packet loadFirst(const double* x, Index count, double* copy) {
#if defined(__AVX512F__)
  static_assert(kPacket == 8, "AVX-512's packet of doubles");
  return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << count) - 1), x);
#elif defined(__AVX2__)
  static_assert(kPacket == 4, "AVX's packet of doubles");
  const __m256i lanes = _mm256_setr_epi64x(0, 1, 2, 3);
  return _mm256_maskload_pd(x, _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), lanes));
#else
  std::fill_n(copy, kPacket, 0.0);
  std::copy_n(x, count, copy);
  return Eigen::internal::ploadu<Packet>(copy);
#endif
}

// Bins per value and bits per bin. A value v with |v| < 2^R splits exactly into
// s_0 + ... + s_(kBins − 1) + rest, s_b a multiple of 2^(R − kBinBits·(b + 1)) of at most
// kBinBits + 1 bits: (v + C) − C with C = 1.5 · 2^(R − kBinBits + 52) rounds v to that
// multiple (|v| is below half of C's binade), and v − s_0 is exact.
constexpr Index kBins = ClusterSums::kBins;
constexpr int kBinBits = 45;
// Adds per bin between flushes: 2^(52 − kBinBits) multiples of at most 2^kBinBits stay below
// 2^53.
constexpr std::int32_t kFlushAdds = std::int32_t{1} << (52 - kBinBits);
// A new bound leaves this many bits above the value that raised it.
constexpr int kHeadroom = 3;
// The last bin's C must be a normal double, the first's below 2^1023 with room for v.
constexpr int kMinExponent = kBins * kBinBits - 1074;
constexpr int kMaxExponent = 1022 + kBinBits - 52;

// a = s[0] + ... + s[kBins − 1] + the returned rest, exactly (c: the first bin's C, the
// others `stride` apart).
inline double split(double a, const double* c, Index stride, double* s) {
  double r = a;
  for (Index b = 0; b < kBins; ++b) {
    s[b] = (r + c[b * stride]) - c[b * stride];
    r -= s[b];
  }
  return r;
}

}  // namespace

void ClusterSums::reset(Index k, Index d, Index n) {
  k_ = k;
  d_ = d;
  packets_ = std::max<Index>(1, (d + kPacket - 1) / kPacket);
  tail_ = d - (packets_ - 1) * kPacket;
  lanes_ = packets_ * kPacket + 1;
  sums_.resize(n);
  const auto lanes = static_cast<size_t>(lanes_);
  feature_.assign(lanes, -1);
  for (Index l = 0; l < d; ++l) feature_[static_cast<size_t>(l)] = l;
  feature_[lanes - 1] = d;  // the weight
  bins_.assign(static_cast<size_t>(k * kBins) * lanes, 0.0);
  adds_.assign(static_cast<size_t>(k), 0);
  exponent_.assign(lanes, 0);
  bound_.assign(lanes, 0.0);
  for (size_t l = 0; l < lanes; ++l) {
    if (feature_[l] < 0) bound_[l] = 1.0;  // unused lanes hold 0
  }
  split_.assign(kBins * lanes, 0.0);
  copy_.assign(static_cast<size_t>(kPacket), 0.0);
  flat_.resize(static_cast<size_t>(d + 1));
  batch_.clear();
  batch_.reserve(kBatch);
  touched_.assign(static_cast<size_t>(k), 0);
  exactOnly_ = false;
}

void ClusterSums::drain() {
  using namespace Eigen::internal;
  if (batch_.empty()) return;
  const Index last = packets_ - 1;
  const Index wl = lanes_ - 1;  // the weight's lane
  const bool whole = tail_ == kPacket;
  // Packet p of w·x, each product rounded once (0 in unused lanes).
  const auto packet = [&](const Entry& e, const Packet& w, Index p) {
    const double* x = e.x + p * kPacket;
    return pmul(w, p < last || whole ? ploadu<Packet>(x) : loadFirst(x, tail_, copy_.data()));
  };
  if (!exactOnly_) {
    Packet over = pset1<Packet>(-1.0);
    double overWeight = -1.0;
    for (const Entry& e : batch_) {
      const Packet w = pset1<Packet>(e.w);
      for (Index p = 0; p < packets_; ++p) {
        over = pmax(over, psub(pabs(packet(e, w, p)), ploadu<Packet>(bound_.data() + p * kPacket)));
      }
      overWeight = std::max(overWeight, std::fabs(e.w) - bound_[static_cast<size_t>(wl)]);
    }
    // (No NaN: w and x are finite; an infinite product is beyond every bound.)
    if (!(predux_max(over) < 0.0) || !(overWeight < 0.0)) grow();
  }
  if (exactOnly_) {
    for (const Entry& e : batch_) exactly(e);
    batch_.clear();
    return;
  }
  const double* c0 = split_.data();
  // A unit weight's split is s0 = 1 while 1 is a multiple of the first bin's unit.
  const bool unitWeights = c0[wl] <= 0x1.8p52;
  const auto bins = [&](std::int32_t c) -> double* {
    if (c < 0) return nullptr;
    const auto at = static_cast<size_t>(c);
    if (adds_[at] == kFlushAdds) flush(c);
    ++adds_[at];
    return bins_.data() + c * kBins * lanes_;
  };
  Packet leftover = pset1<Packet>(0.0);
  double leftoverWeight = 0.0;
  for (const Entry& e : batch_) {
    // A moved row is split once: its parts out of one cluster's bins, into the other's.
    double* to = bins(e.to);
    double* from = bins(e.from);
    const Packet w = pset1<Packet>(e.w);
    for (Index p = 0; p < packets_; ++p) {
      const Index j = p * kPacket;
      Packet r = packet(e, w, p);
      Packet parts[kBins];
      for (Index b = 0; b < kBins; ++b) {
        const Packet k = ploadu<Packet>(c0 + b * lanes_ + j);
        parts[b] = psub(padd(r, k), k);
        r = psub(r, parts[b]);
      }
      for (Index b = 0; b < kBins; ++b) {
        const Index at = b * lanes_ + j;
        if (to != nullptr) pstoreu(to + at, padd(ploadu<Packet>(to + at), parts[b]));
        if (from != nullptr) pstoreu(from + at, psub(ploadu<Packet>(from + at), parts[b]));
      }
      leftover = pmax(leftover, pabs(r));
    }
    double parts[kBins] = {e.w};
    if (!(e.w == 1.0 && unitWeights)) {
      leftoverWeight = std::max(leftoverWeight, std::fabs(split(e.w, c0 + wl, lanes_, parts)));
    }
    for (Index b = 0; b < kBins; ++b) {
      if (to != nullptr) to[b * lanes_ + wl] += parts[b];
      if (from != nullptr) from[b * lanes_ + wl] -= parts[b];
    }
  }
  if (predux_max(leftover) != 0.0 || leftoverWeight != 0.0) {
    // Some value had bits below the last bin: the batch's rests again, one value at a time
    // (the same operations, so the same bits), into the ExactSums.
    double parts[kBins];
    for (const Entry& e : batch_) {
      for (Index l = 0; l < lanes_; ++l) {
        const Index f = feature_[static_cast<size_t>(l)];
        if (f < 0) continue;
        const double a = f == d_ ? e.w : e.w * e.x[f];
        const double rest = split(a, c0 + l, lanes_, parts);
        if (rest == 0.0) continue;
        const Index at = f == d_ ? 0 : 1 + f;
        if (e.to >= 0) sums_.add(e.to * (d_ + 1) + at, rest);
        if (e.from >= 0) sums_.add(e.from * (d_ + 1) + at, -rest);
      }
    }
  }
  batch_.clear();
}

void ClusterSums::exactly(const Entry& e) {
  flat_[0] = e.w;
  for (Index j = 0; j < d_; ++j) flat_[static_cast<size_t>(1 + j)] = e.w * e.x[j];
  if (e.to >= 0) sums_.add(e.to * (d_ + 1), flat_.data(), d_ + 1);
  if (e.from >= 0) {
    for (double& v : flat_) v = -v;
    sums_.add(e.from * (d_ + 1), flat_.data(), d_ + 1);
  }
}

void ClusterSums::flush(Index c) {
  double* b = bins_.data() + c * kBins * lanes_;
  for (Index bin = 0; bin < kBins; ++bin) {
    const double* from = b + bin * lanes_;
    for (Index l = 0; l < lanes_; ++l) {
      const Index f = feature_[static_cast<size_t>(l)];
      if (f >= 0) flat_[static_cast<size_t>(f == d_ ? 0 : 1 + f)] = from[l];
    }
    sums_.add(c * (d_ + 1), flat_.data(), d_ + 1);
  }
  std::fill_n(b, kBins * lanes_, 0.0);
  adds_[static_cast<size_t>(c)] = 0;
}

void ClusterSums::flushAll() {
  for (Index c = 0; c < k_; ++c) {
    if (adds_[static_cast<size_t>(c)] > 0) flush(c);
  }
}

const ExactSums& ClusterSums::sums() {
  drain();
  flushAll();
  return sums_;
}

void ClusterSums::grow() {
  flushAll();
  for (Index l = 0; l < lanes_; ++l) {
    const Index f = feature_[static_cast<size_t>(l)];
    if (f < 0) continue;
    double largest = 0.0;
    for (const Entry& e : batch_) {
      largest = std::max(largest, std::fabs(f == d_ ? e.w : e.w * e.x[f]));
    }
    if (!(largest < bound_[static_cast<size_t>(l)])) raise(l, largest);
    if (exactOnly_) return;
  }
}

void ClusterSums::raise(Index lane, double magnitude) {
  const auto at = static_cast<size_t>(lane);
  if (!std::isfinite(magnitude)) {
    exactOnly_ = true;
    return;
  }
  int exponent = magnitude == 0.0 ? 0 : std::ilogb(magnitude) + 1 + kHeadroom;
  if (bound_[at] > 0.0) exponent = std::max(exponent, exponent_[at]);
  exponent = std::max(exponent, kMinExponent);
  if (exponent > kMaxExponent) {
    exactOnly_ = true;
    return;
  }
  exponent_[at] = exponent;
  bound_[at] = std::ldexp(1.0, exponent);
  for (Index bin = 0; bin < kBins; ++bin) {
    split_[static_cast<size_t>(bin * lanes_ + lane)] =
        1.5 * std::ldexp(1.0, exponent - kBinBits * static_cast<int>(bin + 1) + 52);
  }
}

}  // namespace gaussmix::kmeans
