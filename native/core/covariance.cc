#include "covariance.h"

#include <Eigen/Cholesky>
#include <cmath>

#include "errors.h"
#include "mclust/mstep.h"

namespace gaussmix {
namespace {

using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;

// ------------------------------------------------------------------ scikit-learn's M-steps
// Σ = W / n_k + regCovar·I (W about x̄_k = Σ r x / n_k, with n_k's 10ε floor), as
// scikit-learn's _estimate_gaussian_covariances_*.

// Σ = S/n + reg·I from the lower triangle of S.
void finishMatrix(const double* scatter, double n, double reg, Index d, double* out) {
  ConstMatrixMap s(scatter, d, d);
  MatrixMap cov(out, d, d);
  for (Index i = 0; i < d; ++i) {
    for (Index j = 0; j <= i; ++j) {
      const double v = s(i, j) / n;
      cov(i, j) = v;
      cov(j, i) = v;
    }
    cov(i, i) += reg;
  }
}

void fullMStep(CovarianceType, CovarianceUpdate& u) {
  const Index d = u.means.cols();
  for (Index k = 0; k < u.means.rows(); ++k) {
    finishMatrix(u.scatter + k * d * d, u.nk[k], u.regCovar, d, u.covariances + k * d * d);
  }
}

void tiedMStep(CovarianceType, CovarianceUpdate& u) {
  finishMatrix(u.scatter, u.nk.head(u.means.rows()).sum(), u.regCovar, u.means.cols(), u.covariances);
}

void diagMStep(CovarianceType, CovarianceUpdate& u) {
  const Index d = u.means.cols();
  for (Index k = 0; k < u.means.rows(); ++k) {
    for (Index j = 0; j < d; ++j) u.covariances[k * d + j] = u.scatter[k * d + j] / u.nk[k] + u.regCovar;
  }
}

void sphericalMStep(CovarianceType, CovarianceUpdate& u) {
  const double d = static_cast<double>(u.means.cols());
  // The mean over features of the diagonal variances (scikit-learn's definition).
  for (Index k = 0; k < u.means.rows(); ++k) u.covariances[k] = u.scatter[k] / u.nk[k] / d + u.regCovar;
}

// ------------------------------------------------------------------ mclust's M-steps
// The inner state (mclust/mstep.h MStepState) as doubles, so that it travels with the
// parameters (a streamed fit's M-step reads it back): empty = not started; else λ (K) and the
// shape (1 × D) for VEI and VEV, or the shapes (K × D) and the orientation (D × D) for EVE and VVE.
std::vector<double> encodeState(const mclust::MStepState& s) {
  std::vector<double> out;
  if (!s.started) return out;
  out.insert(out.end(), s.scale.data(), s.scale.data() + s.scale.size());
  out.insert(out.end(), s.shape.data(), s.shape.data() + s.shape.size());
  out.insert(out.end(), s.orientation.data(), s.orientation.data() + s.orientation.size());
  return out;
}

mclust::MStepState decodeState(CovarianceType type, Index k, Index d, const std::vector<double>& v) {
  mclust::MStepState s;
  if (v.empty()) return s;
  const bool common = type == CovarianceType::EVE || type == CovarianceType::VVE;
  const Index scale = common ? 0 : k;
  const Index shapeRows = common ? k : 1;
  const Index orientation = common ? d * d : 0;
  if (static_cast<Index>(v.size()) != scale + shapeRows * d + orientation) {
    throw invalidArgument("the M-step state does not match the model's K and D");
  }
  s.started = true;
  s.scale = ConstVectorMap(v.data(), scale);
  s.shape = ConstRowMap(v.data() + scale, shapeRows, d);
  s.orientation = Eigen::Map<const Matrix>(v.data() + scale + shapeRows * d, common ? d : 0, common ? d : 0);
  return s;
}

// The scatter as mclust's M-steps read it (full matrices symmetric), with regCovar·n_k on the
// diagonal of each W_k (regCovar·I in every Σ_k = W_k / n_k; Σ_k n_k for the pooled ones).
std::vector<double> mclustScatter(ScatterKind kind, const CovarianceUpdate& u) {
  const Index k = u.means.rows();
  const Index d = u.means.cols();
  std::vector<double> s(u.scatter, u.scatter + scatterSize(kind, k, d));
  const Vector nk = u.nk.head(k);
  switch (kind) {
    case ScatterKind::Full:
    case ScatterKind::PooledFull: {
      const Index blocks = kind == ScatterKind::Full ? k : 1;
      for (Index c = 0; c < blocks; ++c) {
        MatrixMap w(s.data() + c * d * d, d, d);
        w.triangularView<Eigen::StrictlyUpper>() = w.transpose();
        w.diagonal().array() += u.regCovar * (blocks == 1 ? nk.sum() : nk[c]);
      }
      break;
    }
    case ScatterKind::Diagonal:
      for (Index c = 0; c < k; ++c) {
        for (Index j = 0; j < d; ++j) s[c * d + j] += u.regCovar * nk[c];
      }
      break;
    case ScatterKind::Trace:
      for (Index c = 0; c < k; ++c) s[c] += u.regCovar * nk[c] * static_cast<double>(d);
      break;
    default: throw Error(ErrorKind::Internal, "the E-step accumulates no pooled diagonal or trace");
  }
  return s;
}

void mclustMStep(CovarianceType type, CovarianceUpdate& u) {
  const Index k = u.means.rows();
  const Index d = u.means.cols();
  const ScatterKind kind = parametrisation(type).scatter;
  const std::vector<double> scatter = mclustScatter(kind, u);
  const Vector nk = u.nk.head(k);
  mclust::MStepState state = decodeState(type, k, d, u.state);
  const mclust::MStepResult r =
      mclust::mstep(type, mclust::MStepInput{nk, u.means, ScatterView(kind, k, d, scatter.data()), u.nk.sum()},
                    state, u.control, u.prior);
  u.means = r.means;
  for (Index c = 0; c < k; ++c) MatrixMap(u.covariances + c * d * d, d, d) = r.covariances[c];
  u.state = encodeState(state);
}

// ------------------------------------------------------------------ the table
using L = CovarianceLayout;
using S = ScatterKind;
constexpr Family kSk = Family::ScikitLearn;
constexpr Family kMc = Family::Mclust;

constexpr Parametrisation kTable[kCovarianceTypes] = {
    // type                      name         family  λ    A    D   layout        scatter        iter   prior  M-step
    {CovarianceType::Full,      "full",      kSk, 'V', 'V', 'V', L::Matrices,  S::Full,       false, false, fullMStep},
    {CovarianceType::Tied,      "tied",      kSk, 'E', 'E', 'E', L::Matrix,    S::PooledFull, false, false, tiedMStep},
    {CovarianceType::Diag,      "diag",      kSk, 'V', 'V', 'I', L::Diagonals, S::Diagonal,   false, false, diagMStep},
    {CovarianceType::Spherical, "spherical", kSk, 'V', 'I', 'I', L::Variances, S::Trace,      false, false, sphericalMStep},
    {CovarianceType::EII,       "EII",       kMc, 'E', 'I', 'I', L::Matrices,  S::Trace,      false, true,  mclustMStep},
    {CovarianceType::VII,       "VII",       kMc, 'V', 'I', 'I', L::Matrices,  S::Trace,      false, true,  mclustMStep},
    {CovarianceType::EEI,       "EEI",       kMc, 'E', 'E', 'I', L::Matrices,  S::Diagonal,   false, true,  mclustMStep},
    {CovarianceType::VEI,       "VEI",       kMc, 'V', 'E', 'I', L::Matrices,  S::Diagonal,   true,  true,  mclustMStep},
    {CovarianceType::EVI,       "EVI",       kMc, 'E', 'V', 'I', L::Matrices,  S::Diagonal,   false, true,  mclustMStep},
    {CovarianceType::VVI,       "VVI",       kMc, 'V', 'V', 'I', L::Matrices,  S::Diagonal,   false, true,  mclustMStep},
    {CovarianceType::EEE,       "EEE",       kMc, 'E', 'E', 'E', L::Matrices,  S::PooledFull, false, true,  mclustMStep},
    {CovarianceType::VEE,       "VEE",       kMc, 'V', 'E', 'E', L::Matrices,  S::Full,       true,  false, mclustMStep},
    {CovarianceType::EVE,       "EVE",       kMc, 'E', 'V', 'E', L::Matrices,  S::Full,       true,  false, mclustMStep},
    {CovarianceType::VVE,       "VVE",       kMc, 'V', 'V', 'E', L::Matrices,  S::Full,       true,  false, mclustMStep},
    {CovarianceType::EEV,       "EEV",       kMc, 'E', 'E', 'V', L::Matrices,  S::Full,       false, true,  mclustMStep},
    {CovarianceType::VEV,       "VEV",       kMc, 'V', 'E', 'V', L::Matrices,  S::Full,       true,  true,  mclustMStep},
    {CovarianceType::EVV,       "EVV",       kMc, 'E', 'V', 'V', L::Matrices,  S::Full,       false, false, mclustMStep},
    {CovarianceType::VVV,       "VVV",       kMc, 'V', 'V', 'V', L::Matrices,  S::Full,       false, true,  mclustMStep},
};

constexpr bool tableInOrder() {
  for (int i = 0; i < kCovarianceTypes; ++i) {
    if (static_cast<int>(kTable[i].type) != i) return false;
  }
  return true;
}
static_assert(tableInOrder(), "the table's rows follow CovarianceType's order");

// ------------------------------------------------------------------ conversions

// Up to this many features, a covariance is factorised in matrices of inline storage: every
// M-step factorises each component's, and their heap allocations (three per matrix) were a
// visible share of a small fit.
constexpr int kInlineFeatures = 4;
using InlineMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor, kInlineFeatures, kInlineFeatures>;
using InlineRowMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor, kInlineFeatures, kInlineFeatures>;

// upperFactorOfInverse in matrices of type M (column-major) and R (row-major).
template <class M, class R>
void upperFactorOfInverseIn(const ConstMatrixMap& cov, double* out, Index component) {
  const Index d = cov.rows();
  Eigen::LLT<M> llt(cov);
  if (llt.info() != Eigen::Success) {
    throw illConditioned(component, "its covariance matrix is not positive definite");
  }
  R u = llt.matrixL().solve(M::Identity(d, d)).transpose();
  if (!u.allFinite() || u.diagonal().minCoeff() <= 0.0) {
    throw illConditioned(component, "its covariance matrix is numerically singular");
  }
  u.template triangularView<Eigen::StrictlyLower>().setZero();
  MatrixMap(out, d, d) = u;
}

// U (upper) with U·Uᵀ = Σ⁻¹: Σ = L·Lᵀ, U = L⁻ᵀ. (The storage is chosen by D alone, so a
// covariance always gets the same U.)
void upperFactorOfInverse(const ConstMatrixMap& cov, double* out, Index component) {
  if (cov.rows() <= kInlineFeatures) {
    upperFactorOfInverseIn<InlineMatrix, InlineRowMatrix>(cov, out, component);
  } else {
    upperFactorOfInverseIn<Matrix, RowMatrix>(cov, out, component);
  }
}

// U (upper) with U·Uᵀ = P. With J the reversal permutation, J·P·J = L'·L'ᵀ gives U = J·L'·J.
void upperFactorOf(const ConstMatrixMap& prec, double* out, Index component) {
  const Index d = prec.rows();
  Matrix reversed = prec.reverse();
  Eigen::LLT<Matrix> llt(reversed);
  if (llt.info() != Eigen::Success) {
    throw illConditioned(component, "its precision matrix is not positive definite");
  }
  Matrix l = llt.matrixL();
  RowMatrix u = l.reverse();
  if (!u.allFinite()) throw illConditioned(component, "its precision matrix is numerically singular");
  MatrixMap(out, d, d) = u;
}

// Σ = (U·Uᵀ)⁻¹ = U⁻ᵀ·U⁻¹.
void inverseFromUpperFactor(const ConstMatrixMap& u, double* out) {
  const Index d = u.rows();
  Matrix uInv = u.triangularView<Eigen::Upper>().solve(Matrix::Identity(d, d));
  RowMatrix cov = uInv.transpose() * uInv;
  MatrixMap(out, d, d) = (cov + cov.transpose()) * 0.5;
}

// The layout as blocks: `blocks` matrices of d × d, or `values` positive numbers (the
// component of value i being i / perComponent).
struct Blocks {
  bool matrices;
  Index blocks;        // matrices
  Index values;        // elementwise
  Index perComponent;  // elementwise
};

Blocks blocksOf(CovarianceType type, Index k, Index d) {
  switch (parametrisation(type).layout) {
    case CovarianceLayout::Matrices: return {true, k, 0, 0};
    case CovarianceLayout::Matrix: return {true, 1, 0, 0};
    case CovarianceLayout::Diagonals: return {false, 0, k * d, d};
    case CovarianceLayout::Variances: return {false, 0, k, 1};
  }
  return {};
}

}  // namespace

const Parametrisation& parametrisation(CovarianceType type) { return kTable[static_cast<int>(type)]; }

const Parametrisation* parametrisations() { return kTable; }

CovarianceType parseCovarianceType(const std::string& name) {
  for (const Parametrisation& p : kTable) {
    if (name == p.name) return p.type;
  }
  throw invalidArgument("unknown covarianceType '" + name + "'");
}

Index covarianceSize(CovarianceType type, Index k, Index d) {
  const Blocks b = blocksOf(type, k, d);
  return b.matrices ? b.blocks * d * d : b.values;
}

Index covarianceParameters(CovarianceType type, Index k, Index d) {
  const Parametrisation& p = parametrisation(type);
  // E: shared by the components, V: one per component, I: none.
  const auto count = [k](char letter, Index each) { return letter == 'I' ? 0 : letter == 'E' ? each : k * each; };
  return count(p.volume, 1) + count(p.shape, d - 1) + count(p.orientation, d * (d - 1) / 2);
}

void precisionCholeskyFromCovariance(CovarianceType type, Index k, Index d, const double* cov,
                                     double* pc) {
  const Blocks b = blocksOf(type, k, d);
  for (Index c = 0; c < b.blocks; ++c) {
    upperFactorOfInverse(ConstMatrixMap(cov + c * d * d, d, d), pc + c * d * d, c);
  }
  for (Index i = 0; i < b.values; ++i) {
    if (!(cov[i] > 0.0) || !std::isfinite(cov[i])) {
      throw illConditioned(static_cast<long>(i / b.perComponent), "its variance is not positive");
    }
    pc[i] = 1.0 / std::sqrt(cov[i]);
  }
}

void precisionCholeskyFromPrecision(CovarianceType type, Index k, Index d, const double* prec,
                                    double* pc) {
  const Blocks b = blocksOf(type, k, d);
  for (Index c = 0; c < b.blocks; ++c) {
    upperFactorOf(ConstMatrixMap(prec + c * d * d, d, d), pc + c * d * d, c);
  }
  for (Index i = 0; i < b.values; ++i) {
    if (!(prec[i] > 0.0) || !std::isfinite(prec[i])) {
      throw illConditioned(static_cast<long>(i / b.perComponent), "its precision is not positive");
    }
    pc[i] = std::sqrt(prec[i]);
  }
}

void covarianceFromPrecisionCholesky(CovarianceType type, Index k, Index d, const double* pc,
                                     double* cov) {
  const Blocks b = blocksOf(type, k, d);
  for (Index c = 0; c < b.blocks; ++c) {
    inverseFromUpperFactor(ConstMatrixMap(pc + c * d * d, d, d), cov + c * d * d);
  }
  for (Index i = 0; i < b.values; ++i) cov[i] = 1.0 / (pc[i] * pc[i]);
}

void colour(CovarianceType type, Index k, Index d, Index component, const double* pc, RowMatrix& z) {
  const Blocks b = blocksOf(type, k, d);
  if (b.matrices) {
    // Rows x = z·U⁻¹, i.e. x = U⁻ᵀ z per sample.
    const Index block = b.blocks == 1 ? 0 : component;
    ConstMatrixMap(pc + block * d * d, d, d).triangularView<Eigen::Upper>().solveInPlace<Eigen::OnTheRight>(z);
    return;
  }
  for (Index j = 0; j < d; ++j) z.col(j) /= b.perComponent == 1 ? pc[component] : pc[component * d + j];
}

}  // namespace gaussmix
