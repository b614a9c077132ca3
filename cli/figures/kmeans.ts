/**
 * Figures 3, 4 and 5: hard K-means in two dimensions. Figures 3 and 4 fit K = 2 and K = 4 to
 * the same seeded data (four round clusters); Figure 5 follows one run, started from centres
 * picked at random among the points, an iteration per panel until the centres stop moving.
 * Every centre and assignment drawn is the KMeans estimator's: a run stopped by `onIteration`
 * after iteration t holds the centres of iteration t, and its labels (always those of its final
 * centres) are the next iteration's assignment.
 */
import { KMeans, type IterationInfo, type NDArray } from 'gaussmix';

import { count, fixed, ms, vector } from '../format.js';
import { colour, domain, plotRows, square, takeRows, type PointDatum } from '../plot.js';
import { modelOf } from '../truth.js';
import type { Figure, Spec } from './figure.js';

/** Round clusters in the plane: weights, means and standard deviations (σ² I covariances). */
export interface Blobs {
  weights: number[];
  means: [number, number][];
  sds: number[];
}

/** The data of Figures 3 to 5: four round clusters of different sizes, apart enough to see. */
export const FOUR_BLOBS: Blobs = {
  weights: [0.3, 0.2, 0.25, 0.25],
  means: [
    [-4, 3],
    [3.5, 4],
    [-3, -3.5],
    [4, -2.5],
  ],
  sds: [1.1, 0.9, 1.2, 1.0],
};

/** `n` seeded draws from the clusters (a spherical mixture holding exactly their parameters). */
export function drawBlobs(b: Blobs, n: number, seed: number): NDArray {
  return modelOf({ type: 'spherical', weights: b.weights, means: b.means, covariances: b.sds.map((s) => s * s) }).sample(n, seed).X;
}

/** The clusters as prose: weight, mean and σ of each. */
function describeBlobs(b: Blobs): string {
  return b.weights.map((w, k) => `π = ${fixed(w, 2)}, μ = ${vector(b.means[k] as [number, number], 1)}, σ = ${fixed(b.sds[k] as number, 1)}`).join('; ');
}

interface XY {
  x: number;
  y: number;
}

interface KMeansPanelInput {
  id: string;
  title: string;
  subtitle?: string;
  points: PointDatum[];
  centres: XY[];
  /** Earlier positions of the centres: `k` the centre, `t` the iteration (0: the start). */
  earlier?: (XY & { k: number; t: number })[];
  xDomain: [number, number];
  yDomain: [number, number];
  size: number;
}

/**
 * A K-means panel: the points coloured by cluster; the centres marked with an X; where given,
 * the earlier centres (small rings) joined by each centre's path. Marks are named `ID_points`,
 * `ID_paths`, `ID_earlier` and `ID_centres` (Vega adds `_marks` to the SVG group's class).
 */
function kmeansPanel(p: KMeansPanelInput): Spec {
  const scale = (d: [number, number]): Spec => ({ domain: d, nice: false, zero: false });
  const x = { field: 'x', type: 'quantitative', title: 'x₁', scale: scale(p.xDomain) };
  const y = { field: 'y', type: 'quantitative', title: 'x₂', scale: scale(p.yDomain) };
  const layer: Spec[] = [
    {
      name: `${p.id}_points`,
      data: { values: p.points },
      mark: { type: 'circle', size: Math.max(6, Math.min(36, 700 / Math.sqrt(Math.max(1, p.points.length)))), opacity: 0.7, clip: true, aria: false },
      encoding: { x, y, color: { field: 'c', type: 'nominal', scale: null } },
    },
  ];
  if (p.earlier && p.earlier.length > 0) {
    const path = [...p.earlier, ...p.centres.map((c, k) => ({ ...c, k, t: Number.MAX_SAFE_INTEGER }))];
    layer.push(
      {
        name: `${p.id}_paths`,
        data: { values: path },
        mark: { type: 'line', color: '#111', strokeWidth: 1.4, clip: true, aria: false },
        encoding: { x, y, detail: { field: 'k', type: 'nominal' }, order: { field: 't', type: 'quantitative' } },
      },
      {
        name: `${p.id}_earlier`,
        data: { values: p.earlier },
        mark: { type: 'point', shape: 'circle', size: 40, filled: false, color: '#111', strokeWidth: 1.2, clip: true, aria: false },
        encoding: { x, y },
      },
    );
  }
  layer.push({
    name: `${p.id}_centres`,
    data: { values: p.centres },
    // A cross turned by 45°: an X.
    mark: { type: 'point', shape: 'cross', angle: 45, size: 260, filled: true, color: '#111', stroke: 'white', strokeWidth: 1, clip: true, aria: false },
    encoding: { x, y },
  });
  const title: Spec = { text: p.title, fontSize: 13 };
  if (p.subtitle) title.subtitle = p.subtitle;
  return { title, width: p.size, height: p.size, layer };
}

/** Row-major centres as points. */
function xy(centres: ArrayLike<number>, k: number): XY[] {
  return Array.from({ length: k }, (_, c) => ({ x: centres[2 * c] as number, y: centres[2 * c + 1] as number }));
}

/** Points coloured by their cluster. */
function coloured(X: Float64Array, rows: number[], labels: ArrayLike<number>): PointDatum[] {
  const P = takeRows(X, 2, rows);
  return rows.map((r, i) => ({ x: P[2 * i] as number, y: P[2 * i + 1] as number, c: colour(labels[r] as number) }));
}

/** Figures 3 and 4: hard K-means with K = 2 and with K = 4 on the same data. */
export async function figures3and4(n: number, shown: number, seed: number, threads: number | undefined, blobs: Blobs = FOUR_BLOBS): Promise<Figure[]> {
  const X = drawBlobs(blobs, n, seed);
  const rows = plotRows(n, shown);
  const [xDomain, yDomain] = square(domain(X.data, 2, 0), domain(X.data, 2, 1));
  const figures: Figure[] = [];
  for (const [number, k] of [
    [3, 2],
    [4, 4],
  ] as const) {
    const km = new KMeans({ nClusters: k, seed: 1, threads });
    const t0 = performance.now();
    await km.fit(X);
    const millis = performance.now() - t0;
    const centres = km.clusterCenters.data;
    const sizes = new Array<number>(k).fill(0);
    for (const l of km.labels) sizes[l] = (sizes[l] as number) + 1;
    const fitted = xy(centres, k).map((c, j) => `${vector([c.x, c.y], 2)} with ${count(sizes[j] as number)} points`);
    figures.push({
      number,
      title: `Hard K-means with K = ${k}`,
      subtitle: `${count(n)} points from four round clusters (${count(rows.length)} drawn); colour: cluster; X: centre; ${km.nIter} iterations`,
      caption: [
        `Hard K-means (k-means++ start, seed 1) with K = ${k} on ${count(n)} points drawn (seed ${seed}) from four round Gaussian clusters: ${describeBlobs(blobs)}.`,
        `Each point is coloured by the cluster it is assigned to, every centre is marked with an X${rows.length < n ? `; ${count(rows.length)} of the points are drawn` : ''}.`,
        k < blobs.weights.length
          ? `With fewer centres than clusters, each centre takes the points of neighbouring clusters.`
          : `With one centre per cluster, each centre lands near a cluster's mean.`,
        `Fitted centres: ${fitted.join('; ')}; inertia ${fixed(km.inertia, 1)}; ${km.nIter} iterations, ${km.converged ? 'converged' : 'not converged'}, ${ms(millis)}.`,
      ],
      width: 470,
      spec: kmeansPanel({
        id: `fig${number}`,
        title: `K = ${k}`,
        points: coloured(X.data, rows, km.labels),
        centres: xy(centres, k),
        xDomain,
        yDomain,
        size: 420,
      }),
      numbers: { n, shown: rows.length, seed, truth: blobs, k, centres: xy(centres, k), sizes, inertia: km.inertia, nIter: km.nIter, converged: km.converged, millis },
    });
  }
  return figures;
}

/**
 * `k` distinct rows of `n`, chosen at random by a seeded generator (mulberry32): where a
 * K-means run of the document starts.
 */
export function randomRows(n: number, k: number, seed: number): number[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const chosen: number[] = [];
  while (chosen.length < k) {
    const r = Math.floor(next() * n);
    if (!chosen.includes(r)) chosen.push(r);
  }
  return chosen;
}

/** The options of Figure 5's run: from the given centres, until the labels stop changing. */
function runOptions(k: number, start: number[][], threads: number | undefined): ConstructorParameters<typeof KMeans>[0] {
  return { nClusters: k, init: start, tol: 0, maxIter: 300, seed: 1, threads };
}

/**
 * Figure 5: one hard K-means run from `k` centres picked at random among `n` points, a panel
 * per iteration: the points coloured by that iteration's assignment (to the centres before it),
 * the centres it moved to (X), and each centre's path from its start.
 */
export async function figure5(n: number, k: number, seed: number, threads: number | undefined, blobs: Blobs = FOUR_BLOBS): Promise<Figure> {
  const X = drawBlobs(blobs, n, seed);
  const startRows = randomRows(n, k, seed);
  const start = startRows.map((r) => [X.data[2 * r] as number, X.data[2 * r + 1] as number]);

  // The run, as the estimator reports it: one report per iteration.
  const reports: IterationInfo[] = [];
  const t0 = performance.now();
  const run = await new KMeans(runOptions(k, start, threads)).fit(X, {
    onIteration: (info) => {
      reports.push(info);
    },
  });
  const millis = performance.now() - t0;
  const iterations = reports.length;

  // The state after each iteration t: the same run, stopped by onIteration after iteration t.
  const after: KMeans[] = [];
  for (let t = 1; t < iterations; t++) {
    after.push(await new KMeans(runOptions(k, start, threads)).fit(X, { onIteration: (info) => (info.iter < t ? undefined : false) }));
  }
  after.push(run);
  // Iteration 1 assigns the points to the starting centres: those of a KMeans whose clusters
  // are the K starting points themselves.
  const initial = new KMeans({ nClusters: k, init: start, maxIter: 1, seed: 1 }).fitSync(start);
  const assignments: Int32Array[] = [initial.predict(X), ...after.slice(0, -1).map((m) => m.labels)];

  const rows = Array.from({ length: n }, (_, r) => r);
  const [xDomain, yDomain] = square(domain(X.data, 2, 0), domain(X.data, 2, 1));
  const earlier: (XY & { k: number; t: number })[] = xy(start.flat(), k).map((c, j) => ({ ...c, k: j, t: 0 }));
  const panels: Spec[] = [];
  const moved: number[] = [];
  const changed: number[] = [];
  for (let t = 1; t <= iterations; t++) {
    const centres = xy((after[t - 1] as KMeans).clusterCenters.data, k);
    const labels = assignments[t - 1] as Int32Array;
    const previous = earlier.slice(-k);
    moved.push(Math.max(...centres.map((c, j) => Math.hypot(c.x - (previous[j] as XY).x, c.y - (previous[j] as XY).y))));
    changed.push(t === 1 ? n : labels.reduce((s, l, r) => s + (l === (assignments[t - 2] as Int32Array)[r] ? 0 : 1), 0));
    const report = reports[t - 1] as IterationInfo;
    panels.push(
      kmeansPanel({
        id: `fig5_iter${t}`,
        title: `iteration ${t}`,
        subtitle: `${t === 1 ? 'all assigned' : `${changed[t - 1]} reassigned`}, inertia ${fixed(report.objective, 1)}`,
        points: coloured(X.data, rows, labels),
        centres,
        earlier: earlier.slice(),
        xDomain,
        yDomain,
        size: 210,
      }),
    );
    earlier.push(...centres.map((c, j) => ({ ...c, k: j, t })));
  }
  const last = after[iterations - 1] as KMeans;
  return {
    number: 5,
    title: `The iterations of hard K-means, from ${k} centres picked at random among the points`,
    subtitle: `each panel: the points coloured by that iteration's assignment (to the nearest centre), the centres moved to the means of their points (X), earlier centres (rings) and their paths`,
    caption: [
      `One hard K-means run with K = ${k} on ${count(n)} points drawn (seed ${seed}) from the clusters of Figures 3 and 4, started from ${k} points picked at random (rows ${startRows.join(', ')}), where the centres' paths begin.`,
      `Each panel is one iteration: every point is assigned to its nearest centre (its colour), then every centre moves to the mean of its points (the X); the line behind each X is the path of that centre through its earlier positions (rings).`,
      `The run stops after ${iterations} iterations, when no point changes cluster and the centres stop moving (largest centre move per iteration: ${moved.map((m) => fixed(m, 3)).join(', ')}).`,
      `Inertia (sum of squared distances to the assigned centre) per iteration: ${reports.map((r) => fixed(r.objective, 1)).join(', ')}. Final centres: ${xy(last.clusterCenters.data, k)
        .map((c) => vector([c.x, c.y], 2))
        .join('; ')}; ${ms(millis)}.`,
    ],
    width: 1100,
    spec: { columns: Math.min(iterations, 4), concat: panels, config: { concat: { spacing: 14 } } },
    numbers: {
      n,
      k,
      seed,
      startRows,
      start,
      iterations,
      nIter: run.nIter,
      converged: run.converged,
      inertia: reports.map((r) => r.objective),
      reassigned: changed,
      centres: after.map((m) => xy(m.clusterCenters.data, k)),
      millis,
    },
  };
}
