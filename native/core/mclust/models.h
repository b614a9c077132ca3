// mclust's 14 parametrisations Σ_k = λ_k D_k A_k D_kᵀ (Celeux & Govaert 1995) are rows of the
// covariance table (covariance.h: names, what each M-step reads, whether it iterates or has a
// prior); this header gives the mclust code its names for them and mclust's parameter counts
// (nMclustParams).
#pragma once

#include <string>
#include <vector>

#include "../covariance.h"
#include "../types.h"

namespace gaussmix {
namespace mclust {

using Model = CovarianceType;

inline const Parametrisation& descriptor(Model model) { return parametrisation(model); }

// The 14 models, in mclust's order (mclust.options("emModelNames")).
const std::vector<Model>& models();
// The model of an mclust name; throws invalidArgument for anything else.
Model parseModel(const std::string& name);

// All free parameters (mclust's nMclustParams): covariance (covarianceParameters) + K·D means
// + K − 1 proportions, + 2 with a noise component (its proportion and, as mclust counts it,
// its hypervolume).
Index freeParameters(Model model, Index d, Index k, bool noise);

}  // namespace mclust
}  // namespace gaussmix
