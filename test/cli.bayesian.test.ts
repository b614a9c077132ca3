// The gaussmix command with --bayesian: `fit` makes a BayesianGaussianMixture (either weight
// prior), reports how many components the data use, and `predict` reads its model file.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { BayesianGaussianMixture } from '../lib/index.js';
import { fixture, run, tmpdir } from './cli.helpers.js';

// 300 points from three well-separated 2-D Gaussians.
const blobsCsv = fixture('blobs.csv');
let dir: string;

beforeAll(() => {
  dir = tmpdir();
});

describe('fit --bayesian', () => {
  it.each([
    ['dp', 'dirichlet_process', 'Dirichlet process'],
    ['dirichlet', 'dirichlet_distribution', 'Dirichlet'],
  ])('--prior %s: a BayesianGaussianMixture, 3 of 8 components in use, predict reads it', async (prior, type, label) => {
    const out = path.join(dir, `bgm-${prior}.json`);
    const r = await run(['fit', blobsCsv, '-k', '8', '--bayesian', '--prior', prior, '--columns', 'x,y', '--max-iter', '500', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Bayesian GMM full (${label} prior), K = 8, D = 2`);
    const json = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(json.kind).toBe('BayesianGaussianMixture');
    expect(json.options.weightConcentrationPriorType).toBe(type);
    // The summary's count is the model's: weights of at least 0.01.
    const model = BayesianGaussianMixture.fromJSON(json);
    const used = Array.from(model.weights).filter((w) => w >= 0.01).length;
    expect(used).toBe(3);
    expect(r.stdout).toContain('effective components: 3 of 8 (weight >= 0.01)');
    const labels = await run(['predict', out, blobsCsv]);
    expect(labels.code, labels.stderr).toBe(0);
    const predicted = labels.stdout.trim().split('\n').slice(1).map(Number);
    expect(predicted).toHaveLength(300);
    expect(new Set(predicted).size).toBe(3);
  });

  it('--prior defaults to dp; bad combinations are usage errors', async () => {
    const r = await run(['fit', blobsCsv, '-k', '4', '--bayesian', '--columns', 'x,y', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).options.weightConcentrationPriorType).toBe('dirichlet_process');
    for (const [args, message] of [
      [['--prior', 'dp'], /--prior applies to --bayesian/],
      [['--bayesian', '--prior', 'beta'], /--prior must be one of dp, dirichlet/],
      [['--bayesian', '--model', 'kmeans'], /--bayesian applies to --model gmm/],
      [['--bayesian', '--standardize'], /--standardize is not available/],
    ] as const) {
      const bad = await run(['fit', blobsCsv, '-k', '3', ...args]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
  });
});
