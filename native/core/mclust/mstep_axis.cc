// The spherical and diagonal M-steps (EII VII EEI VEI EVI VVI), as mclust 6's me*.f / me*p.f.
// With S = Σ_k n_k (the components' total, noise excluded), and under the prior ψ (scalar
// scale), ν, c_k, δ_k, μ̃_k as in mstep_detail.h.
#include <cmath>

#include "mstep_detail.h"

namespace gaussmix {
namespace mclust {
namespace detail {

namespace {

void setDiagonal(MStepResult& r, Index k, double scale, const Vector& shape) {
  r.scale(k) = scale;
  r.shape.row(k) = shape.transpose();
  r.covariances[k] = (scale * shape).asDiagonal();  // Σ_k = λ_k diag(A_k)
}

Index argmin(const Vector& v) {
  Index i = 0;
  v.minCoeff(&i);
  return i;
}

// EII: σ² = Σ_k tr W_k / (D S);
// prior: σ² = Σ_k (tr W_k + c_k |δ_k|²) / (ν + (S + K) D + 2), means μ̃_k (mclust's meeiip
// adds no ψ); on one feature mclust's E is me1ep's: σ² = (ψ + Σ_k (W_k + c_k δ_k²)) /
// (ν + n + K + 2), n every row (noise ones too).
MStepResult eii(const MStepInput& in, const MStepControl& control, const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const double d = static_cast<double>(in.means.cols());
  const double s = in.counts.sum();
  double total = in.scatter.pooledTrace();
  double sigmaSq;
  if (prior != nullptr) {
    const PriorTerms t = priorTerms(*prior, in);
    total += (t.c.array() * t.delta.rowwise().squaredNorm().array()).sum();
    if (in.means.cols() == 1) {
      const double n = in.rows >= 0 ? in.rows : s;
      sigmaSq = (prior->scale(0, 0) + total) / (prior->dof + n + static_cast<double>(k) + 2);
    } else {
      sigmaSq = total / (prior->dof + (s + static_cast<double>(k)) * d + 2);
    }
    r.means = t.posteriorMeans;
  } else {
    sigmaSq = total / (d * s);
  }
  if (!(sigmaSq > control.eps)) singular(-1, "sigma^2 <= eps");
  for (Index j = 0; j < k; ++j) setDiagonal(r, j, sigmaSq, Vector::Ones(in.means.cols()));
  return r;
}

// VII: σ²_k = tr W_k / (D n_k);
// prior: σ²_k = (ψ + tr W_k + c_k |δ_k|²) / (ν + D n_k + 2 [+ D if κ > 0]), means μ̃_k.
MStepResult vii(const MStepInput& in, const MStepControl& control, const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const double d = static_cast<double>(in.means.cols());
  Vector sigmaSq(k);
  if (prior != nullptr) {
    const PriorTerms t = priorTerms(*prior, in);
    const double psi = prior->scale(0, 0);
    for (Index j = 0; j < k; ++j) {
      const double num = psi + in.scatter.trace(j) + t.c(j) * t.delta.row(j).squaredNorm();
      sigmaSq(j) = num / (prior->dof + in.counts(j) * d + 2 + (t.shrinks ? d : 0));
    }
    r.means = t.posteriorMeans;
  } else {
    for (Index j = 0; j < k; ++j) sigmaSq(j) = in.scatter.trace(j) / (d * in.counts(j));
  }
  if (!(sigmaSq.minCoeff() > control.eps)) singular(argmin(sigmaSq), "sigma^2 <= eps");
  for (Index j = 0; j < k; ++j) setDiagonal(r, j, sigmaSq(j), Vector::Ones(in.means.cols()));
  return r;
}

// EEI: B = Σ_k diag W_k, λ = |B|^(1/D) / S, A = B / |B|^(1/D);
// prior: B = ψ + Σ_k (diag W_k + c_k δ_k²), λ = |B|^(1/D) / (ν + 1 [+ 1 if κ > 0] + S);
// mclust's meeeip leaves the means unshrunk (x̄_k).
MStepResult eei(const MStepInput& in, const MStepControl& control, const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const double s = in.counts.sum();
  Vector b = in.scatter.pooledDiagonal();
  double denominator = s;
  if (prior != nullptr) {
    const PriorTerms t = priorTerms(*prior, in);
    b.array() += prior->scale(0, 0);
    for (Index j = 0; j < k; ++j) b += t.c(j) * t.delta.row(j).transpose().cwiseAbs2();
    denominator = prior->dof + 1 + (t.shrinks ? 1 : 0) + s;
  }
  if (!(b.minCoeff() > 0)) singular(-1, "a diagonal entry of the scatter is 0");
  const double volume = geometricMean(b);
  const double scale = volume / denominator;
  if (!(volume > control.eps)) singular(-1, "|B|^(1/D) <= eps");
  const Vector shape = b / volume;
  if (!(shape.minCoeff() > control.eps) || !(scale > control.eps)) singular(-1, "shape or scale <= eps");
  for (Index j = 0; j < k; ++j) setDiagonal(r, j, scale, shape);
  return r;
}

// VEI (iterative; scale and shape carry over between EM iterations, starting at 1):
//   λ_k = Σ_j w_jk / a_j / (D n_k),  a = Σ_k w_k / λ_k normalised to det 1,
// with w_k = diag W_k; prior: w_k = ψ + diag W_k + c_k δ_k², λ_k's denominator
// D n_k + ν + 2 [+ 1 if κ > 0], means μ̃_k. Until the largest relative change of λ and a is
// at most tol (mclust runs up to maxIter + 1 inner iterations).
MStepResult vei(const MStepInput& in, MStepState& state, const MStepControl& control,
                const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const Index d = in.means.cols();
  RowMatrix w(k, d);
  Vector denominator = static_cast<double>(d) * in.counts;
  for (Index j = 0; j < k; ++j) w.row(j) = in.scatter.diagonal(j).transpose();
  if (prior != nullptr) {
    const PriorTerms t = priorTerms(*prior, in);
    w.array() += prior->scale(0, 0);
    w += (t.delta.array().square().colwise() * t.c.array()).matrix();
    denominator.array() += prior->dof + 2 + (t.shrinks ? 1 : 0);
    r.means = t.posteriorMeans;
  }
  if (!state.started || state.scale.size() != k || state.shape.cols() != d) {
    state.scale = Vector::Ones(k);
    state.shape = RowMatrix::Ones(1, d);
    state.started = true;
  }
  Vector scale = state.scale;
  Vector shape = state.shape.row(0).transpose();
  long inner = 0;
  double err = 0;
  if (control.maxIter > 0) {
    for (;;) {
      if (!(shape.minCoeff() > control.eps)) singular(-1, "shape <= eps");
      ++inner;
      const Vector oldScale = scale;
      const Vector oldShape = shape;
      for (Index j = 0; j < k; ++j) {
        scale(j) = (w.row(j).transpose().array() / shape.array()).sum() / denominator(j);
      }
      if (!(scale.minCoeff() > control.eps)) singular(argmin(scale), "scale <= eps");
      for (Index c = 0; c < d; ++c) shape(c) = (w.col(c).array() / scale.array()).sum();
      if (!(shape.minCoeff() > control.eps)) singular(-1, "shape <= eps");
      const double volume = geometricMean(shape);
      if (!(volume > control.eps)) singular(-1, "|A|^(1/D) <= eps");
      shape /= volume;
      err = std::max(((oldScale - scale).array().abs() / (1 + scale.array())).maxCoeff(),
                     ((oldShape - shape).array().abs() / (1 + shape.array())).maxCoeff());
      if (!(err > control.tol && inner <= control.maxIter)) break;
    }
  }
  if (!(scale.minCoeff() > control.eps)) singular(argmin(scale), "scale <= eps");
  if (!(shape.minCoeff() > control.eps)) singular(-1, "shape <= eps");
  state.scale = scale;
  state.shape.row(0) = shape.transpose();
  r.innerIterations = inner;
  r.innerError = err;
  for (Index j = 0; j < k; ++j) setDiagonal(r, j, scale(j), shape);
  return r;
}

// EVI: B_k = diag W_k, A_k = B_k / |B_k|^(1/D), λ = Σ_k |B_k|^(1/D) / S;
// prior: B_k = ψ + diag W_k + c_k δ_k², λ's denominator ν + 1 + S [+ 1 if κ > 0], means μ̃_k.
// VVI: the same B_k and A_k, λ_k = |B_k|^(1/D) / n_k;
// prior: λ_k = |B_k|^(1/D) / (n_k + ν + 2 [+ 1 if κ > 0]), means μ̃_k.
MStepResult varyingShape(bool varyingScale, const MStepInput& in, const MStepControl& control,
                         const ConjugatePrior* prior) {
  MStepResult r = emptyResult(in);
  const Index k = in.means.rows();
  const double s = in.counts.sum();
  RowMatrix b(k, in.means.cols());
  for (Index j = 0; j < k; ++j) b.row(j) = in.scatter.diagonal(j).transpose();
  bool shrinks = false;
  if (prior != nullptr) {
    const PriorTerms t = priorTerms(*prior, in);
    b.array() += prior->scale(0, 0);
    b += (t.delta.array().square().colwise() * t.c.array()).matrix();
    shrinks = t.shrinks;
    r.means = t.posteriorMeans;
  }
  Vector volume(k);
  for (Index j = 0; j < k; ++j) {
    if (!(b.row(j).minCoeff() > 0)) singular(j, "a diagonal entry of the scatter is 0");
    volume(j) = geometricMean(b.row(j).transpose());
    if (!(volume(j) > control.eps)) singular(j, "|B_k|^(1/D) <= eps");
    r.shape.row(j) = b.row(j) / volume(j);
  }
  if (varyingScale) {
    for (Index j = 0; j < k; ++j) {
      const double den = prior != nullptr ? in.counts(j) + prior->dof + 2 + (shrinks ? 1 : 0)
                                          : in.counts(j);
      r.scale(j) = volume(j) / den;
    }
  } else {
    const double den = prior != nullptr ? prior->dof + 1 + s + (shrinks ? 1 : 0) : s;
    r.scale.setConstant(volume.sum() / den);
  }
  if (!(r.scale.minCoeff() > control.eps)) singular(varyingScale ? argmin(r.scale) : -1, "scale <= eps");
  for (Index j = 0; j < k; ++j) {
    if (!(r.shape.row(j).minCoeff() > control.eps)) singular(j, "shape <= eps");
    setDiagonal(r, j, r.scale(j), r.shape.row(j).transpose());
  }
  return r;
}

}  // namespace

MStepResult axisAligned(Model model, const MStepInput& in, MStepState& state,
                        const MStepControl& control, const ConjugatePrior* prior) {
  switch (model) {
    case Model::EII: return eii(in, control, prior);
    case Model::VII: return vii(in, control, prior);
    case Model::EEI: return eei(in, control, prior);
    case Model::VEI: return vei(in, state, control, prior);
    case Model::EVI: return varyingShape(false, in, control, prior);
    case Model::VVI: return varyingShape(true, in, control, prior);
    default: break;
  }
  throw Error(ErrorKind::Internal, "not an axis-aligned mclust model");
}

}  // namespace detail
}  // namespace mclust
}  // namespace gaussmix
