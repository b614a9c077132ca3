// mclust's model-based agglomerative hierarchical clustering, the start of its EM (init: 'hc'):
// hc(data, modelName = "VVV", use = "SVD") and hclass(). The merge criterion is the change in
// the classification likelihood of the VVV model (Banfield & Raftery 1993; Fraley 1998), with
// mclust's regularisation α = traceW(data / √(N·D)) and β = 1; the merges are computed as
// mclust's Fortran hcvvv does, step for step, so that the sequence (and its tie-breaking) is
// mclust's.
#pragma once

#include <array>
#include <atomic>
#include <vector>

#include "../types.h"

namespace gaussmix {
namespace mclust {

// mclust's hcUse = "SVD": the data centred and scaled to unit sd (N − 1), columns that are
// not all finite (constant columns) dropped, then rotated and whitened by its SVD,
// Z = X_s V diag(1/√s) with X_s = U diag(s) Vᵀ (min(N, D) columns; none when no column
// varies). x: N × D row-major.
RowMatrix svdTransform(const ConstRowMap& x);

// The N − 1 merges of hcVVV on data z (N × D, every row its own initial cluster), as mclust
// returns them: merge m joins the clusters labelled pair[0] < pair[1] (labels 1..N, a merged
// cluster keeps the smaller label). alpha/beta: hcVVV's arguments (mclust's defaults 1, 1;
// alpha is scaled by traceW(z / √(N·D)) as mclust does). cancel (if given) is polled once per
// merge: set, the call throws the aborted error.
std::vector<std::array<Index, 2>> hcVVV(const RowMatrix& z, double alpha = 1, double beta = 1,
                                        const std::atomic<bool>* cancel = nullptr);

// mclust's hclass(): the classification into g clusters after the first N − g merges, labels
// 1..g numbered in order of first appearance (partconv(consec = TRUE)).
std::vector<int> hclass(const std::vector<std::array<Index, 2>>& merges, Index n, Index g);

}  // namespace mclust
}  // namespace gaussmix
