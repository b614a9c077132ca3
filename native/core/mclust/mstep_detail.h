// Shared pieces of the M-steps (mstep_axis.cc, mstep_ellipsoidal.cc); not part of the API.
#pragma once

#include <string>

#include "../errors.h"
#include "mstep.h"

namespace gaussmix {
namespace mclust {
namespace detail {

// mclust's "singular covariance": a variance parameter at or below its threshold.
[[noreturn]] void singular(Index component, const std::string& what);

// exp(mean(log v)): |diag(v)|^(1/D), the volume of an axis-aligned scatter.
double geometricMean(const Vector& v);

// The conjugate prior's per-component terms, with S_κ = κ n_k / (n_k + κ):
//   c_k = S_κ, δ_k = μ_p − x̄_k, μ̃_k = (n_k x̄_k + κ μ_p) / (n_k + κ) (posterior mean).
struct PriorTerms {
  Vector c;
  RowMatrix delta;
  RowMatrix posteriorMeans;
  bool shrinks;  // κ > 0 (mclust adds to some denominators only then)
};
PriorTerms priorTerms(const ConjugatePrior& prior, const MStepInput& in);

// The result's common part: sizes, means, identity orientations.
MStepResult emptyResult(const MStepInput& in);

// Symmetric eigen-decomposition with the eigenvalues decreasing (mclust takes them from an
// SVD, which orders them so).
struct EigenPairs {
  Vector values;   // decreasing
  Matrix vectors;  // columns, in the same order
};
EigenPairs eigenDecreasing(const Matrix& symmetric);

// λ, diag(A) (decreasing, det 1) and D of a covariance (EEE, VVV: mclust reports only Σ).
void decompose(const Matrix& sigma, double& scale, RowMatrix::RowXpr shape, Matrix& orientation);

MStepResult axisAligned(Model model, const MStepInput& in, MStepState& state,
                        const MStepControl& control, const ConjugatePrior* prior);
MStepResult ellipsoidal(Model model, const MStepInput& in, MStepState& state,
                        const MStepControl& control, const ConjugatePrior* prior);

}  // namespace detail
}  // namespace mclust
}  // namespace gaussmix
