// mclust's conjugate prior (Fraley & Raftery 2007): a normal prior on each mean given its
// covariance, μ_k | Σ_k ~ N(μ_p, Σ_k/κ), and an inverse-gamma / inverse-Wishart prior on the
// covariance parameters with ν degrees of freedom and scale Λ. The M-steps under it (MAP EM)
// are in mstep.h; this file holds the parameters and mclust's defaults (defaultPrior).
#pragma once

#include "../types.h"
#include "models.h"

namespace gaussmix {
namespace mclust {

struct ConjugatePrior {
  double shrinkage = 0.01;  // κ (0: the means are not shrunk)
  Vector mean;              // μ_p, D
  double dof = 0;           // ν
  // Λ: D × D for the ellipsoidal models (EEE, EEV, VEV, VVV); 1 × 1 (a scalar ψ added to
  // every diagonal entry / the trace) for the spherical and diagonal ones.
  Matrix scale;
};

// mclust's defaultPrior(data, G = k, modelName) with priorControl()'s defaults:
//   κ = 0.01, μ_p = column means, ν = D + 2,
//   spherical/diagonal: ψ = (1/K)^(2/D) · Σ_j var(x_j) / D,
//   ellipsoidal:        Λ = (1/K)^(2/D) · cov(X)  (diag(var(x_j)) when N <= D),
// with var and cov over N − 1. x: N × D row-major. Throws invalidArgument for a model mclust
// has no prior for (VEE, EVE, VVE, EVV).
ConjugatePrior defaultPrior(const ConstRowMap& x, Index k, Model model);

}  // namespace mclust
}  // namespace gaussmix
