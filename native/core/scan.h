// Checks over a whole array of doubles, vectorised and spread over the compute threads (the
// TypeScript layer's input validation calls them on every X).
#pragma once

#include "types.h"

namespace gaussmix {

// The index of the first value of x[0, n) that is not finite (NaN or ±∞), or -1.
Index firstNonFinite(const double* x, Index n, unsigned threads);

}  // namespace gaussmix
