// Variational inference for a Gaussian mixture (Bishop, PRML §10.2; Blei & Jordan 2006 for the
// Dirichlet process), exactly as scikit-learn 1.2's BayesianGaussianMixture: its priors, the
// posterior's update from an EM M-step's estimates, the E-step's per-component log-priors, the
// point weights and the evidence lower bound. Arithmetic on K x D quantities only; the fit
// over data is bayesian.h.
#pragma once

#include <vector>

#include "covariance.h"
#include "estep.h"
#include "posterior.h"
#include "types.h"

namespace gaussmix {

struct VariationalPriors {
  WeightPrior weightPrior = WeightPrior::DirichletProcess;
  double weightConcentration = 1.0;  // α₀ > 0
  double meanPrecision = 1.0;        // β₀ > 0
  RowVector mean;                    // m₀ (D)
  double degreesOfFreedom = 1.0;     // ν₀ > D − 1
  // Ψ₀ (the inverse of the Wishart's scale W₀) in the covariance type's layout for one
  // component: full and tied D x D, diag D, spherical 1.
  std::vector<double> covariance;
};

// E[ln π_k] (scikit-learn's _estimate_log_weights). Dirichlet process, with a_k, b_k the
// Beta parameters: ψ(a_k) − ψ(a_k + b_k) + Σ_{j<k} (ψ(b_j) − ψ(a_j + b_j)); Dirichlet:
// ψ(α_k) − ψ(Σ_j α_j).
Vector expectedLogWeights(const VariationalPosterior& posterior);

// The E-step's log-prior of component k, besides log N(x | m_k, Σ_k) with Σ_k the normalised
// covariance W_k⁻¹/ν_k that the means and precisionsCholesky hold (scikit-learn's
// _estimate_log_weights + _estimate_log_prob):
//   E[ln π_k] + ½ (D ln 2 + Σ_{j<D} ψ((ν_k − j)/2) − D/β_k) − ½ D ln ν_k.
Vector variationalLogPriors(const VariationalPosterior& posterior, Index d);

// The point weights (scikit-learn's weights_): Dirichlet process, the expected stick lengths
// a_k/(a_k + b_k) · Π_{j<k} b_j/(a_j + b_j), normalised to sum 1; Dirichlet, α_k / Σ_j α_j.
Vector posteriorWeights(const VariationalPosterior& posterior);

// The posterior from an EM M-step's estimates (scikit-learn's _estimate_weights,
// _estimate_means and _estimate_precisions): nk the weight sums (with scikit-learn's 10ε
// floor), xk the means Σ r x / n_k, sk the covariances about them with regCovar on the
// diagonal (covariance.h's layout). Sets params' posterior, means m_k, covariances
// (normalised: W_k⁻¹/ν_k), their precision Cholesky factors (IllConditioned when one is not
// positive definite) and the point weights. params.type: one of scikit-learn's four types.
void updatePosterior(const VariationalPriors& priors, const Vector& nk, const RowMatrix& xk, const std::vector<double>& sk,
                     MixtureParams& params);

// The evidence lower bound without its constant terms (scikit-learn's _compute_lower_bound)
// of the posterior in params, given the E-step's Σ_n w_n Σ_k r_nk ln r_nk (entropy):
//   −entropy − Σ_k ln B(W_k, ν_k) − ln C(weights) − ½ D Σ_k ln β_k
// with ln B the Wishart's log-normaliser without its π term (tied: K times the shared one) and
// ln C the Dirichlet's (−Σ_k ln Beta(a_k, b_k) for the Dirichlet process).
double evidenceLowerBound(const MixtureParams& params, double entropy);

// The mixture of the components in keep (increasing indices) only: their means, covariances,
// precision factors, β_k and ν_k unchanged; the weights' posterior that the M-step would have
// given had the others never existed (Dirichlet process: a_k = 1 + n_k kept, b_k = α₀ + the
// kept n_j of the later components, with n_j = a_j − 1; Dirichlet: α_k kept), and the point
// weights from it.
MixtureParams pruneComponents(const MixtureParams& params, const std::vector<Index>& keep,
                              double weightConcentrationPrior);

}  // namespace gaussmix
