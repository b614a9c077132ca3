// The M-steps of mclust's 14 parametrisations, from the E-step's statistics: n_k, the weighted
// means x̄_k and the scatter W_k = Σ_i w_i r_ik (x_i − x̄_k)(x_i − x̄_k)ᵀ (scatter.h), as mclust
// 6's me() computes them (Celeux & Govaert 1995; Browne & McNicholas 2014 for EVE and VVE),
// optionally under mclust's conjugate prior (prior.h). The proportions (n_k / N, noise
// included) stay with the engine: every M-step here needs only the component sums.
//
// Failures are reported as mclust's me() reports them (its "singular covariance" and "mixing
// proportion fell below threshold" returns), as a gaussmix::Error of kind IllConditioned
// naming the component (−1 when a shared parameter failed).
#pragma once

#include <vector>

#include "../types.h"
#include "models.h"
#include "prior.h"
#include "../scatter.h"

namespace gaussmix {
namespace mclust {

// What an iterative M-step carries from one EM iteration to the next, as mclust's me() does:
// VEI and VEV keep their scale and shape, EVE and VVE their orientation and shapes (VEE
// restarts every M-step, as mclust's does). A default-constructed state is a fit's first
// M-step, which starts where mclust's me() starts; reset it (= {}) to start cold again.
struct MStepState {
  bool started = false;
  Vector scale;        // VEI, VEV: λ_k
  RowMatrix shape;     // VEI, VEV: 1 × D (the common A); EVE, VVE: K × D
  Matrix orientation;  // EVE, VVE: mclust's O = Dᵀ (its rows are the directions)
};

struct MStepInput {
  const Vector& counts;    // n_k, K
  const RowMatrix& means;  // x̄_k, K × D
  ScatterView scatter;     // at least descriptor(model).scatter
  double rows = -1;        // Σ of every row's weight, noise rows included (< 0: Σ n_k)
};

struct MStepResult {
  RowMatrix means;                  // K × D: x̄_k, or the posterior means under a prior
  std::vector<Matrix> covariances;  // Σ_k = λ_k D_k A_k D_kᵀ, K of D × D
  // The decomposition in mclust's convention: λ_k (repeated when shared), diag(A_k) with
  // det 1 (K × D; for the axis-aligned models and EVE/VVE in coordinate / direction order,
  // for the others decreasing), D_k (directions as columns; the identity for axis-aligned).
  Vector scale;
  RowMatrix shape;
  std::vector<Matrix> orientation;
  long innerIterations = 0;  // iterative models
  double innerError = 0;     // the last inner iteration's relative change
};

// One M-step. prior: MAP M-step (descriptor(model).hasPrior models only).
MStepResult mstep(Model model, const MStepInput& input, MStepState& state,
                  const MStepControl& control = MStepControl(),
                  const ConjugatePrior* prior = nullptr);

}  // namespace mclust
}  // namespace gaussmix
