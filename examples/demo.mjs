// The demo of README's first command: 10,000 points drawn from a known two-component Gaussian
// mixture (the founding paper's Figure 2 setting, generated here from a fixed seed), fitted with
// a full-covariance GaussianMixture; prints the fitted parameters next to the true ones.
import { GaussianMixture } from '../dist/esm/index.js';

const truth = {
  weights: [0.3, 0.7],
  means: [[-2, 1], [3, -1]],
  covariances: [[[1.0, 0.6], [0.6, 1.2]], [[2.0, -0.8], [-0.8, 0.7]]],
};

const { data: X, labels } = drawFromTruth(10_000, 2026);

function drawFromTruth(n, seed) {
  // mulberry32 + Box–Muller: a tiny seeded generator, so the demo data are always the same.
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const data = new Float64Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = rand() < truth.weights[0] ? 0 : 1;
    const [[a11, a12], [, a22]] = truth.covariances[k];
    // Cholesky of the 2x2 covariance: x = μ + L z.
    const l11 = Math.sqrt(a11);
    const l21 = a12 / l11;
    const l22 = Math.sqrt(a22 - l21 * l21);
    const z1 = gauss();
    const z2 = gauss();
    data[2 * i] = truth.means[k][0] + l11 * z1;
    data[2 * i + 1] = truth.means[k][1] + l21 * z1 + l22 * z2;
    labels[i] = k;
  }
  return { data, labels };
}

const gm = new GaussianMixture({ nComponents: 2, covarianceType: 'full', seed: 1 });
const t0 = performance.now();
await gm.fit({ data: X, shape: [X.length / 2, 2] });
const ms = performance.now() - t0;

// Components come out in arbitrary order: pair each with the true one whose mean is nearest.
const order = [0, 1].map((k) => {
  const m = gm.means.data.subarray(2 * k, 2 * k + 2);
  const d = truth.means.map(([a, b]) => (a - m[0]) ** 2 + (b - m[1]) ** 2);
  return d[0] < d[1] ? 0 : 1;
});
const fmt = (v) => v.toFixed(3).padStart(7);
console.log(`gaussmix demo: full-covariance Gaussian mixture, N = ${X.length / 2}, K = 2`);
console.log(`fitted in ${ms.toFixed(1)} ms, ${gm.nIter} EM iterations, converged: ${gm.converged}, mean log-likelihood ${gm.lowerBound.toFixed(4)}\n`);
for (let k = 0; k < 2; k++) {
  const t = order[k];
  const m = gm.means.data;
  const c = gm.covariances.data;
  console.log(`component ${k}            fitted                         true`);
  console.log(`  weight   ${fmt(gm.weights[k])}                        ${fmt(truth.weights[t])}`);
  console.log(`  mean     ${fmt(m[2 * k])} ${fmt(m[2 * k + 1])}                ${fmt(truth.means[t][0])} ${fmt(truth.means[t][1])}`);
  console.log(`  cov      ${fmt(c[4 * k])} ${fmt(c[4 * k + 1])}                ${fmt(truth.covariances[t][0][0])} ${fmt(truth.covariances[t][0][1])}`);
  console.log(`           ${fmt(c[4 * k + 2])} ${fmt(c[4 * k + 3])}                ${fmt(truth.covariances[t][1][0])} ${fmt(truth.covariances[t][1][1])}`);
}
const predicted = gm.predict({ data: X, shape: [X.length / 2, 2] });
const agree = labels.reduce((s, l, i) => s + (order[predicted[i]] === l ? 1 : 0), 0);
console.log(`\n${((100 * agree) / labels.length).toFixed(1)}% of the points are assigned to the component that drew them.`);
