/**
 * Seeded test data: a tiny PRNG (mulberry32) and Box–Muller normals, so that every test draws
 * the same numbers on every machine and Node version (no dependency on Math.random).
 */

import { mulberry32 } from './mulberry32.mjs';

/** mulberry32: a 32-bit state PRNG returning floats in [0, 1) (shared with the .mjs helpers). */
export { mulberry32 };

/** Standard normal draws by Box–Muller (both outputs used). */
export function normalSource(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** One Gaussian component of a synthetic mixture. */
export interface TrueComponent {
  weight: number;
  mean: number[];
  /** D×D symmetric positive definite. */
  cov: number[][];
}

/** Lower Cholesky factor of a small SPD matrix (plain JS, for generating data). */
export function choleskyLower(a: number[][]): number[][] {
  const d = a.length;
  const l = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < d; j++) {
    let s = a[j]![j]!;
    for (let p = 0; p < j; p++) s -= l[j]![p]! ** 2;
    if (!(s > 0)) throw new Error('choleskyLower: not positive definite');
    l[j]![j] = Math.sqrt(s);
    for (let i = j + 1; i < d; i++) {
      let t = a[i]![j]!;
      for (let p = 0; p < j; p++) t -= l[i]![p]! * l[j]![p]!;
      l[i]![j] = t / l[j]![j]!;
    }
  }
  return l;
}

/**
 * n rows from a Gaussian mixture, row-major [n, D], with the true component of each row.
 * The component of each row is drawn independently (so the counts are multinomial).
 */
export function sampleMixture(
  seed: number,
  components: readonly TrueComponent[],
  n: number,
): { data: Float64Array; d: number; labels: Int32Array } {
  const u = mulberry32(seed);
  const z = normalSource(mulberry32(seed ^ 0x9e3779b9));
  const d = components[0]!.mean.length;
  const chol = components.map((c) => choleskyLower(c.cov));
  const cum: number[] = [];
  let acc = 0;
  for (const c of components) cum.push((acc += c.weight));
  const data = new Float64Array(n * d);
  const labels = new Int32Array(n);
  const e = new Array<number>(d);
  for (let r = 0; r < n; r++) {
    const x = u() * acc;
    let k = 0;
    while (k < components.length - 1 && x >= cum[k]!) k++;
    labels[r] = k;
    const c = components[k]!;
    const l = chol[k]!;
    for (let j = 0; j < d; j++) e[j] = z();
    for (let i = 0; i < d; i++) {
      let s = c.mean[i]!;
      for (let j = 0; j <= i; j++) s += l[i]![j]! * e[j]!;
      data[r * d + i] = s;
    }
  }
  return { data, d, labels };
}

/**
 * The rows of a row-major [n, d] array, each repeated counts[r] times (0 drops it), in order
 * (numpy's np.repeat along axis 0), as an NDArray [Σ counts, d].
 */
export function repeatRows(data: Float64Array, d: number, counts: ArrayLike<number>): { data: Float64Array; shape: number[] } {
  let total = 0;
  for (let r = 0; r < counts.length; r++) total += counts[r] as number;
  const out = new Float64Array(total * d);
  let o = 0;
  for (let r = 0; r < counts.length; r++) {
    for (let i = 0; i < (counts[r] as number); i++, o += d) out.set(data.subarray(r * d, (r + 1) * d), o);
  }
  return { data: out, shape: [total, d] };
}

/** Labels of rows repeated as by {@link repeatRows}: each label counts[r] times. */
export function repeatLabels(labels: ArrayLike<number>, counts: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let r = 0; r < counts.length; r++) for (let i = 0; i < (counts[r] as number); i++) out.push(labels[r] as number);
  return out;
}

/** A row-major [n, d] Float64Array as number[][]. */
export function toRows(data: Float64Array, d: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < data.length / d; r++) rows.push(Array.from(data.subarray(r * d, (r + 1) * d)));
  return rows;
}

/** Three well-separated, well-conditioned 3-D clusters (used by several tests). */
export const THREE_CLUSTERS: readonly TrueComponent[] = [
  {
    weight: 0.5,
    mean: [0, 0, 0],
    cov: [
      [1.0, 0.3, 0.1],
      [0.3, 0.8, -0.2],
      [0.1, -0.2, 0.6],
    ],
  },
  {
    weight: 0.3,
    mean: [5, 1, -2],
    cov: [
      [0.5, -0.1, 0.0],
      [-0.1, 1.2, 0.4],
      [0.0, 0.4, 0.9],
    ],
  },
  {
    weight: 0.2,
    mean: [-3, 4, 2],
    cov: [
      [0.7, 0.2, 0.2],
      [0.2, 0.7, 0.2],
      [0.2, 0.2, 0.7],
    ],
  },
];
