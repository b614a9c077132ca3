// The ellipsoidal M-steps (EEE VEE EVE VVE EEV VEV EVV VVV), as mclust 6's me*.f, me*p.f and
// mclustaddson.f compute them. S = Σ_k n_k; under the prior Λ (D × D scale), ν, c_k, δ_k,
// μ̃_k as in mstep_detail.h, and M_k = Λ + W_k + c_k δ_k δ_kᵀ the posterior scatter.
#include <Eigen/Cholesky>
#include <Eigen/SVD>
#include <cfloat>
#include <cmath>

#include "mstep_detail.h"

namespace gaussmix {
namespace mclust {
namespace detail {

namespace {

// mclust's test on a covariance's upper Cholesky factor U (UᵀU = Σ): singular when
// min_j U_jj / (1 + max_j U_jj) <= √eps. Returns that ratio (0 when Σ is not positive definite).
double choleskyConditioning(const Matrix& sigma) {
  ::Eigen::LLT<Matrix> llt(sigma);
  if (llt.info() != ::Eigen::Success) return 0;
  const Vector u = Matrix(llt.matrixL()).diagonal();
  return u.minCoeff() / (1 + u.maxCoeff());
}

// The posterior scatter M_k = Λ + W_k + c_k δ_k δ_kᵀ (or W_k without a prior).
std::vector<Matrix> scatters(const MStepInput& in, const ConjugatePrior* prior, PriorTerms* terms) {
  const Index k = in.means.rows();
  std::vector<Matrix> m(k);
  for (Index j = 0; j < k; ++j) m[j] = in.scatter.full(j);
  if (prior != nullptr) {
    *terms = priorTerms(*prior, in);
    for (Index j = 0; j < k; ++j) {
      const Vector delta = terms->delta.row(j).transpose();
      m[j] += prior->scale + terms->c(j) * delta * delta.transpose();
    }
  }
  return m;
}

void decomposeAll(MStepResult& r) {
  for (size_t j = 0; j < r.covariances.size(); ++j) {
    decompose(r.covariances[j], r.scale(j), r.shape.row(j), r.orientation[j]);
  }
}

// EEE: Σ = Σ_k W_k / S;
// prior: Σ = (Λ + Σ_k W_k + Σ_k c_k δ_k δ_kᵀ) / (ν + D + 1 [+ K if κ > 0] + S), means μ̃_k.
MStepResult eee(const MStepInput& in, const MStepControl& control, const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const double d = static_cast<double>(in.means.cols());
  Matrix sigma = in.scatter.pooledFull();
  double denominator = in.counts.sum();
  if (prior != nullptr) {
    const PriorTerms t = priorTerms(*prior, in);
    sigma += prior->scale;
    for (Index j = 0; j < k; ++j) {
      const Vector delta = t.delta.row(j).transpose();
      sigma += t.c(j) * delta * delta.transpose();
    }
    denominator += prior->dof + d + 1 + (t.shrinks ? static_cast<double>(k) : 0);
    r.means = t.posteriorMeans;
  }
  sigma /= denominator;
  if (!(choleskyConditioning(sigma) > std::sqrt(control.eps))) singular(-1, "Cholesky factor ill-conditioned");
  for (Index j = 0; j < k; ++j) r.covariances[j] = sigma;
  decomposeAll(r);
  return r;
}

// VVV: Σ_k = W_k / n_k; prior: Σ_k = M_k / (ν + n_k + D + 2), means μ̃_k.
MStepResult vvv(const MStepInput& in, const MStepControl& control, const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const double d = static_cast<double>(in.means.cols());
  PriorTerms t;
  const std::vector<Matrix> m = scatters(in, prior, &t);
  double worst = DBL_MAX;
  Index worstComponent = 0;
  for (Index j = 0; j < k; ++j) {
    const double den = prior != nullptr ? prior->dof + in.counts(j) + d + 2 : in.counts(j);
    r.covariances[j] = m[j] / den;
    const double rc = choleskyConditioning(r.covariances[j]);
    if (rc < worst) {
      worst = rc;
      worstComponent = j;
    }
  }
  if (!(worst > std::sqrt(control.eps))) singular(worstComponent, "Cholesky factor ill-conditioned");
  if (prior != nullptr) r.means = t.posteriorMeans;
  decomposeAll(r);
  return r;
}

// EEV: W_k = O_k diag(ω_k) O_kᵀ (ω_k decreasing), B = Σ_k ω_k, λ = |B|^(1/D) / S,
// A = B / |B|^(1/D), D_k = O_k; prior: the same from M_k, λ's denominator ν + D + 1
// [+ 1 if κ > 0] + S, means μ̃_k.
MStepResult eev(const MStepInput& in, const MStepControl& control, const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const Index d = in.means.cols();
  PriorTerms t;
  const std::vector<Matrix> m = scatters(in, prior, &t);
  Vector b = Vector::Zero(d);
  for (Index j = 0; j < k; ++j) {
    const EigenPairs e = eigenDecreasing(m[j]);
    b += e.values;
    r.orientation[j] = e.vectors;
  }
  if (!(b.minCoeff() > 0)) singular(-1, "the summed eigenvalues are not positive");
  const double volume = geometricMean(b);
  double denominator = in.counts.sum();
  if (prior != nullptr) {
    denominator += prior->dof + static_cast<double>(d) + 1 + (t.shrinks ? 1 : 0);
    r.means = t.posteriorMeans;
  }
  const double scale = volume / denominator;
  if (!(volume > control.eps)) singular(-1, "|B|^(1/D) <= eps");
  const Vector shape = b / volume;
  if (!(shape.minCoeff() > control.eps) || !(scale > control.eps)) singular(-1, "shape or scale <= eps");
  if (!(std::sqrt(scale * shape.minCoeff()) > std::sqrt(control.eps))) singular(-1, "sqrt(scale*shape) <= sqrt(eps)");
  for (Index j = 0; j < k; ++j) {
    r.scale(j) = scale;
    r.shape.row(j) = shape.transpose();
    r.covariances[j] = scale * r.orientation[j] * shape.asDiagonal() * r.orientation[j].transpose();
  }
  return r;
}

// VEV (iterative; scale and shape carry over between EM iterations): W_k = O_k diag(ω_k) O_kᵀ,
//   λ_k = Σ_j ω_jk / a_j / (D n_k),  a = Σ_k ω_k / λ_k normalised to det 1,
// until the largest relative change of a and λ is below tol (or maxIter iterations). The first
// M-step of a fit starts from a = Σ_k ω_k / |Σ_k ω_k|^(1/D) and λ_k = |Σ_k ω_k|^(1/D) / S
// (prior: / n_k). Prior: the same from M_k, means μ̃_k (mclust adds no ν to λ_k here).
MStepResult vev(const MStepInput& in, MStepState& state, const MStepControl& control,
                const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const Index d = in.means.cols();
  PriorTerms t;
  const std::vector<Matrix> m = scatters(in, prior, &t);
  if (prior != nullptr) r.means = t.posteriorMeans;
  RowMatrix omega(k, d);
  for (Index j = 0; j < k; ++j) {
    const EigenPairs e = eigenDecreasing(m[j]);
    omega.row(j) = e.values.transpose();
    r.orientation[j] = e.vectors;
  }
  if (!state.started || state.scale.size() != k || state.shape.cols() != d) {
    const Vector b = omega.colwise().sum().transpose();
    if (!(b.minCoeff() > 0)) singular(-1, "the summed eigenvalues are not positive");
    const double volume = geometricMean(b);
    if (prior != nullptr) {
      state.scale = volume * in.counts.cwiseInverse();
    } else {
      state.scale = Vector::Constant(k, volume / in.counts.sum());
    }
    if (!(volume > control.eps)) singular(-1, "|B|^(1/D) <= eps");
    state.shape = (b / volume).transpose();
    state.started = true;
  }
  Vector scale = state.scale;
  Vector shape = state.shape.row(0).transpose();
  long inner = 0;
  double err = 0;
  if (control.maxIter > 0) {
    do {
      const Vector oldShape = shape;
      const Vector oldScale = scale;
      shape.setZero();
      for (Index j = 0; j < k; ++j) {
        scale(j) = (omega.row(j).transpose().array() / oldShape.array()).sum() /
                   (in.counts(j) * static_cast<double>(d));
        if (!(scale(j) > control.eps)) singular(j, "scale <= eps");
        shape += omega.row(j).transpose() / scale(j);
      }
      ++inner;
      if (!(shape.minCoeff() > 0)) singular(-1, "shape <= 0");
      const double volume = geometricMean(shape);
      if (!(volume > control.eps)) singular(-1, "|A|^(1/D) <= eps");
      shape /= volume;
      err = std::max(((oldShape - shape).array().abs() / (1 + shape.array())).maxCoeff(),
                     ((scale - oldScale).array().abs() / (1 + scale.array())).maxCoeff());
    } while (err >= control.tol && inner < control.maxIter);
  }
  if (!(shape.minCoeff() > control.eps)) singular(-1, "shape <= eps");
  if (!(scale.minCoeff() > control.eps)) singular(-1, "scale <= eps");
  if (!(std::sqrt(shape.minCoeff()) > std::sqrt(control.eps))) singular(-1, "sqrt(shape) <= sqrt(eps)");
  state.scale = scale;
  state.shape.row(0) = shape.transpose();
  r.innerIterations = inner;
  r.innerError = err;
  for (Index j = 0; j < k; ++j) {
    r.scale(j) = scale(j);
    r.shape.row(j) = shape.transpose();
    r.covariances[j] = scale(j) * r.orientation[j] * shape.asDiagonal() * r.orientation[j].transpose();
  }
  return r;
}

// EVV: W_k = |W_k|^(1/D) C_k (|C_k| = 1), λ = Σ_k |W_k|^(1/D) / S, Σ_k = λ C_k.
MStepResult evv(const MStepInput& in, const MStepControl& control) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const double rteps = std::sqrt(control.eps);
  Vector volume(k);
  for (Index j = 0; j < k; ++j) {
    const EigenPairs e = eigenDecreasing(in.scatter.full(j));
    volume(j) = geometricMean(e.values);
    r.shape.row(j) = (e.values / volume(j)).transpose();
    r.orientation[j] = e.vectors;
  }
  const double scale = volume.sum() / in.counts.sum();
  for (Index j = 0; j < k; ++j) {
    if (!(r.shape.row(j).minCoeff() > rteps)) singular(j, "shape <= sqrt(eps)");
  }
  // mclust's msevv/meevv test the pooled λ and, in place of the first component's, the other
  // components' volumes |W_k|^(1/D).
  if (!(scale > rteps)) singular(-1, "scale <= sqrt(eps)");
  for (Index j = 1; j < k; ++j) {
    if (!(volume(j) > rteps)) singular(j, "|W_k|^(1/D) <= sqrt(eps)");
  }
  for (Index j = 0; j < k; ++j) {
    r.scale(j) = scale;
    r.covariances[j] = (scale / volume(j)) * in.scatter.full(j);  // λ C_k = λ W_k / |W_k|^(1/D)
  }
  return r;
}

// VEE (iterative, restarted every M-step at λ_k = 1, as mclust's me() does):
//   C = Σ_k W_k / λ_k normalised to det 1,  λ_k = tr(W_k C⁻¹) / (D n_k),
// until the relative change of the target S·D + D Σ_k n_k log λ_k is at most tol.
MStepResult vee(const MStepInput& in, const MStepControl& control) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const Index d = in.means.cols();
  const double dd = static_cast<double>(d);
  const double s = in.counts.sum();
  std::vector<Matrix> w(k);
  for (Index j = 0; j < k; ++j) {
    w[j] = in.scatter.full(j);
    if (::Eigen::LLT<Matrix>(w[j]).info() != ::Eigen::Success) singular(j, "scatter not positive definite");
  }
  Vector scale = Vector::Ones(k);
  Matrix c(d, d);
  Vector eigenvalues;
  double volume = 1;
  double previous = DBL_MAX / 2;
  double err = DBL_MAX;
  long inner = 0;
  do {
    ++inner;
    c.setZero();
    for (Index j = 0; j < k; ++j) c += w[j] / scale(j);
    eigenvalues = eigenDecreasing(c).values;
    volume = geometricMean(eigenvalues);
    c /= volume;
    ::Eigen::LLT<Matrix> llt(c);
    if (llt.info() != ::Eigen::Success) singular(-1, "C not positive definite");
    const Matrix cInverse = llt.solve(Matrix::Identity(d, d));
    for (Index j = 0; j < k; ++j) {
      scale(j) = (w[j].cwiseProduct(cInverse)).sum() / (dd * in.counts(j));  // tr(W_k C⁻¹)/(D n_k)
    }
    const double target = s * dd + dd * (in.counts.array() * scale.array().log()).sum();
    err = std::abs(target - previous) / (1 + std::abs(target));
    previous = target;
  } while (err > control.tol && inner < control.maxIter);
  const Vector shape = eigenvalues / volume;
  if (!(shape.minCoeff() > std::sqrt(control.eps)) || !(scale.minCoeff() > std::sqrt(control.eps))) {
    singular(-1, "shape or scale <= sqrt(eps)");
  }
  const Matrix orientation = eigenDecreasing(c).vectors;
  r.innerIterations = inner;
  r.innerError = err;
  for (Index j = 0; j < k; ++j) {
    r.scale(j) = scale(j);
    r.shape.row(j) = shape.transpose();
    r.orientation[j] = orientation;
    r.covariances[j] = scale(j) * c;
  }
  return r;
}

// a ← a⁻¹ by Gauss–Jordan elimination with partial pivoting, in place (n³ multiply-adds in
// row operations: at D <= 16 several times cheaper than an LU's blocked triangular solves).
// False, a undefined, when a pivot falls below 1e3·ε of the largest entry: singular to
// working precision.
template <class R>
bool invertInPlace(R& a) {
  const Index n = a.rows();
  const double floor = 1e3 * DBL_EPSILON * a.cwiseAbs().maxCoeff();
  ::Eigen::Matrix<Index, ::Eigen::Dynamic, 1, 0, R::MaxRowsAtCompileTime, 1> swapped(n);
  for (Index c = 0; c < n; ++c) {
    Index p = c;
    a.col(c).tail(n - c).cwiseAbs().maxCoeff(&p);
    p += c;
    if (!(std::abs(a(p, c)) > floor)) return false;
    swapped(c) = p;
    if (p != c) a.row(p).swap(a.row(c));
    // (Each row is updated whole, then its entry in column c set: a scalar store before the
    // row's vector loads would stall them.)
    const double pivot = a(c, c);
    a.row(c) /= pivot;
    a(c, c) = 1 / pivot;
    for (Index r = 0; r < n; ++r) {
      if (r == c) continue;
      const double factor = a(r, c);
      a.row(r) -= factor * a.row(c);
      a(r, c) = -factor * a(c, c);
    }
  }
  // Row swaps of the input are column swaps of the inverse, undone last to first.
  for (Index c = n - 1; c >= 0; --c) {
    if (swapped(c) != c) a.col(swapped(c)).swap(a.col(c));
  }
  return true;
}

// The orthogonal polar factor Q of F = Q H (H symmetric positive semidefinite): for the SVD
// F = P B Rᵀ, Q = P Rᵀ (what mclust takes from LAPACK's dgesvd). By Higham's scaled Newton
// iteration X ← (ζX + X⁻ᵀ/ζ)/2 with ζ = (‖X⁻¹‖_F / ‖X‖_F)^½ (Higham 1986), quadratically
// convergent and, at D = 16, several times cheaper than a Jacobi SVD; an F singular to
// working precision (the polar factor is then not unique) takes the SVD's.
template <class M>
M polarFactor(const M& f) {
  const double tiny = std::sqrt(DBL_EPSILON);
  M x = f;
  bool scaling = true;
  bool last = false;
  for (int it = 0; it < 100; ++it) {
    // Row-major: the elimination's row operations run along contiguous memory.
    ::Eigen::Matrix<double, ::Eigen::Dynamic, ::Eigen::Dynamic, ::Eigen::RowMajor, M::MaxRowsAtCompileTime,
                    M::MaxColsAtCompileTime>
        inverse = x;
    if (!invertInPlace(inverse) || !inverse.allFinite()) break;
    const double zeta = scaling ? std::sqrt(std::sqrt(inverse.squaredNorm() / x.squaredNorm())) : 1.0;
    M next = 0.5 * (zeta * x + inverse.transpose() / zeta);
    const double change = (next - x).norm() / next.norm();
    x.swap(next);
    if (last) return x;
    // Near the limit the scaling only slows the last steps; once the change is at √ε, one
    // more step reaches ε (quadratic convergence).
    if (change < 1e-2) scaling = false;
    if (change <= tiny) last = true;
  }
  ::Eigen::JacobiSVD<Matrix> svd(Matrix(f), ::Eigen::ComputeFullU | ::Eigen::ComputeFullV);
  return M(svd.matrixU() * svd.matrixV().transpose());
}

// EVE and VVE (iterative; mclust's MM algorithms after Browne & McNicholas 2014, with the
// orientation O = Dᵀ and the shapes carried over between EM iterations, starting at I and 1).
// ω_k = the largest eigenvalue of W_k. One inner iteration:
//   MM1: F = Σ_k A_k⁻¹ O (W_k − ω_k I),              F = P B Rᵀ,  O ← (P Rᵀ)ᵀ
//   MM2: F = Σ_k W_k O (A_k⁻¹ − max_j(1/a_kj) I),    F = P B Rᵀ,  O ← (P Rᵀ)ᵀ
//   EVE: A_k = diag(O W_k Oᵀ) normalised to det 1;
//   VVE: A_k = diag(O W_k Oᵀ) / n_k = λ_k · (det-1 shape);
//   target = Σ_k tr(O W_k Oᵀ A_k⁻¹) (det-1 A_k),
// until its relative change is at most tol; EVE: λ = target / (D S). Σ_k = λ_k Oᵀ A_k O.
// O W_k is computed once per inner iteration: for the target's diag(O W_k Oᵀ), and again as
// the next iteration's MM1 term (O is unchanged in between).
// M: the D × D matrices of the inner loop (at most 16 × 16 in place: no heap allocations).
template <class M>
MStepResult commonOrientation(bool varyingScale, const MStepInput& in, MStepState& state,
                              const MStepControl& control) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const Index d = in.means.cols();
  const double rteps = std::sqrt(control.eps);
  std::vector<M> w(k);
  Vector omega(k);
  for (Index j = 0; j < k; ++j) {
    w[j] = in.scatter.full(j);
    const EigenPairs e = eigenDecreasing(Matrix(w[j]));
    if (!(e.values.minCoeff() >= rteps)) singular(j, "an eigenvalue of the scatter < sqrt(eps)");
    omega(j) = e.values(0);
  }
  if (!state.started || state.orientation.rows() != d || state.shape.rows() != k ||
      state.shape.cols() != d) {
    state.orientation = Matrix::Identity(d, d);
    state.shape = RowMatrix::Ones(k, d);
    state.started = true;
  }
  M o = state.orientation;
  RowMatrix shape = state.shape;
  Vector scale = Vector::Ones(k);
  double target = 0;
  double previous = DBL_MAX / 2;
  double err = DBL_MAX;
  long inner = 0;
  std::vector<M> ow(k);  // O W_k for the current O
  for (Index j = 0; j < k; ++j) ow[j].noalias() = o * w[j];
  M f(d, d);
  M wd(d, d);
  do {
    ++inner;
    f.setZero();
    for (Index j = 0; j < k; ++j) {
      // A_k⁻¹ (O W_k − ω_k O)
      f.noalias() += shape.row(j).transpose().cwiseInverse().asDiagonal() * (ow[j] - omega(j) * o);
    }
    o = polarFactor(f).transpose();  // O now holds D
    f.setZero();
    for (Index j = 0; j < k; ++j) {
      wd.noalias() = w[j] * o;  // W_k D
      const double largest = shape.row(j).cwiseInverse().maxCoeff();
      f.noalias() += wd * shape.row(j).transpose().cwiseInverse().asDiagonal();
      f -= largest * wd;
    }
    o = polarFactor(f).transpose();  // back to O = Dᵀ
    target = 0;
    for (Index j = 0; j < k; ++j) {
      ow[j].noalias() = o * w[j];
      const Vector diag = ow[j].cwiseProduct(o).rowwise().sum();  // diag(O W_k Oᵀ)
      Vector a = varyingScale ? Vector(diag / in.counts(j)) : diag;
      const double volume = geometricMean(a);
      a /= volume;
      if (varyingScale) scale(j) = volume;
      shape.row(j) = a.transpose();
      if (!(a.minCoeff() >= rteps) || (varyingScale && !(volume >= rteps))) {
        singular(j, "shape or scale < sqrt(eps)");
      }
      target += (diag.array() / a.array()).sum();
    }
    err = std::abs(target - previous) / (1 + std::abs(target));
    previous = target;
  } while (err > control.tol && inner < control.maxIter);
  if (!varyingScale) scale.setConstant(target / (in.counts.sum() * static_cast<double>(d)));
  state.orientation = o;
  state.shape = shape;
  r.innerIterations = inner;
  r.innerError = err;
  const Matrix directions = o.transpose();  // D: directions as columns
  const Matrix ot = o;
  for (Index j = 0; j < k; ++j) {
    r.scale(j) = scale(j);
    r.shape.row(j) = shape.row(j);
    r.orientation[j] = directions;
    r.covariances[j] = scale(j) * directions * shape.row(j).transpose().asDiagonal() * ot;
  }
  return r;
}

}  // namespace

MStepResult ellipsoidal(Model model, const MStepInput& in, MStepState& state,
                        const MStepControl& control, const ConjugatePrior* prior) {
  switch (model) {
    case Model::EEE: return eee(in, control, prior);
    case Model::VVV: return vvv(in, control, prior);
    case Model::EEV: return eev(in, control, prior);
    case Model::VEV: return vev(in, state, control, prior);
    case Model::EVV: return evv(in, control);
    case Model::VEE: return vee(in, control);
    case Model::EVE:
    case Model::VVE: {
      const bool varying = model == Model::VVE;
      // Up to 16 features, the inner loop's matrices live in place (no heap allocation).
      using Small = ::Eigen::Matrix<double, ::Eigen::Dynamic, ::Eigen::Dynamic, 0, 16, 16>;
      return in.means.cols() <= 16 ? commonOrientation<Small>(varying, in, state, control)
                                   : commonOrientation<Matrix>(varying, in, state, control);
    }
    default: break;
  }
  throw Error(ErrorKind::Internal, "not an ellipsoidal mclust model");
}

}  // namespace detail
}  // namespace mclust
}  // namespace gaussmix
