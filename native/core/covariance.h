// The covariance types as one table of parametrisations (covariance.cc): scikit-learn's four
// and mclust's fourteen, each a row saying what it is and how to fit it, over two shared
// density kernels (density.h: a Cholesky factor per component or shared; axis-aligned). A
// parametrisation is
//   - its name and the structure Σ_k = λ_k D_k A_k D_kᵀ (Celeux & Govaert 1995) as three
//     letters for the volume λ, the shape A and the orientation D: E (equal across the
//     components), V (varying) or I (identity: a spherical shape, or the coordinate axes),
//     from which the free parameters are counted and the kernel is chosen;
//   - the layout of Σ and of the precision Cholesky factors U (U·Uᵀ = Σ⁻¹; upper triangular for
//     matrices, 1/σ elementwise otherwise), which is also the public shape;
//   - the scatter its M-step reads (scatter.h), which the E-step accumulates;
//   - the M-step (Σ from that scatter), and whether it iterates or takes mclust's prior.
// The addon exports the table (name, letters, layout, ...) and the TypeScript side derives
// shapes, counts and validation from it: adding a parametrisation is adding a row (and its
// M-step, if no existing one fits).
#pragma once

#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "scatter.h"
#include "types.h"

namespace gaussmix {

namespace mclust {
struct ConjugatePrior;
}

// In the table's order: scikit-learn's, then mclust's (in mclust.options("emModelNames") order).
enum class CovarianceType : std::uint8_t {
  Full, Tied, Diag, Spherical,
  EII, VII, EEI, VEI, EVI, VVI, EEE, VEE, EVE, VVE, EEV, VEV, EVV, VVV,
};
constexpr int kCovarianceTypes = 18;

// Whose conventions a parametrisation follows: scikit-learn's (regCovar 1e-6, a 10ε floor on
// the weight sums, EM stops after the M-step) or mclust's (me(): no floor, regCovar 0, the
// relative log-likelihood rule checked after the E-step).
enum class Family : std::uint8_t { ScikitLearn, Mclust };

// How Σ and U are stored, row-major: the public shapes.
enum class CovarianceLayout : std::uint8_t {
  Matrices,   // [K, D, D]: full, and every mclust name (shared matrices repeated)
  Matrix,     // [D, D]: tied
  Diagonals,  // [K, D]: diag
  Variances,  // [K]: spherical
};

// The inner iteration of the iterative M-steps (mclust's emControl(): tol[2] = √ε, itmax[2],
// and eps, below which a variance parameter counts as singular).
struct MStepControl {
  double tol = std::sqrt(DBL_EPSILON);  // mStepTol
  long maxIter = INT_MAX;               // mStepMaxIter
  double eps = DBL_EPSILON;
};

// One covariance M-step: what it reads and writes.
struct CovarianceUpdate {
  const Vector& nk;        // K weight sums (scikit-learn's with its floor)
  const double* scatter;   // about the means, in the parametrisation's scatter kind
  double regCovar;         // added to every covariance's diagonal
  const MStepControl& control;
  const mclust::ConjugatePrior* prior;  // MAP M-step (nullptr: maximum likelihood)
  RowMatrix& means;                // in: x̄_k; out: the M-step's means (posterior under a prior)
  std::vector<double>& state;      // the inner iteration's state, carried between EM iterations
  double* covariances;             // out: Σ in the layout
};
using CovarianceMStep = void (*)(CovarianceType type, CovarianceUpdate& update);

struct Parametrisation {
  CovarianceType type;
  const char* name;
  Family family;
  char volume;       // λ: 'E' or 'V'
  char shape;        // A: 'E', 'V' or 'I'
  char orientation;  // D: 'E', 'V' or 'I'
  CovarianceLayout layout;
  ScatterKind scatter;  // what the M-step reads (and the E-step accumulates)
  bool iterative;       // the M-step iterates (mStepTol, mStepMaxIter; its state carries over)
  bool hasPrior;        // mclust has a conjugate-prior (MAP) M-step for it
  CovarianceMStep maximise;

  // Axis-aligned (orientation I): the diagonal kernel; else a Cholesky factor per component,
  // or one shared (layout Matrix).
  bool axisAligned() const { return orientation == 'I'; }
};

const Parametrisation& parametrisation(CovarianceType type);
const Parametrisation* parametrisations();  // kCovarianceTypes rows, in enum order
// The type of a name ('full', ..., 'VVV'); throws invalidArgument naming it otherwise.
CovarianceType parseCovarianceType(const std::string& name);

// Doubles in a covariances (or precisionsCholesky) array of this type.
Index covarianceSize(CovarianceType type, Index k, Index d);
// Free parameters of the covariances: λ (E: 1, V: K) + A (I: 0, E: D − 1, V: K(D − 1)) +
// D (I: 0, E: D(D − 1)/2, V: K·D(D − 1)/2); mclust's nVarParams, scikit-learn's
// _n_parameters less the means and weights.
Index covarianceParameters(CovarianceType type, Index k, Index d);

// Conversions in a type's layout. U from Σ and from the precision P = Σ⁻¹ (matrices: the
// upper factor of P = U·Uᵀ) throw illConditioned naming the component when not positive
// definite; Σ = (U·Uᵀ)⁻¹.
void precisionCholeskyFromCovariance(CovarianceType type, Index k, Index d, const double* cov,
                                     double* precChol);
void precisionCholeskyFromPrecision(CovarianceType type, Index k, Index d, const double* prec,
                                    double* precChol);
void covarianceFromPrecisionCholesky(CovarianceType type, Index k, Index d,
                                     const double* precChol, double* cov);
// Turns rows of standard normal draws z into draws from N(0, Σ_component): x = U⁻ᵀ z.
void colour(CovarianceType type, Index k, Index d, Index component, const double* precChol,
            RowMatrix& z);

}  // namespace gaussmix
