#include "density.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "errors.h"
#include "lanes.h"

namespace gaussmix {
namespace {

constexpr double kLog2Pi = 1.8378770664093454835606594728112;  // log(2π)
// Up to this many features, the full/tied kernels use plain loops instead of matrix products.
constexpr Index kSmallD = 4;

// A squared Mahalanobis distance that came out NaN overflowed (∞ − ∞ between huge terms): the
// point is infinitely far, its density 0, its log-density −∞, never NaN.
inline double farIfNaN(double m) { return std::isnan(m) ? std::numeric_limits<double>::infinity() : m; }

// The largest |x_j − μ_kj| over every component and feature; 1 when x sits on every mean.
double largestOffset(const double* x, const RowMatrix& means) {
  double s = 0.0;
  for (Index k = 0; k < means.rows(); ++k) {
    for (Index j = 0; j < means.cols(); ++j) s = std::max(s, std::abs(x[j] - means(k, j)));
  }
  return s > 0.0 && std::isfinite(s) ? s : 1.0;
}

// DensityKernel::farLogDensities for any type, given z ↦ z·U_k (apply), whether two components
// share U (same) and the constants log|U_k| + const. With s the largest |x_j − μ_kj|, the
// squared terms are m_k = s²·m̃_k with m̃_k = ‖((x − μ_k)/s)·U_k‖² finite: a component whose m̃_k
// exceeds the smallest is infinitely less likely (−∞). Among the nearest, one that shares U
// with the first nearest r differs from it by the exactly computable
// −½(m_k − m_r) = −½·s·((μ_r − μ_k)·U)·((2x − μ_k − μ_r)/s·U); the others by their constants.
template <class Apply, class Same>
void farLogDensitiesOf(const double* x, const RowMatrix& means, const Vector& constants,
                       Apply apply, Same same, double* out) {
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  const Index k = means.rows();
  const Index d = means.cols();
  const double s = largestOffset(x, means);
  const Eigen::Map<const RowVector> row(x, d);
  std::vector<double> m(static_cast<size_t>(k));
  for (Index c = 0; c < k; ++c) {
    m[c] = farIfNaN(apply(c, RowVector((row - means.row(c)) / s)).squaredNorm());
  }
  const double nearest = *std::min_element(m.begin(), m.end());
  const Index r = std::find(m.begin(), m.end(), nearest) - m.begin();
  for (Index c = 0; c < k; ++c) {
    if (m[c] != nearest) {
      out[c] = kNegInf;
    } else if (c == r || !same(c, r)) {
      out[c] = constants[c];
    } else {
      const RowVector a = apply(c, RowVector(means.row(r) - means.row(c)));
      const RowVector b = apply(c, RowVector((2.0 * row - means.row(c) - means.row(r)) / s));
      const double difference = s * a.dot(b);  // m_c − m_r
      out[c] = std::isnan(difference) ? kNegInf : constants[c] - 0.5 * difference;
    }
  }
}

using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

// The Mahalanobis terms of every component, along the rows of a chunk laid out by column. With
// a reference point c (the mean of the means), (x − μ_k)·U_k = (x − c)·U_k − (μ_k − c)·U_k: the
// rows of the chunk are centred once and shared by every component, and the per-component
// offsets (μ_k − c)·U_k are folded in. Centring on c keeps the cancellation small for data far
// from the origin.
struct StackedFactors {
  RowMatrix means;    // K x D
  RowVector center;   // c
  RowMatrix factors;  // D x (G·D): U_k side by side (G = K for full, 1 for tied)
  RowMatrix offsets;  // K x D: (μ_k − c)·U_k
  Vector constants;   // K: −½ D log 2π + log|U_k|
  // Many features: the U_k and offsets as logGaussianTriangular reads them (packTriangles).
  std::vector<double> packedFactors;
  Index packedSize = 0;  // doubles per U_k
  std::vector<double> packedOffsets;

  void prepare(const RowMatrix& means, const double* precChol, bool tied) {
    const Index k = means.rows();
    const Index d = means.cols();
    const Index g = tied ? 1 : k;
    this->means = means;
    center = means.colwise().mean();
    factors.resize(d, g * d);
    offsets.resize(k, d);
    constants.resize(k);
    for (Index j = 0; j < g; ++j) factors.middleCols(j * d, d) = ConstMatrixMap(precChol + j * d * d, d, d);
    for (Index j = 0; j < k; ++j) {
      const ConstMatrixMap u(precChol + (tied ? 0 : j) * d * d, d, d);
      offsets.row(j).noalias() = (means.row(j) - center) * u;
      constants[j] = -0.5 * static_cast<double>(d) * kLog2Pi + u.diagonal().array().log().sum();
    }
    if (d > kSmallD) packTriangles(precChol, g);
  }

  // Scratch doubles per row of the kernels' chunk: the centred and the weighted rows (none
  // with a few features).
  Index scratchPerRow() const {
    const Index d = means.cols();
    return d <= kSmallD ? 0 : 2 * ((d + 3) / 4 * 4);
  }

  void farLogDensities(const double* x, double* out) const {
    const Index d = means.cols();
    const bool tied = factors.cols() == d;
    const auto u = [&](Index c) { return factors.middleCols(tied ? 0 : c * d, d); };
    farLogDensitiesOf(
        x, means, constants,
        [&](Index c, const RowVector& z) { return RowVector(z * u(c).triangularView<Eigen::Upper>()); },
        [&](Index c, Index r) { return tied || u(c) == u(r); }, out);
  }

  void logGaussianColumns(const ConstRowMap& xb, const double* xt, Index stride, double* out,
                          Workspace& ws) const {
    if (xb.cols() <= kSmallD) {
      logGaussianSmall(xb.rows(), xt, stride, out);
    } else {
      logGaussianTriangular(xb.rows(), xt, stride, out, ws);
    }
  }

  // A few features: y_j = Σ_{l ≤ j} (x_l − μ_kl)·U_k(l, j) directly (U is upper-triangular),
  // along the rows.
  void logGaussianSmall(Index rows, const double* xt, Index stride, double* out) const {
    const Index d = means.cols();
    const Index k = offsets.rows();
    const bool tied = factors.cols() == d;
    for (Index c = 0; c < k; ++c) {
      const double* u = factors.data() + (tied ? 0 : c * d);  // row l of U_c at u + l·cols
      const double* mu = means.row(c).data();
      double* m = out + c * stride;
      switch (d) {
        case 1: smallColumns<1>(rows, xt, stride, mu, u, factors.cols(), constants[c], m); break;
        case 2: smallColumns<2>(rows, xt, stride, mu, u, factors.cols(), constants[c], m); break;
        case 3: smallColumns<3>(rows, xt, stride, mu, u, factors.cols(), constants[c], m); break;
        default: smallColumns<4>(rows, xt, stride, mu, u, factors.cols(), constants[c], m); break;
      }
    }
  }

  template <int D>
  static void smallColumns(Index rows, const double* xt, Index stride, const double* mean,
                           const double* factor, Index factorStride, double constant,
                           double* m) {
    double u[D][D];
    for (int l = 0; l < D; ++l) {
      for (int j = 0; j < D; ++j) u[l][j] = factor[l * factorStride + j];
    }
    for (Index i = 0; i < paddedRows(rows); i += kLanes) {
      Lane z[D];
      for (int l = 0; l < D; ++l) z[l] = ConstLaneMap(xt + l * stride + i) - mean[l];
      Lane sum = Lane::Zero();
      for (int j = 0; j < D; ++j) {
        Lane y = Lane::Zero();
        for (int l = 0; l <= j; ++l) y += z[l] * u[l][j];
        sum += y * y;
      }
      if (std::isnan(sum.sum())) sum = sum.unaryExpr([](double v) { return farIfNaN(v); });
      LaneMap(m + i) = constant - 0.5 * sum;
    }
  }

  // A few features: the scatter of a chunk about the means, by lane sums along the rows.
  void accumulateSmall(Index rows, const double* xt, const double* r, Index stride,
                       double* scatter, Index scatterStride, double* centred,
                       Workspace& ws) const {
    const Index d = means.cols();
    const Index k = means.rows();
    const Index n = paddedRows(rows);  // r is 0 on the padding lanes
    ws.a.resize(d, stride);
    for (Index c = 0; c < k; ++c) {
      const double* rc = r + c * stride;
      for (Index a = 0; a < d; ++a) {
        const double* x = xt + a * stride;
        double* y = ws.a.row(a).data();
        const double mu = means(c, a);
        for (Index i = 0; i < n; i += kLanes) LaneMap(y + i) = ConstLaneMap(x + i) - mu;
        centred[c * d + a] += laneDot(rc, y, n);
      }
      double* s = scatter + c * scatterStride;
      for (Index a = 0; a < d; ++a) {
        const double* ya = ws.a.row(a).data();
        for (Index b = 0; b <= a; ++b) {
          const double* yb = ws.a.row(b).data();
          s[a * d + b] += laneDot3(rc, ya, yb, n);
        }
      }
    }
  }

  // Many features: the scatter of a chunk about the means, lower triangle, by tiles of four
  // rows a by two columns b of the scatter: the chunk is centred on μ_k (y) and weighted
  // (w = r·y) once per component, then each sweep along the rows loads six columns for eight
  // fused multiply-adds per packet of rows, with the sums kept in packets and folded once.
  void accumulateTiles(Index rows, const double* xt, const double* r, Index stride,
                       double* scatter, Index scatterStride, double* centred,
                       Workspace& ws) const {
    namespace ei = Eigen::internal;
    using Packet = ei::packet_traits<double>::type;
    constexpr int kPacket = ei::packet_traits<double>::size;
    const Index d = means.cols();
    const Index k = means.rows();
    const Index n = paddedRows(rows);  // r is 0 on the padding lanes
    const Index padded = (d + 3) / 4 * 4;  // whole tiles: the rows past d stay 0
    ws.a.resize(padded, stride);
    ws.b.resize(padded, stride);
    if (padded > d) {
      ws.a.bottomRows(padded - d).setZero();
      ws.b.bottomRows(padded - d).setZero();
    }
    for (Index c = 0; c < k; ++c) {
      const double* rc = r + c * stride;
      for (Index a = 0; a < d; ++a) {
        const double* x = xt + a * stride;
        double* y = ws.a.row(a).data();
        double* w = ws.b.row(a).data();
        const double mu = means(c, a);
        for (Index i = 0; i < n; i += kLanes) {
          const Lane v = ConstLaneMap(x + i) - mu;
          LaneMap(y + i) = v;
          LaneMap(w + i) = v * ConstLaneMap(rc + i);
        }
        centred[c * d + a] += laneSum(w, n);
      }
      double* s = scatter + c * scatterStride;
      for (Index a0 = 0; a0 < d; a0 += 4) {
        for (Index b0 = 0; b0 <= a0 + 2 && b0 < d; b0 += 2) {
          Packet acc[4][2];
          for (auto& row : acc) row[0] = row[1] = ei::pset1<Packet>(0.0);
          const double* w0 = ws.b.row(a0).data();
          const double* y0 = ws.a.row(b0).data();
          for (Index i = 0; i < n; i += kPacket) {
            const Packet yb[2] = {ei::ploadu<Packet>(y0 + i), ei::ploadu<Packet>(y0 + stride + i)};
            for (int t = 0; t < 4; ++t) {
              const Packet wa = ei::ploadu<Packet>(w0 + t * stride + i);
              acc[t][0] = ei::pmadd(wa, yb[0], acc[t][0]);
              acc[t][1] = ei::pmadd(wa, yb[1], acc[t][1]);
            }
          }
          for (Index t = 0; t < 4; ++t) {
            for (Index u = 0; u < 2; ++u) {
              const Index a = a0 + t;
              const Index b = b0 + u;
              if (a < d && b <= a) s[a * d + b] += ei::predux(acc[t][u]);
            }
          }
        }
      }
    }
  }

  // Many features: y = (x − c)·U_k − (μ_k − c)·U_k along the rows of the chunk, with the
  // triangle of U_k only (half the multiply-adds of a dense product) and no packing: the
  // chunk is centred on c once, then for each component a block of rows at a time, four
  // columns of y in registers, each loaded value of x − c feeding four fused multiply-adds.
  void logGaussianTriangular(Index rows, const double* xt, Index stride, double* out,
                             Workspace& ws) const {
    namespace ei = Eigen::internal;
    using Packet = ei::packet_traits<double>::type;
    constexpr int kPacket = ei::packet_traits<double>::size;
    // Two packets of rows per block (at most a lane of 8): eight accumulators with AVX2.
    constexpr int kBlockRows = 2 * kPacket <= kLanes ? 2 * kPacket : kLanes;
    constexpr int kBlockPackets = kBlockRows / kPacket;
    const Index d = means.cols();
    const Index k = offsets.rows();
    const Index n = paddedRows(rows);
    const bool tied = factors.cols() == d;
    const Index groups = (d + 3) / 4;
    ws.a.resize(groups * 4, stride);  // as accumulateTiles: no reallocation between them
    for (Index l = 0; l < d; ++l) {
      const double* x = xt + l * stride;
      double* z = ws.a.row(l).data();
      const double c = center[l];
      for (Index i = 0; i < n; i += kLanes) LaneMap(z + i) = ConstLaneMap(x + i) - c;
    }
    const double* z = ws.a.data();
    // Components inside the blocks of rows: a block's centred values (D cache lines) stay in
    // the level-1 cache for all K components.
    for (Index i = 0; i < n; i += kBlockRows) {
      for (Index c = 0; c < k; ++c) {
        const double* p = packedFactors.data() + (tied ? 0 : c * packedSize);
        const double* o = packedOffsets.data() + c * groups * 4;
        Packet sum[kBlockPackets];
        for (int b = 0; b < kBlockPackets; ++b) sum[b] = ei::pset1<Packet>(0.0);
        for (Index g = 0; g < groups; ++g) {
          const Index last = std::min<Index>(4 * g + 4, d);
          Packet y[4][kBlockPackets];
          for (int j = 0; j < 4; ++j) {
            const Packet start = ei::pset1<Packet>(-o[4 * g + j]);
            for (int b = 0; b < kBlockPackets; ++b) y[j][b] = start;
          }
          for (Index l = 0; l < last; ++l, p += 4) {
            Packet x[kBlockPackets];
            for (int b = 0; b < kBlockPackets; ++b) {
              x[b] = ei::ploadu<Packet>(z + l * stride + i + b * kPacket);
            }
            for (int j = 0; j < 4; ++j) {
              const Packet f = ei::pset1<Packet>(p[j]);
              for (int b = 0; b < kBlockPackets; ++b) y[j][b] = ei::pmadd(x[b], f, y[j][b]);
            }
          }
          for (int j = 0; j < 4; ++j) {
            for (int b = 0; b < kBlockPackets; ++b) sum[b] = ei::pmadd(y[j][b], y[j][b], sum[b]);
          }
        }
        for (int b = 0; b < kBlockPackets; ++b) ei::pstoreu(out + c * stride + i + b * kPacket, sum[b]);
      }
    }
    for (Index c = 0; c < k; ++c) {
      double* m = out + c * stride;
      const double constant = constants[c];
      for (Index i = 0; i < n; ++i) m[i] = constant - 0.5 * farIfNaN(m[i]);
    }
  }

  // U_k for logGaussianTriangular: for each group of four columns j0..j0+3, rows l < j0 + 4
  // of those columns, four values per row (zero below the diagonal and past D), so that the
  // kernel reads them in order; and the offsets (μ_k − c)·U_k padded to whole groups.
  void packTriangles(const double* precChol, Index g) {
    const Index d = means.cols();
    const Index k = means.rows();
    const Index groups = (d + 3) / 4;
    packedSize = 0;
    for (Index q = 0; q < groups; ++q) packedSize += 4 * std::min<Index>(4 * q + 4, d);
    packedFactors.assign(static_cast<size_t>(g * packedSize), 0.0);
    for (Index f = 0; f < g; ++f) {
      const ConstMatrixMap u(precChol + f * d * d, d, d);
      double* p = packedFactors.data() + f * packedSize;
      for (Index q = 0; q < groups; ++q) {
        for (Index l = 0; l < std::min<Index>(4 * q + 4, d); ++l, p += 4) {
          for (Index j = 0; j < 4; ++j) {
            const Index col = 4 * q + j;
            p[j] = col < d && l <= col ? u(l, col) : 0.0;
          }
        }
      }
    }
    packedOffsets.assign(static_cast<size_t>(k * groups * 4), 0.0);
    for (Index c = 0; c < k; ++c) {
      for (Index j = 0; j < d; ++j) packedOffsets[c * groups * 4 + j] = offsets(c, j);
    }
  }
};

// The lower triangles of scatter_g += Σ_i r_ig (x_i − μ_g)(x_i − μ_g)ᵀ for G consecutive
// components g (resp: the first one's column, stride apart; means and scatter: G rows of D,
// G blocks of D·D) and a few features D. Each sum takes the rows in order, as a plain loop
// would; with D and G known they live in registers, and the G·D(D+1)/2 sums are independent
// chains that run side by side (a row's additions no longer wait for a store and reload).
template <int D, int G>
void accumulateOuterGroup(const double* x, Index rows, const double* resp, Index stride,
                          const double* means, double* scatter) {
  double sums[G][D][D];
  for (int g = 0; g < G; ++g) {
    for (int a = 0; a < D; ++a) {
      for (int b = 0; b <= a; ++b) sums[g][a][b] = scatter[g * D * D + a * D + b];
    }
  }
  for (Index i = 0; i < rows; ++i) {
    for (int g = 0; g < G; ++g) {
      const double r = resp[i * stride + g];
      double z[D];
      for (int a = 0; a < D; ++a) z[a] = x[i * D + a] - means[g * D + a];
      for (int a = 0; a < D; ++a) {
        for (int b = 0; b <= a; ++b) sums[g][a][b] += r * z[a] * z[b];
      }
    }
  }
  for (int g = 0; g < G; ++g) {
    for (int a = 0; a < D; ++a) {
      for (int b = 0; b <= a; ++b) scatter[g * D * D + a * D + b] = sums[g][a][b];
    }
  }
}

// accumulateOuterGroup for every component of a few features (d <= kSmallD), own scatter
// matrices (not pooled), four components at a time.
template <int D>
void accumulateOuterComponents(const ConstRowMap& xb, const double* resp, const RowMatrix& means,
                               double* scatter) {
  const Index k = means.rows();
  const double* x = xb.data();
  const Index rows = xb.rows();
  Index c = 0;
  for (; c + 4 <= k; c += 4) {
    accumulateOuterGroup<D, 4>(x, rows, resp + c, k, means.row(c).data(), scatter + c * D * D);
  }
  const double* m = means.row(c).data();
  double* s = scatter + c * D * D;
  switch (k - c) {
    case 3: accumulateOuterGroup<D, 3>(x, rows, resp + c, k, m, s); break;
    case 2: accumulateOuterGroup<D, 2>(x, rows, resp + c, k, m, s); break;
    case 1: accumulateOuterGroup<D, 1>(x, rows, resp + c, k, m, s); break;
    default: break;
  }
}

// Lower triangle of scatter += Σ_i r_i (x_i − μ)(x_i − μ)ᵀ, as a symmetric rank-k update of
// the rows (x_i − μ)·√r_i.
void accumulateOuter(const ConstRowMap& xb, const double* resp, Index stride,
                     const RowVector& mean, double* scatter, Workspace& ws) {
  const Index d = xb.cols();
  if (d <= kSmallD) {
    // A few features: plain loops beat the setup of a matrix product per chunk.
    double z[kSmallD];
    for (Index i = 0; i < xb.rows(); ++i) {
      const double r = resp[i * stride];
      for (Index a = 0; a < d; ++a) z[a] = xb(i, a) - mean[a];
      for (Index a = 0; a < d; ++a) {
        for (Index b = 0; b <= a; ++b) scatter[a * d + b] += r * z[a] * z[b];
      }
    }
    return;
  }
  MatrixMap s(scatter, d, d);
  forEachChunk(xb.rows(), chunkRowsFor(d), [&](Index first, Index rows) {
    ws.a.resize(rows, d);
    for (Index i = 0; i < rows; ++i) {
      ws.a.row(i) = (xb.row(first + i) - mean) * std::sqrt(resp[(first + i) * stride]);
    }
    s.selfadjointView<Eigen::Lower>().rankUpdate(ws.a.transpose());
  });
}

// ---------------------------------------------------------------------------------------------
// Oriented parametrisations (full, tied, mclust's E/V orientations): the E-step through
// StackedFactors, one U per component or one shared (layout Matrix).
class CholeskyKernel final : public DensityKernel {
 public:
  CholeskyKernel(CovarianceType type, Index k, Index d)
      : DensityKernel(type, k, d), shared_(parametrisation(type).layout == CovarianceLayout::Matrix) {}

  void prepare(const RowMatrix& means, const double* pc) override {
    stacked_.prepare(means, pc, shared_);
  }
  void logGaussianColumns(const ConstRowMap& xb, const double* xt, Index stride, double* out,
                          Workspace& ws) const override {
    stacked_.logGaussianColumns(xb, xt, stride, out, ws);
  }
  Index chunkRows(Index callerPerRow) const override {
    return stacked_.scratchPerRow() == 0 ? DensityKernel::chunkRows(callerPerRow)
                                         : chunkRowsFor(callerPerRow + stacked_.scratchPerRow());
  }
  void accumulateScatterColumns(Index rows, const double* xt, const double* r, Index stride,
                                double* scatter, double* centred, Workspace& ws) const override {
    // Full: one matrix per component; PooledFull: all into one.
    if (d_ <= kSmallD) {
      stacked_.accumulateSmall(rows, xt, r, stride, scatter, scatterStride(), centred, ws);
    } else {
      stacked_.accumulateTiles(rows, xt, r, stride, scatter, scatterStride(), centred, ws);
    }
  }
  void accumulateScatter(const ConstRowMap& xb, const double* resp, const RowMatrix& means,
                         double* scatter, Workspace& ws) const override {
    // Own matrices of a few features: every component in one sweep of the rows (pooled ones
    // add into one matrix component after component, so they keep the loop below).
    if (scatterStride() != 0) {
      switch (d_) {
        case 1: return accumulateOuterComponents<1>(xb, resp, means, scatter);
        case 2: return accumulateOuterComponents<2>(xb, resp, means, scatter);
        case 3: return accumulateOuterComponents<3>(xb, resp, means, scatter);
        case 4: return accumulateOuterComponents<4>(xb, resp, means, scatter);
        default: break;
      }
    }
    for (Index k = 0; k < k_; ++k) {
      accumulateOuter(xb, resp + k, k_, means.row(k), scatter + k * scatterStride(), ws);
    }
  }
  void farLogDensities(const double* x, double* out) const override {
    stacked_.farLogDensities(x, out);
  }

 private:
  Index scatterStride() const { return scatter_ == ScatterKind::PooledFull ? 0 : d_ * d_; }
  bool shared_;
  StackedFactors stacked_;
};

// ---------------------------------------------------------------------------------------------
// Axis-aligned parametrisations (diag, spherical, mclust's ··I): U = 1/σ per component and
// feature. The scatter is per feature (Diagonal) or summed over the features (Trace).
// Up to this many features, the trace's one-pass scatter keeps its sums in registers.
constexpr Index kFusedSphericalFeatures = 4;

class AxisAlignedKernel final : public DensityKernel {
 public:
  AxisAlignedKernel(CovarianceType type, Index k, Index d) : DensityKernel(type, k, d) {}

  void prepare(const RowMatrix& means, const double* pc) override {
    const CovarianceLayout layout = parametrisation(type_).layout;
    means_ = means;
    scale_.resize(k_, d_);  // U per component and feature
    logDet_.resize(k_);
    for (Index k = 0; k < k_; ++k) {
      for (Index j = 0; j < d_; ++j) {
        switch (layout) {
          case CovarianceLayout::Diagonals: scale_(k, j) = pc[k * d_ + j]; break;
          case CovarianceLayout::Variances: scale_(k, j) = pc[k]; break;
          default: scale_(k, j) = pc[(k * d_ + j) * d_ + j]; break;  // the diagonal of U_k
        }
      }
      logDet_[k] = scale_.row(k).array().log().sum();
    }
  }
  void logGaussianColumns(const ConstRowMap& xb, const double* xt, Index stride, double* out,
                          Workspace&) const override {
    // The common widths with the feature loop unrolled (its counter and the broadcasts of
    // μ and U were a third of the kernel's instructions).
    const bool narrow = detail::withNarrowWidth(d_, [&](auto width) {
      logGaussianLanes<decltype(width)::value>(xb.rows(), xt, stride, out);
    });
    if (!narrow) logGaussianLanes<0>(xb.rows(), xt, stride, out);
  }
  // W: the number of features, or 0 for d_ at run time.
  template <int W>
  void logGaussianLanes(Index rows, const double* xt, Index stride, double* out) const {
    using namespace Eigen::internal;
    using detail::Packet;
    constexpr int kPackets = kLanes / detail::kPacket;
    const Index d = W > 0 ? W : d_;
    const double constant = -0.5 * static_cast<double>(d_) * kLog2Pi;
    for (Index k = 0; k < k_; ++k) {
      double* m = out + k * stride;
      const double* mu = means_.row(k).data();
      const double* u = scale_.row(k).data();
      const double logDet = logDet_[k];
      // Eight rows at a time, their sums held in registers across the features; y² added
      // by pmadd (fused on AVX2+FMA: one rounding fewer).
      for (Index i = 0; i < paddedRows(rows); i += kLanes) {
        Packet acc[kPackets];
        for (int q = 0; q < kPackets; ++q) acc[q] = pset1<Packet>(0.0);
        for (Index j = 0; j < d; ++j) {
          const Packet mj = pset1<Packet>(mu[j]);
          const Packet uj = pset1<Packet>(u[j]);
          for (int q = 0; q < kPackets; ++q) {
            const Packet y =
                pmul(psub(ploadu<Packet>(xt + j * stride + i + q * detail::kPacket), mj), uj);
            acc[q] = pmadd(y, y, acc[q]);
          }
        }
        Lane sum;
        for (int q = 0; q < kPackets; ++q) pstoreu(sum.data() + q * detail::kPacket, acc[q]);
        if (std::isnan(sum.sum())) sum = sum.unaryExpr([](double v) { return farIfNaN(v); });
        LaneMap(m + i) = (constant - 0.5 * sum) + logDet;
      }
    }
  }
  void farLogDensities(const double* x, double* out) const override {
    farLogDensitiesOf(
        x, means_, logDet_,
        [&](Index c, const RowVector& z) { return RowVector(z.cwiseProduct(scale_.row(c))); },
        [&](Index c, Index r) { return scale_.row(c) == scale_.row(r); }, out);
  }
  void accumulateScatter(const ConstRowMap& xb, const double* resp, const RowMatrix& means,
                         double* scatter, Workspace& ws) const override {
    // By chunks of rows laid out by column, so the sums run along the rows.
    const Index d = d_;
    const Index k = k_;
    forEachChunk(xb.rows(), chunkRows(d + k + 1), [&](Index first, Index rows) {
      const Index stride = columnStride(rows);
      ws.xt.resize(d, stride);
      ws.cols.resize(k, stride);
      transposeRows(xb.row(first).data(), rows, d, ws.xt.data(), stride);
      transposeRows(resp + first * k, rows, k, ws.cols.data(), stride);
      if (stride > rows) {
        ws.xt.rightCols(stride - rows).setZero();
        ws.cols.rightCols(stride - rows).setZero();
      }
      scatterColumns(rows, ws.xt.data(), ws.cols.data(), stride, means, scatter, nullptr, ws);
    });
  }
  void accumulateScatterColumns(Index rows, const double* xt, const double* r, Index stride,
                                double* scatter, double* centred, Workspace& ws) const override {
    scatterColumns(rows, xt, r, stride, means_, scatter, centred, ws);
  }
  // Diagonal: scatter[k][j] += Σ_i r_ik (x_ij − μ_kj)²; Trace: scatter[k] += Σ_i r_ik Σ_j
  // (x_ij − μ_kj)²; centred (if given) += Σ_i r_ik (x_ij − μ_kj).
  void scatterColumns(Index rows, const double* xt, const double* r, Index stride,
                      const RowMatrix& means, double* scatter, double* centred,
                      Workspace& ws) const {
    const Index d = d_;
    const Index n = paddedRows(rows);  // r is 0 on the padding lanes
    ws.a.resize(1, stride);
    for (Index c = 0; c < k_; ++c) {
      const double* rc = r + c * stride;
      const double* mu = means.row(c).data();
      if (centred && perFeature()) {
        // Two features per sweep where the eight lanes are at most two packets (AVX2 and
        // wider: the accumulators still fit the registers).
        constexpr Index kPair = kLanes / detail::kPacket <= 2 ? 2 : 1;
        Index j = 0;
        for (; j + kPair <= d; j += kPair) {
          laneCentredMomentsJ<kPair>(rc, xt + j * stride, stride, mu + j, n, centred + c * d + j,
                                     scatter + c * d + j);
        }
        for (; j < d; ++j) {
          laneCentredMomentsJ<1>(rc, xt + j * stride, stride, mu + j, n, centred + c * d + j,
                                 scatter + c * d + j);
        }
        continue;
      }
      if (centred && !perFeature() && d <= kFusedSphericalFeatures) {
        // Spherical: Σ r (x_j − μ_j) and Σ r Σ_j (x_j − μ_j)² in one sweep (the same
        // operations as the separate sweeps below, which stored Σ_j (x_j − μ_j)² per row).
        Lane a[kFusedSphericalFeatures];
        for (Index j = 0; j < d; ++j) a[j] = Lane::Zero();
        Lane q = Lane::Zero();
        for (Index i = 0; i < n; i += kLanes) {
          const Lane rl = ConstLaneMap(rc + i);
          Lane sum = Lane::Zero();
          for (Index j = 0; j < d; ++j) {
            const Lane y = ConstLaneMap(xt + j * stride + i) - mu[j];
            a[j] += rl * y;
            sum += y * y;
          }
          q += rl * sum;
        }
        for (Index j = 0; j < d; ++j) centred[c * d + j] += foldLanes(a[j]);
        scatter[c] += foldLanes(q);
        continue;
      }
      if (centred) {
        for (Index j = 0; j < d; ++j) {
          centred[c * d + j] += laneCentredDot(rc, xt + j * stride, mu[j], n);
        }
      }
      if (perFeature()) {
        for (Index j = 0; j < d; ++j) {
          scatter[c * d + j] += laneWeightedSquares(rc, xt + j * stride, mu[j], n);
        }
        continue;
      }
      double* t = ws.a.data();  // Σ_j (x_ij − μ_kj)² per row
      for (Index i = 0; i < n; i += kLanes) {
        Lane sum = Lane::Zero();
        for (Index j = 0; j < d; ++j) {
          const Lane y = ConstLaneMap(xt + j * stride + i) - mu[j];
          sum += y * y;
        }
        LaneMap(t + i) = sum;
      }
      scatter[c] += laneDot(rc, t, n);
    }
  }
 private:
  bool perFeature() const { return scatter_ == ScatterKind::Diagonal; }
  RowMatrix means_;
  RowMatrix scale_;
  Vector logDet_;
};

}  // namespace

Index DensityKernel::chunkRows(Index callerPerRow) const {
  // Kernels along the rows: chunks that stay in the level-2 cache.
  return std::min<Index>(chunkRowsFor(callerPerRow, Index{1} << 14), 1024);
}

void recentreScatter(ScatterKind kind, double* scatter, const RowMatrix& centred, const Vector& nk,
                     const RowMatrix& from, const RowMatrix& to) {
  const Index d = from.cols();
  for (Index k = 0; k < from.rows(); ++k) {
    // δ_k read in place (a RowVector per component was a heap allocation per M-step).
    const auto delta = [&](Index j) { return to(k, j) - from(k, j); };
    const double* t = centred.row(k).data();
    const double n = nk[k];
    switch (kind) {
      case ScatterKind::Full:
      case ScatterKind::PooledFull: {
        double* s = scatter + (kind == ScatterKind::Full ? k * d * d : 0);
        for (Index a = 0; a < d; ++a) {
          for (Index b = 0; b <= a; ++b) {
            s[a * d + b] += delta(a) * (n * delta(b) - t[b]) - t[a] * delta(b);
          }
        }
        break;
      }
      case ScatterKind::Diagonal:
        for (Index j = 0; j < d; ++j) scatter[k * d + j] += delta(j) * (n * delta(j) - 2.0 * t[j]);
        break;
      case ScatterKind::Trace: {
        double shift = 0.0;
        for (Index j = 0; j < d; ++j) shift += delta(j) * (n * delta(j) - 2.0 * t[j]);
        scatter[k] += shift;
        break;
      }
      default:
        throw Error(ErrorKind::Internal, "the E-step accumulates no pooled diagonal or trace");
    }
  }
}

std::unique_ptr<DensityKernel> DensityKernel::make(CovarianceType type, Index k, Index d) {
  if (parametrisation(type).axisAligned()) return std::make_unique<AxisAlignedKernel>(type, k, d);
  return std::make_unique<CholeskyKernel>(type, k, d);
}

}  // namespace gaussmix
