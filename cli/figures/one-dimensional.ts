/**
 * Figures 1 and 2: a mixture of two Gaussians in one dimension. Figure 1 draws its density and
 * both weighted components; Figure 2 the histogram of draws from it, with the density of the
 * mixture that gaussmix fits to those draws over it. Every density is the library's
 * (`scoreSamples`, `predictProba`): the command computes none itself.
 */
import { GaussianMixture } from 'gaussmix';

import { count, fixed, ms } from '../format.js';
import { colour, domain } from '../plot.js';
import { modelOf } from '../truth.js';
import type { Figure, Spec } from './figure.js';

/** A one-dimensional mixture: weights, means and standard deviations. */
export interface Mixture1D {
  weights: number[];
  means: number[];
  sds: number[];
}

/** The mixture of Figures 1 and 2: two well-separated modes of different widths and heights. */
export const TRUTH_1D: Mixture1D = { weights: [0.4, 0.6], means: [-1.5, 2], sds: [0.7, 1.1] };

/** The model that holds exactly the mixture's parameters. */
function modelOf1D(m: Mixture1D): GaussianMixture {
  return modelOf({ type: 'full', weights: m.weights, means: m.means.map((x) => [x]), covariances: m.sds.map((s) => [[s * s]]) });
}

/** A fitted 1-D mixture's parameters, components in the order of their means. */
function parametersOf(gm: GaussianMixture): Mixture1D {
  const w = gm.weights;
  const mu = gm.means.data;
  const cov = gm.covariances.data;
  const order = Array.from(w, (_, k) => k).sort((a, b) => (mu[a] as number) - (mu[b] as number));
  return {
    weights: order.map((k) => w[k] as number),
    means: order.map((k) => mu[k] as number),
    sds: order.map((k) => Math.sqrt(cov[k] as number)),
  };
}

/** "π = 0.400, μ = −1.500, σ = 0.700" for component k. */
function describeComponent(m: Mixture1D, k: number): string {
  return `π = ${fixed(m.weights[k] as number)}, μ = ${fixed(m.means[k] as number)}, σ = ${fixed(m.sds[k] as number)}`;
}

/** Both components of a mixture, as prose. */
function describeAll(m: Mixture1D): string {
  return m.weights.map((_, k) => `component ${k + 1}: ${describeComponent(m, k)}`).join('; ');
}

interface Curve {
  x: number;
  density: number;
  curve: string;
}

/** The mixture density p(x) and each weighted component πₖ N(x; μₖ, σₖ²) = p(k | x) p(x) on a grid. */
function curves(model: GaussianMixture, grid: number[], names: { mixture: string; component: (k: number) => string }): Curve[] {
  const X = grid.map((x) => [x]);
  const logDensity = model.scoreSamples(X);
  const proba = model.predictProba(X).data;
  const k = model.nComponents;
  const out: Curve[] = [];
  grid.forEach((x, i) => {
    const p = Math.exp(logDensity[i] as number);
    out.push({ x, density: p, curve: names.mixture });
    for (let c = 0; c < k; c++) out.push({ x, density: (proba[i * k + c] as number) * p, curve: names.component(c) });
  });
  return out;
}

/** `steps` + 1 evenly spaced points over a range. */
function gridOver([lo, hi]: [number, number], steps = 400): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => lo + ((hi - lo) * i) / steps);
}

/** The x range of the pictures: four standard deviations beyond the outer means. */
function rangeOf(m: Mixture1D): [number, number] {
  const lo = Math.min(...m.means.map((mu, k) => mu - 4 * (m.sds[k] as number)));
  const hi = Math.max(...m.means.map((mu, k) => mu + 4 * (m.sds[k] as number)));
  return [lo, hi];
}

const x = (xDomain: [number, number]): Spec => ({ field: 'x', type: 'quantitative', title: 'x', scale: { domain: xDomain, nice: false } });
/** The density axis, a quarter above the highest curve: room for the legend in the top right corner. */
const y = (curves: Curve[]): Spec => ({
  field: 'density',
  type: 'quantitative',
  title: 'density',
  scale: { domain: [0, 1.3 * Math.max(...curves.map((c) => c.density))], nice: false },
});

/** Figure 1: the density of the mixture and its two weighted components. */
export function figure1(truth: Mixture1D = TRUTH_1D): Figure {
  const xDomain = rangeOf(truth);
  const mixture = 'mixture p(x)';
  const component = (k: number): string => `component ${k + 1}: π${k + 1} N(x; ${truth.means[k]}, ${truth.sds[k]}²)`;
  const names = [mixture, ...truth.weights.map((_, k) => component(k))];
  const data = curves(modelOf1D(truth), gridOver(xDomain), { mixture, component });
  const color = { field: 'curve', type: 'nominal', title: null, scale: { domain: names, range: ['#222', colour(0), colour(1)] }, legend: { orient: 'top-right', labelLimit: 400 } };
  return {
    number: 1,
    title: 'The density of a mixture of two Gaussians in one dimension',
    subtitle: `p(x) = Σₖ πₖ N(x; μₖ, σₖ²); ${describeAll(truth)}`,
    caption: [
      `The solid black curve is the density p(x) of a mixture of two Gaussians; the coloured dashed curves are its two components, each multiplied by its weight, so that at every x they add up to p(x).`,
      `True parameters: ${describeAll(truth)}.`,
    ],
    width: 700,
    spec: {
      width: 640,
      height: 300,
      data: { values: data },
      layer: [
        {
          name: 'fig1_components',
          transform: [{ filter: `datum.curve !== '${mixture}'` }],
          mark: { type: 'line', strokeWidth: 2, strokeDash: [6, 3], aria: false },
          encoding: { x: x(xDomain), y: y(data), color },
        },
        {
          name: 'fig1_mixture',
          transform: [{ filter: `datum.curve === '${mixture}'` }],
          mark: { type: 'line', strokeWidth: 2.5, aria: false },
          encoding: { x: x(xDomain), y: y(data), color },
        },
      ],
    },
    numbers: { truth },
  };
}

/** Figure 2: the histogram of n draws, the density fitted by gaussmix over it, the true one dashed. */
export async function figure2(n: number, seed: number, threads: number | undefined, truth: Mixture1D = TRUTH_1D): Promise<Figure> {
  const draws = modelOf1D(truth).sample(n, seed).X.data;
  const gm = new GaussianMixture({ nComponents: truth.weights.length, covarianceType: 'full', seed: 1, threads });
  const t0 = performance.now();
  await gm.fit({ data: draws, shape: [n, 1] });
  const millis = performance.now() - t0;
  const fitted = parametersOf(gm);

  const xDomain = domain(draws, 1, 0, 0.02);
  const bins = 60;
  const step = (xDomain[1] - xDomain[0]) / bins;
  const fittedName = 'fitted mixture';
  const trueName = 'true mixture';
  const grid = gridOver(xDomain);
  const lines = [
    ...curves(gm, grid, { mixture: fittedName, component: () => '' }).filter((c) => c.curve === fittedName),
    ...curves(modelOf1D(truth), grid, { mixture: trueName, component: () => '' }).filter((c) => c.curve === trueName),
  ];
  const color = { field: 'curve', type: 'nominal', title: null, scale: { domain: [fittedName, trueName], range: ['#d62728', '#222'] }, legend: { orient: 'top-right' } };
  const strokeDash = { field: 'curve', type: 'nominal', title: null, scale: { domain: [fittedName, trueName], range: [[1, 0], [5, 4]] }, legend: { orient: 'top-right' } };
  const pairs = fitted.weights.map((_, k) => `Component ${k + 1}: fitted ${describeComponent(fitted, k)} (true ${describeComponent(truth, k)})`);
  return {
    number: 2,
    title: `A histogram of ${count(n)} points drawn from the mixture, and the mixture fitted to them`,
    subtitle: `fitted by gaussmix (EM, K = 2, ${gm.nIter} iterations): ${fitted.weights.map((_, k) => describeComponent(fitted, k)).join('; ')}`,
    caption: [
      `Bars: the histogram of ${count(n)} points drawn from the mixture of Figure 1 (seed ${seed}), ${bins} bins of width ${fixed(step)}, scaled so that their area is 1.`,
      `Red: the density of the two-component Gaussian mixture that gaussmix fitted to those points (${gm.nIter} EM iterations, ${gm.converged ? 'converged' : 'not converged'}, ${ms(millis)}); dashed black: the true density.`,
      `${pairs.join('. ')}.`,
    ],
    width: 700,
    spec: {
      width: 640,
      height: 300,
      layer: [
        {
          name: 'fig2_histogram',
          data: { values: Array.from(draws, (v) => ({ v })) },
          transform: [
            { bin: { extent: xDomain, step }, field: 'v', as: ['x', 'x_end'] },
            { aggregate: [{ op: 'count', as: 'count' }], groupby: ['x', 'x_end'] },
            // A density histogram: count / (N · bin width) integrates to 1, as p(x) does.
            { calculate: `datum.count / (${n} * (datum.x_end - datum.x))`, as: 'density' },
          ],
          mark: { type: 'rect', color: '#9ecae1', stroke: 'white', strokeWidth: 0.5 },
          encoding: { x: x(xDomain), x2: { field: 'x_end' }, y: y(lines), tooltip: [{ field: 'count', type: 'quantitative' }] },
        },
        {
          name: 'fig2_curves',
          data: { values: lines },
          mark: { type: 'line', strokeWidth: 2.2, aria: false },
          encoding: { x: x(xDomain), y: y(lines), color, strokeDash },
        },
      ],
    },
    numbers: { n, seed, bins, binWidth: step, truth, fitted, nIter: gm.nIter, converged: gm.converged, millis },
  };
}
