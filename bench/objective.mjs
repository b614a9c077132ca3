// The objectives the bench computes itself for peers that do not report them, with the same
// definitions gaussmix and scikit-learn use:
// - meanLogLikelihood: (1/N) Σ_n log Σ_k w_k N(x_n | μ_k, Σ_k), full covariances (Cholesky per
//   component, log-sum-exp over components).
// - inertia: Σ_n min_k ‖x_n − c_k‖² (each row to its nearest centre).

/** Lower Cholesky factor of a D×D SPD matrix given as nested arrays; row-major Float64Array. */
function cholesky(S, d) {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = S[i][j];
      for (let p = 0; p < j; p++) s -= L[i * d + p] * L[j * d + p];
      if (i === j) {
        if (!(s > 0)) throw new Error('covariance not positive definite');
        L[i * d + i] = Math.sqrt(s);
      } else {
        L[i * d + j] = s / L[j * d + j];
      }
    }
  }
  return L;
}

export function meanLogLikelihood(X, n, d, { weights, means, covariances }) {
  const k = weights.length;
  const comps = [];
  for (let c = 0; c < k; c++) {
    const L = cholesky(covariances[c], d);
    let logDet = 0;
    for (let i = 0; i < d; i++) logDet += 2 * Math.log(L[i * d + i]);
    comps.push({ L, mu: Float64Array.from(means[c]), cst: Math.log(weights[c]) - 0.5 * (d * Math.log(2 * Math.PI) + logDet) });
  }
  const z = new Float64Array(d);
  const lp = new Float64Array(k);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const off = r * d;
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      const { L, mu, cst } = comps[c];
      let m = 0;
      for (let i = 0; i < d; i++) {
        let s = X[off + i] - mu[i];
        for (let p = 0; p < i; p++) s -= L[i * d + p] * z[p];
        z[i] = s / L[i * d + i];
        m += z[i] * z[i];
      }
      lp[c] = cst - 0.5 * m;
      if (lp[c] > max) max = lp[c];
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(lp[c] - max);
    total += max + Math.log(s);
  }
  return total / n;
}

export function inertia(X, n, d, centres) {
  const k = centres.length;
  const C = centres.map((c) => Float64Array.from(c));
  let total = 0;
  for (let r = 0; r < n; r++) {
    const off = r * d;
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      const ctr = C[c];
      let s = 0;
      for (let i = 0; i < d; i++) {
        const t = X[off + i] - ctr[i];
        s += t * t;
      }
      if (s < best) best = s;
    }
    total += best;
  }
  return total;
}
