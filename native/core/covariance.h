// The covariance constraints as small policies behind one interface, so that a single EM driver
// (mixture.cc) serves every type. Storage follows scikit-learn's shapes, row-major:
//   full [K, D, D], tied [D, D], diag [K, D], spherical [K]
// for both the covariances Σ and the precision Cholesky factors U, where U·Uᵀ = Σ⁻¹ and, for
// full/tied, U is upper-triangular (diag/spherical: U = 1/σ elementwise).
#pragma once

#include <memory>
#include <string>

#include "types.h"

namespace gaussmix {

enum class CovarianceType { Full, Tied, Diag, Spherical };

// Number of doubles in a covariances (or precisionsCholesky) array of this type.
Index covarianceSize(CovarianceType type, Index k, Index d);

// Per-thread scratch space for the kernels; sized on first use and then reused.
struct Workspace {
  RowMatrix a;
  RowMatrix b;
  RowMatrix xt;    // a chunk of rows transposed (D x stride)
  RowMatrix cols;  // a chunk's responsibilities by component (K x stride)
};

class Covariance {
 public:
  static std::unique_ptr<Covariance> make(CovarianceType type, Index k, Index d);
  virtual ~Covariance() = default;

  CovarianceType type() const { return type_; }
  Index components() const { return k_; }
  Index features() const { return d_; }
  // Number of doubles in a covariances (or precisionsCholesky) array of this type.
  virtual Index size() const = 0;

  // U from Σ. Throws illConditioned naming the component when Σ is not positive definite.
  virtual void precisionCholeskyFromCovariance(const double* cov, double* precChol) const = 0;
  // U from the precision P = Σ⁻¹ (full/tied: the upper factor of P = U·Uᵀ).
  virtual void precisionCholeskyFromPrecision(const double* prec, double* precChol) const = 0;
  // Σ = (U·Uᵀ)⁻¹.
  virtual void covarianceFromPrecisionCholesky(const double* precChol, double* cov) const = 0;

  // Caches what the E-step kernel needs from (means, U): the single place where the
  // per-component constants (log-determinants, ...) are rebuilt after an M-step.
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

  // scatter (size()) += Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ over the rows of xb, in the layout of
  // the type (full/tied: only the lower triangle is accumulated). resp is rows x K, row-major.
  virtual void accumulateScatter(const ConstRowMap& xb, const double* resp, const RowMatrix& means,
                                 double* scatter, Workspace& ws) const = 0;
  // One-pass scatter (every GaussianMixture type: the kernels run along the rows of the
  // chunk the E-step has in cache). The E-step takes the scatter about the means given to
  // prepare, c:
  //   scatter += Σ_i r_ik (x_i − c_k)(x_i − c_k)ᵀ (accumulateScatter's layout),
  //   centred (K x D, row-major) += Σ_i r_ik (x_i − c_k),
  // for a chunk laid out by column (xt as for logGaussianColumns, r: K x stride).
  virtual bool fusesScatter() const { return false; }
  virtual void accumulateScatterColumns(Index rows, const double* xt, const double* r,
                                        Index stride, double* scatter, double* centred,
                                        Workspace& ws) const;
  // Moves such a scatter to the new means μ: with δ_k = μ_k − c_k, t_k = centred_k and
  // n_k = Σ_i r_ik, Σ r (x − μ)(x − μ)ᵀ = S − δ tᵀ − t δᵀ + n δ δᵀ (exact). Its rounding is
  // eps·S about c, i.e. eps·(1 + |δ|²/σ²) of the result: c is the previous means, near the data
  // and near μ, so no precision is lost far from the origin.
  void recentreScatter(double* scatter, const RowMatrix& centred, const Vector& nk,
                       const RowMatrix& from, const RowMatrix& to) const;

  // cov = scatter / nk + regCovar·I (nk: the per-component weight sums; tied uses their total).
  virtual void finishCovariance(const double* scatter, const Vector& nk, double regCovar,
                                double* cov) const = 0;

  // Turns rows of standard normal draws z into draws from N(0, Σ_k): x = U_k^{-T} z.
  virtual void colour(Index component, const double* precChol, RowMatrix& z) const = 0;

  // Free parameters of the covariances (scikit-learn's _n_parameters, covariance part).
  virtual double parameterCount() const = 0;

 protected:
  Covariance(CovarianceType type, Index k, Index d) : type_(type), k_(k), d_(d) {}
  CovarianceType type_;
  Index k_;
  Index d_;
};

}  // namespace gaussmix
