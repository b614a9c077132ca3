// What the unit tests call inside the core, declared once per SIMD variant: probes.cc is
// compiled with the core into every variant the build has (namespaces renamed gaussmix ->
// gaussmix_v3 / gaussmix_v4 as in the addon), and the tests, compiled once for the baseline,
// declare each copy with GAUSSMIX_DECLARE_PROBES(namespace) and call the ones this CPU runs.
// Plain pointers only: no type of a variant's Eigen crosses into the tests.
#pragma once

#include <cstddef>

#define GAUSSMIX_DECLARE_PROBES(ns)                                                              \
  namespace ns {                                                                                 \
  namespace probe {                                                                              \
  /* out[i] = expOrZero(in[i]) / logOrMinusInfinity(in[i]) (lanes.h), n a multiple of 8. */     \
  void expOrZero(const double* in, double* out, std::ptrdiff_t n);                               \
  void logOrMinusInfinity(const double* in, double* out, std::ptrdiff_t n);                      \
  }                                                                                              \
  }

GAUSSMIX_DECLARE_PROBES(gaussmix)
