#include "compat_lloyd.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

namespace gaussmix {
namespace {

// Nearest centre of rows [begin, end). centersT is D x K (feature-major), so the inner loop
// runs over centres and vectorises while each (row, centre) sum still adds features in order,
// exactly as the JavaScript loops do: acc_k = ((0 + t_0²) + t_1²) + ..., t_j = x_j − c_kj.
template <bool kLaterWins, bool kAbsolute>
void assignRows(const double* x, Index d, Index k, const double* centersT, Index begin,
                Index end, double* acc, std::int32_t* labels) {
  for (Index i = begin; i < end; ++i) {
    const double* row = x + i * d;
    if (kAbsolute) {
      for (Index c = 0; c < k; ++c) acc[c] = std::fabs(row[0] - centersT[c]);
    } else {
      std::fill(acc, acc + k, 0.0);
      for (Index j = 0; j < d; ++j) {
        const double xj = row[j];
        const double* cj = centersT + j * k;
        for (Index c = 0; c < k; ++c) {
          const double t = xj - cj[c];
          acc[c] += t * t;
        }
      }
    }
    std::int32_t best = 0;
    if (kLaterWins) {
      // skmeans: min = Infinity, idx = 0; if (dist <= min) take it.
      double min = std::numeric_limits<double>::infinity();
      for (Index c = 0; c < k; ++c) {
        if (acc[c] <= min) {
          min = acc[c];
          best = static_cast<std::int32_t>(c);
        }
      }
    } else {
      // ml-nearest-vector: min = Number.MAX_VALUE; if (dist < min) take it. (It answers -1
      // when every distance overflows; 0 keeps the label a valid index.)
      double min = DBL_MAX;
      for (Index c = 0; c < k; ++c) {
        if (acc[c] < min) {
          min = acc[c];
          best = static_cast<std::int32_t>(c);
        }
      }
    }
    labels[i] = best;
  }
}

using AssignFn = void (*)(const double*, Index, Index, const double*, Index, Index, double*,
                          std::int32_t*);

AssignFn assignFor(const CompatLloydRules& rules) {
  if (rules.absolute) return rules.laterWins ? assignRows<true, true> : assignRows<false, true>;
  return rules.laterWins ? assignRows<true, false> : assignRows<false, false>;
}

// New centres from the labels: Σ rows in index order, then / count; returns whether the
// stopping test holds. `centers` holds the previous centres on entry.
bool updateCenters(const double* x, Index n, Index d, Index k, const std::int32_t* labels,
                   const CompatLloydRules& rules, std::vector<double>& sums,
                   std::vector<Index>& counts, double* centers) {
  std::fill(sums.begin(), sums.end(), 0.0);
  std::fill(counts.begin(), counts.end(), Index{0});
  for (Index i = 0; i < n; ++i) {
    const Index c = labels[i];
    ++counts[c];
    double* sum = sums.data() + c * d;
    const double* row = x + i * d;
    for (Index j = 0; j < d; ++j) sum[j] += row[j];
  }
  bool converged = true;
  for (Index c = 0; c < k; ++c) {
    double* center = centers + c * d;
    const double* sum = sums.data() + c * d;
    double moved2 = 0.0;  // ml-kmeans: squaredEuclidean(new, old)
    for (Index j = 0; j < d; ++j) {
      double next;
      if (rules.emptyToZero) {
        // skmeans: sum / count || 0 (0/0 = NaN, and -0, become +0).
        const double mean = sum[j] / static_cast<double>(counts[c]);
        next = (mean != mean || mean == 0.0) ? 0.0 : mean;
      } else {
        next = counts[c] > 0 ? sum[j] / static_cast<double>(counts[c]) : center[j];
      }
      if (rules.stopUnchanged) {
        if (next != center[j]) converged = false;
      } else {
        const double t = next - center[j];
        moved2 += t * t;
      }
      center[j] = next;
    }
    // ml-kmeans: not converged when distance(new, old) > tolerance (false for NaN).
    if (!rules.stopUnchanged && moved2 > rules.tolerance) converged = false;
  }
  return converged;
}

// Below this many distance terms (N·K·D) a step takes microseconds: no thread joins it.
constexpr Index kParallelTerms = Index{1} << 20;

}  // namespace

CompatLloydResult compatLloyd(const double* x, Index n, Index d, Index k, double* centers,
                              std::int32_t* labels, const CompatLloydRules& rules,
                              ThreadPool& pool) {
  const AssignFn assign = assignFor(rules);
  const bool parallel = pool.size() > 1 && n * k * d >= kParallelTerms;
  const Index blocks = (n + kBlockRows - 1) / kBlockRows;
  std::vector<double> centersT(static_cast<size_t>(k * d));
  std::vector<double> acc(static_cast<size_t>(k) * (parallel ? pool.slots() : 1));
  std::vector<double> sums(static_cast<size_t>(k * d));
  std::vector<Index> counts(static_cast<size_t>(k));
  CompatLloydResult result;
  std::int64_t unconverged = 0;
  for (;;) {
    for (Index c = 0; c < k; ++c) {
      for (Index j = 0; j < d; ++j) centersT[j * k + c] = centers[c * d + j];
    }
    if (parallel) {
      pool.forEach(blocks, [&](Index b, unsigned worker) {
        const Index begin = b * kBlockRows;
        assign(x, d, k, centersT.data(), begin, std::min(n, begin + kBlockRows),
               acc.data() + worker * k, labels);
      });
    } else {
      assign(x, d, k, centersT.data(), 0, n, acc.data(), labels);
    }
    ++result.steps;
    result.converged = updateCenters(x, n, d, k, labels, rules, sums, counts, centers);
    if (result.converged || ++unconverged >= rules.maxSteps) break;
  }
  return result;
}

}  // namespace gaussmix
