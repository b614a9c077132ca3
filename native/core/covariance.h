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

// Per-thread scratch space for the kernels; sized on first use and then reused.
struct Workspace {
  RowMatrix a;
  RowMatrix b;
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
  // out (rows x K, row-major) = log N(x_i | μ_k, Σ_k) for the rows of xb.
  virtual void logGaussian(const ConstRowMap& xb, double* out, Workspace& ws) const = 0;
  // For a row so far from every component that all its log-densities are −∞ (the squared
  // Mahalanobis terms overflow): out (K) = log N(x | μ_k, Σ_k) + c for one unknown c common to
  // every k, finite for the likeliest components and −∞ for those infinitely less likely.
  virtual void farLogDensities(const double* x, double* out) const = 0;

  // scatter (size()) += Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ over the rows of xb, in the layout of
  // the type (full/tied: only the lower triangle is accumulated). resp is rows x K, row-major.
  virtual void accumulateScatter(const ConstRowMap& xb, const double* resp, const RowMatrix& means,
                                 double* scatter, Workspace& ws) const = 0;
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
