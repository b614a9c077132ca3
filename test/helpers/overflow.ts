// Statistics whose total weight overflows float64 although every part is finite: two halves of
// X, each weighing 1.5e308 in all, merged (a fit refuses weights whose own sum overflows, so a
// merge is how such statistics reach maximise).
import type { NDArray, Statistics } from '../../lib/index.js';

export function overflowingStatistics(
  model: { statistics(X: NDArray, options: { sampleWeight: Float64Array }): Statistics },
  X: NDArray,
): Statistics {
  const [n, d] = X.shape as [number, number];
  const h = Math.floor(n / 2);
  const half = (first: number): NDArray => ({ data: X.data.subarray(first * d, (first + h) * d), shape: [h, d] });
  const weights = new Float64Array(h).fill(1.5e308 / h);
  return model.statistics(half(0), { sampleWeight: weights }).merge(model.statistics(half(h), { sampleWeight: weights }));
}
