// The E-step's scatter statistics as an M-step reads them. With r_ik the responsibilities,
// w_i the sample weights, n_k = Σ_i w_i r_ik and x̄_k the weighted means, the scatter of
// component k is W_k = Σ_i w_i r_ik (x_i − x̄_k)(x_i − x̄_k)ᵀ. A parametrisation declares the
// kind the E-step accumulates for it (Parametrisation::scatter, covariance.h) and its M-step
// reads it through this view; any richer kind serves too (per-component full matrices serve
// every parametrisation).
#pragma once

#include "errors.h"
#include "types.h"

namespace gaussmix {

// From the richest to the poorest. Pooled = Σ_k over the components.
enum class ScatterKind {
  Full,            // W_k, K × D × D
  PooledFull,      // Σ_k W_k, D × D
  Diagonal,        // diag(W_k), K × D
  PooledDiagonal,  // Σ_k diag(W_k), D
  Trace,           // tr(W_k), K
  PooledTrace,     // Σ_k tr(W_k), 1
};

// Whether statistics of kind `have` can give what `need` asks for.
constexpr bool provides(ScatterKind have, ScatterKind need) {
  switch (need) {
    case ScatterKind::Full: return have == ScatterKind::Full;
    case ScatterKind::PooledFull: return have == ScatterKind::Full || have == ScatterKind::PooledFull;
    case ScatterKind::Diagonal: return have == ScatterKind::Full || have == ScatterKind::Diagonal;
    case ScatterKind::PooledDiagonal:
      return have != ScatterKind::Trace && have != ScatterKind::PooledTrace;
    case ScatterKind::Trace:
      return have == ScatterKind::Full || have == ScatterKind::Diagonal || have == ScatterKind::Trace;
    case ScatterKind::PooledTrace: return true;
  }
  return false;
}

// A read-only view of row-major doubles laid out as the kind says (full matrices: component
// after component, each D × D row-major and symmetric).
class ScatterView {
 public:
  ScatterView(ScatterKind kind, Index k, Index d, const double* data)
      : kind_(kind), k_(k), d_(d), data_(data) {}

  ScatterKind kind() const { return kind_; }
  Index components() const { return k_; }
  Index features() const { return d_; }

  // W_k.
  Matrix full(Index k) const {
    require(ScatterKind::Full);
    return ConstRowMap(data_ + k * d_ * d_, d_, d_);
  }
  // Σ_k W_k.
  Matrix pooledFull() const {
    require(ScatterKind::PooledFull);
    if (kind_ == ScatterKind::PooledFull) return ConstRowMap(data_, d_, d_);
    Matrix sum = Matrix::Zero(d_, d_);
    for (Index k = 0; k < k_; ++k) sum += full(k);
    return sum;
  }
  // diag(W_k).
  Vector diagonal(Index k) const {
    require(ScatterKind::Diagonal);
    if (kind_ == ScatterKind::Diagonal) return ConstVectorMap(data_ + k * d_, d_);
    return ConstRowMap(data_ + k * d_ * d_, d_, d_).diagonal();
  }
  // Σ_k diag(W_k).
  Vector pooledDiagonal() const {
    require(ScatterKind::PooledDiagonal);
    switch (kind_) {
      case ScatterKind::PooledDiagonal: return ConstVectorMap(data_, d_);
      case ScatterKind::PooledFull: return ConstRowMap(data_, d_, d_).diagonal();
      default: {
        Vector sum = Vector::Zero(d_);
        for (Index k = 0; k < k_; ++k) sum += diagonal(k);
        return sum;
      }
    }
  }
  // tr(W_k).
  double trace(Index k) const {
    require(ScatterKind::Trace);
    if (kind_ == ScatterKind::Trace) return data_[k];
    return diagonal(k).sum();
  }
  // Σ_k tr(W_k), in component order. (Not Eigen's sum over a map of data_: its packets start
  // at the first aligned address, so the bits would follow the buffer's alignment: on AVX2,
  // K 4 summed one way or the other by where the statistics were allocated.)
  double pooledTrace() const {
    if (kind_ == ScatterKind::PooledTrace) return data_[0];
    if (kind_ == ScatterKind::Trace) {
      double total = 0.0;
      for (Index k = 0; k < k_; ++k) total += data_[k];
      return total;
    }
    return pooledDiagonal().sum();
  }

 private:
  void require(ScatterKind need) const {
    if (!provides(kind_, need)) throw Error(ErrorKind::Internal, "scatter statistics too coarse for this M-step");
  }

  ScatterKind kind_;
  Index k_;
  Index d_;
  const double* data_;
};

// Doubles in an E-step's scatter of this kind (the kinds the E-step accumulates: Full,
// PooledFull, Diagonal, Trace; full matrices hold their lower triangle, the upper is 0).
constexpr Index scatterSize(ScatterKind kind, Index k, Index d) {
  switch (kind) {
    case ScatterKind::Full: return k * d * d;
    case ScatterKind::PooledFull: return d * d;
    case ScatterKind::Diagonal: return k * d;
    case ScatterKind::PooledDiagonal: return d;
    case ScatterKind::Trace: return k;
    case ScatterKind::PooledTrace: return 1;
  }
  return 0;
}

}  // namespace gaussmix
