// Kernels along the rows of a chunk laid out by column (see Covariance::logGaussianColumns):
// eight rows at a time as one fixed-size Eigen array, which Eigen vectorises on every SIMD
// variant. Sums keep eight partial sums and fold them in one fixed order, so no thread count
// changes a result.
#pragma once

#include "types.h"

namespace gaussmix {

static_assert(kLanes == 8, "foldLanes adds eight partial sums");
using Lane = Eigen::Array<double, kLanes, 1>;
using LaneMap = Eigen::Map<Lane>;
using ConstLaneMap = Eigen::Map<const Lane>;

inline double foldLanes(const Lane& acc) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Σ a_i over i < n (n a multiple of 8: the padding lanes must add 0).
inline double laneSum(const double* a, Index n) {
  Lane acc = Lane::Zero();
  for (Index i = 0; i < n; i += kLanes) acc += ConstLaneMap(a + i);
  return foldLanes(acc);
}

// Σ a_i b_i.
inline double laneDot(const double* a, const double* b, Index n) {
  Lane acc = Lane::Zero();
  for (Index i = 0; i < n; i += kLanes) acc += ConstLaneMap(a + i) * ConstLaneMap(b + i);
  return foldLanes(acc);
}

// Σ a_i b_i c_i.
inline double laneDot3(const double* a, const double* b, const double* c, Index n) {
  Lane acc = Lane::Zero();
  for (Index i = 0; i < n; i += kLanes) {
    acc += (ConstLaneMap(a + i) * ConstLaneMap(b + i)) * ConstLaneMap(c + i);
  }
  return foldLanes(acc);
}

// Σ r_i (x_i − m).
inline double laneCentredDot(const double* r, const double* x, double m, Index n) {
  Lane acc = Lane::Zero();
  for (Index i = 0; i < n; i += kLanes) acc += ConstLaneMap(r + i) * (ConstLaneMap(x + i) - m);
  return foldLanes(acc);
}

// Σ r_i (x_i − m)².
inline double laneWeightedSquares(const double* r, const double* x, double m, Index n) {
  Lane acc = Lane::Zero();
  for (Index i = 0; i < n; i += kLanes) {
    acc += (ConstLaneMap(r + i) * (ConstLaneMap(x + i) - m)) * (ConstLaneMap(x + i) - m);
  }
  return foldLanes(acc);
}

// sum += Σ r_i (x_i − m) and squares += Σ r_i (x_i − m)², in one sweep.
inline void laneCentredMoments(const double* r, const double* x, double m, Index n, double& sum,
                               double& squares) {
  Lane a = Lane::Zero();
  Lane q = Lane::Zero();
  for (Index i = 0; i < n; i += kLanes) {
    const Lane y = ConstLaneMap(x + i) - m;
    const Lane ry = ConstLaneMap(r + i) * y;
    a += ry;
    q += ry * y;
  }
  sum += foldLanes(a);
  squares += foldLanes(q);
}

// Lane-wise selections as bit masks on Eigen's packets (Eigen 3.4's select() is not vectorised).
namespace detail {
using Packet = Eigen::internal::packet_traits<double>::type;
constexpr int kPacket = Eigen::internal::unpacket_traits<Packet>::size;
static_assert(kLanes % kPacket == 0, "a lane holds whole packets");
template <class Op>
inline Lane packetwise(const Lane& a, double b, Op op) {
  using namespace Eigen::internal;
  Lane out;
  const Packet pb = pset1<Packet>(b);
  for (int l = 0; l < kLanes; l += kPacket) {
    pstoreu(out.data() + l, op(ploadu<Packet>(a.data() + l), pb));
  }
  return out;
}
}  // namespace detail

// a_l < b ? 0 : a_l.
inline Lane zeroBelow(const Lane& a, double b) {
  using namespace Eigen::internal;
  return detail::packetwise(a, b, [](const detail::Packet& x, const detail::Packet& y) {
    return pandnot(x, pcmp_lt(x, y));
  });
}

// a_l == b ? 0 : a_l.
inline Lane zeroWhereEqual(const Lane& a, double b) {
  using namespace Eigen::internal;
  return detail::packetwise(a, b, [](const detail::Packet& x, const detail::Packet& y) {
    return pandnot(x, pcmp_eq(x, y));
  });
}

// exp(a), and 0 where it would be below the smallest normal double (about e^−708.4; −∞
// included). The argument is raised to that bound before Eigen's exp, so that no lane computes
// a subnormal result: Eigen's exp clamps at −709.78 and returns about 5.6e-309 there, and
// arithmetic that produces subnormals is slow (measured 30% of d8's E-step, where most
// components are far from most rows). Above the bound, Eigen's exp unchanged; below it, as
// before, 0 (an absolute error under 2.3e-308).
inline Lane expOrZero(const Lane& a) {
  using namespace Eigen::internal;
  // Just above log(DBL_MIN) = −708.39641853226408: exp of it is a normal double for any
  // rounding of Eigen's exp (2.9e5 ulp of margin).
  constexpr double kLowest = -708.3964185322;
  const Lane e = a.max(kLowest).exp();
  Lane out;
  const detail::Packet lowest = pset1<detail::Packet>(kLowest);
  for (int l = 0; l < kLanes; l += detail::kPacket) {
    const detail::Packet x = ploadu<detail::Packet>(a.data() + l);
    pstoreu(out.data() + l, pandnot(ploadu<detail::Packet>(e.data() + l), pcmp_lt(x, lowest)));
  }
  return out;
}

}  // namespace gaussmix
