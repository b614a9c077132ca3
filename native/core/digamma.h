// ψ(x) = d/dx ln Γ(x), the digamma function (the C++ standard library has lgamma but not its
// derivative): the expectations of log-weights and log-precisions of variational fits.
#pragma once

namespace gaussmix {

// ψ(x) for x > 0 (every argument a variational fit takes is a concentration, or half a
// degree-of-freedom count above D − 1), to a few ulp; NaN for x <= 0 or NaN, +∞ for +∞.
double digamma(double x);

}  // namespace gaussmix
