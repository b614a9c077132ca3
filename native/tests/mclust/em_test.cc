// mclust's me() reproduced around gaussmix's M-steps: a test-only E-step (log densities by
// Cholesky, proportions n_k / N, mclust's noise column log(1/V) + log π_0) and me()'s loop
// (stop when |Δ loglik| / (1 + |loglik|) <= 1e-5 or at the iteration limit). With the
// M-steps' state carried between iterations as MStepState does, the fits must land on
// mclust's: the same number of iterations, log-likelihood, BIC and parameters (1e-6
// relative; the iterative M-steps' inner tolerance is √ε), after 5 iterations and converged,
// plain, with a noise component, and under the default prior.
#include <Eigen/Cholesky>
#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/mclust/models.h"
#include "core/mclust/mstep.h"
#include "core/mclust/prior.h"
#include "em_test.h"
#include "mstep_test.h"

namespace mclust_test {

using namespace gaussmix;
using namespace gaussmix::mclust;

namespace {

struct Fit {
  MStepResult params;
  Vector proportions;
  double loglik = 0;
  long iterations = 0;
};

// One E-step: z (N × columns) from the parameters; returns Σ_i log Σ_k π_k p_k(x_i).
double estep(const RowMatrix& x, const MStepResult& p, const Vector& pro, double vinv, RowMatrix& z) {
  const Index n = x.rows();
  const Index k = p.means.rows();
  const Index d = x.cols();
  RowMatrix logp(n, z.cols());
  for (Index j = 0; j < k; ++j) {
    Eigen::LLT<Matrix> llt(p.covariances[j]);
    const Matrix l = llt.matrixL();
    const double logdet = 2 * l.diagonal().array().log().sum();
    for (Index i = 0; i < n; ++i) {
      const Vector diff = (x.row(i) - p.means.row(j)).transpose();
      const double maha = llt.matrixL().solve(diff).squaredNorm();
      logp(i, j) = std::log(pro(j)) - 0.5 * (d * std::log(2 * M_PI) + logdet + maha);
    }
  }
  if (vinv > 0) logp.col(k).setConstant(std::log(vinv) + std::log(pro(k)));
  double loglik = 0;
  for (Index i = 0; i < n; ++i) {
    const double top = logp.row(i).maxCoeff();
    const double lse = top + std::log((logp.row(i).array() - top).exp().sum());
    loglik += lse;
    z.row(i) = (logp.row(i).array() - lse).exp();
  }
  return loglik;
}

Fit me(Model model, const RowMatrix& x, RowMatrix z, long maxIter, double vinv, const ConjugatePrior* prior) {
  const Index n = x.rows();
  const Index k = vinv > 0 ? z.cols() - 1 : z.cols();
  MStepState state;
  Fit fit;
  double previous = DBL_MAX / 2;
  for (;;) {
    ++fit.iterations;
    const Statistics s = statistics(x, z, k);
    const ScatterView view(ScatterKind::Full, k, x.cols(), s.scatter.data());
    fit.params = mstep(model, MStepInput{s.counts, s.means, view}, state, MStepControl(), prior);
    fit.proportions = z.colwise().sum().transpose() / static_cast<double>(n);  // π_k = n_k / N
    fit.loglik = estep(x, fit.params, fit.proportions, vinv, z);
    const double err = std::abs(previous - fit.loglik) / (1 + std::abs(fit.loglik));
    previous = fit.loglik;
    if (!(err > 1e-5 && fit.iterations < maxIter)) break;
  }
  return fit;
}

void compare(Checker& checker, const std::string& what, const std::string& label, const Fit& fit,
             const Json& expected, Index d, bool noise, Model model) {
  if (expected["loglik"].is_null()) return;  // mclust failed (none on these fixtures)
  const double tol = 1e-6;
  checker.expect(what + " iterations " + std::to_string(fit.iterations) + " vs " +
                     std::to_string(expected["iterations"].get<long>()),
                 fit.iterations == expected["iterations"].get<long>());
  checker.check(what + " loglik", std::abs(fit.loglik - number(expected["loglik"])) / std::abs(number(expected["loglik"])),
                tol, label);
  const Index k = fit.params.means.rows();


  checker.check(what + " pro", relativeDeviation(fit.proportions, vector(expected["pro"])), tol, label);
  checker.check(what + " mean", relativeDeviation(fit.params.means, matrix(expected["mean"])), tol, label);
  for (Index j = 0; j < k; ++j) {
    checker.check(what + " sigma", relativeDeviation(fit.params.covariances[j], matrix(expected["sigma"][j])), tol, label);
  }
}

}  // namespace

void testEm(Checker& checker, const Json& fixture) {
  const std::string name = fixture["name"];
  const RowMatrix x = matrix(fixture["X"]);
  const Index d = x.cols();
  const RowMatrix z = matrix(fixture["z"]["hc3"]);
  for (const Model model : models()) {
    const Parametrisation* m = &descriptor(model);
    const Json& fits = fixture["fits"]["hc3"][m->name];
    const std::string what = name + "/hc3/" + m->name;
    const std::string label = std::string("me ") + m->name;
    compare(checker, what + " me5", label, me(m->type, x, z, 5, 0, nullptr), fits["me5"], d, false, m->type);
    compare(checker, what + " me", label, me(m->type, x, z, INT_MAX, 0, nullptr), fits["me"], d, false, m->type);
    const Json& noise = fixture["noise"];
    const RowMatrix zn = matrix(noise["z"]);
    const double vinv = number(noise["Vinv"]);
    compare(checker, what + " noise me", std::string("noise ") + m->name,
            me(m->type, x, zn, INT_MAX, vinv, nullptr), noise["fits"][m->name]["me"], d, true, m->type);
    compare(checker, what + " noise me 2/V", std::string("noise ") + m->name,
            me(m->type, x, zn, INT_MAX, 2 * vinv, nullptr), noise["fits"][m->name]["meHalfV"], d, true, m->type);
    if (m->hasPrior) {
      const ConjugatePrior prior = defaultPrior(gaussmix::ConstRowMap(x.data(), x.rows(), d), 3, m->type);
      compare(checker, what + " prior me", std::string("prior me ") + m->name,
              me(m->type, x, z, INT_MAX, 0, &prior), fixture["prior"]["fits"][m->name]["me"], d, false, m->type);
    }
  }
}

}  // namespace mclust_test
