// The eight workloads of the benchmark (issue 4), their flop models, and which peers run on each.
//
// Every workload is a mixture with random centres and random full covariances (bench/data.mjs);
// `model` is what is fitted to it. gaussmix and scikit-learn always run ITERS iterations (tol 0)
// from the fixed start; the single-threaded npm peers run `iters` iterations where 20 would take
// too long, and their time is normalised per iteration.

export const ITERS = 20;

export const WORKLOADS = [
  { name: 'g2d', n: 100_000, d: 2, k: 4, model: 'full', seed: 1 },
  { name: 'g16', n: 100_000, d: 16, k: 8, model: 'full', seed: 2 },
  { name: 'g64', n: 200_000, d: 64, k: 16, model: 'full', seed: 3 },
  { name: 'd8', n: 1_000_000, d: 8, k: 10, model: 'diag', seed: 4 },
  { name: 's2', n: 1_000_000, d: 2, k: 2, model: 'spherical', seed: 5 },
  { name: 'k2', n: 100_000, d: 2, k: 4, model: 'kmeans', seed: 6 },
  { name: 'k16', n: 1_000_000, d: 16, k: 32, model: 'kmeans', seed: 7 },
  { name: 'k128', n: 100_000, d: 128, k: 100, model: 'kmeans', seed: 8 },
];

/**
 * The npm peers per workload: `iters` iterations per fit (full run), `quickIters` in --quick,
 * where null skips the peer (too slow for the one-minute budget even on the smaller data).
 */
export const NPM_PEERS = {
  g2d: { peer: 'gaussian-mixture-model', iters: 20, quickIters: 20 },
  g16: { peer: 'gaussian-mixture-model', iters: 2, quickIters: null },
  k2: { peer: 'ml-kmeans', iters: 20, quickIters: 20 },
  k16: { peer: 'ml-kmeans', iters: 5, quickIters: null },
  k128: { peer: 'ml-kmeans', iters: 3, quickIters: null },
};

/** --quick: every workload at a tenth of its rows (the first rows of the same data), 1 repeat. */
export const QUICK_ROW_DIVISOR = 10;

export function workloadsFor({ quick }) {
  return WORKLOADS.map((w) => (quick ? { ...w, n: w.n / QUICK_ROW_DIVISOR } : { ...w }));
}

/**
 * Floating-point operations of one iteration (E-step + M-step), counting only the terms that
 * grow with N·K (per-component constants, Cholesky factors etc. are negligible here):
 * - full: E-step (X−μ_k)·U_k, a D×D triangular product per row and component ≈ N·K·D²
 *   multiply-adds = 2·N·K·D² flops, plus the M-step scatter Σ r·(x−μ)(x−μ)ᵀ, symmetric ≈ N·K·D²;
 *   3·N·K·D² in all (the model). gaussmix's kernels skip the zero triangle of U_k as
 *   well, about 2·N·K·D² flops executed, so its rate by this model can pass the GEMM rate.
 * - diag: E-step Σ_d (x_d−μ_kd)²·p_kd as products with X and X² ≈ 4·N·K·D, M-step Σ r·x and
 *   Σ r·x² ≈ 4·N·K·D; 8·N·K·D.
 * - spherical: E-step X·Mᵀ ≈ 2·N·K·D, M-step Rᵀ·X ≈ 2·N·K·D; 4·N·K·D (bound by exp and memory).
 * - kmeans: distances to all centres, X·Cᵀ ≈ 2·N·K·D (the centre update is N·D).
 */
export const FLOP_MODELS = {
  full: { formula: '3·N·K·D²', flops: ({ n, k, d }) => 3 * n * k * d * d },
  diag: { formula: '8·N·K·D', flops: ({ n, k, d }) => 8 * n * k * d },
  spherical: { formula: '4·N·K·D', flops: ({ n, k, d }) => 4 * n * k * d },
  kmeans: { formula: '2·N·K·D', flops: ({ n, k, d }) => 2 * n * k * d },
};

/** The objective each model reports after the fit. */
export const OBJECTIVE = {
  full: 'mean log-likelihood',
  diag: 'mean log-likelihood',
  spherical: 'mean log-likelihood',
  kmeans: 'inertia',
};

/**
 * The section "small-fits" (bench/sections/small-fits.mjs): a small data set fitted many
 * times, with each estimator's defaults: full GaussianMixture and KMeans, K = 3.
 */
export const SMALL = { name: 'small', n: 500, d: 2, k: 3, model: 'full', seed: 9 };
