// The property names the binding reads and writes, created once per JavaScript environment as
// internalized strings: reading `options.nComponents` through a name given as a C string would
// make V8 build and look up that string again on every call (a tenth of a small fit's cost).
#pragma once

#include <napi.h>

namespace gaussmix::binding {

#define GAUSSMIX_KEYS(K)                                                                       \
  K(nComponents) K(covarianceType) K(tol) K(maxIter) K(nInit) K(seed) K(regCovar) K(init)      \
  K(weightsInit) K(meansInit) K(covariancesInit) K(precisionsInit) K(onCollapse)               \
  K(previousLowerBound) K(threads) K(sampleWeight) K(nClusters) K(centersInit) K(stiffness)    \
  K(weights) K(means) K(covariances) K(precisionsCholesky) K(logProb) K(resp) K(labels)        \
  K(distances) K(converged) K(nIter) K(lowerBound) K(reseeds) K(iter) K(component) K(row)      \
  K(clusterCenters) K(clusterWeights) K(inertia) K(objective) K(change) K(code) K(X) K(kind) \
  K(k) K(centres) K(about) K(params) K(restart) K(responsibilitiesInit) K(priors) K(warm)      \
  K(posterior) K(weightConcentrationPriorType) K(weightConcentrationPrior)                     \
  K(meanPrecisionPrior) K(meanPrior) K(degreesOfFreedomPrior) K(covariancePrior)               \
  K(weightConcentration) K(meanPrecision) K(degreesOfFreedom) K(entropy) K(mStepTol)           \
  K(mStepMaxIter) K(prior) K(shrinkage) K(dof) K(mean) K(scale) K(hc) K(rows) K(merges)        \
  K(hypervolume) K(noiseRows) K(mstepState) K(float32Shortlist) K(subset)                      \

enum class Key : int {
#define GAUSSMIX_KEY_ENUM(name) name,
  GAUSSMIX_KEYS(GAUSSMIX_KEY_ENUM)
#undef GAUSSMIX_KEY_ENUM
  Count
};

// The property's name as a C string (for messages).
const char* keyName(Key key);


// object[key], object[key] = value.
Napi::Value get(const Napi::Object& object, Key key);
void set(const Napi::Object& object, Key key, napi_value value);

}  // namespace gaussmix::binding
