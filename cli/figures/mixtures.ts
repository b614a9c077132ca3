/**
 * Figures 6 and 7: the demo's two known mixtures in the plane (two Gaussians; four clusters),
 * each fitted by hard K-means, soft K-means, Gaussian K-means and a full Gaussian mixture, one
 * row of panels beside the truth. The panels are the demo's own (cli/demo.ts); this adds the
 * caption with the true and fitted parameters.
 */
import type { Run, Truth } from '../demo.js';
import { count, fixed, matrix, ms, vector } from '../format.js';
import type { Figure, Spec } from './figure.js';

/** What the demo made for one of its mixtures. */
export interface MixtureCase {
  truth: Truth;
  runs: Run[];
  /** The row of panels: the truth, then one per method. */
  panels: Spec[];
  n: number;
  shown: number;
  seed: number;
}

/** Component t of the truth as prose. */
function trueComponent(truth: Truth, t: number): string {
  const cov = truth.covariances[t] as [[number, number], [number, number]];
  return `π = ${fixed(truth.weights[t] as number, 2)}, μ = ${vector(truth.means[t] as [number, number], 1)}, Σ = ${matrix(cov.flat(), 2, 2)}`;
}

/** What one method fitted, its components in the order of the true ones they match. */
function fittedSummary(r: Run, k: number): string {
  const f = r.fitted;
  const parts: string[] = [];
  for (let t = 0; t < k; t++) {
    const c = r.order.indexOf(t);
    const mean = vector(f.centres.subarray(2 * c, 2 * c + 2), 2);
    const weight = f.weights ? `π = ${fixed(f.weights[c] as number, 2)}, ` : '';
    const cov = f.kind === 'GaussianMixture' ? f.covariance2(c, 0, 1) : null;
    parts.push(`${weight}μ = ${mean}${cov ? `, Σ = ${matrix([cov[0], cov[1], cov[1], cov[2]], 2, 2)}` : ''}`);
  }
  const e = f.estimator;
  return `${r.title}: ${e.nIter} iterations${e.converged ? '' : ' (not converged)'}, ${ms(r.millis)}, ${(100 * r.agreement).toFixed(1)}% of the points with their own component; ${parts.join('; ')}`;
}

/** Figure 6 (the two Gaussians) or 7 (the four clusters). */
export function mixtureFigure(number: 6 | 7, c: MixtureCase): Figure {
  const k = c.truth.weights.length;
  return {
    number,
    title: `${c.truth.title[0]?.toUpperCase()}${c.truth.title.slice(1)} under K-means, soft K-means, Gaussian K-means and a full Gaussian mixture`,
    subtitle: 'colour: assigned component (soft assignments blended by responsibility); +: centres; ellipses: 1σ (solid) and 2σ (dashed)',
    caption: [
      `${count(c.n)} points drawn (seed ${c.seed}) from a known mixture of ${k} Gaussians (left, coloured by the component that drew them${c.shown < c.n ? `; ${count(c.shown)} of the points are drawn in every panel` : ''}), then fitted by each method with K = ${k} (seed 1).`,
      `K-means cuts the plane into regions of the nearest centre; soft K-means shares the points between centres with one fixed width; Gaussian K-means gives each cluster its own weight and round width; the full mixture also fits each cluster's shape and tilt.`,
      `True components: ${c.truth.weights.map((_, t) => trueComponent(c.truth, t)).join('; ')}.`,
      ...c.runs.map((r) => `${fittedSummary(r, k)}.`),
      `K-means has no weights, and soft K-means weighs its clusters equally.`,
    ],
    width: 1500,
    spec: { hconcat: c.panels, config: { concat: { spacing: 18 } } },
    numbers: {
      n: c.n,
      shown: c.shown,
      seed: c.seed,
      truth: { weights: c.truth.weights, means: c.truth.means, covariances: c.truth.covariances },
      methods: c.runs.map((r) => ({
        method: r.title,
        kind: r.fitted.kind,
        nIter: r.fitted.estimator.nIter,
        converged: r.fitted.estimator.converged,
        millis: r.millis,
        agreement: r.agreement,
        means: Array.from(r.fitted.centres),
        weights: r.fitted.weights ? Array.from(r.fitted.weights) : null,
      })),
    },
  };
}
