// Every mclust M-step (plain and MAP) against mclust 6.0.0's on the fixtures: from the same
// responsibilities z, gaussmix's M-step on the statistics (n_k, x̄_k, W_k) must give mclust's
// means and covariances (1e-8 relative for the closed forms, 1e-6 for the iterative ones),
// as mstep() computes them (a cold start) and as the first iteration of me() does.
#include <cstdio>
#include <string>

#include "core/errors.h"
#include "core/mclust/models.h"
#include "core/mclust/mstep.h"
#include "core/mclust/prior.h"
#include "fixture.h"
#include "mstep_test.h"

namespace mclust_test {

using namespace gaussmix;
using namespace gaussmix::mclust;

Statistics statistics(const RowMatrix& x, const RowMatrix& z, Index components) {
  const Index d = x.cols();
  Statistics s;
  s.counts = z.leftCols(components).colwise().sum().transpose();
  s.means = RowMatrix(components, d);
  s.scatter.assign(static_cast<size_t>(components * d * d), 0.0);
  for (Index k = 0; k < components; ++k) {
    s.means.row(k) = (z.col(k).transpose() * x) / s.counts(k);  // x̄_k = Σ z_ik x_i / n_k
    const RowMatrix centred = x.rowwise() - s.means.row(k);
    // W_k = Σ z_ik (x_i − x̄_k)(x_i − x̄_k)ᵀ
    RowMatrix w = centred.transpose() * z.col(k).asDiagonal() * centred;
    std::copy(w.data(), w.data() + d * d, s.scatter.begin() + k * d * d);
  }
  return s;
}

namespace {

double tolerance(Model model) { return descriptor(model).iterative ? 1e-6 : 1e-8; }

// Compares a result with an mclust parameter set (mean [K][D], sigma [K][D][D]).
void compare(Checker& checker, const std::string& what, const std::string& label, Model model,
             const MStepResult& r, const Json& expected) {
  const double tol = tolerance(model);
  checker.check(what + " mean", relativeDeviation(r.means, matrix(expected["mean"])), tol, label);
  const Json& sigma = expected["sigma"];
  for (size_t k = 0; k < sigma.size(); ++k) {
    checker.check(what + " sigma[" + std::to_string(k) + "]",
                  relativeDeviation(r.covariances[k], matrix(sigma[k])), tol, label);
  }
}

MStepResult run(Model model, const Statistics& s, MStepState& state, const ConjugatePrior* prior) {
  const Index k = s.means.rows();
  const Index d = s.means.cols();
  const ScatterView view(ScatterKind::Full, k, d, s.scatter.data());
  return mstep(model, MStepInput{s.counts, s.means, view}, state, MStepControl(), prior);
}

}  // namespace

void testMSteps(Checker& checker, const Json& fixture) {
  const std::string name = fixture["name"];
  const RowMatrix x = matrix(fixture["X"]);
  for (auto& [zName, fits] : fixture["fits"].items()) {
    const RowMatrix z = matrix(fixture["z"][zName]);
    const Statistics s = statistics(x, z, z.cols());
    for (const Model model : models()) {
      const Parametrisation* m = &descriptor(model);
      const Json& fit = fits[m->name];
      const std::string what = name + "/" + zName + "/" + m->name;
      // mstep(): a cold start.
      MStepState cold;
      compare(checker, what + " mstep", std::string("mstep ") + m->name, m->type,
              run(m->type, s, cold, nullptr), fit["mstep"]);
      // me() with one iteration: the first M-step of a fit.
      if (fit["me1"]["loglik"].is_null()) continue;
      MStepState first;
      compare(checker, what + " me1", std::string("mstep ") + m->name, m->type,
              run(m->type, s, first, nullptr), fit["me1"]);
    }
  }
}

void testPriorMSteps(Checker& checker, const Json& fixture) {
  const std::string name = fixture["name"];
  const RowMatrix x = matrix(fixture["X"]);
  const RowMatrix z = matrix(fixture["z"]["hc3"]);
  const Statistics s = statistics(x, z, z.cols());
  const gaussmix::ConstRowMap xmap(x.data(), x.rows(), x.cols());
  for (auto& [modelName, fits] : fixture["prior"]["fits"].items()) {
    const Model model = parseModel(modelName);
    const ConjugatePrior prior = defaultPrior(xmap, z.cols(), model);
    // defaultPrior's parameters as mclust's.
    const Json& expected = fixture["prior"]["defaultPrior"][modelName];
    const std::string what = name + "/prior/" + modelName;
    checker.check(what + " defaultPrior mean", relativeDeviation(prior.mean, vector(expected["mean"])), 1e-12);
    checker.check(what + " defaultPrior scale",
                  relativeDeviation(prior.scale, expected["scale"].is_number()
                                                     ? Matrix::Constant(1, 1, number(expected["scale"]))
                                                     : Matrix(matrix(expected["scale"]))),
                  1e-12);
    checker.expect(what + " defaultPrior dof/shrinkage",
                   prior.dof == number(expected["dof"]) && prior.shrinkage == number(expected["shrinkage"]));
    MStepState state;
    compare(checker, what + " me1", std::string("prior ") + modelName, model,
            run(model, s, state, &prior), fits["me1"]);
  }
}

}  // namespace mclust_test
