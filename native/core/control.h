// Iteration control shared by every estimator: cancellation and the per-iteration report.
#pragma once

#include <atomic>
#include <functional>

#include "errors.h"

namespace gaussmix {

struct IterationInfo {
  int init;          // restart index, from 0
  int iter;          // iteration within the restart, from 1
  double objective;  // GMM: mean log-likelihood; K-means: inertia
  double change;     // objective - previous objective
  // GaussianMixture with onCollapse = Reseed: the components re-seeded since the previous
  // report (by this iteration's M-step; in a restart's first report, also at initialisation).
  int reseeds = 0;
};

struct Control {
  // Set from another thread to cancel; polled per iteration and per row block.
  const std::atomic<bool>* cancel = nullptr;
  // Called after every iteration on the driving thread; returning false stops the fit.
  std::function<bool(const IterationInfo&)> onIteration;

  bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
  void throwIfCancelled() const {
    if (cancelled()) throw aborted();
  }
  bool report(const IterationInfo& info) const { return !onIteration || onIteration(info); }
  // Whether anyone reads the reports (a fit may then skip computing their objective).
  bool listening() const { return static_cast<bool>(onIteration); }
};

}  // namespace gaussmix
