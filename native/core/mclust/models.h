// mclust's 14 parametrisations Σ_k = λ_k D_k A_k D_kᵀ (Celeux & Govaert 1995): the names, what
// each M-step reads from the E-step's scatter, and the free-parameter counts (mclust 6's
// nVarParams / nMclustParams).
#pragma once

#include <string>

#include "../types.h"
#include "scatter.h"

namespace gaussmix {
namespace mclust {

// Volume λ, shape A, orientation D; E = equal across components, V = varying, I = identity.
enum class Model { EII, VII, EEI, VEI, EVI, VVI, EEE, VEE, EVE, VVE, EEV, VEV, EVV, VVV };

constexpr int kModelCount = 14;

struct ModelDescriptor {
  Model model;
  const char* name;
  // The scatter statistics the M-step reads (the engine accumulates only these).
  ScatterKind needs;
  // The M-step iterates (mStepTol / mStepMaxIter apply).
  bool iterative;
  // mclust has a conjugate-prior (MAP) M-step for it (mclustBIC drops the others when a
  // prior is given: VEE, EVE, VVE, EVV).
  bool hasPrior;
};

// In mclust's order (mclust.options("emModelNames")).
const ModelDescriptor& descriptor(Model model);
const ModelDescriptor* modelDescriptors();  // kModelCount entries
// The model of an mclust name; throws invalidArgument for anything else.
Model parseModel(const std::string& name);

// Covariance parameters (mclust's nVarParams) for D features and K components.
Index covarianceParameters(Model model, Index d, Index k);
// All free parameters (mclust's nMclustParams): covariance + K·D means + K − 1 proportions,
// + 2 with a noise component (its proportion and, as mclust counts it, its hypervolume).
Index freeParameters(Model model, Index d, Index k, bool noise);

}  // namespace mclust
}  // namespace gaussmix
