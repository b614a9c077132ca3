#include "models.h"

#include "../errors.h"

namespace gaussmix {
namespace mclust {

namespace {

constexpr ModelDescriptor kDescriptors[kModelCount] = {
    {Model::EII, "EII", ScatterKind::PooledTrace, false, true},
    {Model::VII, "VII", ScatterKind::Trace, false, true},
    {Model::EEI, "EEI", ScatterKind::PooledDiagonal, false, true},
    {Model::VEI, "VEI", ScatterKind::Diagonal, true, true},
    {Model::EVI, "EVI", ScatterKind::Diagonal, false, true},
    {Model::VVI, "VVI", ScatterKind::Diagonal, false, true},
    {Model::EEE, "EEE", ScatterKind::PooledFull, false, true},
    {Model::VEE, "VEE", ScatterKind::Full, true, false},
    {Model::EVE, "EVE", ScatterKind::Full, true, false},
    {Model::VVE, "VVE", ScatterKind::Full, true, false},
    {Model::EEV, "EEV", ScatterKind::Full, false, true},
    {Model::VEV, "VEV", ScatterKind::Full, true, true},
    {Model::EVV, "EVV", ScatterKind::Full, false, false},
    {Model::VVV, "VVV", ScatterKind::Full, false, true},
};

}  // namespace

const ModelDescriptor& descriptor(Model model) { return kDescriptors[static_cast<int>(model)]; }

const ModelDescriptor* modelDescriptors() { return kDescriptors; }

Model parseModel(const std::string& name) {
  for (const auto& d : kDescriptors) {
    if (name == d.name) return d.model;
  }
  throw invalidArgument("unknown mclust model name '" + name + "'");
}

Index covarianceParameters(Model model, Index d, Index k) {
  const Index orientation = d * (d - 1) / 2;  // one rotation: d(d−1)/2 angles
  switch (model) {
    case Model::EII: return 1;
    case Model::VII: return k;
    case Model::EEI: return d;
    case Model::VEI: return k + (d - 1);
    case Model::EVI: return 1 + k * (d - 1);
    case Model::VVI: return k * d;
    case Model::EEE: return d * (d + 1) / 2;
    case Model::EVE: return 1 + k * (d - 1) + orientation;
    case Model::VEE: return k + (d - 1) + orientation;
    case Model::VVE: return k + k * (d - 1) + orientation;
    case Model::EEV: return 1 + (d - 1) + k * orientation;
    case Model::VEV: return k + (d - 1) + k * orientation;
    case Model::EVV: return 1 - k + k * d * (d + 1) / 2;
    case Model::VVV: return k * d * (d + 1) / 2;
  }
  return 0;
}

Index freeParameters(Model model, Index d, Index k, bool noise) {
  return covarianceParameters(model, d, k) + k * d + (k - 1) + (noise ? 2 : 0);
}

}  // namespace mclust
}  // namespace gaussmix
