#include "compat_lloyd.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

namespace gaussmix {
namespace {

// Rows are assigned in blocks of kBlock, feature-major (xT: D x kBlock), so that every inner
// loop runs over the rows of a block and vectorises whatever D and K are (small fits have K 3
// and D 2: loops over centres or features would be too short). Each (row, centre) sum still adds
// the features in order, exactly as the JavaScript loops do:
// acc = ((0 + t_0²) + t_1²) + ..., t_j = x_j − c_j (0 + t_0² is t_0² exactly).
constexpr Index kBlock = 64;

// The scratch one thread needs: xT (D x kBlock), the distances to one centre, the best and
// second best so far.
inline size_t scratchSize(Index d) { return static_cast<size_t>((d + 3) * kBlock); }

template <bool kLaterWins, bool kAbsolute>
void assignRows(const double* x, Index d, Index k, const double* centers, Index begin,
                Index end, double* scratch, std::int32_t* labels, double* nearest,
                double* second) {
  double* xT = scratch;
  double* acc = xT + d * kBlock;
  double* best = acc + kBlock;
  double* next = best + kBlock;
  std::int32_t label[kBlock];
  for (Index first = begin; first < end; first += kBlock) {
    const Index m = std::min(kBlock, end - first);
    const double* rows = x + first * d;
    for (Index j = 0; j < d; ++j) {
      double* to = xT + j * kBlock;
      const double* from = rows + j;
      for (Index i = 0; i < m; ++i) to[i] = from[i * d];
    }
    // skmeans: min = Infinity, idx = 0, take when dist <= min. ml-nearest-vector: min =
    // Number.MAX_VALUE, take when dist < min (it answers -1 when every distance overflows;
    // 0 keeps the label a valid index).
    const double start = kLaterWins ? std::numeric_limits<double>::infinity() : DBL_MAX;
    for (Index i = 0; i < m; ++i) {
      best[i] = start;
      next[i] = std::numeric_limits<double>::infinity();
      label[i] = 0;
    }
    for (Index c = 0; c < k; ++c) {
      const double* center = centers + c * d;
      if (kAbsolute) {
        const double c0 = center[0];
        for (Index i = 0; i < m; ++i) acc[i] = std::fabs(xT[i] - c0);
      } else {
        const double c0 = center[0];
        for (Index i = 0; i < m; ++i) {
          const double t = xT[i] - c0;
          acc[i] = t * t;
        }
        for (Index j = 1; j < d; ++j) {
          const double cj = center[j];
          const double* xj = xT + j * kBlock;
          for (Index i = 0; i < m; ++i) {
            const double t = xj[i] - cj;
            acc[i] += t * t;
          }
        }
      }
      const std::int32_t id = static_cast<std::int32_t>(c);
      for (Index i = 0; i < m; ++i) {
        const bool take = kLaterWins ? acc[i] <= best[i] : acc[i] < best[i];
        next[i] = take ? std::min(best[i], next[i]) : std::min(acc[i], next[i]);
        best[i] = take ? acc[i] : best[i];
        label[i] = take ? id : label[i];
      }
    }
    std::copy_n(label, m, labels + first);
    std::copy_n(best, m, nearest + first);
    std::copy_n(next, m, second + first);
  }
}

using AssignFn = void (*)(const double*, Index, Index, const double*, Index, Index, double*,
                          std::int32_t*, double*, double*);

AssignFn assignFor(const CompatLloydRules& rules) {
  if (rules.absolute) return rules.laterWins ? assignRows<true, true> : assignRows<false, true>;
  return rules.laterWins ? assignRows<true, false> : assignRows<false, false>;
}

// The nearest centre of one row, as assignRows computes it (the same sums, the same rule), for
// the rows whose bounds do not settle their label.
template <bool kLaterWins, bool kAbsolute>
void nearestOne(const double* row, Index d, Index k, const double* centers, std::int32_t* label,
                double* nearest, double* second) {
  double best = kLaterWins ? std::numeric_limits<double>::infinity() : DBL_MAX;
  double next = std::numeric_limits<double>::infinity();
  std::int32_t id = 0;
  for (Index c = 0; c < k; ++c) {
    const double* center = centers + c * d;
    double acc;
    if (kAbsolute) {
      acc = std::fabs(row[0] - center[0]);
    } else {
      const double t0 = row[0] - center[0];
      acc = t0 * t0;
      for (Index j = 1; j < d; ++j) {
        const double t = row[j] - center[j];
        acc += t * t;
      }
    }
    const bool take = kLaterWins ? acc <= best : acc < best;
    next = take ? std::min(best, next) : std::min(acc, next);
    if (take) {
      best = acc;
      id = static_cast<std::int32_t>(c);
    }
  }
  *label = id;
  *nearest = best;
  *second = next;
}

using NearestFn = void (*)(const double*, Index, Index, const double*, std::int32_t*, double*,
                           double*);

NearestFn nearestFor(const CompatLloydRules& rules) {
  if (rules.absolute) return rules.laterWins ? nearestOne<true, true> : nearestOne<false, true>;
  return rules.laterWins ? nearestOne<true, false> : nearestOne<false, false>;
}

// Σ of the rows of each label, rows added in index order (as both packages do); kD: D when
// known at compile time, else 0.
template <int kD>
void addRows(const double* x, Index n, Index d, const std::int32_t* labels, double* sums,
             Index* counts) {
  const Index dd = kD > 0 ? kD : d;
  for (Index i = 0; i < n; ++i) {
    const Index c = labels[i];
    ++counts[c];
    double* sum = sums + c * dd;
    const double* row = x + i * dd;
    for (Index j = 0; j < dd; ++j) sum[j] += row[j];
  }
}

// New centres from the labels: Σ rows in index order, then / count; returns whether the
// stopping test holds. `centers` holds the previous centres on entry.
bool updateCenters(const double* x, Index n, Index d, Index k, const std::int32_t* labels,
                   const CompatLloydRules& rules, std::vector<double>& sums,
                   std::vector<Index>& counts, double* centers, double* moved) {
  std::fill(sums.begin(), sums.end(), 0.0);
  std::fill(counts.begin(), counts.end(), Index{0});
  switch (d) {  // a compile-time D unrolls the row loop for the common small ones
    case 1: addRows<1>(x, n, 1, labels, sums.data(), counts.data()); break;
    case 2: addRows<2>(x, n, 2, labels, sums.data(), counts.data()); break;
    case 3: addRows<3>(x, n, 3, labels, sums.data(), counts.data()); break;
    case 4: addRows<4>(x, n, 4, labels, sums.data(), counts.data()); break;
    default: addRows<0>(x, n, d, labels, sums.data(), counts.data());
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
      if (rules.stopUnchanged && next != center[j]) converged = false;
      const double t = next - center[j];
      moved2 += t * t;
      center[j] = next;
    }
    moved[c] = moved2;
    // ml-kmeans: not converged when distance(new, old) > tolerance (false for NaN).
    if (!rules.stopUnchanged && moved2 > rules.tolerance) converged = false;
  }
  return converged;
}

// Below this many distance terms (N·K·D) a step takes microseconds: no thread joins it.
constexpr Index kParallelTerms = Index{1} << 20;

// Hamerly's bounds, kept so that they decide a label only when the exact sums could not decide
// otherwise. upper >= the true distance to the row's centre, lower <= the true distance to every
// other centre (Euclidean; |x − c| on 1-D data), each widened by kSlack relative: a sum of D
// rounded squares is within (D + 2)·u of the true one, a square root or a bound update adds an
// ulp. While upper < lower the computed distance to the row's centre is strictly below every
// other computed distance, so both tie rules keep the label; otherwise the row is recomputed.
struct Bounds {
  std::vector<double> upper, lower;
  double slack;  // relative
};

inline double distanceOf(double computed, bool absolute) {
  return absolute ? computed : std::sqrt(computed);
}

// The distance assignRows computes between a row and a centre.
inline double distanceTo(const double* row, const double* center, Index d, bool absolute) {
  if (absolute) return std::fabs(row[0] - center[0]);
  const double t0 = row[0] - center[0];
  double acc = t0 * t0;
  for (Index j = 1; j < d; ++j) {
    const double t = row[j] - center[j];
    acc += t * t;
  }
  return acc;
}

void setBounds(Bounds& b, Index i, double nearest, double second, bool absolute) {
  // An overflowed distance (>= DBL_MAX) never settles a label.
  b.upper[i] = nearest < DBL_MAX ? distanceOf(nearest, absolute) * (1 + b.slack)
                                 : std::numeric_limits<double>::infinity();
  b.lower[i] = distanceOf(second, absolute) * (1 - b.slack);
}

}  // namespace

CompatLloydResult compatLloyd(const double* x, Index n, Index d, Index k, double* centers,
                              std::int32_t* labels, const CompatLloydRules& rules,
                              ThreadPool& pool) {
  const AssignFn assignAll = assignFor(rules);
  const NearestFn nearest = nearestFor(rules);
  const bool parallel = pool.size() > 1 && n * k * d >= kParallelTerms;
  const Index blocks = (n + kBlockRows - 1) / kBlockRows;
  const size_t scratch = scratchSize(d);
  std::vector<double> buffers(scratch * (parallel ? pool.size() : 1));
  std::vector<double> sums(static_cast<size_t>(k * d));
  std::vector<Index> counts(static_cast<size_t>(k));
  std::vector<double> moved(static_cast<size_t>(k));
  Bounds bounds{std::vector<double>(static_cast<size_t>(n)),
                std::vector<double>(static_cast<size_t>(n)),
                8.0 * static_cast<double>(d + 4) * DBL_EPSILON};
  const double eps = bounds.slack;
  // How far each centre moved in the last update (widened), and the most any did.
  std::vector<double> shift(static_cast<size_t>(k));
  double maxShift = 0.0, secondShift = 0.0;
  std::int32_t farthest = 0;  // the centre that moved the most

  // Step 1 (every row) with the block kernel; later steps row by row where bounds fail.
  const auto firstPass = [&](Index begin, Index end, unsigned worker) {
    std::vector<double> best(static_cast<size_t>(end - begin)), next(best.size());
    assignAll(x, d, k, centers, begin, end, buffers.data() + worker * scratch, labels,
              best.data() - begin, next.data() - begin);
    for (Index i = begin; i < end; ++i) setBounds(bounds, i, best[i - begin], next[i - begin], rules.absolute);
  };
  const auto laterPass = [&](Index begin, Index end) {
    for (Index i = begin; i < end; ++i) {
      // After a move of the centres: upper grows by its centre's shift, lower shrinks by the
      // largest shift (of the other centres), each rounded outward.
      const std::int32_t own = labels[i];
      const double others = own == farthest ? secondShift : maxShift;
      double upper = (bounds.upper[i] + shift[own]) * (1 + eps);
      const double lower = (bounds.lower[i] - others) - eps * (bounds.lower[i] + others);
      bounds.lower[i] = lower;
      if (upper < lower) {
        bounds.upper[i] = upper;
        continue;
      }
      // Tighten upper to the distance to its own centre first: often that settles it.
      if (lower > 0) {
        upper = distanceOf(distanceTo(x + i * d, centers + own * d, d, rules.absolute), rules.absolute) * (1 + eps);
        bounds.upper[i] = upper;
        if (upper < lower) continue;
      }
      double best, next;
      nearest(x + i * d, d, k, centers, labels + i, &best, &next);
      setBounds(bounds, i, best, next, rules.absolute);
    }
  };
  CompatLloydResult result;
  std::int64_t unconverged = 0;
  for (;;) {
    if (parallel) {
      pool.forEach(blocks, [&](Index b, unsigned worker) {
        const Index begin = b * kBlockRows;
        const Index end = std::min(n, begin + kBlockRows);
        if (result.steps == 0) firstPass(begin, end, worker);
        else laterPass(begin, end);
      });
    } else if (result.steps == 0) {
      firstPass(0, n, 0);
    } else {
      laterPass(0, n);
    }
    ++result.steps;
    result.converged = updateCenters(x, n, d, k, labels, rules, sums, counts, centers, moved.data());
    if (result.converged || ++unconverged >= rules.maxSteps) break;
    maxShift = secondShift = 0.0;
    farthest = 0;
    for (Index c = 0; c < k; ++c) {
      shift[c] = distanceOf(moved[c], false) * (1 + eps);  // √Σ(Δ)² in both metrics (|Δ| for D = 1)
      if (shift[c] > maxShift) {
        secondShift = maxShift;
        maxShift = shift[c];
        farthest = static_cast<std::int32_t>(c);
      } else {
        secondShift = std::max(secondShift, shift[c]);
      }
    }
  }
  return result;
}

}  // namespace gaussmix
