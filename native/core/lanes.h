// Kernels along the rows of a chunk laid out by column (see Covariance::logGaussianColumns):
// eight rows at a time as one fixed-size Eigen array, which Eigen vectorises on every SIMD
// variant (four SSE2 packets, two AVX2 ones or one AVX-512 one). Sums keep eight partial sums
// and fold them in one fixed order, so no thread count changes a result.
#pragma once

#include <limits>

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

// Lane-wise selections as bit masks on Eigen's packets (Eigen 3.4's select() is not vectorised).
namespace detail {
using Packet = Eigen::internal::packet_traits<double>::type;
constexpr int kPacket = Eigen::internal::packet_traits<double>::size;
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

// Lane masks (a < b, a == b; false where either is NaN), selection and masked adds, for the
// K-means passes. On AVX-512 a mask stays in a mask register (Eigen's comparisons widen it into
// a packet, which pselect or pand then apply: one or two more instructions each time);
// elsewhere they are Eigen's. The same lanes and the same sums either way: a lane left out of
// addWhere keeps acc, where Eigen's form adds +0 to it, and no sum of these is ever −0.
namespace detail {
#if defined(EIGEN_VECTORIZE_AVX512)
using LaneMask = __mmask8;
inline LaneMask lessThan(const Packet& a, const Packet& b) {
  return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ);
}
inline LaneMask equalTo(const Packet& a, const Packet& b) {
  return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ);
}
inline Packet selectWhere(LaneMask m, const Packet& then, const Packet& otherwise) {
  return _mm512_mask_blend_pd(m, otherwise, then);
}
inline Packet addWhere(LaneMask m, const Packet& acc, const Packet& v) {
  return _mm512_mask_add_pd(acc, m, acc, v);
}
#else
using LaneMask = Packet;
inline LaneMask lessThan(const Packet& a, const Packet& b) {
  return Eigen::internal::pcmp_lt(a, b);
}
inline LaneMask equalTo(const Packet& a, const Packet& b) {
  return Eigen::internal::pcmp_eq(a, b);
}
inline Packet selectWhere(const LaneMask& m, const Packet& then, const Packet& otherwise) {
  return Eigen::internal::pselect(m, then, otherwise);
}
inline Packet addWhere(const LaneMask& m, const Packet& acc, const Packet& v) {
  return Eigen::internal::padd(acc, Eigen::internal::pand(m, v));
}
#endif
}  // namespace detail

// foldLanes of eight lanes held as packets.
inline double foldPackets(const detail::Packet* acc) {
  Lane lanes;
  for (int q = 0; q < kLanes / detail::kPacket; ++q) {
    Eigen::internal::pstoreu(lanes.data() + q * detail::kPacket, acc[q]);
  }
  return foldLanes(lanes);
}

// sum_j += Σ r_i (x_ji − m_j), squares_j += Σ r_i (x_ji − m_j)² for J columns x_j (at
// x + j·stride) in one sweep, r loaded once for all of them; the squares by pmadd (fused on
// AVX2+FMA).
template <int J>
inline void laneCentredMomentsJ(const double* r, const double* x, Index stride, const double* m,
                                Index n, double* sum, double* squares) {
  using namespace Eigen::internal;
  using detail::Packet;
  constexpr int kPackets = kLanes / detail::kPacket;
  Packet a[J][kPackets];
  Packet q[J][kPackets];
  Packet mj[J];
  for (int j = 0; j < J; ++j) {
    mj[j] = pset1<Packet>(m[j]);
    for (int p = 0; p < kPackets; ++p) a[j][p] = q[j][p] = pset1<Packet>(0.0);
  }
  for (Index i = 0; i < n; i += kLanes) {
    for (int p = 0; p < kPackets; ++p) {
      const Packet rp = ploadu<Packet>(r + i + p * detail::kPacket);
      for (int j = 0; j < J; ++j) {
        const Packet y = psub(ploadu<Packet>(x + j * stride + i + p * detail::kPacket), mj[j]);
        const Packet ry = pmul(rp, y);
        a[j][p] = padd(a[j][p], ry);
        q[j][p] = pmadd(ry, y, q[j][p]);
      }
    }
  }
  for (int j = 0; j < J; ++j) {
    sum[j] += foldPackets(a[j]);
    squares[j] += foldPackets(q[j]);
  }
}

// d_l == 0 ? 1 : e_l.
inline Lane oneWhereZero(const Lane& d, const Lane& e) {
  using namespace Eigen::internal;
  Lane out;
  const detail::Packet zero = pset1<detail::Packet>(0.0);
  const detail::Packet one = pset1<detail::Packet>(1.0);
  for (int l = 0; l < kLanes; l += detail::kPacket) {
    const detail::Packet dl = ploadu<detail::Packet>(d.data() + l);
    pstoreu(out.data() + l, pselect(pcmp_eq(dl, zero), one, ploadu<detail::Packet>(e.data() + l)));
  }
  return out;
}

// a_l == 0 ? 0 : v_l (v_l may be NaN there: 0·(−∞), say).
inline Lane zeroWhereZero(const Lane& a, const Lane& v) {
  using namespace Eigen::internal;
  Lane out;
  const detail::Packet zero = pset1<detail::Packet>(0.0);
  for (int l = 0; l < kLanes; l += detail::kPacket) {
    const detail::Packet al = ploadu<detail::Packet>(a.data() + l);
    pstoreu(out.data() + l, pandnot(ploadu<detail::Packet>(v.data() + l), pcmp_eq(al, zero)));
  }
  return out;
}

// a_l == b ? 0 : a_l.
inline Lane zeroWhereEqual(const Lane& a, double b) {
  using namespace Eigen::internal;
  return detail::packetwise(a, b, [](const detail::Packet& x, const detail::Packet& y) {
    return pandnot(x, pcmp_eq(x, y));
  });
}

namespace detail {
// Just above log(DBL_MIN) = −708.39641853226408: exp of it is a normal double (e^6e-11 above).
constexpr double kExpLowest = -708.3964185322;
#if defined(EIGEN_VECTORIZE_AVX512)
#define GAUSSMIX_OWN_EXP 1
// 2^n for the integer n that t − 1.5·2^52 holds exactly, n in [−1022, 0].
inline Packet twoToThe(const Packet& t, const Packet& shifter) {
  const __m512i bits = _mm512_sub_epi64(_mm512_castpd_si512(t), _mm512_castpd_si512(shifter));
  const __m512i biased = _mm512_add_epi64(bits, _mm512_set1_epi64(1023));
  return _mm512_castsi512_pd(_mm512_slli_epi64(biased, 52));
}
// The biased exponent field of x as a double (x >= 0): 2^52 + e − 2^52.
inline Packet biasedExponent(const Packet& x) {
  const __m512i e = _mm512_srli_epi64(_mm512_castpd_si512(x), 52);
  const __m512i two52 = _mm512_set1_epi64(0x4330000000000000);
  return _mm512_sub_pd(_mm512_castsi512_pd(_mm512_or_si512(e, two52)), _mm512_castsi512_pd(two52));
}
#elif defined(EIGEN_VECTORIZE_AVX2)
#define GAUSSMIX_OWN_EXP 1
// 2^n for the integer n that t − 1.5·2^52 holds exactly, n in [−1022, 0].
inline Packet twoToThe(const Packet& t, const Packet& shifter) {
  const __m256i bits = _mm256_sub_epi64(_mm256_castpd_si256(t), _mm256_castpd_si256(shifter));
  const __m256i biased = _mm256_add_epi64(bits, _mm256_set1_epi64x(1023));
  return _mm256_castsi256_pd(_mm256_slli_epi64(biased, 52));
}
// The biased exponent field of x as a double (x >= 0): 2^52 + e − 2^52.
inline Packet biasedExponent(const Packet& x) {
  const __m256i e = _mm256_srli_epi64(_mm256_castpd_si256(x), 52);
  const __m256i two52 = _mm256_set1_epi64x(0x4330000000000000);
  return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(e, two52)), _mm256_castsi256_pd(two52));
}
#elif defined(EIGEN_VECTORIZE_SSE2) && !defined(EIGEN_VECTORIZE_AVX)
#define GAUSSMIX_OWN_EXP 1
inline Packet twoToThe(const Packet& t, const Packet& shifter) {
  const __m128i bits = _mm_sub_epi64(_mm_castpd_si128(t), _mm_castpd_si128(shifter));
  return _mm_castsi128_pd(_mm_slli_epi64(_mm_add_epi64(bits, _mm_set1_epi64x(1023)), 52));
}
inline Packet biasedExponent(const Packet& x) {
  const __m128i e = _mm_srli_epi64(_mm_castpd_si128(x), 52);
  const __m128i two52 = _mm_set1_epi64x(0x4330000000000000);
  return _mm_sub_pd(_mm_castsi128_pd(_mm_or_si128(e, two52)), _mm_castsi128_pd(two52));
}
#endif
#ifdef GAUSSMIX_OWN_EXP
// exp(x) for x in [kExpLowest, 0]: x = n·log 2 + r, |r| <= log(2)/2 (log 2 in two parts, the
// first exact times any n), e^r by its Taylor polynomial of degree 13 (truncation under 6e-18
// relative), times 2^n built in the exponent bits. About 1 ulp, like Eigen's exp, which spends
// a division and a general ldexp (clamps, four products) on every packet; never subnormal.
inline Packet expNonPositive(const Packet& x) {
  using namespace Eigen::internal;
  const Packet shifter = pset1<Packet>(6755399441055744.0);  // 1.5·2^52: rounds to an integer
  const Packet t = pmadd(x, pset1<Packet>(1.4426950408889634074), shifter);
  const Packet n = psub(t, shifter);
  Packet r = pmadd(n, pset1<Packet>(-6.93147180369123816490e-01), x);  // fdlibm's ln2_hi
  r = pmadd(n, pset1<Packet>(-1.90821492927058770002e-10), r);         // ln2_lo
  Packet p = pset1<Packet>(1.6059043836821613e-10);                      // 1/13!
  p = pmadd(p, r, pset1<Packet>(2.08767569878681e-09));
  p = pmadd(p, r, pset1<Packet>(2.505210838544172e-08));
  p = pmadd(p, r, pset1<Packet>(2.755731922398589e-07));
  p = pmadd(p, r, pset1<Packet>(2.7557319223985893e-06));
  p = pmadd(p, r, pset1<Packet>(2.48015873015873e-05));
  p = pmadd(p, r, pset1<Packet>(0.0001984126984126984));
  p = pmadd(p, r, pset1<Packet>(0.001388888888888889));
  p = pmadd(p, r, pset1<Packet>(0.008333333333333333));
  p = pmadd(p, r, pset1<Packet>(0.041666666666666664));
  p = pmadd(p, r, pset1<Packet>(0.16666666666666666));
  p = pmadd(p, r, pset1<Packet>(0.5));
  p = pmadd(p, r, pset1<Packet>(1.0));
  p = pmadd(p, r, pset1<Packet>(1.0));
  return pmul(p, twoToThe(t, shifter));
}
// log(x) for x = 0 (−∞) or a positive normal double (no subnormals, infinities or NaN):
// fdlibm's log. x = 2^k·m, m in [√½, √2), f = m − 1, s = f/(2 + f), log m = f − ½f² +
// s(½f² + R(s²)) with fdlibm's minimax R; k·log 2 in two parts. Under 1 ulp.
inline Packet logPositive(const Packet& x) {
  using namespace Eigen::internal;
  const Packet one = pset1<Packet>(1.0);
  const Packet mantissaBits = pset1frombits<Packet>(static_cast<uint64_t>(0x000fffffffffffffull));
  Packet m = por(pand(x, mantissaBits), one);  // [1, 2)
  Packet k = psub(biasedExponent(x), pset1<Packet>(1023.0));
  const Packet high = pcmp_lt(pset1<Packet>(1.4142135623730951), m);
  m = pselect(high, pmul(m, pset1<Packet>(0.5)), m);
  k = padd(k, pand(high, one));
  const Packet f = psub(m, one);
  const Packet s = pdiv(f, padd(pset1<Packet>(2.0), f));
  const Packet z = pmul(s, s);
  const Packet w = pmul(z, z);
  const Packet lg1 = pset1<Packet>(6.666666666666735130e-01);  // fdlibm's Lg1 ... Lg7
  const Packet lg2 = pset1<Packet>(3.999999999940941908e-01);
  const Packet lg3 = pset1<Packet>(2.857142874366239149e-01);
  const Packet lg4 = pset1<Packet>(2.222219843214978396e-01);
  const Packet lg5 = pset1<Packet>(1.818357216161805012e-01);
  const Packet lg6 = pset1<Packet>(1.531383769920937332e-01);
  const Packet lg7 = pset1<Packet>(1.479819860511658591e-01);
  Packet t1 = pmadd(w, lg6, lg4);
  t1 = pmul(w, pmadd(w, t1, lg2));
  Packet t2 = pmadd(w, lg7, lg5);
  t2 = pmadd(w, t2, lg3);
  t2 = pmul(z, pmadd(w, t2, lg1));
  const Packet r = padd(t2, t1);
  const Packet hfsq = pmul(pmul(pset1<Packet>(0.5), f), f);
  // k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo)) − f)
  const Packet ln2Hi = pset1<Packet>(6.93147180369123816490e-01);
  const Packet ln2Lo = pset1<Packet>(1.90821492927058770002e-10);
  const Packet inner = padd(pmul(s, padd(hfsq, r)), pmul(k, ln2Lo));
  const Packet out = psub(pmul(k, ln2Hi), psub(psub(hfsq, inner), f));
  const Packet zero = pcmp_eq(x, pzero(x));
  return pselect(zero, pset1<Packet>(-std::numeric_limits<double>::infinity()), out);
}
#endif
}  // namespace detail

// log(a) for lanes that are 0 (−∞) or positive normal doubles.
inline Lane logOrMinusInfinity(const Lane& a) {
#ifdef GAUSSMIX_OWN_EXP
  using namespace Eigen::internal;
  Lane out;
  for (int l = 0; l < kLanes; l += detail::kPacket) {
    pstoreu(out.data() + l, detail::logPositive(ploadu<detail::Packet>(a.data() + l)));
  }
  return out;
#else
  return a.log();
#endif
}

// exp(a) for a <= 0 (−∞ included), and 0 where it would be below the smallest normal double
// (about e^−708.4). No lane computes a subnormal: Eigen's exp clamps at −709.78 and returns
// about 5.6e-309 there, and arithmetic that produces subnormals is slow (30% of d8's E-step,
// where most components are far from most rows). Below the bound, 0 as before (an absolute
// error under 2.3e-308).
inline Lane expOrZero(const Lane& a) {
  using namespace Eigen::internal;
  using detail::Packet;
  const Packet lowest = pset1<Packet>(detail::kExpLowest);
  Lane out;
#ifdef GAUSSMIX_OWN_EXP
  for (int l = 0; l < kLanes; l += detail::kPacket) {
    const Packet x = ploadu<Packet>(a.data() + l);
    const Packet e = detail::expNonPositive(pmax(x, lowest));
    pstoreu(out.data() + l, pandnot(e, pcmp_lt(x, lowest)));
  }
#else
  const Lane e = a.max(detail::kExpLowest).exp();
  for (int l = 0; l < kLanes; l += detail::kPacket) {
    const Packet x = ploadu<Packet>(a.data() + l);
    pstoreu(out.data() + l, pandnot(ploadu<Packet>(e.data() + l), pcmp_lt(x, lowest)));
  }
#endif
  return out;
}

}  // namespace gaussmix
