// The probes of probes.h, compiled with the core once per SIMD variant.
#include "probes.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "core/compat_lanes.h"
#include "core/density.h"
#include "core/kmeans.h"
#include "core/kmeans_cluster_sums.h"
#include "core/kmeans_nearest.h"
#include "core/lanes.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "core/types.h"

namespace gaussmix {
namespace probe {

void expOrZero(const double* in, double* out, std::ptrdiff_t n) {
  for (Index i = 0; i < n; i += kLanes) {
    LaneMap(out + i) = gaussmix::expOrZero(ConstLaneMap(in + i));
  }
}

void logOrMinusInfinity(const double* in, double* out, std::ptrdiff_t n) {
  for (Index i = 0; i < n; i += kLanes) {
    LaneMap(out + i) = gaussmix::logOrMinusInfinity(ConstLaneMap(in + i));
  }
}

namespace {
CovarianceType typeOf(int type) {
  switch (type) {
    case 0: return CovarianceType::Full;
    case 1: return CovarianceType::Tied;
    case 2: return CovarianceType::Diag;
    default: return CovarianceType::Spherical;
  }
}
}  // namespace

void scatterTwoPass(int type, std::ptrdiff_t n, std::ptrdiff_t k, std::ptrdiff_t d,
                    const double* x, const double* resp, const double* means, double* scatter) {
  const auto covariance = DensityKernel::make(typeOf(type), k, d);
  Workspace ws;
  std::fill(scatter, scatter + scatterSize(covariance->scatterKind(), k, d), 0.0);
  const RowMatrix mu = ConstRowMap(means, k, d);
  covariance->accumulateScatter(ConstRowMap(x, n, d), resp, mu, scatter, ws);
}

// As the E-step (em.cc, expectationChunk) feeds it: chunks of chunkRows(d + 2k + 4) rows laid
// out by column, the padding lanes 0.
void scatterOnePass(int type, std::ptrdiff_t n, std::ptrdiff_t k, std::ptrdiff_t d,
                    const double* x, const double* resp, const double* centre,
                    const double* precChol, const double* means, double* scatter) {
  const auto covariance = DensityKernel::make(typeOf(type), k, d);
  const RowMatrix c = ConstRowMap(centre, k, d);
  covariance->prepare(c, precChol);
  Workspace ws;
  std::fill(scatter, scatter + scatterSize(covariance->scatterKind(), k, d), 0.0);
  RowMatrix centred = RowMatrix::Zero(k, d);
  Vector nk = Vector::Zero(k);
  RowMatrix xt;
  RowMatrix r;
  forEachChunk(n, covariance->chunkRows(d + 2 * k + 4), [&](Index first, Index rows) {
    const Index stride = columnStride(rows);
    xt.resize(d, stride);
    r.resize(k, stride);
    transposeRows(x + first * d, rows, d, xt.data(), stride);
    transposeRows(resp + first * k, rows, k, r.data(), stride);
    if (stride > rows) {
      xt.rightCols(stride - rows).setZero();
      r.rightCols(stride - rows).setZero();
    }
    covariance->accumulateScatterColumns(rows, xt.data(), r.data(), stride, scatter,
                                         centred.data(), ws);
    nk += r.leftCols(rows).rowwise().sum();
  });
  recentreScatter(covariance->scatterKind(), scatter, centred, nk, c, ConstRowMap(means, k, d));
}

void compatChoose(int laterWins, const double* acc, std::ptrdiff_t k, double padding,
                  std::int32_t* label, double* nearest, double* second) {
  constexpr Index lanes = compat_lanes::kLanes;
  const Index kp = (k + lanes - 1) / lanes * lanes;
  std::vector<double> padded(static_cast<size_t>(kp), padding);
  std::copy_n(acc, k, padded.begin());
  if (laterWins != 0) {
    compat_lanes::choose<true>(padded.data(), k, kp, label, nearest, second);
  } else {
    compat_lanes::choose<false>(padded.data(), k, kp, label, nearest, second);
  }
}

void kmeansPlusPlus(const double* x, std::ptrdiff_t n, std::ptrdiff_t d, const double* weights,
                    std::ptrdiff_t k, std::uint64_t seed, unsigned threads, std::ptrdiff_t* out,
                    std::uint64_t* nextDraw) {
  Data data;
  data.x = x;
  data.n = n;
  data.d = d;
  data.weights = weights;
  std::atomic<bool> cancel{false};
  ThreadPool pool(threads, &cancel);
  Rng rng(seed, 0);
  const std::vector<Index> chosen = kmeansPlusPlusIndices(data, k, rng, pool);
  std::copy(chosen.begin(), chosen.end(), out);
  *nextDraw = rng.next();
}

void columnMinima(int asFloat, const double* values, std::ptrdiff_t k, std::ptrdiff_t rows,
                  double* best, double* second, std::int32_t* labels) {
  const auto run = [&](auto zero) {
    using Scalar = decltype(zero);
    const std::vector<Scalar> in(values, values + k * rows);
    std::vector<Scalar> b(static_cast<size_t>(rows)), s(static_cast<size_t>(rows));
    kmeans::columnMinima(in.data(), k, rows, b.data(), s.data(), labels);
    std::copy(b.begin(), b.end(), best);
    std::copy(s.begin(), s.end(), second);
  };
  if (asFloat) {
    run(0.0f);
  } else {
    run(0.0);
  }
}

void clusterSums(const double* x, std::ptrdiff_t n, std::ptrdiff_t d, std::ptrdiff_t k,
                 const double* w, const std::int32_t* from, const std::int32_t* to, double* out) {
  kmeans::ClusterSums sums;
  sums.reset(k, d, k * (d + 1));
  for (std::ptrdiff_t i = 0; i < n; ++i) sums.move(x + i * d, w[i], from[i], to[i]);
  sums.sums().round(out);
}

}  // namespace probe
}  // namespace gaussmix
