// The E-step's density kernels, shared by every parametrisation (covariance.h): Gaussian
// log-densities of a chunk of rows from a Cholesky factor U per component (or one shared), or
// from axis-aligned scales; and the scatter the M-step reads (the parametrisation's
// ScatterKind), accumulated while the chunk is in cache.
#pragma once

#include <memory>

#include "covariance.h"
#include "scratch_matrix.h"
#include "types.h"

namespace gaussmix {

// Per-thread scratch space for the kernels; sized on first use and then reused.
struct Workspace {
  ScratchMatrix a;
  ScratchMatrix b;
  ScratchMatrix xt;    // a chunk of rows transposed (D x stride)
  ScratchMatrix cols;  // a chunk's responsibilities by component (K x stride)
};

class DensityKernel {
 public:
  // The kernel of a type: Cholesky for the oriented parametrisations, axis-aligned for the others.
  static std::unique_ptr<DensityKernel> make(CovarianceType type, Index k, Index d);
  virtual ~DensityKernel() = default;

  CovarianceType type() const { return type_; }
  ScatterKind scatterKind() const { return scatter_; }
  Index components() const { return k_; }
  Index features() const { return d_; }

  // Caches what the E-step kernel needs from (means, U in the type's layout): the single place
  // where the per-component constants (log-determinants, ...) are rebuilt after an M-step.
  virtual void prepare(const RowMatrix& means, const double* precChol) = 0;
  // The E-step kernel, by component: out[k·stride + i] = log N(x_i | μ_k, Σ_k) for the rows
  // i < rows of xb, given the same rows transposed, xt[j·stride + i] = x_ij (rows <= stride,
  // stride a multiple of 8, both 64-byte aligned; xt's lanes past rows hold finite values).
  // Lanes past rows, up to the next multiple of 8, may be overwritten.
  // Laid out so that every loop runs along the rows, vectorised with no reassociation.
  virtual void logGaussianColumns(const ConstRowMap& xb, const double* xt, Index stride,
                                  double* out, Workspace& ws) const = 0;
  // Rows of a chunk for logGaussianColumns given the caller's own scratch per row: the
  // kernel's scratch plus the caller's stays near 64K doubles (full/tied with many features:
  // one product of the chunk with all the factors).
  virtual Index chunkRows(Index callerPerRow) const;
  // For a row so far from every component that all its log-densities are −∞ (the squared
  // Mahalanobis terms overflow): out (K) = log N(x | μ_k, Σ_k) + c for one unknown c common to
  // every k, finite for the likeliest components and −∞ for those infinitely less likely.
  virtual void farLogDensities(const double* x, double* out) const = 0;

  // scatter += Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ over the rows of xb, in the layout of the
  // scatter kind (matrices: only the lower triangle is accumulated). resp is rows x K, row-major.
  virtual void accumulateScatter(const ConstRowMap& xb, const double* resp, const RowMatrix& means,
                                 double* scatter, Workspace& ws) const = 0;
  // One-pass scatter (the kernels run along the rows of the chunk the E-step has in cache).
  // The E-step takes the scatter about the means given to prepare, c:
  //   scatter += Σ_i r_ik (x_i − c_k)(x_i − c_k)ᵀ (accumulateScatter's layout),
  //   centred (K x D, row-major) += Σ_i r_ik (x_i − c_k),
  // for a chunk laid out by column (xt as for logGaussianColumns, r: K x stride).
  virtual void accumulateScatterColumns(Index rows, const double* xt, const double* r,
                                        Index stride, double* scatter, double* centred,
                                        Workspace& ws) const = 0;
 protected:
  DensityKernel(CovarianceType type, Index k, Index d)
      : type_(type), scatter_(parametrisation(type).scatter), k_(k), d_(d) {}
  CovarianceType type_;
  ScatterKind scatter_;
  Index k_;
  Index d_;
};

// Moves a scatter of this kind (K x D about the centres `from`, as the E-step accumulates it) to
// the new means `to`: with δ_k = μ_k − c_k, t_k = centred_k (Σ_i r_ik (x_i − c_k)) and
// n_k = Σ_i r_ik, Σ r (x − μ)(x − μ)ᵀ = S − δ tᵀ − t δᵀ + n δ δᵀ (exact). Its rounding is
// eps·S about c, i.e. eps·(1 + |δ|²/σ²) of the result: c is the previous means, near the data
// and near μ, so no precision is lost far from the origin.
void recentreScatter(ScatterKind kind, double* scatter, const RowMatrix& centred, const Vector& nk,
                     const RowMatrix& from, const RowMatrix& to);

}  // namespace gaussmix
