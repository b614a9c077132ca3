/** Loading the scikit-learn reference fixtures (test/fixtures/*.json; see its README). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export type CovType = 'full' | 'tied' | 'diag' | 'spherical';

export interface GmmFixture {
  name: string;
  kind: 'GaussianMixture';
  comment?: string;
  X: number[][];
  Xtest: number[][];
  sampleWeight?: number[];
  options: {
    nComponents: number;
    covarianceType: CovType;
    tol: number;
    maxIter: number;
    regCovar: number;
    nInit: number;
  };
  init: {
    weightsInit: number[];
    meansInit: number[][];
    precisionsInit: number[] | number[][] | number[][][];
    covariancesInit?: number[] | number[][] | number[][][];
  };
  expected: {
    weights: number[];
    means: number[][];
    covariances: unknown;
    precisionsCholesky: unknown;
    precisions: unknown;
    lowerBound: number;
    nIter: number;
    converged: boolean;
    labels: number[];
    labelsTest: number[];
    probaTest: number[][];
    scoreSamplesTest: number[];
    scoreTest: number;
    bicTest: number;
    aicTest: number;
  };
}

/** Every fixture `<prefix>*.json` of the given kind, sorted by name. */
function loadFixtures<T extends { kind: string }>(prefix: string, kind: T['kind']): T[] {
  return fs
    .readdirSync(FIXTURE_DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, f), 'utf8')) as T)
    .filter((f) => f.kind === kind);
}

/** Every GaussianMixture fixture (gmm_*.json), sorted by name. */
export function loadGmmFixtures(): GmmFixture[] {
  return loadFixtures<GmmFixture>('gmm_', 'GaussianMixture');
}

export interface KMeansFixture {
  name: string;
  kind: 'KMeans';
  comment?: string;
  X: number[][];
  Xtest: number[][];
  sampleWeight?: number[];
  options: { nClusters: number; tol: number; maxIter: number; nInit: number };
  init: { init: number[][] };
  expected: {
    clusterCenters: number[][];
    labels: number[];
    inertia: number;
    nIter: number;
    /** 'strict' | 'tol' | 'maxIter' (informative; from sklearn's verbose log). */
    stop: string;
    labelsTest: number[];
    transformTest: number[][];
  };
}

/** Every KMeans fixture (kmeans_*.json), sorted by name. */
export function loadKMeansFixtures(): KMeansFixture[] {
  return loadFixtures<KMeansFixture>('kmeans_', 'KMeans');
}
