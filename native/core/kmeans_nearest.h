// The nearest centre of every row of a chunk. A row's label is the centre at the smallest
// squaredDistance (kmeans_rows.h), ties to the lowest index, whichever kernel finds it (see
// docs/design.md, "Labels"): few features measure every centre that way; more features take
// the product c2 − 2x·c with every centre (about the centres' mean) as a shortlist, measure the
// label's distance, and measure every candidate of the rows whose two best values are closer
// than the product's rounding.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "kmeans_rows.h"

namespace gaussmix::kmeans {

// Rows per kernel call: the centred chunk (rows x D) and its values (K x rows) stay in the
// level-2 cache (512 rather than 256: k16 17.5 -> 17.2 ms/iter, k128 unchanged).
constexpr Index kChunkRows = 512;

using FloatMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The most features the float32 product takes.
constexpr Index kFloat32Features = Index{1} << 16;

// Per-thread scratch of the nearest-centre kernels.
struct ChunkScratch {
  RowMatrix xc;        // chunk x D: rows minus the centres' mean
  std::vector<double> columns;  // D x paddedRows(chunk): the rows by column (nearestAlongRows)
  RowMatrix values;    // K x chunk: c2 − 2 c·x (times Centres::scale² from the float32 product)
  FloatMatrix x32;     // chunk x D: the rows of the float32 product, scaled
  FloatMatrix values32;  // K x chunk: the float32 product's values
  std::vector<float> best32;    // per row: the smallest of values32
  std::vector<float> second32;  // per row: the second smallest
  std::vector<std::int32_t> labels;
  std::vector<double> best;    // per row: the smallest value (product) or distance
  std::vector<double> second;  // per row: the second smallest (+∞ when K = 1)
  std::vector<double> d2;      // per row: squared distance to its label's centre
  std::vector<double> lower;   // per row: a lower bound on the distance to every other centre
  std::vector<double> band;    // per row: the margin its two best values must clear
  // Bounded passes: the rows of the chunk whose label the bounds could not keep.
  RowMatrix gathered;
  std::vector<Index> which;  // their positions in the chunk
  std::vector<double> measured;  // their squared distances to their own centres
};

// The centres as given (distances are measured to these) and in the product's form: about
// their mean o, c' = c − o, ‖c'‖² and −2C'; with float32 also in the float32 product's form,
// scaled by a power of two s so that max‖s·c'‖ is in [1/2, 1): −2s·c' rounded to float32 and
// s²‖c'‖² (see docs/design.md, "The float32 shortlist").
struct Centres {
  const RowMatrix& c;  // K x D
  RowVector origin;    // the mean of the centres
  RowMatrix mt;        // K x D: −2(c − o) (exact: a power of two)
  Vector c2;           // K: ‖c − o‖²
  double c2max = 0.0;  // the largest of c2
  Index firstUnsafe = -1;  // the first centre whose squared norm passes kSafeSquare, or -1
  double margin;       // roundingMargin(D)
  bool float32 = false;  // the product may be taken in float32
  double scale = 1.0;    // s
  double cmax = 0.0;     // max‖c − o‖
  FloatMatrix mt32;      // K x D: fl32(−2s·(c − o))
  Eigen::VectorXf c2f;   // K: fl32(s²‖c − o‖²)

  explicit Centres(const RowMatrix& centres, bool allowFloat32 = false)
      : c(centres), margin(roundingMargin(centres.cols())) {
    origin = c.rows() > 0 ? RowVector(c.colwise().mean()) : RowVector::Zero(c.cols());
    mt = c.rowwise() - origin;  // c − o first, then scaled in place: one matrix per pass, not two
    c2 = mt.rowwise().squaredNorm();
    c2max = c2.size() > 0 ? c2.maxCoeff() : 0.0;
    mt *= -2.0;
    if (!origin.allFinite()) firstUnsafe = 0;
    for (Index k = 0; k < c.rows() && firstUnsafe < 0; ++k) {
      if (!(c2[k] <= kSafeSquare)) firstUnsafe = k;
    }
    cmax = std::sqrt(c2max);
    // float64 for centres of squared norm below 2^-900 (all nearly equal) or past kSafeSquare,
    // and past kFloat32Features (float32Error takes D·2^-24 to be small).
    float32 = allowFloat32 && firstUnsafe < 0 && c2max >= 0x1p-900 && c.cols() <= kFloat32Features;
    if (float32) {
      scale = std::ldexp(1.0, -(std::ilogb(cmax) + 1));  // s·cmax in [1/2, 1)
      mt32 = (mt * scale).cast<float>();
      c2f = (c2 * (scale * scale)).cast<float>();
    }
  }
  Index k() const { return c.rows(); }
  Index d() const { return c.cols(); }
  const double* centre(Index k) const { return c.data() + k * c.cols(); }
};

// One centre's values t (double packets) into running minima: b the smallest, s the second
// smallest, at the label of b (ties to the earlier centre). On AVX-512 the masks stay in mask
// registers (lanes.h).
inline void twoSmallestStep(const detail::Packet& t, detail::Packet& b, detail::Packet& s,
                            detail::Packet& at, const detail::Packet& label) {
  const detail::LaneMask less = detail::lessThan(t, b);
  s = detail::selectWhere(less, b, detail::selectWhere(detail::lessThan(t, s), t, s));
  b = detail::selectWhere(less, t, b);
  at = detail::selectWhere(less, label, at);
}

// The running minimum of values (K x rows, row-major; double or float) down each column, ties
// to the lowest row (centre): into best and labels, and the second smallest into second (+∞
// when K = 1). Four packets of columns at a time, their minima held in registers across the
// centres: four independent chains (with one packet, each centre waited on the compare and
// blend before it: a third of ko16's float64 pass), and no store of the minima per centre
// (each masked store stalled the next centre's load of it: a third of ko16's float32 product).
template <class Scalar>
void columnMinima(const Scalar* values, Index k, Index rows, Scalar* __restrict best,
                  Scalar* __restrict second, std::int32_t* __restrict labels) {
  using namespace Eigen::internal;
  using Packet = typename packet_traits<Scalar>::type;
  constexpr bool kDouble = std::is_same_v<Scalar, double>;
  constexpr int kPacket = packet_traits<Scalar>::size;
  constexpr int kPackets = 4;
  constexpr int kTile = kPackets * kPacket;
  constexpr Scalar kInf = std::numeric_limits<Scalar>::infinity();
  // One centre's values t into a packet's minima (on AVX-512 a double mask stays in a mask
  // register: lanes.h).
  const auto step = [](const Packet& t, Packet& b, Packet& s, Packet& at, const Packet& label) {
    if constexpr (kDouble) {  // (detail::Packet is the double packet)
      twoSmallestStep(t, b, s, at, label);
    } else {
      const Packet less = pcmp_lt(t, b);
      s = pselect(less, b, pselect(pcmp_lt(t, s), t, s));
      b = pselect(less, t, b);
      at = pselect(less, label, at);
    }
  };
  // Rows [first, first + P·kPacket): P packets of rows through every centre.
  const auto packets = [&](auto count, Index first) {
    constexpr int P = decltype(count)::value;
    Packet b[P], s[P], at[P];
    for (int q = 0; q < P; ++q) {
      b[q] = ploadu<Packet>(values + first + q * kPacket);
      s[q] = pset1<Packet>(kInf);
      at[q] = pset1<Packet>(Scalar(0));
    }
    for (Index j = 1; j < k; ++j) {
      const Scalar* v = values + j * rows + first;
      const Packet label = pset1<Packet>(static_cast<Scalar>(j));
      for (int q = 0; q < P; ++q) step(ploadu<Packet>(v + q * kPacket), b[q], s[q], at[q], label);
    }
    Scalar lanes[P * kPacket];
    for (int q = 0; q < P; ++q) {
      pstoreu(best + first + q * kPacket, b[q]);
      pstoreu(second + first + q * kPacket, s[q]);
      pstoreu(lanes + q * kPacket, at[q]);
    }
    for (int l = 0; l < P * kPacket; ++l) labels[first + l] = static_cast<std::int32_t>(lanes[l]);
  };
  // (Labels counted in Scalar: exact below 2^24 centres in float.)
  const Index exactLabels = kDouble ? Index{1} << 53 : Index{1} << 24;
  Index i = 0;
  if (k < exactLabels) {
    for (; i + kTile <= rows; i += kTile) packets(std::integral_constant<int, kPackets>{}, i);
    // The rows past the last tile, a packet at a time; the last packet ends at the last row,
    // overlapping rows already done (which it gives the same values again). A bounded pass
    // asks for a few dozen rows at a time: one column at a time, its tail was most of the work.
    if (i < rows && rows >= kPacket) {
      for (;; i += kPacket) {
        const Index at0 = std::min(i, rows - kPacket);
        packets(std::integral_constant<int, 1>{}, at0);
        if (at0 + kPacket >= rows) break;
      }
      i = rows;
    }
  }
  for (; i < rows; ++i) {  // the same comparisons, one column at a time
    Scalar b = values[i], s = kInf;
    std::int32_t at = 0;
    for (Index j = 1; j < k; ++j) {
      const Scalar t = values[j * rows + i];
      const bool less = t < b;
      s = less ? b : (t < s ? t : s);
      b = less ? t : b;
      at = less ? static_cast<std::int32_t>(j) : at;
    }
    best[i] = b;
    second[i] = s;
    labels[i] = at;
  }
}

// Rows [first, first + rows) of the data minus the centres' mean, into xc (rows x D).
inline void centreRows(const Data& data, Index first, Index rows, const RowVector& origin,
                       RowMatrix& xc) {
  const Index d = data.d;
  xc.resize(rows, d);
  const double* x = data.x + first * d;
  const double* o = origin.data();
  double* out = xc.data();
  for (Index i = 0; i < rows; ++i) row::difference(x + i * d, o, d, out + i * d);
}

// The largest scaled coordinate |s·(x − o)| the float32 product takes: its values, at most
// about √D·2^50 times max‖s·c'‖ < 1, stay far from float32's range, and rows this far from
// every centre are rare enough to take in float64.
constexpr float kFloat32Reach = 0x1p50f;

// float32Error (taken along the rows in nearestByProduct): a rigorous bound on the error of one
// value of the float32 product, fl32(s²‖c'‖²) + fl32(s·x')·fl32(−2s·c') summed in float32 in any
// order (FMA or not), against s²‖c'‖² − 2s²x'·c' in exact arithmetic, for a row at distance `root`
// (√d2) from some centre (so ‖x'‖ <= root + max‖c'‖): with u = 2^-24, rounding the inputs moves
// each product by 2u and s²‖c'‖² by u, and a sum of D + 1 terms (the products' roundings included)
// is within (D + 1)·u of Σ|terms| <= s²‖c'‖² + 2‖s·x'‖‖s·c'‖ (all taken 1% larger for the terms in
// u²); underflow (subnormal inputs, products and sums) adds at most 2^-150 per operation, far below
// 2^-120·(D + 1)·(1 + ‖s·x'‖). With xnorm = s·(root + max‖c'‖)·(1 + 1e-6):
//   2^-24·1.01·((2D + 6)·xnorm·s·max‖c'‖ + (D + 3)·(s·max‖c'‖)²) + 2^-120·(D + 1)·(1 + xnorm).

// Whether the m rows rowAt(r) go through the float32 product, and if so its values into
// s.values32 (K x m, scaled by s²): fl32(s²‖c'‖²) + fl32(−2s·c')·fl32(s·(x − o))ᵀ.
template <class RowAt>
bool float32Product(Index m, RowAt rowAt, const Centres& cs, ChunkScratch& s) {
  if (!cs.float32 || m == 0) return false;
  const Index d = cs.d();
  const double* o = cs.origin.data();
  const double scale = cs.scale;
  s.x32.resize(m, d);
  for (Index r = 0; r < m; ++r) {
    const double* x = rowAt(r);
    float* out = s.x32.data() + r * d;
    for (Index t = 0; t < d; ++t) out[t] = static_cast<float>((x[t] - o[t]) * scale);
  }
  // (An infinite coordinate fails the test; with finite data and centres none is NaN.)
  if (!(s.x32.cwiseAbs().maxCoeff() <= kFloat32Reach)) return false;
  s.values32.resize(cs.k(), m);
  s.values32.colwise() = cs.c2f;
  s.values32.noalias() += cs.mt32 * s.x32.transpose();
  return true;
}

// The labels of m rows by the product: rowAt(r) is row r, and centred() gives the rows minus
// the centres' mean (m x D) when the product is taken in float64. Into s.labels, s.d2 (squared distance to the label) and s.lower
// (a lower bound on the distance to every other centre; 0 for a row decided by measuring
// candidates). With cs.float32 the
// product is taken in float32 (float32Product), its band widened by float32Error: the labels
// are the same (docs/design.md, "The float32 shortlist").
template <class RowAt, class Centred>
void nearestByProduct(Index m, RowAt rowAt, Centred centred, const Centres& cs, ChunkScratch& s,
                      const RowsAhead& ahead = {}) {
  const Index k = cs.k();
  const Index d = cs.d();
  s.labels.resize(static_cast<size_t>(m));
  s.best.resize(static_cast<size_t>(m));
  s.second.resize(static_cast<size_t>(m));
  s.d2.resize(static_cast<size_t>(m));
  s.lower.resize(static_cast<size_t>(m));
  const bool f32 = float32Product(m, rowAt, cs, s);
  if (f32) {
    s.best32.resize(static_cast<size_t>(m));
    s.second32.resize(static_cast<size_t>(m));
    columnMinima(s.values32.data(), k, m, s.best32.data(), s.second32.data(), s.labels.data());
    std::copy_n(s.best32.data(), m, s.best.data());
    std::copy_n(s.second32.data(), m, s.second.data());
  } else {
    // c2[k] + (−2C')·xᵀ (K x m; the product added to c2, which also spares its zeroing).
    s.values.resize(k, m);
    s.values.colwise() = cs.c2;
    s.values.noalias() += cs.mt * centred().transpose();
    columnMinima(s.values.data(), k, m, s.best.data(), s.second.data(), s.labels.data());
  }
  const auto value = [&](Index j, Index r) {
    return f32 ? static_cast<double>(s.values32(j, r)) : s.values(j, r);
  };
  // The values' unit: squared distances times unit.
  const double unit = f32 ? cs.scale * cs.scale : 1.0;
  // Each row's squared distance to its label; then, along the rows (whole packets of square
  // roots: one at a time, their latency was most of this loop), the band its two best values
  // must clear and, for the rows that clear it, the lower bound.
  // (With the next rows to be read asked for, a row per row measured.)
  for (Index r = 0; r < m; ++r) {
    ahead.ask(r, 1);
    s.d2[r] = squaredDistance(rowAt(r), cs.centre(s.labels[r]), d);
  }
  using Array = Eigen::Map<Eigen::ArrayXd>;
  s.band.resize(static_cast<size_t>(m));
  const Array d2(s.d2.data(), m), best(s.best.data(), m), second(s.second.data(), m);
  Array band(s.band.data(), m), lower(s.lower.data(), m);
  // unit·margin·(2·d2 + 3·max‖c'‖²), plus with float32 twice float32Error (of the rows'
  // distances, √d2).
  band = unit * cs.margin * (2.0 * d2 + 3.0 * cs.c2max);
  if (f32) {
    const double features = static_cast<double>(d);
    const double scmax = cs.scale * cs.cmax;
    const auto xnorm = cs.scale * (d2.sqrt() + cs.cmax) * (1.0 + 1e-6);
    band += 2.0 * (0x1p-24 * 1.01 *
                       ((2.0 * features + 6.0) * xnorm * scmax +
                        (features + 3.0) * scmax * scmax) +
                   0x1p-120 * (features + 1.0) * (1.0 + xnorm));
  }
  // ‖x − c₂‖² ≈ d2 + (second − best)/unit, its rounding far below the band (which bounds the
  // rounding of two values and of d2): the lower bound of the rows that clear the band (for
  // them second2 > 0; the other rows' lower bounds are set below).
  lower = (d2 + (second - best - band) / unit).max(0.0).sqrt();
  for (Index r = 0; r < m; ++r) {
    if (s.second[r] - s.best[r] > s.band[r]) continue;
    // A near tie: every centre whose value is within the band, measured.
    const double* x = rowAt(r);
    const double limit = s.best[r] + s.band[r];
    std::int32_t label = s.labels[r];
    double nearest = s.d2[r];
    for (Index j = 0; j < k; ++j) {
      if (!(value(j, r) <= limit) || j == label) continue;
      const double dj = squaredDistance(x, cs.centre(j), d);
      if (dj < nearest || (dj == nearest && j < label)) {
        nearest = dj;
        label = static_cast<std::int32_t>(j);
      }
    }
    s.labels[r] = label;
    s.d2[r] = nearest;
    s.lower[r] = 0.0;
  }
}

// Up to four features (any K), and up to eight with K·D <= 192, the nearest centre is found by
// measuring every centre along the rows (nearestAlongRows). Row by row instead (scalar), the
// first ten passes of a fit took 1.27–1.74× as long at D 2–4, K 16–32. By the product instead:
// a product of depth 8 or less keeps the GEMM kernel far from its rate, and its values still
// need the exact distance of every row's label and the near ties settled. Measured on
// overlapping clusters, the first ten passes (along the rows ÷ by the product): D 6, K 16
// 0.87; D 8, K 10 0.94; D 8, K 24 0.97; D 8, K 32 1.04; D 8, K 64 1.20.
constexpr Index kAlongRowsFeatures = 8;
inline bool alongRows(Index k, Index d) {
  return d <= 4 || (d <= kAlongRowsFeatures && k * d <= 192);
}

// The labels of the m rows rowAt(r) (for alongRows(K, D)): every centre's squared distance
// measured along the rows (laid out by column, a packet of rows at a time) by packetDistance
// (squaredDistance's bits), ties to the lowest index.
// Into s.labels, s.d2 (the distance to the label), s.second (the second smallest, +∞ when
// K = 1) and s.lower (√second less the margin). contiguous: the rows, when they are adjacent
// (rowAt(r) = contiguous + r·D), laid out by column in vectors (transposeRows); else one value
// at a time.
template <class RowAt>
void nearestAlongRows(Index m, RowAt rowAt, const Centres& cs, ChunkScratch& s,
                      const double* contiguous = nullptr, const RowsAhead& ahead = {}) {
  using namespace Eigen::internal;
  using Packet = detail::Packet;
  constexpr int kPacket = detail::kPacket;
  const Index d = cs.d();
  const Index k = cs.k();
  const Index n = (m + kPacket - 1) / kPacket * kPacket;
  s.columns.resize(static_cast<size_t>(d * n));
  double* columns = s.columns.data();
  const Index copied = contiguous != nullptr ? m : 0;
  if (copied > 0) transposeRows(contiguous, m, d, columns, n);
  for (Index i = copied; i < n; ++i) {
    const double* x = rowAt(i < m ? i : 0);  // (padding: the first row again, finite)
    for (Index t = 0; t < d; ++t) columns[t * n + i] = x[t];
  }
  s.labels.resize(static_cast<size_t>(n));
  s.d2.resize(static_cast<size_t>(n));
  s.second.resize(static_cast<size_t>(n));
  const double* centres = cs.c.data();
  const Packet one = pset1<Packet>(1.0);
  const Packet infinity = pset1<Packet>(std::numeric_limits<double>::infinity());
  for (Index i = 0; i < n; i += kPacket) {
    ahead.ask(i, kPacket);  // (a packet of the next rows per packet measured)
    Packet xv[kAlongRowsFeatures];
    for (Index t = 0; t < d; ++t) xv[t] = ploadu<Packet>(columns + t * n + i);
    const auto distance = [&](Index j) { return packetDistance(xv, centres + j * d, d); };
    Packet best = distance(0), second = infinity, at = pset1<Packet>(0.0), label = at;
    for (Index j = 1; j < k; ++j) {
      label = padd(label, one);
      twoSmallestStep(distance(j), best, second, at, label);
    }
    pstoreu(s.d2.data() + i, best);
    pstoreu(s.second.data() + i, second);
    double labels[kPacket];
    pstoreu(labels, at);
    for (int l = 0; l < kPacket; ++l) s.labels[i + l] = static_cast<std::int32_t>(labels[l]);
  }
  s.labels.resize(static_cast<size_t>(m));
  s.d2.resize(static_cast<size_t>(m));
  s.second.resize(static_cast<size_t>(m));
  s.lower.resize(static_cast<size_t>(m));
  // Whole packets of square roots (std::sqrt's errno check kept GCC's loop scalar, a square
  // root and a branch per row: a sixth of this kernel on do8); both are IEEE's, the same bits.
  Eigen::Map<Eigen::ArrayXd>(s.lower.data(), m) =
      Eigen::Map<const Eigen::ArrayXd>(s.second.data(), m).sqrt() * (1.0 - cs.margin);
}

// The labels of the m rows rowAt(r): few features by measuring every centre along the rows,
// more by the product on the rows minus the centres' mean (centred() returns them).
template <class RowAt, class Centred>
void nearestOfRows(Index m, RowAt rowAt, Centred centred, const Centres& cs, ChunkScratch& s) {
  if (alongRows(cs.k(), cs.d())) {
    nearestAlongRows(m, rowAt, cs, s);
  } else {
    nearestByProduct(m, rowAt, centred, cs, s);
  }
}

// The labels of rows [begin, begin + rows) into s.labels, their squared distances into s.d2
// and lower bounds on their distances to every other centre into s.lower.
template <int kD>
void nearestInChunk(const Data& data, Index begin, Index rows, const Centres& cs,
                    ChunkScratch& s, const RowsAhead& ahead = {}) {
  const Index d = kD > 0 ? kD : data.d;
  const double* x = data.x + begin * d;
  const auto rowAt = [&](Index r) { return x + r * d; };
  if (alongRows(cs.k(), cs.d())) {
    nearestAlongRows(rows, rowAt, cs, s, x, ahead);
    return;
  }
  const auto centred = [&]() -> const RowMatrix& {
    centreRows(data, begin, rows, cs.origin, s.xc);
    return s.xc;
  };
  nearestByProduct(rows, rowAt, centred, cs, s, ahead);
}

}  // namespace gaussmix::kmeans
