// K-means' operations on single rows: squared distances in a fixed order, the exact distance
// for rows whose squares overflow, and the dispatch on few features.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "errors.h"
#include "lanes.h"
#include "types.h"

namespace gaussmix::kmeans {

// Squared distances up to this bound keep every term of the expanded form c2 − 2x·c finite:
// with ‖c‖² <= L for every centre and ‖x − c_label‖² <= L, ‖x‖ <= 2√L, so each partial sum
// is below 5L < DBL_MAX. A row or centre past it is the rare case (see overflowing below).
constexpr double kSafeSquare = 0x1p1019;

// Row operations on groups of four values held as packets (one on AVX2, two on SSE2), so that
// they are vectorised whatever the compiler makes of a loop over a run-time width.
namespace row {
#if defined(EIGEN_VECTORIZE_AVX)
using Packet = Eigen::internal::Packet4d;  // also under AVX-512: a group of four is one packet
constexpr int kPacket = 4;
#else
using Packet = detail::Packet;
constexpr int kPacket = detail::kPacket;
#endif
static_assert(4 % kPacket == 0, "a group of four values is whole packets");
constexpr int kPerFour = 4 / kPacket;

// ‖a − b‖² over d values with four partial sums, s_q over the values j ≡ q (mod 4) of the
// whole groups of four and the rest added to s_0, then (s_0 + s_1) + (s_2 + s_3): a fixed
// order, the same for every row whatever its alignment.
inline double squaredDistance(const double* a, const double* b, Index d) {
  using namespace Eigen::internal;
  Packet acc[kPerFour];
  for (int q = 0; q < kPerFour; ++q) acc[q] = pset1<Packet>(0.0);
  Index j = 0;
  for (; j + 4 <= d; j += 4) {
    for (int q = 0; q < kPerFour; ++q) {
      const Packet t = psub(ploadu<Packet>(a + j + q * kPacket), ploadu<Packet>(b + j + q * kPacket));
      acc[q] = padd(acc[q], pmul(t, t));
    }
  }
  double s[4];
  for (int q = 0; q < kPerFour; ++q) pstoreu(s + q * kPacket, acc[q]);
  for (; j < d; ++j) {
    const double t = a[j] - b[j];
    s[0] += t * t;
  }
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// out = x − o over d values.
inline void difference(const double* x, const double* o, Index d, double* out) {
  using namespace Eigen::internal;
  Index j = 0;
  for (; j + kPacket <= d; j += kPacket) {
    pstoreu(out + j, psub(ploadu<Packet>(x + j), ploadu<Packet>(o + j)));
  }
  for (; j < d; ++j) out[j] = x[j] - o[j];
}

// sum += w·(x − c) over d values.
inline void addScaledDifference(double* sum, double w, const double* x, const double* c,
                                Index d) {
  using namespace Eigen::internal;
  const Packet pw = pset1<Packet>(w);
  Index j = 0;
  for (; j + kPacket <= d; j += kPacket) {
    const Packet t = pmul(pw, psub(ploadu<Packet>(x + j), ploadu<Packet>(c + j)));
    pstoreu(sum + j, padd(ploadu<Packet>(sum + j), t));
  }
  for (; j < d; ++j) sum[j] += w * (x[j] - c[j]);
}
}  // namespace row

using row::squaredDistance;

// squaredDistance for a packet of rows at once (the same bits per row): xv[t] holds feature t of
// the rows (t < d), c the centre. Four partial sums of whole groups of four features, the rest
// into the first, (s0 + s1) + (s2 + s3) (the zeros of unused partial sums left out: they change
// no value, every partial sum being >= +0).
inline detail::Packet packetDistance(const detail::Packet* xv, const double* c, Index d) {
  using namespace Eigen::internal;
  using detail::Packet;
  const auto term = [&](Index t) {
    const Packet y = psub(xv[t], pset1<Packet>(c[t]));
    return pmul(y, y);
  };
  if (d < 4) {
    Packet e = term(0);
    for (Index t = 1; t < d; ++t) e = padd(e, term(t));
    return e;
  }
  Packet part[4];
  for (int u = 0; u < 4; ++u) part[u] = term(u);
  Index t = 4;
  for (; t + 4 <= d; t += 4) {
    for (int u = 0; u < 4; ++u) part[u] = padd(part[u], term(t + u));
  }
  for (; t < d; ++t) part[0] = padd(part[0], term(t));
  return padd(padd(part[0], part[1]), padd(part[2], part[3]));
}

// squaredDistance for kD <= 4 features unrolled, the same bits: ((y0² + y1²) + y2²) below
// four (the other partial sums are 0), (y0² + y1²) + (y2² + y3²) at four.
template <int kD>
inline double smallDistance(const double* x, const double* c) {
  static_assert(kD >= 1 && kD <= 4, "few features");
  double y[kD];
  for (int t = 0; t < kD; ++t) y[t] = x[t] - c[t];
  if constexpr (kD == 4) {
    return (y[0] * y[0] + y[1] * y[1]) + (y[2] * y[2] + y[3] * y[3]);
  } else {
    double s = y[0] * y[0];
    for (int t = 1; t < kD; ++t) s += y[t] * y[t];
    return s;
  }
}

// The relative margin by which a bound or a kernel value must clear its rounding: the
// squared distances are exact to about (D + 3)·eps relative, and the expanded form's values
// to a few times (D + 10)·eps of ‖x‖² + ‖c‖²; 1e-10 is far above both for D up to 25,000 (and
// far below any gap data show between a row's nearest and second nearest centre).
inline double roundingMargin(Index d) {
  return std::max(1e-10, 4e-15 * static_cast<double>(d + 10));
}

// squaredDistancesAlongRows' kP packets of rows from row i: kP·4 independent sums in flight
// (one packet's four chains of additions left most of a 64-feature distance waiting on their
// latency).
template <int kD, int kP>
inline void packetsAlongRows(const double* __restrict xt, Index stride, Index i,
                               const double* __restrict c, Index d, double* __restrict out) {
  using namespace Eigen::internal;
  using Packet = gaussmix::detail::Packet;
  constexpr int kPacket = gaussmix::detail::kPacket;
  const Index dd = kD > 0 ? kD : d;
  const auto term = [&](Index t, int p) {
    const Packet y = psub(ploadu<Packet>(xt + t * stride + i + p * kPacket), pset1<Packet>(c[t]));
    return pmul(y, y);
  };
  if (dd < 4) {
    Packet e[kP];
    for (int p = 0; p < kP; ++p) e[p] = term(0, p);
    for (Index t = 1; t < dd; ++t) {
      for (int p = 0; p < kP; ++p) e[p] = padd(e[p], term(t, p));
    }
    for (int p = 0; p < kP; ++p) pstoreu(out + i + p * kPacket, e[p]);
    return;
  }
  Packet part[4][kP];
  for (int u = 0; u < 4; ++u) {
    for (int p = 0; p < kP; ++p) part[u][p] = term(u, p);
  }
  Index t = 4;
  for (; t + 4 <= dd; t += 4) {
    for (int u = 0; u < 4; ++u) {
      for (int p = 0; p < kP; ++p) part[u][p] = padd(part[u][p], term(t + u, p));
    }
  }
  for (; t < dd; ++t) {
    for (int p = 0; p < kP; ++p) part[0][p] = padd(part[0][p], term(t, p));
  }
  for (int p = 0; p < kP; ++p) {
    pstoreu(out + i + p * kPacket,
            padd(padd(part[0][p], part[1][p]), padd(part[2][p], part[3][p])));
  }
}

// squaredDistance of rows laid out by column (xt[t·stride + i]) to c, vectorised along the rows:
// out[i] for i < rows rounded up to whole packets (xt and out hold that many). The same bits
// as squaredDistance (and smallDistance) row by row: four partial sums of whole groups of four
// features, the rest into the first, (s0 + s1) + (s2 + s3); below four features one sum (the
// unused partial sums are +0, and adding +0 to a sum of squares changes no bit).
template <int kD>
inline void squaredDistancesAlongRows(const double* __restrict xt, Index stride, Index rows,
                                      const double* __restrict c, Index d,
                                      double* __restrict out) {
  constexpr int kPacket = gaussmix::detail::kPacket;
  // Four packets at once where there are 32 vector registers (AVX-512), else two.
  constexpr int kP = kPacket == 8 ? 4 : 2;
  Index i = 0;
  for (; i + kP * kPacket <= rows; i += kP * kPacket) {
    packetsAlongRows<kD, kP>(xt, stride, i, c, d, out);
  }
  for (; i < rows; i += kPacket) packetsAlongRows<kD, 1>(xt, stride, i, c, d, out);
}

// Calls fn(std::integral_constant<int, kD>) with kD = d for 1 <= d <= 4, else 0: the kernels
// for few features are compiled with their size known.
template <class Fn>
void withFeatureCount(Index d, Fn fn) {
  switch (d) {
    case 1: fn(std::integral_constant<int, 1>()); break;
    case 2: fn(std::integral_constant<int, 2>()); break;
    case 3: fn(std::integral_constant<int, 3>()); break;
    case 4: fn(std::integral_constant<int, 4>()); break;
    default: fn(std::integral_constant<int, 0>()); break;
  }
}

// The rare path for a row whose squares overflow (or underflow): ‖x − c‖ scaled by the largest
// |x_j − c_j| (halved first when that difference itself overflows), so that it is exact
// whenever it is representable. Infinity only when the distance is beyond DBL_MAX.
inline double scaledDistance(const double* x, const double* c, Index d) {
  double scale = 0.0;
  for (Index j = 0; j < d; ++j) scale = std::max(scale, std::abs(x[j] - c[j]));
  const bool halve = !std::isfinite(scale);
  if (halve) {
    scale = 0.0;
    for (Index j = 0; j < d; ++j) scale = std::max(scale, std::abs(0.5 * x[j] - 0.5 * c[j]));
  }
  if (scale == 0.0) return 0.0;
  double sum = 0.0;
  for (Index j = 0; j < d; ++j) {
    const double t = (halve ? 0.5 * x[j] - 0.5 * c[j] : x[j] - c[j]) / scale;
    sum += t * t;
  }
  const double distance = scale * std::sqrt(sum);
  return halve ? 2.0 * distance : distance;
}

// ‖x − c‖ exactly when representable: the plain sum of squares unless it overflowed or fell
// into the range where squares lose precision.
inline double exactDistance(const double* x, const double* c, Index d) {
  const double d2 = squaredDistance(x, c, d);
  if (d2 >= 0x1p-960 && d2 <= kSafeSquare) return std::sqrt(d2);
  return scaledDistance(x, c, d);
}

// The fit refuses data whose squared distances overflow: labels and inertia would be garbage.
inline Error overflowing(Index component) {
  return Error(ErrorKind::IllConditioned,
               "component " + std::to_string(component) +
                   ": squared distances to its centre overflow float64 (features of magnitude "
                   "beyond about 1e153); standardise the features.",
               static_cast<long>(component));
}

}  // namespace gaussmix::kmeans
