// What the unit tests call inside the core, declared once per SIMD variant: probes.cc is
// compiled with the core into every variant the build has (namespaces renamed gaussmix ->
// gaussmix_v3 / gaussmix_v4 as in the addon), and the tests, compiled once for the baseline,
// declare each copy with GAUSSMIX_DECLARE_PROBES(namespace) and call the ones this CPU runs.
// Plain pointers only: no type of a variant's Eigen crosses into the tests.
#pragma once

#include <cstddef>
#include <cstdint>

#define GAUSSMIX_DECLARE_PROBES(ns)                                                              \
  namespace ns {                                                                                 \
  namespace probe {                                                                              \
  /* out[i] = expOrZero(in[i]) / logOrMinusInfinity(in[i]) (lanes.h), n a multiple of 8. */     \
  void expOrZero(const double* in, double* out, std::ptrdiff_t n);                               \
  void logOrMinusInfinity(const double* in, double* out, std::ptrdiff_t n);                      \
  /* The scatter about `means` (K x D) of the n x D rows x with responsibilities resp (n x K) */ \
  /* for covariance type `type` (0 full, 1 tied, 2 diag, 3 spherical), in the layout of */       \
  /* DensityKernel::accumulateScatter (full/tied: lower triangles): by accumulateScatter (two */\
  /* passes), or by accumulateScatterColumns about `centre` (the E-step's means; U the */        \
  /* precision factors prepare() takes) chunk by chunk, then recentreScatter (one pass). */      \
  /* scatter has scatterSize(its kind) doubles. */                                               \
  void scatterTwoPass(int type, std::ptrdiff_t n, std::ptrdiff_t k, std::ptrdiff_t d,            \
                      const double* x, const double* resp, const double* means,                  \
                      double* scatter);                                                          \
  void scatterOnePass(int type, std::ptrdiff_t n, std::ptrdiff_t k, std::ptrdiff_t d,            \
                      const double* x, const double* resp, const double* centre,                 \
                      const double* precChol, const double* means, double* scatter);             \
  /* compat_lanes::choose on k distances, padded to whole lanes with `padding` (which the */     \
  /* choice must ignore); laterWins selects the rule. */                                         \
  void compatChoose(int laterWins, const double* acc, std::ptrdiff_t k, double padding,          \
                    std::int32_t* label, double* nearest, double* second);                       \
  /* Greedy k-means++ (kmeansPlusPlusIndices) on the n x d rows x (weights or null) with */      \
  /* Rng(seed, 0) on `threads` threads: the k indices into out, the Rng's next draw after. */    \
  void kmeansPlusPlus(const double* x, std::ptrdiff_t n, std::ptrdiff_t d, const double* weights, \
                      std::ptrdiff_t k, std::uint64_t seed, unsigned threads, std::ptrdiff_t* out,\
                      std::uint64_t* nextDraw);                                                  \
  /* kmeans::columnMinima on the k x rows values (row j at values + j·rows), in float */       \
  /* (asFloat, the values converted) or double: each column's least value, the next, and */     \
  /* the row of the least (the first on ties). */                                               \
  void columnMinima(int asFloat, const double* values, std::ptrdiff_t k, std::ptrdiff_t rows,   \
                    double* best, double* second, std::int32_t* labels);                         \
  /* kmeans::ClusterSums: row i of the n x d rows x (weight w[i]) moved from cluster from[i] */  \
  /* to to[i] (-1: none), in order; the k x (d + 1) sums rounded into out. */                     \
  void clusterSums(const double* x, std::ptrdiff_t n, std::ptrdiff_t d, std::ptrdiff_t k,       \
                   const double* w, const std::int32_t* from, const std::int32_t* to,           \
                   double* out);                                                                 \
  }                                                                                              \
  }

GAUSSMIX_DECLARE_PROBES(gaussmix)
