#include "kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>

#include "errors.h"
#include "lanes.h"

namespace gaussmix {
namespace {

// Squared distances up to this bound keep every term of the expanded form c2 − 2x·c finite:
// with ‖c‖² <= L for every centre and ‖x − c_label‖² <= L, ‖x‖ <= 2√L, so each partial sum
// is below 5L < DBL_MAX. A row or centre past it is the rare case (see overflowing below).
constexpr double kSafeSquare = 0x1p1019;

// Rows per kernel call: the centred chunk (rows x D) and its values (K x rows) stay in the
// level-2 cache (512 rather than 256: k16 17.5 -> 17.2 ms/iter, k128 unchanged).
constexpr Index kChunkRows = 512;

// Per-thread scratch of the nearest-centre kernel.
struct ChunkScratch {
  RowMatrix xc;        // chunk x D: rows minus the origin
  RowMatrix values;    // K x chunk: −2 c_k·x
  std::vector<std::int32_t> labels;
  std::vector<double> best;    // the running minimum of the kernel for few features
  std::vector<double> second;  // the second smallest value of c2[k] − 2 x·c_k (bounded Lloyd)
  // Bounded Lloyd: the rows of the chunk whose label the bounds could not keep, gathered.
  RowMatrix gathered;
  std::vector<Index> which;     // their positions in the chunk
  std::vector<double> d2;       // per chunk row: squared distance to its new centre
  std::vector<std::int32_t> assigned;  // per chunk row: its new label
  // Plain Lloyd: the chunk laid out by column (D x stride, centred; zero past its rows), the
  // row weights (zero past the rows) and the new labels, as doubles.
  RowMatrix xt;
  std::vector<double> weight;
  std::vector<double> label;
};

// The centres in the form the kernel uses: (centres − origin), their squared norms and −2·Cᵀ.
struct Centres {
  const RowMatrix& c;  // K x D, in the centred coordinates
  Vector c2;           // K
  Matrix m;            // D x K: −2·Cᵀ (exact: a power of two)
  RowMatrix mt;        // K x D: −2·C
  Index firstUnsafe = -1;  // the first centre whose squared norm passes kSafeSquare, or -1
  double c2max = 0.0;      // the largest of c2

  explicit Centres(const RowMatrix& centres) : c(centres) {
    c2 = c.rowwise().squaredNorm();
    c2max = c2.size() > 0 ? c2.maxCoeff() : 0.0;
    m = -2.0 * c.transpose();
    mt = -2.0 * c;
    for (Index k = 0; k < c.rows(); ++k) {
      if (!(c2[k] <= kSafeSquare)) {
        firstUnsafe = k;
        break;
      }
    }
  }
  Index k() const { return c.rows(); }
  Index d() const { return c.cols(); }
};

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

// labels[i] = argmin_k c2[k] − 2 x_i·c_k (ties to the lowest k) over a centred chunk, and with
// kSecond also second[i], the second smallest value (+∞ when K = 1).
// Few features (kD known at compile time): centre by centre, a running minimum over the rows
// (vectorised across rows).
template <int kD, bool kSecond>
void nearestSmall(const double* xc, Index rows, const Centres& cs, double* __restrict best,
                  double* __restrict second, std::int32_t* __restrict labels) {
  const Index k = cs.k();
  for (Index j = 0; j < k; ++j) {
    double m[kD];  // −2c_j
    for (int t = 0; t < kD; ++t) m[t] = cs.m(t, j);
    const double c2 = cs.c2[j];
    const std::int32_t label = static_cast<std::int32_t>(j);
    if (j == 0) {
      for (Index i = 0; i < rows; ++i) {
        double p = 0.0;
        for (int t = 0; t < kD; ++t) p += m[t] * xc[i * kD + t];
        best[i] = c2 + p;
        labels[i] = 0;
        if constexpr (kSecond) second[i] = std::numeric_limits<double>::infinity();
      }
      continue;
    }
    for (Index i = 0; i < rows; ++i) {
      double p = 0.0;
      for (int t = 0; t < kD; ++t) p += m[t] * xc[i * kD + t];
      const double v = c2 + p;
      const bool less = v < best[i];
      if constexpr (kSecond) second[i] = less ? best[i] : (v < second[i] ? v : second[i]);
      best[i] = less ? v : best[i];
      labels[i] = less ? label : labels[i];
    }
  }
}

// The running minimum of values (K x rows, row-major) down each column, ties to the lowest
// row (centre): into best and labels, and with kSecond the second smallest into second (+∞
// when K = 1). Eight columns at a time, their minima held in registers across the centres.
template <bool kSecond>
void columnMinima(const double* values, Index k, Index rows, double* __restrict best,
                  double* __restrict second, std::int32_t* __restrict labels) {
  using namespace Eigen::internal;
  using Packet = Eigen::internal::packet_traits<double>::type;
  constexpr int kPacket = Eigen::internal::packet_traits<double>::size;
  constexpr int kPackets = kLanes / kPacket;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Index i = 0;
  for (; i + kLanes <= rows; i += kLanes) {
    Packet b[kPackets], s[kPackets], at[kPackets];
    for (int q = 0; q < kPackets; ++q) {
      b[q] = ploadu<Packet>(values + i + q * kPacket);
      s[q] = pset1<Packet>(kInf);
      at[q] = pset1<Packet>(0.0);
    }
    for (Index j = 1; j < k; ++j) {
      const double* v = values + j * rows + i;
      const Packet label = pset1<Packet>(static_cast<double>(j));
      for (int q = 0; q < kPackets; ++q) {
        const Packet t = ploadu<Packet>(v + q * kPacket);
        const detail::LaneMask less = detail::lessThan(t, b[q]);
        if constexpr (kSecond) {
          s[q] = detail::selectWhere(less, b[q],
                                     detail::selectWhere(detail::lessThan(t, s[q]), t, s[q]));
        }
        b[q] = detail::selectWhere(less, t, b[q]);
        at[q] = detail::selectWhere(less, label, at[q]);
      }
    }
    double lanes[kLanes];
    for (int q = 0; q < kPackets; ++q) {
      pstoreu(best + i + q * kPacket, b[q]);
      if constexpr (kSecond) pstoreu(second + i + q * kPacket, s[q]);
      pstoreu(lanes + q * kPacket, at[q]);
    }
    for (int l = 0; l < kLanes; ++l) labels[i + l] = static_cast<std::int32_t>(lanes[l]);
  }
  for (; i < rows; ++i) {  // the same comparisons, one column at a time
    double b = values[i], s = kInf;
    std::int32_t at = 0;
    for (Index j = 1; j < k; ++j) {
      const double t = values[j * rows + i];
      const bool less = t < b;
      if constexpr (kSecond) s = less ? b : (t < s ? t : s);
      b = less ? t : b;
      at = less ? static_cast<std::int32_t>(j) : at;
    }
    best[i] = b;
    if constexpr (kSecond) second[i] = s;
    labels[i] = at;
  }
}

// More features: c2[k] + (−2C)·xcᵀ (K x rows; the product added to c2, which also spares the
// product's zeroing of its destination), then its minimum over the centres per row (ties to
// the lowest k); with kSecond also the second smallest.
template <bool kSecond>
void nearestGemm(const Eigen::Ref<const RowMatrix>& xc, const Centres& cs, RowMatrix& values,
                 double* __restrict best, double* __restrict second,
                 std::int32_t* __restrict labels) {
  const Index rows = xc.rows();
  const Index k = cs.k();
  values.resize(k, rows);
  values.colwise() = cs.c2;
  values.noalias() += cs.mt * xc.transpose();
  columnMinima<kSecond>(values.data(), k, rows, best, second, labels);
}

// Asks for the row at x (d values) to be brought into the cache: the rows an incremental pass
// reads are scattered, and without this each waits on memory (30% of k16's time).
inline void prefetchRow(const double* x, Index d) {
  const char* p = reinterpret_cast<const char*>(x);
  const char* last = reinterpret_cast<const char*>(x + d) - 1;
  for (; p < last; p += 64) prefetch(p);
  prefetch(last);
}

// Rows [first, first + rows) of the data minus the origin, into xc (rows x D).
template <int kD>
void centreRows(const Data& data, Index first, Index rows, const RowVector& origin,
                RowMatrix& xc) {
  const Index d = kD > 0 ? kD : data.d;
  xc.resize(rows, d);
  const double* x = data.x + first * d;
  const double* o = origin.data();
  double* out = xc.data();
  for (Index i = 0; i < rows; ++i) row::difference(x + i * d, o, d, out + i * d);
}

// Labels the centred rows of xc (rows x D) into s.labels, and with kSecond the second smallest
// kernel value of each into s.second. kD: the number of features when known at compile time
// (1 to 4), else 0.
template <int kD, bool kSecond>
void nearestOfRows(const RowMatrix& xc, const Centres& cs, ChunkScratch& s) {
  const Index rows = xc.rows();
  s.labels.resize(static_cast<size_t>(rows));
  if constexpr (kSecond) s.second.resize(static_cast<size_t>(rows));
  s.best.resize(static_cast<size_t>(rows));
  if constexpr (kD > 0) {
    nearestSmall<kD, kSecond>(xc.data(), rows, cs, s.best.data(), s.second.data(),
                              s.labels.data());
  } else {
    nearestGemm<kSecond>(xc, cs, s.values, s.best.data(), s.second.data(), s.labels.data());
  }
}

// Centres rows [first, first + rows) of the data into s.xc and labels them into s.labels.
template <int kD>
void nearestInChunk(const Data& data, Index first, Index rows, const RowVector& origin,
                    const Centres& cs, ChunkScratch& s) {
  centreRows<kD>(data, first, rows, origin, s.xc);
  nearestOfRows<kD, false>(s.xc, cs, s);
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

// Per column of a row-major block of kD features, Σ x (kPower 1) or Σ (x − o)² (kPower 2, o
// the origin): row i into partial sum i mod 8, the partials folded in a fixed order. Eight
// independent chains of adds instead of one running sum per column, each add waiting on the one
// before (the mean for centring took about half as long as a whole K-means pass on k2).
template <int kD, int kPower>
RowVector columnMoments(const ConstRowMap& x, const RowVector& o) {
  static_assert(kD > 0 && (kPower == 1 || kPower == 2), "few features, first or second moments");
  constexpr Index kFlat = kLanes * kD;
  double acc[kFlat] = {};
  double of[kFlat] = {};  // the origin repeated per row of eight (kPower 2)
  if constexpr (kPower == 2) {
    for (Index m = 0; m < kFlat; ++m) of[m] = o[m % kD];
  }
  const Index rows = x.rows();
  const double* p = x.data();
  const auto term = [&](Index m) -> double {
    if constexpr (kPower == 1) {
      return p[m];
    } else {
      const double y = p[m] - of[m];
      return y * y;
    }
  };
  Index i = 0;
  for (; i + kLanes <= rows; i += kLanes, p += kFlat) {
    for (Index m = 0; m < kFlat; ++m) acc[m] += term(m);
  }
  for (Index m = 0; i < rows; ++i) {
    for (Index t = 0; t < kD; ++t, ++m) acc[m] += term(m);
  }
  RowVector out(kD);
  for (Index t = 0; t < kD; ++t) {
    Lane lanes;
    for (Index u = 0; u < kLanes; ++u) lanes[u] = acc[u * kD + t];
    out[t] = foldLanes(lanes);
  }
  return out;
}

// The rare path for a row whose squares overflow (or underflow): ‖x − c‖ scaled by the largest
// |x_j − c_j| (halved first when that difference itself overflows), so that it is exact
// whenever it is representable. Infinity only when the distance is beyond DBL_MAX.
double scaledDistance(const double* x, const double* c, Index d) {
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
Error overflowing(Index component) {
  return Error(ErrorKind::IllConditioned,
               "component " + std::to_string(component) +
                   ": squared distances to its centre overflow float64 (features of magnitude "
                   "beyond about 1e153); standardise the features.",
               static_cast<long>(component));
}

// The index whose cumulative mass first reaches target (numpy.searchsorted, side 'left'),
// walking whole blocks by their precomputed sums first. mass(i) is the mass of row i.
template <class Mass>
Index searchMass(const Data& data, const std::vector<double>& blockMass, Mass mass,
                 double target) {
  double cumulative = 0.0;
  for (Index b = 0; b < data.blocks(); ++b) {
    if (cumulative + blockMass[b] < target) {
      cumulative += blockMass[b];
      continue;
    }
    const Index begin = data.blockBegin(b);
    const Index end = begin + data.blockSize(b);
    for (Index i = begin; i < end; ++i) {
      cumulative += mass(i);
      if (cumulative >= target) return i;
    }
  }
  return data.n - 1;
}

double squaredDistance(const Data& data, Index i, const RowVector& c) {
  return (ConstRowMap(data.x + i * data.d, 1, data.d) - c).squaredNorm();
}

Index positiveWeightCount(const Data& data) {
  if (!data.weights) return data.n;
  Index count = 0;
  for (Index i = 0; i < data.n; ++i) count += data.weights[i] > 0.0;
  return count;
}

void requireDistinctCandidates(const Data& data, Index k) {
  const Index available = positiveWeightCount(data);
  if (available < k) {
    throw invalidArgument("only " + std::to_string(available) +
                          " samples have a positive weight, fewer than the " + std::to_string(k) +
                          " components");
  }
}

// Per-cluster sums of the rows assigned to each centre, about a reference point r_k per
// cluster (the centres of the last full pass): the centre update is r + Σw(x − r)/Σw and the
// inertia Σw‖x − r‖² − 2(c − r)·Σw(x − r) + Σw·‖c − r‖², both without cancellation while c
// stays near r. A full pass takes them afresh; an incremental pass only the changes (rows that
// moved: subtracted from the old cluster, added to the new one), folded in block order like any
// partial sum.
struct Sums {
  Vector weight;    // K: Σ w
  RowMatrix sum;    // K x D: Σ w·(x − r_k)
  Vector squares;   // K: Σ w‖x − r_k‖²
  Vector removed;   // K: Σ w of the rows that left the cluster (incremental passes)
  Eigen::Matrix<Index, Eigen::Dynamic, 1> count;  // K: rows of positive weight
  Index changed = 0;
  double objective = 0.0;  // full passes: Σ w‖x − c_label‖², row by row in block order
  Index overflowRow = -1;  // the first row whose squared distance passed kSafeSquare

  void reset(Index k, Index d, bool update) {
    weight.setZero(k);
    if (update) {
      sum.setZero(k, d);
      squares.setZero(k);
      removed.setZero(k);
      count.setZero(k);
    }
    changed = 0;
    objective = 0.0;
    overflowRow = -1;
  }
  void add(const Sums& other, bool update) {
    weight += other.weight;
    if (update) {
      sum += other.sum;
      squares += other.squares;
      removed += other.removed;
      count += other.count;
    }
    changed += other.changed;
    objective += other.objective;
  }
  // Adds (sign +1) or removes (−1) the row x (centred coordinates) of weight w to cluster c
  // about its reference r.
  void move(Index c, const double* x, const double* r, Index d, double w, double sign) {
    double* t = sum.data() + c * d;
    double q = 0.0;
    for (Index j = 0; j < d; ++j) {
      const double y = x[j] - r[j];
      t[j] += sign * (w * y);
      q += y * y;
    }
    squares[c] += sign * (w * q);
    weight[c] += sign * w;
    if (w > 0.0) count[c] += sign > 0 ? 1 : -1;
    if (sign < 0) removed[c] += w;
  }
};

struct Scratch {
  ChunkScratch chunk;
  Sums sums;
};

// Hamerly's bounds, which let most rows keep their label without measuring their distance to
// every centre. Per row, `lower` is a lower bound on its distance to every centre but its own
// and `upper` an upper bound on its distance to its own (both for the centres they were last
// measured against, moved since then by at most their drifts). A row keeps its label, without
// being read, when its upper bound is below the larger of its lower bound and half the distance
// from its centre to the nearest other centre; else when its exact distance to its own centre
// is: no other centre can then be nearer. The rest are measured against the centres that could
// be nearer (Lloyd::nearAssign), or against every centre. Bounds are kept with a margin far
// above their rounding, so the kept labels are the nearest centres and the fit is plain
// Lloyd's (test/kmeans.bounds.test.ts).
struct Bounds {
  LargeVector<double> upper;  // N: an upper bound on the row's distance to its own centre
  LargeVector<double> lower;  // N; meaningful where the row has a label
  Vector drift;               // K: how far each centre moved since the last pass
  Vector maxOtherDrift;       // K: the largest drift of the centres other than k since the last pass
  Vector half;                // K: half the distance from centre k to its nearest other centre
  // K x (K − 1): for each centre, the distances to the others and their indices, nearest first.
  std::vector<std::pair<double, std::int32_t>> neighbours;

  // Called with the centres of the pass and those of the previous pass (same size).
  void moved(const RowMatrix& before, const RowMatrix& after) {
    const Index k = after.rows();
    const Index d = after.cols();
    drift.resize(k);
    for (Index c = 0; c < k; ++c) {
      drift[c] = std::sqrt(squaredDistance(before.row(c).data(), after.row(c).data(), d));
    }
    maxOtherDrift = othersMaximum(drift);
  }
  // The distances between the centres: each centre's neighbours, nearest first, and half the
  // distance to the nearest (+∞ when K = 1).
  void spacing(const RowMatrix& centres) {
    const Index k = centres.rows();
    const Index d = centres.cols();
    half.setConstant(k, std::numeric_limits<double>::infinity());
    neighbours.resize(static_cast<size_t>(k * (k - 1)));
    for (Index a = 0; a < k; ++a) {
      auto* row = neighbours.data() + a * (k - 1);
      Index t = 0;
      for (Index b = 0; b < k; ++b) {
        if (b == a) continue;
        row[t++] = {std::sqrt(squaredDistance(centres.row(a).data(), centres.row(b).data(), d)),
                    static_cast<std::int32_t>(b)};
      }
      std::sort(row, row + (k - 1));
      if (k > 1) half[a] = 0.5 * row[0].first;
    }
  }
  static Vector othersMaximum(const Vector& v) {
    const Index k = v.size();
    Index top = 0;
    for (Index c = 1; c < k; ++c) top = v[c] > v[top] ? c : top;
    double next = 0.0;
    for (Index c = 0; c < k; ++c) next = c != top ? std::max(next, v[c]) : next;
    Vector out = Vector::Constant(k, v[top]);
    out[top] = next;
    return out;
  }
};

// The sums are taken afresh (a full pass) when a centre has moved from its reference by more
// than √16 = 4 RMS radii of its cluster, or when rows weighing more than 16 times what the
// cluster still holds have left it: the inertia formula and the subtractions then cancel at
// most about 6 bits (≈ 1e-14 relative), while early iterations, whose centres jump by a few
// radii and whose clusters trade many rows, still skip full passes.
constexpr double kRebaseShift = 16.0;
// Below this many centres times features, plain Lloyd passes are cheaper than the bounds.
constexpr Index kBoundedWork = 32;
constexpr double kRebaseRemoved = 16.0;

// The relative margin a bound must clear (far above the rounding of distances, bounds and
// drifts, far below any gap the data show between its nearest and second nearest centre).
constexpr double kBoundMargin = 1e-10;

class Lloyd {
 public:
  Lloyd(const Data& data, const KMeansOptions& options, ThreadPool& pool, const Control& control)
      : data_(data), options_(options), pool_(pool), control_(control),
        scratch_(pool.slots()),
        bounded_(options.k * data.d >= kBoundedWork) {
    computeMoments();
  }

  // One Lloyd run from the given centres (original coordinates).
  KMeansFit run(const RowMatrix& initial, int restart) {
    const Index k = options_.k;
    RowMatrix centers = initial.rowwise() - origin_;
    LargeVector<std::int32_t> labels(static_cast<size_t>(data_.n), -1);
    if (bounded_) {
      bounds_.upper.assign(static_cast<size_t>(data_.n), 0.0);
      bounds_.lower.assign(static_cast<size_t>(data_.n), 0.0);
    }
    bounds_.drift.setZero(k);
    bounds_.maxOtherDrift.setZero(k);
    KMeansFit fit;
    bool strict = false;  // stopped because no label changed
    bool exact = false;   // ... the last pass was a full one and the centres did not move
    bool full = true;     // the next pass takes the sums afresh (see Sums)
    double previousObjective = std::numeric_limits<double>::quiet_NaN();
    double lastObjective = 0.0;
    for (int iter = 0; iter < options_.maxIter; ++iter) {
      control_.throwIfCancelled();
      const bool wasFull = full;
      Sums total = pass(centers, labels.data(), full ? Pass::Full : Pass::Incremental);
      double objective = total.objective;
      if (wasFull) {
        state_ = std::move(total);
        // Without bounds, about the origin: the centres are then Σwx/Σw as plain Lloyd takes
        // them, bit for bit unchanged when only rows of weight 0 changed cluster.
        if (bounded_) {
          references_ = centers;
        } else {
          references_.setZero(centers.rows(), centers.cols());
        }
      } else {
        state_.add(total, true);
        state_.changed = total.changed;
        objective = inertiaAbout(centers);
      }
      // A cluster left with no row of positive weight has exactly no weight (full passes
      // without bounds keep no counts: their weights are fresh sums).
      for (Index c = 0; c < k && bounded_; ++c) {
        if (state_.count[c] == 0) {
          state_.weight[c] = 0.0;
          state_.squares[c] = 0.0;
          state_.sum.row(c).setZero();
        }
      }
      const bool relocated = (state_.weight.array() == 0.0).any();
      if (relocated) relocateEmpty(centers, labels);
      // Labels unchanged and no relocation: the centres are already the means of their rows
      // (the update would only round them again), and they are kept; after a full pass this
      // assignment's objective is then the inertia.
      const bool stable = state_.changed == 0 && !relocated;
      const bool same = wasFull && stable;
      RowMatrix updated = centers;
      for (Index c = 0; c < k && !stable; ++c) {
        if (state_.weight[c] > 0.0) {
          updated.row(c) = references_.row(c) + state_.sum.row(c) / state_.weight[c];
        }
      }
      const double shift = (updated - centers).rowwise().squaredNorm().sum();
      full = !bounded_ || relocated || needsFullPass(updated);
      if (bounded_) bounds_.moved(centers, updated);
      centers.swap(updated);
      fit.nIter = iter + 1;
      const double change = objective - previousObjective;
      previousObjective = objective;
      lastObjective = objective;
      const bool keepGoing = control_.report({restart, iter + 1, objective, change});
      if (state_.changed == 0) {
        strict = true;
        exact = same;
        fit.converged = true;
        break;
      }
      if (shift <= tolerance_) {
        fit.converged = true;
        break;
      }
      if (!keepGoing) {
        stopRequested_ = true;
        break;
      }
    }
    // Labels must belong to the final centres (unless they were stable: scikit-learn keeps
    // them then), and the inertia is measured to those centres, row by row.
    if (!strict) {
      const Sums last = pass(centers, labels.data(), Pass::Assign);
      fit.inertia = last.objective;
      fit.clusterWeights = last.weight;
    } else {
      if (exact) {
        fit.inertia = lastObjective;
        fit.clusterWeights = state_.weight;
      } else {
        fit.inertia = inertia(centers, labels, fit.clusterWeights);
      }
    }
    fit.centers = centers.rowwise() + origin_;
    fit.labels = std::move(labels);
    return fit;
  }

 private:
  enum class Pass {
    Full,         // every row read: labels, the sums afresh about the pass's centres
    Incremental,  // only the rows the bounds cannot keep; the sums' changes
    Assign,       // every row read: labels and the inertia, no sums
  };

  // Cluster c's Σ w‖x − centre‖² from its sums (see Sums), and in shiftTerm Σw‖centre − r_c‖².
  double clusterInertia(Index c, const RowVector& centre, double& shiftTerm) const {
    const RowVector delta = centre - references_.row(c);
    shiftTerm = state_.weight[c] * delta.squaredNorm();
    return state_.squares[c] - 2.0 * delta.dot(state_.sum.row(c)) + shiftTerm;
  }

  // Σ w‖x − c_label‖² from the sums for the centres c of the last pass.
  double inertiaAbout(const RowMatrix& centers) const {
    double total = 0.0;
    double shiftTerm = 0.0;
    for (Index c = 0; c < centers.rows(); ++c) {
      if (state_.weight[c] == 0.0) continue;
      total += std::max(clusterInertia(c, centers.row(c), shiftTerm), 0.0);
    }
    return total;
  }

  // Whether the sums should be taken afresh before the next pass (see kRebaseShift).
  bool needsFullPass(const RowMatrix& next) const {
    for (Index c = 0; c < next.rows(); ++c) {
      const double w = state_.weight[c];
      if (w == 0.0) continue;
      double shiftTerm = 0.0;
      const double about = clusterInertia(c, next.row(c), shiftTerm);
      if (shiftTerm > kRebaseShift * about || state_.removed[c] > kRebaseRemoved * w) return true;
    }
    return false;
  }

  // Unweighted mean (the origin for centring) and tol scaled by the mean feature variance,
  // both as scikit-learn computes them (the variance only when tol > 0: with tol 0 the
  // threshold is 0 whatever it is).
  void computeMoments() {
    const Index d = data_.d;
    std::vector<RowVector> partial(pool_.slots(), RowVector::Zero(d));
    RowVector total = RowVector::Zero(d);
    // Σ x (power 1) or Σ (x − origin_)² (power 2) per column, in blocks folded in block order.
    const auto moments = [&](auto power) {
      constexpr int kPower = decltype(power)::value;
      withFeatureCount(d, [&](auto size) {
        constexpr int kD = decltype(size)::value;
        pool_.forEachOrdered(
            data_.blocks(),
            [&](Index b, unsigned slot) {
              if constexpr (kD > 0) {
                partial[slot] = columnMoments<kD, kPower>(data_.block(b), origin_);
              } else if constexpr (kPower == 1) {
                partial[slot] = data_.block(b).colwise().sum();
              } else {
                partial[slot] =
                    (data_.block(b).rowwise() - origin_).array().square().colwise().sum();
              }
            },
            [&](Index, unsigned slot) { total += partial[slot]; });
      });
    };
    moments(std::integral_constant<int, 1>());
    origin_ = total / static_cast<double>(data_.n);
    if (options_.tol == 0.0) {
      tolerance_ = 0.0;
      return;
    }
    total.setZero();
    moments(std::integral_constant<int, 2>());
    tolerance_ = (total / static_cast<double>(data_.n)).mean() * options_.tol;
  }

  // One pass over the data, chunk by chunk: every row to its nearest centre. Full and Assign:
  // the squared distance to it (exact, ‖x − c‖²) summed with the weights into the objective,
  // and with Full also the sums per centre about that centre. Incremental: the changes of the
  // sums (see Sums). Throws ILL_CONDITIONED when a squared distance could overflow (the labels
  // would not be the nearest centres).
  Sums pass(const RowMatrix& centers, std::int32_t* labels, Pass mode) {
    const bool update = mode != Pass::Assign;
    const Index k = centers.rows();
    const Index d = data_.d;
    const Centres cs(centers);
    if (cs.firstUnsafe >= 0) throw overflowing(cs.firstUnsafe);
    if (bounded_) bounds_.spacing(centers);
    Sums total;
    total.reset(k, d, update);
    withFeatureCount(d, [&](auto size) {
      constexpr int kD = decltype(size)::value;
      pool_.forEachOrdered(
          data_.blocks(),
          [&](Index b, unsigned slot) {
            Scratch& s = scratch_[slot];
            s.sums.reset(k, d, update);
            const Index blockBegin = data_.blockBegin(b);
            forEachChunk(data_.blockSize(b), kChunkRows, [&](Index offset, Index rows) {
              const Index begin = blockBegin + offset;
              if (mode == Pass::Incremental) {
                moveChunk<kD>(cs, begin, rows, s, labels);
                return;
              }
              if (!bounded_) {
                plainChunk<kD>(cs, begin, rows, update, s, labels);
                return;
              }
              assignChunk<kD>(cs, begin, rows, s.chunk, labels);
              if (update) {
                accumulate<kD, true>(cs, begin, rows, s, labels);
              } else {
                accumulate<kD, false>(cs, begin, rows, s, labels);
              }
            });
          },
          [&](Index b, unsigned slot) {
            const Sums& sums = scratch_[slot].sums;
            if (sums.overflowRow >= 0) throw overflowing(labels[sums.overflowRow]);
            total.add(sums, update);
            if (!std::isfinite(total.objective)) {
              throw overflowing(heaviestInBlock(centers, labels, b));
            }
          });
    });
    return total;
  }

  // A row x (centred) labelled a at exact squared distance d2a whose bounds failed: its nearest
  // centre among those that could be nearer than c_a (‖c_a − c_j‖ < 2‖x − c_a‖, by the triangle
  // inequality; ties to the lowest index), measured exactly. Sets d2 to the squared distance to
  // it and lower to a lower bound on the distance to every other centre: the second nearest
  // measured, or for the centres not measured ‖c_a − c_j‖ − ‖x − c_a‖.
  std::int32_t nearAssign(const double* x, std::int32_t a, double d2a, const double* centres,
                          Index d, double& d2, double& lower) const {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const Index k = bounds_.half.size();
    const double u = std::sqrt(d2a);
    const double limit = 2.0 * u * (1.0 + kBoundMargin);
    const auto* near = bounds_.neighbours.data() + a * (k - 1);
    std::int32_t best = a;
    double bestD2 = d2a;
    double second2 = kInf;
    double far = kInf;
    for (Index t = 0; t < k - 1; ++t) {
      if (!(near[t].first < limit)) {
        far = (near[t].first - u) * (1.0 - kBoundMargin);
        break;
      }
      const std::int32_t j = near[t].second;
      const double dj = squaredDistance(x, centres + j * d, d);
      if (dj < bestD2 || (dj == bestD2 && j < best)) {
        second2 = bestD2;
        bestD2 = dj;
        best = j;
      } else if (dj < second2) {
        second2 = dj;
      }
    }
    d2 = bestD2;
    lower = std::min(std::sqrt(second2) * (1.0 - kBoundMargin), far);
    return best;
  }

  // Whether a row of label a, at most u from its centre and at least l from every other, keeps
  // its label (see Bounds).
  bool keeps(std::int32_t a, double u, double l) const {
    return u * (1.0 + kBoundMargin) < std::max(l, bounds_.half[a]);
  }

  // A lower bound on the distance of a row to every centre but its nearest, from the kernel's
  // smallest and second smallest c2 − 2x·c (best, second) and the exact squared distance d2 to
  // the nearest: ‖x − c₂‖² = ‖x‖² + second = d2 + (second − best), rounded by about
  // eps·(‖x‖² + ‖c‖²) times a few, which the margin takes off (‖x‖² <= 2·d2 + 2·max‖c‖²).
  // (Summing ‖x‖² afresh was a chain of D dependent additions per row: 12 ms of k16's first
  // pass.)
  static double lowerFromSecond(double d2, double best, double second, const Centres& cs) {
    const double second2 = d2 + (second - best) - kBoundMargin * (2.0 * d2 + 3.0 * cs.c2max);
    return second2 > 0.0 ? std::sqrt(second2) : 0.0;
  }

  // Whether nearAssign is the cheaper way for a row at distance u from its centre a: at most
  // K/16 other centres (at least one) lie within 2u of c_a (measured one by one), rather than
  // more (one product with every centre, vectorised along rows and centres, is then cheaper:
  // with K/4, as before the product's minimum was vectorised, k16 took 8% longer and k128 15%).
  bool fewNear(std::int32_t a, double d2a) const {
    const Index k = bounds_.half.size();
    if (k <= 4) return true;
    const Index most = std::max<Index>(1, k / 16);
    const double limit = 2.0 * std::sqrt(d2a) * (1.0 + kBoundMargin);
    return !(bounds_.neighbours[a * (k - 1) + most].first < limit);
  }

  // The new label of each of the rows [begin, begin + rows) into s.assigned and its squared
  // distance to that centre into s.d2: kept where the bounds allow, else measured against
  // every centre (which also renews the row's lower bound).
  template <int kD>
  void assignChunk(const Centres& cs, Index begin, Index rows, ChunkScratch& s,
                   const std::int32_t* labels) {
    const Index d = kD > 0 ? kD : data_.d;
    centreRows<kD>(data_, begin, rows, origin_, s.xc);
    s.assigned.resize(static_cast<size_t>(rows));
    s.d2.resize(static_cast<size_t>(rows));
    if (!bounded_) {
      nearestOfRows<kD, false>(s.xc, cs, s);
      for (Index i = 0; i < rows; ++i) {
        s.assigned[i] = s.labels[i];
        s.d2[i] = squaredDistance(s.xc.data() + i * d, cs.c.data() + s.labels[i] * d, d);
      }
      return;
    }
    s.which.clear();
    const double* centres = cs.c.data();
    const double* maxOtherDrift = bounds_.maxOtherDrift.data();
    double* lower = bounds_.lower.data() + begin;
    for (Index i = 0; i < rows; ++i) {
      const std::int32_t a = labels[begin + i];
      if (a >= 0) {
        const double d2 = squaredDistance(s.xc.data() + i * d, centres + a * d, d);
        const double l = lower[i] - maxOtherDrift[a];
        lower[i] = l;
        if (d2 <= kSafeSquare) {
          if (keeps(a, std::sqrt(d2), l)) {
            s.assigned[i] = a;
            s.d2[i] = d2;
            continue;
          }
          if (fewNear(a, d2)) {
            s.assigned[i] = nearAssign(s.xc.data() + i * d, a, d2, centres, d, s.d2[i], lower[i]);
            continue;
          }
        }
      }
      s.which.push_back(i);
    }
    const Index m = static_cast<Index>(s.which.size());
    if (m == 0) return;
    // Every row (the first pass, or centres that moved far): label the chunk in place.
    const bool all = m == rows;
    if (!all) {
      s.gathered.resize(m, d);
      for (Index r = 0; r < m; ++r) {
        std::copy_n(s.xc.data() + s.which[r] * d, d, s.gathered.data() + r * d);
      }
    }
    const RowMatrix& xs = all ? s.xc : s.gathered;
    nearestOfRows<kD, true>(xs, cs, s);
    for (Index r = 0; r < m; ++r) {
      const Index i = s.which[r];
      const double* x = xs.data() + r * d;
      const std::int32_t label = s.labels[r];
      s.assigned[i] = label;
      s.d2[i] = squaredDistance(x, centres + label * d, d);
      lower[i] = lowerFromSecond(s.d2[i], s.best[r], s.second[r], cs);
    }
  }

  // A plain Lloyd pass over rows [begin, begin + rows) (no bounds: few centres times
  // features), vectorised along the rows of the chunk laid out by column. First each row's
  // nearest centre by c2 − 2x·c as nearestSmall decides it (ties to the lowest), carrying that
  // centre's coordinates along, and its exact squared distance, summed as squaredDistance sums
  // it; then, with update, per centre over the rows it took, Σw and Σw·x. Sums are kept in
  // eight lanes per chunk and folded in a fixed order: no thread count changes a bit.
  template <int kD>
  void plainChunk(const Centres& cs, Index begin, Index rows, bool update, Scratch& s,
                  std::int32_t* labels) {
    using namespace Eigen::internal;
    using Packet = detail::Packet;
    constexpr int kPacket = detail::kPacket;
    constexpr int kPackets = kLanes / kPacket;
    constexpr Index kMaxD = kD > 0 ? kD : kBoundedWork;  // plain: K·D < kBoundedWork
    const Index d = kD > 0 ? kD : data_.d;
    const Index k = cs.k();
    const Index n = paddedRows(rows);
    const bool weighted = data_.weights != nullptr;
    ChunkScratch& c = s.chunk;
    Sums& sums = s.sums;
    c.xt.resize(d, n);
    c.label.resize(static_cast<size_t>(n));
    const double* x = data_.x + begin * d;
    for (Index j = 0; j < d; ++j) {
      double* col = c.xt.row(j).data();
      const double o = origin_[j];
      for (Index i = 0; i < rows; ++i) col[i] = x[i * d + j] - o;
      for (Index i = rows; i < n; ++i) col[i] = 0.0;
    }
    if (weighted) {
      c.weight.resize(static_cast<size_t>(n));
      std::copy_n(data_.weights + begin, rows, c.weight.data());
      std::fill(c.weight.data() + rows, c.weight.data() + n, 0.0);
    }
    const double* xt = c.xt.data();
    const Packet one = pset1<Packet>(1.0);
    const Packet safe = pset1<Packet>(kSafeSquare);
    // Unweighted: weight 1 on the rows, 0 on the padding lanes of the last group.
    double lastWeights[kLanes];
    for (Index l = 0; l < kLanes; ++l) lastWeights[l] = n - kLanes + l < rows ? 1.0 : 0.0;
    Packet objective[kPackets], bad = pset1<Packet>(0.0);
    for (int q = 0; q < kPackets; ++q) objective[q] = pset1<Packet>(0.0);
    for (Index i = 0; i < n; i += kLanes) {
      for (int q = 0; q < kPackets; ++q) {
        const Index at0 = i + q * kPacket;
        Packet xv[kMaxD];
        for (Index t = 0; t < d; ++t) xv[t] = ploadu<Packet>(xt + t * n + at0);
        // The kernel value c2[j] + Σ_t (−2c_jt)·x_t of centre j.
        const auto value = [&](Index j) {
          Packet p = pmul(pset1<Packet>(cs.m(0, j)), xv[0]);
          for (Index t = 1; t < d; ++t) p = padd(p, pmul(pset1<Packet>(cs.m(t, j)), xv[t]));
          return padd(pset1<Packet>(cs.c2[j]), p);
        };
        Packet best = value(0), at = pset1<Packet>(0.0), near[kMaxD];
        Packet label = at;  // j as a double, counted up (not converted at every j)
        for (Index t = 0; t < d; ++t) near[t] = pset1<Packet>(cs.c(0, t));
        for (Index j = 1; j < k; ++j) {
          const Packet v = value(j);
          const detail::LaneMask less = detail::lessThan(v, best);
          label = padd(label, one);
          best = detail::selectWhere(less, v, best);
          at = detail::selectWhere(less, label, at);
          for (Index t = 0; t < d; ++t) {
            near[t] = detail::selectWhere(less, pset1<Packet>(cs.c(j, t)), near[t]);
          }
        }
        pstoreu(c.label.data() + at0, at);
        // ‖x − c‖² as squaredDistance sums it: four partial sums of whole groups of four
        // features, the rest into the first, (s0 + s1) + (s2 + s3) (the zeros of unused partial
        // sums left out: they change no value, every partial sum being >= +0).
        Packet e;
        if (d < 4) {
          Packet y = psub(xv[0], near[0]);
          e = pmul(y, y);
          for (Index t = 1; t < d; ++t) {
            y = psub(xv[t], near[t]);
            e = padd(e, pmul(y, y));
          }
        } else {
          Packet part[4];
          for (int u = 0; u < 4; ++u) {
            const Packet y = psub(xv[u], near[u]);
            part[u] = pmul(y, y);
          }
          Index t = 4;
          for (; t + 4 <= d; t += 4) {
            for (int u = 0; u < 4; ++u) {
              const Packet y = psub(xv[t + u], near[t + u]);
              part[u] = padd(part[u], pmul(y, y));
            }
          }
          for (; t < d; ++t) {
            const Packet y = psub(xv[t], near[t]);
            part[0] = padd(part[0], pmul(y, y));
          }
          e = padd(padd(part[0], part[1]), padd(part[2], part[3]));
        }
        const Packet w = weighted         ? ploadu<Packet>(c.weight.data() + at0)
                         : i + kLanes <= rows ? one
                                              : ploadu<Packet>(lastWeights + q * kPacket);
        objective[q] = padd(objective[q], pmul(w, e));
        bad = por(bad, pandnot(one, pcmp_le(e, safe)));  // any lane with e > safe (or NaN)
      }
    }
    for (Index i = rows; i < n; ++i) c.label[i] = -1.0;  // padding: no centre's row
    sums.objective += foldPackets(objective);
    for (Index i = 0; i < rows; ++i) {
      const auto label = static_cast<std::int32_t>(c.label[i]);
      sums.changed += labels[begin + i] != label;
      labels[begin + i] = label;
    }
    if (predux_any(bad) && sums.overflowRow < 0) {
      for (Index i = 0; i < rows; ++i) {
        double row[kMaxD];
        for (Index t = 0; t < d; ++t) row[t] = xt[t * n + i];
        if (!(squaredDistance(row, cs.c.data() + labels[begin + i] * d, d) <= kSafeSquare)) {
          sums.overflowRow = begin + i;
          break;
        }
      }
    }
    // Per centre, over its rows: Σw and (with update) Σw·x, masked by the label.
    if (update) {
      clusterSums<kD, true>(k, n, xt, c, sums);
    } else {
      clusterSums<kD, false>(k, n, xt, c, sums);
    }
  }

  // plainChunk's sums per centre over the chunk laid out by column (labels in c.label, -1 on
  // padding): Σw and, with kUpdate, Σw·x, each in kLanes lanes added row group after row group
  // and folded in a fixed order. Centres go in groups whose sums fit three quarters of the
  // registers (then groups of 4, 2, 1 for the rest), the rows inside: the sums of different
  // centres are independent chains whose adds overlap (one centre at a time, each add waited on
  // the one before, through the stack: a third of k2's time).
  template <int kD, bool kUpdate>
  void clusterSums(Index k, Index n, const double* xt, const ChunkScratch& c, Sums& sums) const {
    constexpr int kPackets = kLanes / detail::kPacket;
    constexpr int kPerCentre = (1 + (kUpdate ? std::max(kD, 1) : 0)) * kPackets;
    constexpr int kRegisters = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS * 3 / 4;
    constexpr int kGroup = kD > 0 ? std::max(1, kRegisters / kPerCentre) : 1;
    Index j0 = 0;
    for (; j0 + kGroup <= k; j0 += kGroup) groupSums<kD, kUpdate, kGroup>(j0, n, xt, c, sums);
    if constexpr (kGroup > 4) {
      if (j0 + 4 <= k) {
        groupSums<kD, kUpdate, 4>(j0, n, xt, c, sums);
        j0 += 4;
      }
    }
    if constexpr (kGroup > 2) {
      if (j0 + 2 <= k) {
        groupSums<kD, kUpdate, 2>(j0, n, xt, c, sums);
        j0 += 2;
      }
    }
    if (j0 < k) groupSums<kD, kUpdate, 1>(j0, n, xt, c, sums);
  }

  // clusterSums of the kGroup centres from j0 on, unrolled over them (the sums in registers).
  template <int kD, bool kUpdate, int kGroup>
  void groupSums(Index j0, Index n, const double* xt, const ChunkScratch& c, Sums& sums) const {
    using namespace Eigen::internal;
    using Packet = detail::Packet;
    constexpr int kPacket = detail::kPacket;
    constexpr int kPackets = kLanes / kPacket;
    constexpr Index kMaxD = kD > 0 ? kD : kBoundedWork;
    const Index d = kD > 0 ? kD : data_.d;
    const bool weighted = data_.weights != nullptr;
    const Packet one = pset1<Packet>(1.0);
    Packet label[kGroup], w[kGroup][kPackets], sx[kGroup][kUpdate ? kMaxD : 1][kPackets];
    for (int u = 0; u < kGroup; ++u) {
      label[u] = pset1<Packet>(static_cast<double>(j0 + u));
      for (int q = 0; q < kPackets; ++q) {
        w[u][q] = pset1<Packet>(0.0);
        for (Index t = 0; t < d && kUpdate; ++t) sx[u][t][q] = pset1<Packet>(0.0);
      }
    }
    for (Index i = 0; i < n; i += kLanes) {
      for (int q = 0; q < kPackets; ++q) {
        const Index at0 = i + q * kPacket;
        const Packet at = ploadu<Packet>(c.label.data() + at0);
        const Packet weight = weighted ? ploadu<Packet>(c.weight.data() + at0) : one;
        // w·x once for every centre of the group (the same products as with w masked first:
        // a masked-out lane adds nothing either way).
        Packet wx[kUpdate ? kMaxD : 1];
        for (Index t = 0; t < d && kUpdate; ++t) {
          wx[t] = pmul(weight, ploadu<Packet>(xt + t * n + at0));
        }
        for (int u = 0; u < kGroup; ++u) {
          const detail::LaneMask mine = detail::equalTo(at, label[u]);
          w[u][q] = detail::addWhere(mine, w[u][q], weight);
          for (Index t = 0; t < d && kUpdate; ++t) {
            sx[u][t][q] = detail::addWhere(mine, sx[u][t][q], wx[t]);
          }
        }
      }
    }
    for (int u = 0; u < kGroup; ++u) {
      sums.weight[j0 + u] += foldPackets(w[u]);
      for (Index t = 0; t < d && kUpdate; ++t) sums.sum(j0 + u, t) += foldPackets(sx[u][t]);
    }
  }

  // kBounded: also the upper bounds, and the sums that only incremental passes need.
  // After assignChunk (bounded passes): the labels, the objective and the cluster weights;
  // with kUpdate (full passes) also the upper bounds and the sums about the pass's centres.
  template <int kD, bool kUpdate>
  void accumulate(const Centres& cs, Index begin, Index rows, Scratch& s,
                  std::int32_t* labels) {
    const Index d = kD > 0 ? kD : data_.d;
    Sums& sums = s.sums;
    const double* xc = s.chunk.xc.data();
    double* upper = bounds_.upper.data() + begin;
    for (Index i = 0; i < rows; ++i) {
      const std::int32_t label = s.chunk.assigned[i];
      const double d2 = s.chunk.d2[i];
      if (!(d2 <= kSafeSquare) && sums.overflowRow < 0) sums.overflowRow = begin + i;
      sums.changed += labels[begin + i] != label;
      labels[begin + i] = label;
      const double weight = data_.weight(begin + i);
      sums.objective += weight * d2;
      sums.weight[label] += weight;
      if constexpr (kUpdate) {
        upper[i] = std::sqrt(d2);
        sums.squares[label] += weight * d2;
        sums.count[label] += weight > 0.0;
        row::addScaledDifference(sums.sum.data() + label * d, weight, xc + i * d,
                                 cs.c.data() + label * d, d);
      }
    }
  }

  // An incremental pass over rows [begin, begin + rows): a row is read only when its bounds
  // cannot keep its label; a row that changes cluster moves its share of the sums.
  template <int kD>
  void moveChunk(const Centres& cs, Index begin, Index rows, Scratch& s, std::int32_t* labels) {
    const Index d = kD > 0 ? kD : data_.d;
    ChunkScratch& c = s.chunk;
    const double* drift = bounds_.drift.data();
    const double* maxOtherDrift = bounds_.maxOtherDrift.data();
    double* upper = bounds_.upper.data() + begin;
    double* lower = bounds_.lower.data() + begin;
    const double* centres = cs.c.data();
    // Rows whose bounds fail: centred into c.gathered, then measured against their own centre.
    c.which.clear();
    for (Index i = 0; i < rows; ++i) {
      const std::int32_t a = labels[begin + i];
      const double u = upper[i] + drift[a];
      const double l = lower[i] - maxOtherDrift[a];
      upper[i] = u;
      lower[i] = l;
      if (!keeps(a, u, l)) {
        c.which.push_back(i);
        prefetchRow(data_.x + (begin + i) * d, d);
      }
    }
    if (c.which.empty()) return;
    const double* o = origin_.data();
    const double* refs = references_.data();
    Sums& sums = s.sums;
    // A row that changes cluster moves its share of the sums.
    const auto relabel = [&](Index i, const double* y, std::int32_t b) {
      const std::int32_t a = labels[begin + i];
      if (b == a) return;
      const double w = data_.weight(begin + i);
      sums.move(a, y, refs + a * d, d, w, -1.0);
      sums.move(b, y, refs + b * d, d, w, 1.0);
      ++sums.changed;
      labels[begin + i] = b;
    };
    // Rows near many centres are gathered (centred) for one product with every centre.
    c.gathered.resize(static_cast<Index>(c.which.size()) + 1, d);
    Index m = 0;
    for (const Index i : c.which) {
      const double* x = data_.x + (begin + i) * d;
      double* y = c.gathered.data() + m * d;
      row::difference(x, o, d, y);
      const std::int32_t a = labels[begin + i];
      const double d2a = squaredDistance(y, centres + a * d, d);
      upper[i] = std::sqrt(d2a);
      if (d2a <= kSafeSquare) {
        if (keeps(a, upper[i], lower[i])) continue;
        if (fewNear(a, d2a)) {
          double d2 = d2a;
          const std::int32_t b = nearAssign(y, a, d2a, centres, d, d2, lower[i]);
          upper[i] = std::sqrt(d2);
          relabel(i, y, b);
          continue;
        }
      }
      c.which[m++] = i;  // in the first m places, in row order, their rows in c.gathered
    }
    if (m == 0) return;
    c.which.resize(static_cast<size_t>(m));
    c.gathered.conservativeResize(m, d);
    nearestOfRows<kD, true>(c.gathered, cs, c);
    for (Index r = 0; r < m; ++r) {
      const Index i = c.which[r];
      const double* y = c.gathered.data() + r * d;
      const std::int32_t b = c.labels[r];
      const double d2 = squaredDistance(y, centres + b * d, d);
      if (!(d2 <= kSafeSquare) && sums.overflowRow < 0) sums.overflowRow = begin + i;
      upper[i] = std::sqrt(d2);
      lower[i] = lowerFromSecond(d2, c.best[r], c.second[r], cs);
      relabel(i, y, b);
    }
  }

  // Σ w‖x − c_label‖² for given labels (after a relocation that left every label unchanged).
  // Also the weight of each cluster into weights (K).
  double inertia(const RowMatrix& centers, const LargeVector<std::int32_t>& labels,
                 Vector& weights) {
    // Per slot: the block's sum and its first overflowing row (thrown in block order), and
    // the cluster weights.
    std::vector<std::pair<double, Index>> partial(pool_.slots());
    std::vector<Vector> partialWeights(pool_.slots());
    double total = 0.0;
    weights.setZero(centers.rows());
    withFeatureCount(data_.d, [&](auto size) {
      constexpr int kD = decltype(size)::value;
      const Index d = kD > 0 ? kD : data_.d;
      pool_.forEachOrdered(
          data_.blocks(),
          [&](Index b, unsigned slot) {
            const Index begin = data_.blockBegin(b);
            double sum = 0.0;
            Index overflowRow = -1;
            Vector& w = partialWeights[slot];
            w.setZero(centers.rows());
            std::vector<double> xc(static_cast<size_t>(d));
            const double* o = origin_.data();
            for (Index i = begin; i < begin + data_.blockSize(b); ++i) {
              const double* x = data_.x + i * d;
              for (Index j = 0; j < d; ++j) xc[j] = x[j] - o[j];
              const double* c = centers.data() + labels[i] * d;
              const double d2 = squaredDistance(xc.data(), c, d);
              if (!(d2 <= kSafeSquare) && overflowRow < 0) overflowRow = i;
              sum += data_.weight(i) * d2;
              w[labels[i]] += data_.weight(i);
            }
            partial[slot] = {sum, overflowRow};
          },
          [&](Index b, unsigned slot) {
            if (partial[slot].second >= 0) throw overflowing(labels[partial[slot].second]);
            total += partial[slot].first;
            weights += partialWeights[slot];
            if (!std::isfinite(total)) {
              throw overflowing(heaviestInBlock(centers, labels.data(), b));
            }
          });
    });
    return total;
  }

  // The label of the row of block b with the largest weighted squared distance (the inertia
  // overflowed while adding that block).
  Index heaviestInBlock(const RowMatrix& centers, const std::int32_t* labels, Index b) const {
    Index heaviest = data_.blockBegin(b);
    double most = -1.0;
    for (Index i = data_.blockBegin(b); i < data_.blockBegin(b) + data_.blockSize(b); ++i) {
      const RowVector xc = ConstRowMap(data_.x + i * data_.d, 1, data_.d) - origin_;
      const double v = data_.weight(i) * (xc - centers.row(labels[i])).squaredNorm();
      if (!(v <= most)) {
        most = v;
        heaviest = i;
        if (std::isnan(v)) break;
      }
    }
    return labels[heaviest];
  }

  // scikit-learn's rule: each empty cluster takes the point farthest from its assigned centre
  // (descending distance, ties to the lowest index; zero-weight points are never taken).
  // The donor's sums lose the row; the empty cluster's reference becomes the row itself, so
  // that its centre is exactly that row (the next pass is a full one).
  void relocateEmpty(const RowMatrix& centers, const LargeVector<std::int32_t>& labels) {
    Sums& total = state_;
    std::vector<Index> empty;
    for (Index c = 0; c < centers.rows(); ++c) {
      if (total.weight[c] == 0.0) empty.push_back(c);
    }
    LargeVector<double> distance(static_cast<size_t>(data_.n));
    pool_.forEach(data_.blocks(), [&](Index b, unsigned) {
      const Index begin = data_.blockBegin(b);
      for (Index i = begin; i < begin + data_.blockSize(b); ++i) {
        distance[i] = squaredDistance(data_, i, centers.row(labels[i]) + origin_);
      }
    });
    LargeVector<Index> order;
    order.reserve(static_cast<size_t>(data_.n));
    for (Index i = 0; i < data_.n; ++i) {
      if (data_.weight(i) > 0.0) order.push_back(i);
    }
    const size_t take = std::min(order.size(), empty.size());
    std::partial_sort(order.begin(), order.begin() + take, order.end(), [&](Index a, Index b) {
      return distance[a] > distance[b] || (distance[a] == distance[b] && a < b);
    });
    for (size_t e = 0; e < take; ++e) {
      const Index far = order[e];
      const Index from = labels[far];
      const double weight = data_.weight(far);
      const RowVector xc = ConstRowMap(data_.x + far * data_.d, 1, data_.d) - origin_;
      total.move(from, xc.data(), references_.row(from).data(), data_.d, weight, -1.0);
      references_.row(empty[e]) = xc;
      total.sum.row(empty[e]).setZero();
      total.squares[empty[e]] = 0.0;
      total.weight[empty[e]] = weight;
      total.count[empty[e]] = 1;
    }
  }

  const Data& data_;
  const KMeansOptions& options_;
  ThreadPool& pool_;

 public:
  // onIteration returned false: no further restart runs.
  bool stopRequested() const { return stopRequested_; }

 private:
  bool stopRequested_ = false;
  const Control& control_;
  std::vector<Scratch> scratch_;
  // Few centres times few features: every row is measured against every centre, every pass
  // (the bounds would cost more than they save).
  bool bounded_;
  Bounds bounds_;
  Sums state_;             // the sums of the current assignment (see Sums)
  RowMatrix references_;   // K x D: their reference points r
  RowVector origin_;
  double tolerance_ = 0.0;
};

RowMatrix rowsAt(const Data& data, const std::vector<Index>& indices) {
  RowMatrix out(static_cast<Index>(indices.size()), data.d);
  for (size_t c = 0; c < indices.size(); ++c) {
    out.row(static_cast<Index>(c)) = ConstRowMap(data.x + indices[c] * data.d, 1, data.d);
  }
  return out;
}

}  // namespace

std::vector<Index> kmeansPlusPlusIndices(const Data& data, Index k, Rng& rng, ThreadPool& pool) {
  requireDistinctCandidates(data, k);
  const Index blocks = data.blocks();
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  LargeVector<double> closest(static_cast<size_t>(data.n));
  std::vector<double> blockMass(static_cast<size_t>(blocks));
  std::vector<Index> chosen;

  // Distances to a new centre; closest = min(closest, d) and the block masses w·closest.
  auto absorb = [&](Index index, bool first) {
    const RowVector c = ConstRowMap(data.x + index * data.d, 1, data.d);
    pool.forEach(blocks, [&](Index b, unsigned) {
      const Index begin = data.blockBegin(b);
      double mass = 0.0;
      for (Index i = begin; i < begin + data.blockSize(b); ++i) {
        const double d2 = squaredDistance(data, i, c);
        closest[i] = first ? d2 : std::min(closest[i], d2);
        mass += data.weight(i) * closest[i];
      }
      blockMass[b] = mass;
    });
    chosen.push_back(index);
  };

  // The first centre: in proportion to the sample weights.
  {
    std::vector<double> weightMass(static_cast<size_t>(blocks));
    double total = 0.0;
    for (Index b = 0; b < blocks; ++b) {
      double mass = 0.0;
      for (Index i = data.blockBegin(b); i < data.blockBegin(b) + data.blockSize(b); ++i) {
        mass += data.weight(i);
      }
      weightMass[b] = mass;
      total += mass;
    }
    const double target = rng.uniform() * total;
    absorb(searchMass(data, weightMass, [&](Index i) { return data.weight(i); }, target), true);
  }

  std::vector<Index> candidates(trials);
  std::vector<double> candidatePot(static_cast<size_t>(blocks) * trials);
  for (Index c = 1; c < k; ++c) {
    double potential = 0.0;
    for (Index b = 0; b < blocks; ++b) potential += blockMass[b];
    for (int t = 0; t < trials; ++t) {
      const double target = rng.uniform() * potential;
      candidates[t] = searchMass(
          data, blockMass, [&](Index i) { return data.weight(i) * closest[i]; }, target);
    }
    // The potential Σ w·min(closest, d(x, candidate)) of each candidate, per block.
    pool.forEach(blocks, [&](Index b, unsigned) {
      for (int t = 0; t < trials; ++t) {
        const RowVector x = ConstRowMap(data.x + candidates[t] * data.d, 1, data.d);
        double pot = 0.0;
        for (Index i = data.blockBegin(b); i < data.blockBegin(b) + data.blockSize(b); ++i) {
          pot += data.weight(i) * std::min(closest[i], squaredDistance(data, i, x));
        }
        candidatePot[b * trials + t] = pot;
      }
    });
    int best = 0;
    double bestPot = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      double pot = 0.0;
      for (Index b = 0; b < blocks; ++b) pot += candidatePot[b * trials + t];
      if (pot < bestPot) {
        bestPot = pot;
        best = t;
      }
    }
    absorb(candidates[best], false);
  }
  return chosen;
}

std::vector<Index> randomIndices(const Data& data, Index k, Rng& rng) {
  requireDistinctCandidates(data, k);
  std::vector<Index> chosen;
  if (!data.weights) {
    // Partial Fisher–Yates.
    LargeVector<Index> order(static_cast<size_t>(data.n));
    std::iota(order.begin(), order.end(), Index{0});
    for (Index i = 0; i < k; ++i) {
      const Index j = i + static_cast<Index>(rng.below(static_cast<std::uint64_t>(data.n - i)));
      std::swap(order[i], order[j]);
      chosen.push_back(order[i]);
    }
    return chosen;
  }
  // Successive draws in proportion to the weights, without replacement.
  LargeVector<double> weight(data.weights, data.weights + data.n);
  for (Index c = 0; c < k; ++c) {
    double total = 0.0;
    for (double w : weight) total += w;
    const double target = rng.uniform() * total;
    double cumulative = 0.0;
    Index pick = -1;
    for (Index i = 0; i < data.n; ++i) {
      if (weight[i] <= 0.0) continue;
      pick = i;
      cumulative += weight[i];
      if (cumulative > target) break;
    }
    chosen.push_back(pick);
    weight[pick] = 0.0;
  }
  return chosen;
}

KMeansFit fitKMeans(const Data& data, const KMeansOptions& options, ThreadPool& pool,
                    const Control& control) {
  Lloyd lloyd(data, options, pool, control);
  KMeansFit best;
  bool haveBest = false;
  for (int restart = 0; restart < options.nInit; ++restart) {
    Rng rng(options.seed, static_cast<std::uint64_t>(restart));
    RowMatrix initial;
    switch (options.init) {
      case KMeansInit::Given:
        initial = ConstRowMap(options.centersInit, options.k, data.d);
        break;
      case KMeansInit::Random:
        initial = rowsAt(data, randomIndices(data, options.k, rng));
        break;
      case KMeansInit::KMeansPlusPlus:
        initial = rowsAt(data, kmeansPlusPlusIndices(data, options.k, rng, pool));
        break;
    }
    KMeansFit fit = lloyd.run(initial, restart);
    if (!haveBest || fit.inertia < best.inertia) {
      best = std::move(fit);
      haveBest = true;
    }
    if (lloyd.stopRequested()) break;
  }
  return best;
}

void assignNearest(const Data& data, const RowMatrix& centers, ThreadPool& pool,
                   std::int32_t* labels, double* distance2) {
  const Index d = data.d;
  const Index k = centers.rows();
  // Centre on the mean of the centres so that ‖c‖² − 2x·c keeps its precision.
  const RowVector origin = centers.colwise().mean();
  const RowMatrix shifted = centers.rowwise() - origin;
  const Centres cs(shifted);
  const bool safeCentres = cs.firstUnsafe < 0 && origin.allFinite();
  std::vector<ChunkScratch> scratch(pool.size());
  withFeatureCount(d, [&](auto size) {
    constexpr int kD = decltype(size)::value;
    pool.forEach(data.blocks(), [&](Index b, unsigned w) {
      ChunkScratch& s = scratch[w];
      const Index blockBegin = data.blockBegin(b);
      forEachChunk(data.blockSize(b), kChunkRows, [&](Index offset, Index rows) {
        const Index begin = blockBegin + offset;
        if (safeCentres) nearestInChunk<kD>(data, begin, rows, origin, cs, s);
        for (Index i = 0; i < rows; ++i) {
          double d2 = std::numeric_limits<double>::infinity();
          std::int32_t label = 0;
          if (safeCentres) {
            label = s.labels[i];
            d2 = squaredDistance(s.xc.data() + i * d, shifted.data() + label * d, d);
          }
          if (!(d2 <= kSafeSquare)) {
            // The expanded form may have overflowed: compare exact distances instead.
            const double* x = data.x + (begin + i) * d;
            double best = 0.0;
            for (Index c = 0; c < k; ++c) {
              const double distance = exactDistance(x, centers.data() + c * d, d);
              if (c == 0 || distance < best) {
                best = distance;
                label = static_cast<std::int32_t>(c);
              }
            }
            d2 = best * best;
          }
          labels[begin + i] = label;
          if (distance2) distance2[begin + i] = d2;
        }
      });
    });
    });
  }

void distancesToCenters(const Data& data, const RowMatrix& centers, ThreadPool& pool,
                        double* distances) {
  const Index k = centers.rows();
  const Index d = data.d;
  pool.forEach(data.blocks(), [&](Index b, unsigned) {
    const Index begin = data.blockBegin(b);
    for (Index i = begin; i < begin + data.blockSize(b); ++i) {
      const double* x = data.x + i * d;
      for (Index c = 0; c < k; ++c) {
        distances[i * k + c] = exactDistance(x, centers.data() + c * d, d);
      }
    }
  });
}

}  // namespace gaussmix
