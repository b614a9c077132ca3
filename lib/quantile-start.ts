/**
 * mclust's start for one-dimensional data: `qclass` (classes between quantiles of x) and the
 * responsibilities `mclustBIC` makes of them (`unmap`, with its fix for an empty class).
 *
 * @module
 */

/** R's `quantile(x, probs, type = 7)` of sorted x at `seq(0, 1, length.out = m)`, deduplicated (`unique`). */
function uniqueQuantiles(sorted: Float64Array, m: number): number[] {
  const n = sorted.length;
  const n1 = m - 1;
  const by = 1 / n1; // seq.default: from + (1..n1−1)·((to − from)/n1), the ends exact
  const out: number[] = [];
  for (let j = 0; j < m; j++) {
    const p = j === 0 ? 0 : j === n1 ? 1 : j * by;
    const index = 1 + (n - 1) * p;
    const lo = Math.floor(index);
    const hi = Math.ceil(index);
    let q = sorted[lo - 1] as number;
    const upper = sorted[hi - 1] as number;
    if (index > lo && upper !== q) {
      const h = index - lo;
      q = (1 - h) * q + h * upper;
    }
    if (out.length === 0 || out[out.length - 1] !== q) out.push(q);
  }
  return out;
}

/**
 * mclust's `qclass(x, k)`: k + 1 distinct quantiles of x (taking finer quantiles until there
 * are that many, then dropping the left ends of the smallest gaps), the outer two moved past
 * the data, and each value's class (0-based) the interval [q_i, q_i+1) it falls in.
 */
export function quantileClasses(x: Float64Array, k: number): Int32Array {
  const sorted = Float64Array.from(x).sort();
  let q: number[] = [];
  for (let m = k + 1; q.length < k + 1; m++) {
    q = uniqueQuantiles(sorted, m);
    if (m > sorted.length + k + 1) break; // fewer than k + 1 distinct values: cannot be reached
  }
  if (q.length > k + 1) {
    const gaps = q.slice(1).map((v, i) => ({ gap: v - (q[i] as number), i }));
    gaps.sort((a, b) => a.gap - b.gap || a.i - b.i); // R's order(): stable
    const drop = new Set(gaps.slice(0, q.length - k - 1).map((g) => g.i));
    q = q.filter((_, i) => !drop.has(i));
  }
  // (mclust moves the ends by sd(x)·√ε; any positive amount classes the data the same.)
  q[0] = -Infinity;
  q[q.length - 1] = Infinity;
  const classes = new Int32Array(x.length).fill(-1);
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    for (let c = 0; c < q.length - 1; c++) {
      if (v >= (q[c] as number) && v < (q[c + 1] as number)) classes[i] = c;
    }
  }
  return classes;
}

/**
 * The responsibilities [N, k] mclustBIC starts one-dimensional data from: one-hot of
 * quantileClasses; when a class is empty, every entry below √(ε/2) raised to it and each row
 * normalised, as mclustBIC does.
 */
export function quantileStart(x: Float64Array, k: number): Float64Array {
  const classes = quantileClasses(x, k);
  const n = x.length;
  const z = new Float64Array(n * k);
  const used = new Uint8Array(k);
  for (let i = 0; i < n; i++) {
    const c = classes[i] as number;
    if (c >= 0) {
      z[i * k + c] = 1;
      used[c] = 1;
    }
  }
  if (used.every((u) => u === 1)) return z;
  const small = Math.sqrt(2 ** -53);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      if ((z[i * k + c] as number) < small) z[i * k + c] = small;
      sum += z[i * k + c] as number;
    }
    for (let c = 0; c < k; c++) z[i * k + c] = (z[i * k + c] as number) / sum;
  }
  return z;
}
