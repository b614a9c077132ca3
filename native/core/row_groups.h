// A block's rows grouped by their labels (a counting sort), each group in row order: the sums
// of one group (a K-means cluster, a mixture component) then run over its rows with the sums
// held in registers. K-means' sub-chunk sums (kmeans_block.h) and the starting moments of hard
// starts (EStep::statisticsOfLabels) both group this way.
#pragma once

#include <cstdint>
#include <vector>

#include "types.h"

namespace gaussmix {

class RowGroups {
 public:
  // Groups rows i < rows by labels[i] in [0, k); a row with a negative label is in no group.
  void group(Index rows, const std::int32_t* labels, Index k) {
    start_.assign(static_cast<size_t>(k + 1), 0);
    for (Index i = 0; i < rows; ++i) {
      if (labels[i] >= 0) ++start_[labels[i] + 1];
    }
    for (Index c = 0; c < k; ++c) start_[c + 1] += start_[c];
    cursor_.assign(start_.begin(), start_.end() - 1);
    order_.resize(static_cast<size_t>(start_[k]));
    for (Index i = 0; i < rows; ++i) {
      if (labels[i] >= 0) order_[static_cast<size_t>(cursor_[labels[i]]++)] = static_cast<std::int32_t>(i);
    }
  }

  // Group c's rows, in row order, and their count.
  const std::int32_t* rows(Index c) const { return order_.data() + start_[c]; }
  Index count(Index c) const { return start_[c + 1] - start_[c]; }

 private:
  std::vector<Index> start_;   // group c's first place in order_
  std::vector<Index> cursor_;  // (while grouping: each group's next free place)
  std::vector<std::int32_t> order_;
};

}  // namespace gaussmix
