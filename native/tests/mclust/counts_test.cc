// Parameter counts (mclust's nMclustParams, with and without noise) and hypvol against
// mclust 6.0.0's.
#include <string>

#include "core/mclust/hypvol.h"
#include "core/mclust/models.h"
#include "counts_test.h"

namespace mclust_test {

using namespace gaussmix;
using namespace gaussmix::mclust;

void testParameterCounts(Checker& checker, const Json& nparams) {
  for (auto& [modelName, byD] : nparams["table"].items()) {
    const Model model = parseModel(modelName);
    for (Index d = 1; d <= 6; ++d) {
      const Json& row = byD["d" + std::to_string(d)];
      for (Index g = 1; g <= 9; ++g) {
        checker.expect("nParameters " + modelName + " d=" + std::to_string(d) + " G=" + std::to_string(g),
                       freeParameters(model, d, g, false) == row["plain"][g - 1].get<Index>() &&
                           freeParameters(model, d, g, true) == row["noise"][g - 1].get<Index>());
      }
    }
  }
}

void testHypervolume(Checker& checker, const Json& fixture) {
  const RowMatrix x = matrix(fixture["X"]);
  const Hypervolume h = hypervolume(gaussmix::ConstRowMap(x.data(), x.rows(), x.cols()));
  const Json& e = fixture["hypvol"];
  const std::string name = fixture["name"];
  auto rel = [](double a, double b) { return std::abs(a - b) / std::abs(b); };
  checker.check(name + " hypvol box", rel(h.logBox, number(e["logBoxVolume"])), 1e-12, "hypvol");
  checker.check(name + " hypvol pc box", rel(h.logPcBox, number(e["logPcBoxVolume"])), 1e-12, "hypvol");
  checker.check(name + " hypvol", rel(h.volume, number(e["hypvol"])), 1e-12, "hypvol");
  checker.check(name + " hypvol reciprocal", rel(h.reciprocal, number(e["reciprocal"])), 1e-12, "hypvol");
  checker.check(name + " noise Vinv", rel(h.reciprocal, number(fixture["noise"]["Vinv"])), 1e-12, "hypvol");
}

}  // namespace mclust_test
