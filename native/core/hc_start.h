// init: 'hc', mclust's start of EM (mclustBIC's defaults): model-based agglomerative
// hierarchical clustering (mclust/hc.h: VVV merges on the SVD-transformed data) of the rows
// that take part, cut into K groups (hclass) whose indicators are the first responsibilities.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "types.h"

namespace gaussmix {

// mclust.options("subset"): above this many rows, hc runs on a random subset of this size.
constexpr Index kHcMaxRows = 2000;

struct HierarchicalStart {
  std::vector<Index> rows;                     // the rows hc ran on, increasing
  bool subset = false;                         // rows is a sample of the rows hc may take
  std::vector<std::array<Index, 2>> merges;    // mclust's merges of those rows (hc.h)
};

// hc on the rows of positive weight that are not excluded (exclude: N flags, or empty), all of
// them when there are at most kHcMaxRows, else kHcMaxRows of them drawn uniformly without
// replacement from the stream (seed, stream) (mclust draws its own subset with R's sample(), so
// such starts differ from mclust's). Throws invalidArgument when no column varies over those
// rows, when the columns are linearly dependent, or when there are no more rows than features;
// the aborted error when cancel (polled per merge) is set.
HierarchicalStart hierarchicalStart(const Data& data, const std::vector<char>& exclude,
                                    std::uint64_t seed, std::uint64_t stream,
                                    const std::atomic<bool>* cancel = nullptr);

// The cut into k groups: labels[i] (N, −1 for the rows hc did not run on, set by the caller)
// gets hclass − 1 of each row that hc ran on. Throws invalidArgument when hc ran on fewer
// than k rows.
void hierarchicalLabels(const HierarchicalStart& start, Index k, std::int32_t* labels);

}  // namespace gaussmix
