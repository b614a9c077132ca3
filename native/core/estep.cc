#include "estep.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors.h"
#include "lanes.h"
#include "row_groups.h"
#include "scan.h"
#include "variational.h"

namespace gaussmix {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kSmallestNormal = std::numeric_limits<double>::min();

// Up to this many features, Σ r·x is taken by dot products along the chunk's columns; beyond,
// by one matrix product per chunk.
constexpr Index kDotFeatures = 16;

std::uint64_t fingerprintOf(const std::uint64_t seed, const double* v, Index n) {
  return fingerprintBytes(v, static_cast<std::size_t>(n) * sizeof(double), seed);
}

// out[j] += Σ_i a[i·C + j] for each of the C columns, each sum taking the rows in order.
template <int C>
void addColumnSumsOf(const double* a, Index rows, double* out) {
  double sums[C];
  for (int j = 0; j < C; ++j) sums[j] = out[j];
  for (Index i = 0; i < rows; ++i) {
    for (int j = 0; j < C; ++j) sums[j] += a[i * C + j];
  }
  for (int j = 0; j < C; ++j) out[j] = sums[j];
}

// addColumnSumsOf for any C: a few columns' sums side by side in registers (independent
// chains), more one column at a time (into a local, not through out on every row).
void addColumnSums(const double* a, Index rows, Index c, double* out) {
  switch (c) {
    case 1: return addColumnSumsOf<1>(a, rows, out);
    case 2: return addColumnSumsOf<2>(a, rows, out);
    case 3: return addColumnSumsOf<3>(a, rows, out);
    case 4: return addColumnSumsOf<4>(a, rows, out);
    default: break;
  }
  for (Index j = 0; j < c; ++j) {
    double sum = out[j];
    for (Index i = 0; i < rows; ++i) sum += a[i * c + j];
    out[j] = sum;
  }
}

// Up to this many features, Σ r·x of given responsibilities is taken by fixed-order sums
// (responsibilityProducts); beyond, by one matrix product per block.
constexpr int kProductFeatures = 4;

// out (G x D) = Σ_i r_ig x_i over the rows, for G components (r: rows x stride, its first G
// columns) and D features: every sum in row order, in two chains (even and odd rows) added at
// the end. Eigen's matrix product spent more on packing and blocking than on the arithmetic of
// these products (3 × 500 × 2: 10% of a small fit).
template <int D, int G>
void responsibilityProductGroup(const double* x, Index rows, const double* r, Index stride,
                                double* out) {
  double even[G][D] = {};
  double odd[G][D] = {};
  Index i = 0;
  for (; i + 2 <= rows; i += 2) {
    for (int g = 0; g < G; ++g) {
      const double r0 = r[i * stride + g];
      const double r1 = r[(i + 1) * stride + g];
      for (int a = 0; a < D; ++a) {
        even[g][a] += r0 * x[i * D + a];
        odd[g][a] += r1 * x[(i + 1) * D + a];
      }
    }
  }
  if (i < rows) {
    for (int g = 0; g < G; ++g) {
      for (int a = 0; a < D; ++a) even[g][a] += r[i * stride + g] * x[i * D + a];
    }
  }
  for (int g = 0; g < G; ++g) {
    for (int a = 0; a < D; ++a) out[g * D + a] = even[g][a] + odd[g][a];
  }
}

// out (K x D, row-major) = rᵀx for a few features (d <= kProductFeatures): four components at
// a time. The same sums whatever K, thread count or alignment: a function of the block's rows.
template <int D>
void responsibilityProducts(const double* x, Index rows, const double* r, Index stride, Index k,
                            double* out) {
  Index c = 0;
  for (; c + 4 <= k; c += 4) responsibilityProductGroup<D, 4>(x, rows, r + c, stride, out + c * D);
  switch (k - c) {
    case 3: responsibilityProductGroup<D, 3>(x, rows, r + c, stride, out + c * D); break;
    case 2: responsibilityProductGroup<D, 2>(x, rows, r + c, stride, out + c * D); break;
    case 1: responsibilityProductGroup<D, 1>(x, rows, r + c, stride, out + c * D); break;
    default: break;
  }
}

}  // namespace

Vector MixtureParams::logPriors() const {
  if (posterior) return variationalLogPriors(*posterior, d);
  Vector logPriors = weights.array().log();
  if (noise) logPriors[k] -= logHypervolume;
  return logPriors;
}

Index farRowResponsibilities(const DensityKernel& kernel, const double* x,
                             const Vector& logPriors, double* p) {
  const Index k = kernel.components();
  const Index c = logPriors.size();  // k, or k + 1 with a noise component
  std::vector<double> v(static_cast<size_t>(k));
  kernel.farLogDensities(x, v.data());
  for (Index j = 0; j < k; ++j) v[j] += logPriors[j];
  for (Index j = k; j < c; ++j) p[j] = 0.0;
  const Index best = std::max_element(v.begin(), v.end()) - v.begin();
  const double top = v[best];
  if (!std::isfinite(top)) {
    // +∞: infinitely likelier than the rest, shared evenly; −∞ throughout: no information.
    const auto count = static_cast<double>(std::count(v.begin(), v.end(), top));
    for (Index j = 0; j < k; ++j) p[j] = v[j] == top ? 1.0 / count : 0.0;
    return best;
  }
  double sum = 0.0;
  for (Index j = 0; j < k; ++j) sum += p[j] = std::exp(v[j] - top);
  for (Index j = 0; j < k; ++j) p[j] /= sum;
  return best;
}

namespace {

// The empty statistics of given (or labelled) responsibilities about centre: their shape, and
// a fingerprint of the centre (such statistics are merged only with others about it).
MixtureStatistics responsibilitiesTotal(CovarianceType type, Index k, Index d, bool noise,
                                        const Data& data, const RowMatrix& centre, bool scatter) {
  StatisticsShape shape;
  shape.type = type;
  shape.k = k;
  shape.d = d;
  shape.noise = noise;
  shape.scatter = scatter;
  std::uint64_t h = fingerprintBytes("responsibilities", 16, 0xcbf29ce484222325ULL);
  MixtureStatistics total(shape, centre, fingerprintOf(h, centre.data(), centre.size()));
  total.rows = data.n;
  return total;
}

// Σ w over rows [begin, begin + rows) in row order (unweighted: 1 + 1 + ... is exactly rows).
double blockWeight(const Data& data, Index begin, Index rows) {
  if (!data.weights) return static_cast<double>(rows);
  double weight = 0.0;
  for (Index i = begin; i < begin + rows; ++i) weight += data.weights[i];
  return weight;
}

}  // namespace

struct EStep::Scratch {
  Workspace kernel;
  ScratchMatrix xt;              // D x stride: the chunk laid out by column
  ScratchMatrix rows;            // rows x D: a chunk of data by column laid back out by row
  ScratchMatrix p;               // C x stride: log-priors + log-densities, then responsibilities
  std::vector<double> nkLanes;   // C x 8: Σ w r per lane over the chunk
  std::vector<double> partial;   // a block's statistics (StatisticsLayout), doubles
  RowGroups groups;              // statisticsOfLabels: the block's rows grouped by component
};

EStep::EStep(CovarianceType type, Index k, Index d, bool noise, ThreadPool& pool)
    : k_(k), d_(d), noise_(noise), pool_(pool), kernel_(DensityKernel::make(type, k, d)),
      scratch_(pool.slots()) {}

EStep::~EStep() = default;

void EStep::prepare(const MixtureParams& params, const Vector& logPriors, bool fingerprinted) {
  kernel_->prepare(params.means, params.precisionsCholesky.data());
  logPriors_ = logPriors;
  means_ = params.means;
  fingerprint_ = 0;
  if (!fingerprinted) return;
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const std::int64_t header[4] = {static_cast<std::int64_t>(params.type), k_, d_, noise_ ? 1 : 0};
  h = fingerprintBytes(header, sizeof header, h);
  h = fingerprintOf(h, logPriors.data(), logPriors.size());
  h = fingerprintOf(h, params.means.data(), params.means.size());
  h = fingerprintOf(h, params.precisionsCholesky.data(),
                    static_cast<Index>(params.precisionsCholesky.size()));
  fingerprint_ = h;
}

MixtureStatistics EStep::statistics(const Data& data, const StatisticsShape& shape) {
  MixtureStatistics total;
  statistics(data, shape, total);
  return total;
}

void EStep::statistics(const Data& data, const StatisticsShape& shape, MixtureStatistics& total) {
  total.reset(shape, shape.scatter ? &means_ : nullptr, fingerprint_);
  total.rows = data.n;
  const StatisticsLayout at(shape);
  const Index chunkRows = kernel_->chunkRows(d_ + 2 * shape.components() + 4);
  pool_.forEachOrdered(
      data.blocks(),
      [&](Index b, unsigned slot) {
        Scratch& s = scratch_[slot];
        s.partial.assign(static_cast<size_t>(at.size), 0.0);
        const Index begin = data.blockBegin(b);
        forEachChunk(data.blockSize(b), chunkRows, [&](Index first, Index rows) {
          chunk<false>(data, begin + first, rows, s, &shape, nullptr);
        });
      },
      [&](Index, unsigned slot) { total.sums.add(scratch_[slot].partial.data()); });
}

void EStep::evaluate(const Data& data, const RowOutputs& out) {
  const Index c = k_ + (noise_ ? 1 : 0);
  const Index chunkRows = kernel_->chunkRows(d_ + 2 * c + 4);
  pool_.forEach(data.blocks(), [&](Index b, unsigned slot) {
    const Index begin = data.blockBegin(b);
    forEachChunk(data.blockSize(b), chunkRows, [&](Index first, Index rows) {
      chunk<true>(data, begin + first, rows, scratch_[slot], nullptr, &out);
    });
  });
}

// One pass over a chunk of rows while it is in cache: log-densities and log-priors, the row
// maxima, the exp, the normalisation, then (statistics) the log-likelihood, Σ w r, and the sums
// about the centres, or (output) the per-row results. Everything runs along the rows of the
// chunk, laid out by column; after the log-densities, eight rows at a time through every
// component, so that their C·8 values stay in registers and the level-1 cache.
template <bool kOutput>
void EStep::chunk(const Data& data, Index begin, Index rows, Scratch& s,
                  const StatisticsShape* shape, const RowOutputs* out) {
  const Index d = d_;
  const Index k = k_;
  const Index c = k + (noise_ ? 1 : 0);
  const Index stride = columnStride(rows);
  const Index n = paddedRows(rows);  // lanes from n to stride are never read
  s.xt.resize(d, stride);
  s.p.resize(c, stride);
  if (data.byColumn()) {
    // Already by column: each feature's run of rows is copied as it is (no transpose), and
    // checked as it is copied (a stream's Arrow columns read in place were not checked before;
    // the caller finds the first non-finite value in row order for its message).
    bool finite = true;
    for (Index f = 0; f < d; ++f) {
      finite &= copyFinite(data.columns[f] + begin, rows, s.xt.row(f).data());
    }
    if (!finite) throw invalidArgument("X has a value that is not finite (NaN or infinite)");
  } else {
    transposeRows(data.x + begin * d, rows, d, s.xt.data(), stride);
  }
  // The next chunk's rows, asked for while this one is computed, eight rows per eight rows of
  // the responsibilities' loop (the hardware's prefetcher restarts at every page and chunk).
  const RowsAhead ahead = data.byColumn() ? RowsAhead{}
                                          : RowsAhead{data.x + (begin + rows) * d,
                                                      std::min(rows, data.n - (begin + rows)), d};
  if (stride > rows) s.xt.rightCols(stride - rows).setZero();
  // The rows, row-major, for the few steps that read them so (a far row's densities, Σ r x by
  // a matrix product): the caller's, or for data by column, xt laid back out by row on demand.
  const bool rowsNeeded = !kOutput && !shape->scatter && d > kDotFeatures;
  if (data.byColumn() && rowsNeeded) {
    s.rows.resize(rows, d);
    untransposeRows(s.xt.data(), stride, rows, d, s.rows.data());
  }
  // (By column and not needed: only x's dimensions are read.)
  const double* rowMajor = !data.byColumn() ? data.x + begin * d : rowsNeeded ? s.rows.data() : nullptr;
  const ConstRowMap x(rowMajor, rows, d);
  std::vector<double> farRow;
  const auto rowOf = [&](Index r) -> const double* {
    if (rowMajor) return x.row(r).data();
    farRow.resize(static_cast<size_t>(d));
    for (Index f = 0; f < d; ++f) farRow[f] = s.xt(f, r);
    return farRow.data();
  };
  // p holds log N(x_i | k), then the responsibilities, in place; a noise component's
  // log-density is all in its log-prior.
  kernel_->logGaussianColumns(x, s.xt.data(), stride, s.p.data(), s.kernel);
  if (noise_) s.p.row(k).setZero();
  // The padding lanes take part in the vectorised steps: give them a harmless value.
  if (stride > rows) s.p.rightCols(stride - rows).setZero();

  const bool entropy = !kOutput && shape->entropy;
  s.nkLanes.assign(static_cast<size_t>(c * kLanes), 0.0);
  double* nkLanes = s.nkLanes.data();
  // The log-likelihood: Σ w·norm per lane for the rows of the general path; for the common
  // path Σ top per lane and the logs of products of the row sums, one log per kProductGroups
  // groups of eight rows (every sum is in [1, C]: the products cannot overflow).
  // The entropy Σ_k r log r = Σ_k r (v_k − top) − log Σ_k e_k of a row shares that log: the
  // common path sums the first term (entropyTerms) and the logs (logSums) separately.
  constexpr int kProductGroups = 8;
  Lane logLikelihood = Lane::Zero();
  Lane tops = Lane::Zero();
  Lane product = Lane::Ones();
  Lane logSums = Lane::Zero();
  Lane entropyTerms = Lane::Zero();
  Lane entropySum = Lane::Zero();
  Lane weightSum = Lane::Zero();
  int grouped = 0;
  double* p = s.p.data();
  const double* rowWeights = data.weights ? data.weights + begin : nullptr;
  for (Index i = 0; i < n; i += kLanes) {
    ahead.ask(i, kLanes);
    Lane top = LaneMap(p + i) += logPriors_[0];
    Eigen::Array<std::int32_t, kLanes, 1> best;
    if (kOutput && out->labels) best.setZero();
    for (Index j = 1; j < c; ++j) {
      const Lane v = LaneMap(p + j * stride + i) += logPriors_[j];
      if (kOutput && out->labels) {
        for (int l = 0; l < kLanes; ++l) best[l] = v[l] > top[l] ? static_cast<std::int32_t>(j) : best[l];
      }
      top = top.max(v);
    }
    // exp(−∞ − 0) = 0: a row that is −∞ throughout gets p = 0 and norm −∞.
    top = zeroWhereEqual(top, kNegInf);
    // p below the smallest normal double is 0.
    Lane sum;
    Lane weighted;  // entropy: Σ_k e_k (v_k − top)
    if (c == 2 && !entropy) {
      // One exp per row: the likelier component's is exp(0) = 1.
      LaneMap p0(p + i), p1(p + stride + i);
      const Lane d0 = p0 - top, d1 = p1 - top;
      const Lane e = expOrZero(d0.min(d1));
      p0 = oneWhereZero(d0, e);
      p1 = oneWhereZero(d1, e);
      sum = p0 + p1;
    } else if (entropy) {
      // e_k = exp(v_k − top); a term with e_k = 0 adds 0 (not 0·(−∞)).
      sum = Lane::Zero();
      weighted = Lane::Zero();
      for (Index j = 0; j < c; ++j) {
        LaneMap pj(p + j * stride + i);
        const Lane shifted = pj - top;
        const Lane e = expOrZero(shifted);
        weighted += zeroWhereZero(e, e * shifted);
        pj = e;
        sum += e;
      }
    } else {
      sum = Lane::Zero();
      for (Index j = 0; j < c; ++j) {
        LaneMap pj(p + j * stride + i);
        const Lane e = expOrZero(pj - top);
        pj = e;
        sum += e;
      }
    }
    // A row whose sum is 0 was −∞ throughout: far from every component (norm −∞); every other
    // sum is at least 1, the likeliest component's exp(0).
    const bool far = sum.minCoeff() == 0.0;
    // One division per row: p = e · (1/sum).
    const Lane inverse = sum.max(kSmallestNormal).inverse();
    if (!kOutput && !far && !rowWeights && i + kLanes <= rows) {
      // The common case: the responsibilities and nk in one sweep.
      for (Index j = 0; j < c; ++j) {
        LaneMap pj(p + j * stride + i);
        pj *= inverse;
        LaneMap(nkLanes + j * kLanes) += pj;
      }
      tops += top;
      product *= sum;
      weightSum += 1.0;
      if (entropy) entropyTerms += weighted * inverse;
      if (++grouped == kProductGroups) {
        const Lane logProduct = logOrMinusInfinity(product);
        logLikelihood += logProduct;
        if (entropy) logSums += logProduct;
        product = Lane::Ones();
        grouped = 0;
      }
      continue;
    }
    const Lane logSum = logOrMinusInfinity(sum);
    Lane norm = top + logSum;
    // (0 for a row far from every component: its responsibilities come later, and one
    // component takes nearly all of it.)
    Lane rowEntropy = Lane::Zero();
    if (entropy) rowEntropy = zeroWhereZero(sum, weighted * inverse - logSum);
    for (Index j = 0; j < c; ++j) LaneMap(p + j * stride + i) *= inverse;
    // Rows far from every component (norm −∞): the limit responsibilities.
    if (far) {
      std::vector<double> farP(static_cast<size_t>(c));
      for (Index r = i; r < std::min(i + kLanes, rows); ++r) {
        if (norm[r - i] != kNegInf) continue;
        const Index label = farRowResponsibilities(*kernel_, rowOf(r), logPriors_, farP.data());
        for (Index j = 0; j < c; ++j) p[j * stride + r] = farP[j];
        if (kOutput && out->labels) best[r - i] = static_cast<std::int32_t>(label);
      }
    }
    if constexpr (kOutput) {
      const Index m = std::min<Index>(kLanes, rows - i);
      if (out->logProb) std::copy_n(norm.data(), m, out->logProb + begin + i);
      if (out->labels) std::copy_n(best.data(), m, out->labels + begin + i);
      continue;
    }
    // From here on the padding lanes must add nothing: p = 0 and norm = 0 there.
    Lane rowWeight = Lane::Ones();
    Lane rowEntropyWeighted = rowEntropy;
    for (Index r = rows; r < i + kLanes; ++r) {
      for (Index j = 0; j < c; ++j) p[j * stride + r] = 0.0;
      norm[r - i] = 0.0;
      rowWeight[r - i] = 0.0;
      rowEntropyWeighted[r - i] = 0.0;
    }
    if (rowWeights) {
      for (Index r = i; r < std::min(i + kLanes, rows); ++r) {
        const double w = rowWeights[r];
        for (Index j = 0; j < c; ++j) p[j * stride + r] *= w;
        // A row of weight 0 adds nothing, even when its density is 0 (norm −∞).
        norm[r - i] = w > 0.0 ? w * norm[r - i] : 0.0;
        rowEntropyWeighted[r - i] = w > 0.0 ? w * rowEntropy[r - i] : 0.0;
        rowWeight[r - i] = w;
      }
    }
    for (Index j = 0; j < c; ++j) LaneMap(nkLanes + j * kLanes) += LaneMap(p + j * stride + i);
    logLikelihood += norm;
    weightSum += rowWeight;
    if (entropy) entropySum += rowEntropyWeighted;
  }
  if constexpr (kOutput) {
    if (out->resp) untransposeRows(s.p.data(), stride, rows, c, out->resp + begin * c);
    return;
  }
  if (grouped > 0) {
    const Lane logProduct = logOrMinusInfinity(product);
    logLikelihood += logProduct;
    if (entropy) logSums += logProduct;
  }
  logLikelihood += tops;
  if (entropy) entropySum += entropyTerms - logSums;
  const StatisticsLayout at(*shape);
  double* partial = s.partial.data();
  partial[StatisticsLayout::kObjective] += foldLanes(logLikelihood);
  partial[StatisticsLayout::kWeight] += foldLanes(weightSum);
  partial[StatisticsLayout::kEntropy] += foldLanes(entropySum);
  for (Index j = 0; j < c; ++j) {
    partial[StatisticsLayout::kComponents + j] += foldLanes(LaneMap(nkLanes + j * kLanes));
  }
  double* centred = partial + at.centred;
  if (shape->scatter) {
    kernel_->accumulateScatterColumns(rows, s.xt.data(), s.p.data(), stride,
                                          partial + at.scatter, centred, s.kernel);
    return;
  }
  // About 0: Σ w r x.
  if (d <= kDotFeatures) {
    for (Index j = 0; j < k; ++j) {
      for (Index f = 0; f < d; ++f) {
        centred[j * d + f] += laneDot(s.p.row(j).data(), s.xt.row(f).data(), n);
      }
    }
  } else {
    RowMap(centred, k, d).noalias() += s.p.topRows(k).leftCols(rows) * x;
  }
}

MixtureStatistics EStep::statisticsOfResponsibilities(const Data& data, const double* resp,
                                                      const RowMatrix& centre, bool scatter) {
  MixtureStatistics total = responsibilitiesTotal(kernel_->type(), k_, d_, noise_, data, centre, scatter);
  const Index c = total.shape.components();
  const StatisticsLayout at(total.shape);
  pool_.forEachOrdered(
      data.blocks(),
      [&](Index b, unsigned slot) {
        Scratch& s = scratch_[slot];
        s.partial.assign(static_cast<size_t>(at.size), 0.0);
        double* partial = s.partial.data();
        const Index begin = data.blockBegin(b);
        const Index rows = data.blockSize(b);
        const ConstRowMap all(resp + begin * c, rows, c);
        const ConstRowMap x = data.block(b);
        partial[StatisticsLayout::kWeight] = blockWeight(data, begin, rows);
        // Σ r per component (the noise column too), row by row: Eigen's colwise().sum() sums
        // by packets or by coefficients depending on where its destination is aligned (a
        // thread's scratch), so its last bits would depend on the thread that takes the block.
        double* nk = partial + StatisticsLayout::kComponents;
        addColumnSums(all.data(), rows, c, nk);
        const Eigen::Map<const Vector> nkOfBlock(nk, k_);
        RowMap centred(partial + at.centred, k_, d_);
        // Σ r (x − c) = rᵀx − (Σ r)·c: the second pass's c is the first pass's means, so this
        // is about 0 and its rounding, eps·|c| per unit weight, is that of c itself.
        // (The Gaussian components' columns: without a noise column, all of them; with one,
        // a copy without it, for the matrix product and the scatter.)
        RowMatrix own;
        const bool fewFeatures = d_ <= kProductFeatures;
        if (noise_ && (!fewFeatures || scatter)) own = all.leftCols(k_);
        const ConstRowMap r(noise_ ? own.data() : all.data(), rows, k_);
        switch (fewFeatures ? d_ : 0) {
          case 1: responsibilityProducts<1>(x.data(), rows, all.data(), c, k_, centred.data()); break;
          case 2: responsibilityProducts<2>(x.data(), rows, all.data(), c, k_, centred.data()); break;
          case 3: responsibilityProducts<3>(x.data(), rows, all.data(), c, k_, centred.data()); break;
          case 4: responsibilityProducts<4>(x.data(), rows, all.data(), c, k_, centred.data()); break;
          default: centred.noalias() = r.transpose() * x; break;
        }
        if (scatter) {
          centred -= (centre.array().colwise() * nkOfBlock.array()).matrix();
          kernel_->accumulateScatter(x, r.data(), centre, partial + at.scatter, s.kernel);
        }
      },
      [&](Index, unsigned slot) { total.sums.add(scratch_[slot].partial.data()); });
  return total;
}


namespace {

// The sums of one group of rows that share a component (listed in row order in `rows`), for
// statisticsOfLabels. W: the number of features when it is small (the sums then stay in
// registers across the rows: through memory, each row's adds waited on the last row's), or 0
// for D at run time (in `work`, 2·D values).
template <int W>
void addLabelledRows(const double* x, Index d, const double* weights, const std::int32_t* rows,
                     Index m, double* nk, double* centred, double* work) {
  constexpr int kFixed = W > 0 ? W : 1;
  const Index dd = W > 0 ? W : d;
  double fixedEven[kFixed] = {}, fixedOdd[kFixed] = {};
  double* even = W > 0 ? fixedEven : work;
  double* odd = W > 0 ? fixedOdd : work + d;
  if (W == 0) std::fill(work, work + 2 * d, 0.0);
  double total = *nk;
  for (Index r = 0; r < m; ++r) {
    const Index i = rows[r];
    const double w = weights ? weights[i] : 1.0;
    total += w;
    // The chain of the row's parity takes w·x, the other 0·x (+0: the same bits as skipping).
    const double we = (i & 1) ? 0.0 : w;
    const double wo = (i & 1) ? w : 0.0;
    const double* xi = x + i * dd;
    for (Index a = 0; a < dd; ++a) {
      even[a] += we * xi[a];
      odd[a] += wo * xi[a];
    }
  }
  *nk = total;
  for (Index a = 0; a < dd; ++a) centred[a] = even[a] + odd[a];
}

// scatter += Σ w (x − μ)(x − μ)ᵀ over the rows listed, in row order, in the layout of `kind`
// (matrices: the lower triangle; Diagonal: D values; Trace: one), at `out` (the component's).
// W as addLabelledRows; with W 0 a row's x − μ goes to `work` (D values).
template <int W>
void addLabelledScatter(const double* x, Index d, const double* weights, const std::int32_t* rows,
                        Index m, const double* mu, ScatterKind kind, double* out, double* work) {
  constexpr int kFixed = W > 0 ? W : 1;
  const Index dd = W > 0 ? W : d;
  if (W > 0 && kind == ScatterKind::Diagonal) {
    double sums[kFixed];
    for (int a = 0; a < W; ++a) sums[a] = out[a];
    for (Index r = 0; r < m; ++r) {
      const Index i = rows[r];
      const double w = weights ? weights[i] : 1.0;
      for (int a = 0; a < W; ++a) {
        const double z = x[i * W + a] - mu[a];
        sums[a] += w * z * z;
      }
    }
    for (int a = 0; a < W; ++a) out[a] = sums[a];
    return;
  }
  if (W > 0 && (kind == ScatterKind::Full || kind == ScatterKind::PooledFull)) {
    double sums[kFixed][kFixed];
    for (int a = 0; a < W; ++a) {
      for (int b = 0; b <= a; ++b) sums[a][b] = out[a * W + b];
    }
    for (Index r = 0; r < m; ++r) {
      const Index i = rows[r];
      const double w = weights ? weights[i] : 1.0;
      double z[kFixed];
      for (int a = 0; a < W; ++a) z[a] = x[i * W + a] - mu[a];
      for (int a = 0; a < W; ++a) {
        for (int b = 0; b <= a; ++b) sums[a][b] += w * z[a] * z[b];
      }
    }
    for (int a = 0; a < W; ++a) {
      for (int b = 0; b <= a; ++b) out[a * W + b] = sums[a][b];
    }
    return;
  }
  double* z = work;
  double trace = 0.0;
  for (Index r = 0; r < m; ++r) {
    const Index i = rows[r];
    const double w = weights ? weights[i] : 1.0;
    for (Index a = 0; a < dd; ++a) z[a] = x[i * dd + a] - mu[a];
    switch (kind) {
      case ScatterKind::Full:
      case ScatterKind::PooledFull:
        for (Index a = 0; a < dd; ++a) {
          for (Index b = 0; b <= a; ++b) out[a * dd + b] += w * z[a] * z[b];
        }
        break;
      case ScatterKind::Diagonal:
        for (Index a = 0; a < dd; ++a) out[a] += w * z[a] * z[a];
        break;
      case ScatterKind::Trace: {
        double t = 0.0;
        for (Index a = 0; a < dd; ++a) t += z[a] * z[a];
        trace += w * t;
        break;
      }
      default:
        throw Error(ErrorKind::Internal, "the E-step accumulates no pooled diagonal or trace");
    }
  }
  if (kind == ScatterKind::Trace) *out += trace;
}

}  // namespace

MixtureStatistics EStep::statisticsOfLabels(const Data& data, const std::int32_t* labels,
                                            const RowMatrix& centre, bool scatter) {
  MixtureStatistics total = responsibilitiesTotal(kernel_->type(), k_, d_, noise_, data, centre, scatter);
  const Index d = d_;
  const Index c = total.shape.components();
  const StatisticsLayout at(total.shape);
  const ScatterKind kind = parametrisation(total.shape.type).scatter;
  pool_.forEachOrdered(
      data.blocks(),
      [&](Index b, unsigned slot) {
        Scratch& s = scratch_[slot];
        s.partial.assign(static_cast<size_t>(at.size), 0.0);
        double* partial = s.partial.data();
        const Index begin = data.blockBegin(b);
        const Index rows = data.blockSize(b);
        const double* x = data.x + begin * d;
        const double* weights = data.weights ? data.weights + begin : nullptr;
        const std::int32_t* label = labels + begin;
        partial[StatisticsLayout::kWeight] = blockWeight(data, begin, rows);
        // The block's rows grouped by component (row_groups.h), so that a component's sums run
        // over its rows in registers.
        RowGroups& groups = s.groups;
        groups.group(rows, label, c);
        // Σ w per component in row order (statisticsOfResponsibilities' column sums without
        // their added zeros: the same bits); Σ w x in its two chains (responsibilityProducts'
        // order; the noise component has none).
        double* nk = partial + StatisticsLayout::kComponents;
        RowMap centred(partial + at.centred, k_, d);
        s.rows.resize(1, 2 * d);
        for (Index j = 0; j < c; ++j) {
          const std::int32_t* group = groups.rows(j);
          const Index m = groups.count(j);
          if (j == k_) {  // the noise component: Σ w only
            double sum = 0.0;
            for (Index r = 0; r < m; ++r) sum += weights ? weights[group[r]] : 1.0;
            nk[j] = sum;
            continue;
          }
          const auto add = [&](auto width) {
            addLabelledRows<decltype(width)::value>(x, d, weights, group, m, nk + j,
                                                    centred.row(j).data(), s.rows.data());
          };
          if (d <= 4) {
            detail::withNarrowWidth(d, add);
          } else {
            add(std::integral_constant<int, 0>());
          }
        }
        if (!scatter) return;
        const Eigen::Map<const Vector> nkOfBlock(nk, k_);
        centred -= (centre.array().colwise() * nkOfBlock.array()).matrix();
        // Σ w (x − c)(x − c)ᵀ per component over its rows in row order, components in order
        // (a pooled matrix takes them one after another): for own matrices of up to four
        // features accumulateOuterComponents' bits, for a pooled one accumulateOuter's.
        double* out = partial + at.scatter;
        const Index each = kind == ScatterKind::Full ? d * d : kind == ScatterKind::Diagonal ? d
                           : kind == ScatterKind::Trace ? 1 : 0;
        for (Index j = 0; j < k_; ++j) {
          const std::int32_t* group = groups.rows(j);
          const Index m = groups.count(j);
          const auto add = [&](auto width) {
            addLabelledScatter<decltype(width)::value>(x, d, weights, group, m, centre.row(j).data(),
                                                       kind, out + j * each, s.rows.data());
          };
          if (d <= 4) {
            detail::withNarrowWidth(d, add);
          } else {
            add(std::integral_constant<int, 0>());
          }
        }
      },
      [&](Index, unsigned slot) { total.sums.add(scratch_[slot].partial.data()); });
  return total;
}

}  // namespace gaussmix
