/**
 * The R mclust 6.0.0 reference fixtures (test/fixtures/mclust/*.json, written by
 * scripts/make_mclust_fixtures.R; see their README), and the comparison the mclust tests use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';

import { FIXTURE_DIR } from './fixtures.js';

/** One mclust fit (me(), mstep()) as the fixtures hold it; null where mclust gave NA. */
export interface MclustFit {
  returnCode: number;
  iterations?: number;
  loglik: number | null;
  nParams?: number;
  bic?: number;
  icl?: number;
  pro?: number[];
  mean?: number[][];
  sigma?: number[][][];
  scale?: number | number[];
  shape?: number[] | number[][];
}

export interface MclustFixture {
  name: string;
  X: number[][];
  hc: { transformed: number[][]; merges: number[][]; hclass: Record<string, number[]> };
  hypvol: { hypvol: number; reciprocal: number };
  z: Record<string, number[][]>;
  fits: Record<string, Record<string, { mstep: MclustFit; me1: MclustFit; me5: MclustFit; me: MclustFit }>>;
  prior: {
    defaultPrior: Record<string, { shrinkage: number; mean: number[]; dof: number; scale: number | number[][] }>;
    fits: Record<string, { me1: MclustFit; me: MclustFit }>;
  };
  noise: {
    noiseRows: number[];
    z: number[][];
    Vinv: number;
    fits: Record<string, { me1: MclustFit; me: MclustFit; meHalfV: MclustFit }>;
  };
  mclustBIC?: {
    G: number[];
    bic: Record<string, (number | null)[]>;
    icl: Record<string, (number | null)[]>;
    best: { modelName: string; G: number; bic: number; icl: number; loglik: number; df: number };
  };
  mclustBICNoise?: {
    G: number[];
    noiseRows: number[];
    Vinv: number;
    bic: Record<string, (number | null)[]>;
    best: { modelName: string; G: number; bic: number; loglik: number; hypvol: number };
  };
}

export const MCLUST_DATASETS = ['faithful', 'iris', 'diabetes', 'banknote'] as const;

export function loadMclustFixture(name: string): MclustFixture {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'mclust', `${name}.json`), 'utf8')) as MclustFixture;
}

export function loadNparams(): { models: string[]; table: Record<string, Record<string, { plain: number[]; noise: number[] }>> } {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'mclust', 'nparams.json'), 'utf8'));
}

/** One mclustBIC table: per model name its BIC for G = 1..9 (mclust's sign; null where it failed), and Mclust's pick. */
export interface SelectionFixture {
  bic: Record<string, (number | null)[]>;
  best: { modelName: string; G: number; bic: number; loglik: number };
}

export interface NoiseSelectionFixture {
  noise: number[];
  hypervolume: number;
  bic: Record<string, (number | null)[]>;
}

/** test/fixtures/mclust/select.json: mclustBIC on one feature (waiting, eruptions), on duplicate rows (ties) and with priorControl() (faithful). */
export function loadSelectFixture(): {
  waiting: SelectionFixture & { x: number[] };
  eruptions: SelectionFixture & { x: number[] };
  ties: SelectionFixture & { X: number[][] };
  faithfulPrior: SelectionFixture;
  /** One feature with priorControl(), and with it and a noise component. */
  waitingPrior: SelectionFixture;
  waitingNoisePrior: NoiseSelectionFixture;
  /** With a noise component from given rows (0-based), and mclust's hypervolume (1/Vinv). */
  waitingNoise: NoiseSelectionFixture;
  faithfulNoise: NoiseSelectionFixture;
} {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'mclust', 'select.json'), 'utf8'));
}

function flatten(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array);
  if (Array.isArray(v)) return v.flatMap(flatten);
  if (typeof v === 'object' && v !== null && 'data' in v) return flatten((v as { data: unknown }).data);
  throw new Error(`not numeric: ${String(v)}`);
}

/**
 * The deviation of `actual` from `expected` relative to the array's scale, max|a − b| / max|b|
 * (the C++ harness's measure, native/tests/mclust/fixture.h), asserted <= tol.
 */
export function deviation(actual: unknown, expected: unknown, tol: number, what: string): number {
  const a = flatten(actual);
  const b = flatten(expected);
  expect(a.length, `${what}: length`).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  const dev = scale > 0 ? diff / scale : diff;
  expect(dev, `${what}: deviation ${dev.toExponential(2)} > ${tol}`).toBeLessThanOrEqual(tol);
  return dev;
}

/** The largest deviation per label, printed after the tests (the numbers the issue asks for). */
export class Deviations {
  readonly #worst = new Map<string, number>();
  record(label: string, dev: number): void {
    this.#worst.set(label, Math.max(this.#worst.get(label) ?? 0, dev));
  }
  print(prefix: string): void {
    for (const [label, dev] of [...this.#worst].sort()) console.log(`[${prefix}] ${label.padEnd(16)} max relative deviation ${dev.toExponential(2)}`);
  }
}
