#include "models.h"

#include "../errors.h"

namespace gaussmix {
namespace mclust {

const std::vector<Model>& models() {
  static const std::vector<Model> all = [] {
    std::vector<Model> m;
    for (const Parametrisation* p = parametrisations(); p != parametrisations() + kCovarianceTypes; ++p) {
      if (p->family == Family::Mclust) m.push_back(p->type);
    }
    return m;
  }();
  return all;
}

Model parseModel(const std::string& name) {
  for (Model m : models()) {
    if (name == descriptor(m).name) return m;
  }
  throw invalidArgument("unknown mclust model name '" + name + "'");
}

Index freeParameters(Model model, Index d, Index k, bool noise) {
  return covarianceParameters(model, k, d) + k * d + (k - 1) + (noise ? 2 : 0);
}

}  // namespace mclust
}  // namespace gaussmix
