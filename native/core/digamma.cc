#include "digamma.h"

#include <cmath>
#include <limits>

namespace gaussmix {

double digamma(double x) {
  if (!(x > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(x)) return x;
  // The recurrence ψ(x) = ψ(x + 1) − 1/x up to x >= 10, where the asymptotic series
  //   ψ(x) ~ ln x − 1/(2x) − Σ_n B_2n / (2n x^2n)
  // truncated after x^−12 is off by less than 1/(12·10^14) ≈ 1e−15 (the next term).
  double shift = 0.0;
  while (x < 10.0) {
    shift += 1.0 / x;
    x += 1.0;
  }
  const double f = 1.0 / (x * x);
  // B_2/2 = 1/12, B_4/4 = −1/120, B_6/6 = 1/252, B_8/8 = −1/240, B_10/10 = 1/132,
  // B_12/12 = −691/32760.
  const double series =
      f * (1.0 / 12 -
           f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760))))));
  return std::log(x) - 0.5 / x - series - shift;
}

}  // namespace gaussmix
