#include "hc_start.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "errors.h"
#include "mclust/hc.h"
#include "rng.h"

namespace gaussmix {

HierarchicalStart hierarchicalStart(const Data& data, const std::vector<char>& exclude,
                                    std::uint64_t seed, std::uint64_t stream,
                                    const std::atomic<bool>* cancel) {
  HierarchicalStart start;
  for (Index i = 0; i < data.n; ++i) {
    if (data.weight(i) > 0.0 && (exclude.empty() || !exclude[i])) start.rows.push_back(i);
  }
  const Index candidates = static_cast<Index>(start.rows.size());
  if (candidates < 2) return start;  // nothing to merge (hierarchicalLabels checks K)
  if (candidates > kHcMaxRows) {
    start.subset = true;
    // Partial Fisher–Yates, then in row order.
    Rng rng(seed, stream);
    for (Index i = 0; i < kHcMaxRows; ++i) {
      const Index j = i + static_cast<Index>(rng.below(static_cast<std::uint64_t>(candidates - i)));
      std::swap(start.rows[i], start.rows[j]);
    }
    start.rows.resize(static_cast<size_t>(kHcMaxRows));
    std::sort(start.rows.begin(), start.rows.end());
  }
  RowMatrix x(static_cast<Index>(start.rows.size()), data.d);
  for (Index r = 0; r < x.rows(); ++r) x.row(r) = ConstRowMap(data.x + start.rows[r] * data.d, 1, data.d);
  const RowMatrix z = mclust::svdTransform(ConstRowMap(x.data(), x.rows(), x.cols()));
  if (z.cols() == 0) throw invalidArgument("init 'hc': no column of X varies over the rows it runs on");
  if (!z.allFinite()) {
    throw invalidArgument("init 'hc': X's columns are linearly dependent over the rows it runs on (its SVD transform is singular)");
  }
  if (z.rows() <= z.cols()) {
    // mclustBIC switches to hc EII there, which gaussmix does not have.
    throw invalidArgument("init 'hc' needs more rows (of positive weight, not starting as noise) than features");
  }
  start.merges = mclust::hcVVV(z, 1, 1, cancel);
  return start;
}

void hierarchicalLabels(const HierarchicalStart& start, Index k, std::int32_t* labels) {
  const Index n = static_cast<Index>(start.rows.size());
  if (k > n) {
    throw invalidArgument("init 'hc' ran on " + std::to_string(n) + " rows, fewer than nComponents (" +
                          std::to_string(k) + ")");
  }
  const std::vector<int> cut = mclust::hclass(start.merges, n, k);
  for (Index r = 0; r < n; ++r) labels[start.rows[r]] = static_cast<std::int32_t>(cut[r] - 1);
}

}  // namespace gaussmix
