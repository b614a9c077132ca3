// The variational posterior of a Bayesian Gaussian mixture over its weights and precisions,
// besides the means and covariances every mixture has (estep.h MixtureParams): what a
// variational fit (bayesian.h) carries from one iteration to the next and what its E-step's
// log-priors are computed from (variational.h).
#pragma once

#include "types.h"

namespace gaussmix {

// The prior on the weights: a Dirichlet process (stick-breaking, truncated at K components) or
// a Dirichlet distribution (scikit-learn's weight_concentration_prior_type).
enum class WeightPrior { DirichletProcess, DirichletDistribution };

struct VariationalPosterior {
  WeightPrior weightPrior = WeightPrior::DirichletProcess;
  // Dirichlet process: 2 x K, the Beta parameters (1 + n_k, α₀ + Σ_{j>k} n_j) of the stick
  // fractions; Dirichlet distribution: 1 x K, α₀ + n_k.
  RowMatrix weightConcentration;
  Vector meanPrecision;     // K: β_k = β₀ + n_k
  Vector degreesOfFreedom;  // K: ν_k = ν₀ + n_k (tied: the one ν₀ + Σ_k n_k / K, repeated)
};

}  // namespace gaussmix
