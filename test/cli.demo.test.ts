// `gaussmix demo` end to end: what it prints (fitted next to true parameters, the time of
// each fit) and the picture (a panel per method beside the truth, for both mixtures, with the
// expected numbers of points, centres and ellipses).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { run, svgMarks, svgTexts, tmpdir, type Result } from './cli.helpers.js';

/** The methods in the picture's order: class, label, ellipses per component. */
const METHODS: [string, string, number][] = [
  ['KMeans', 'K-means', 0],
  ['SoftKMeans', 'Soft K-means', 2],
  ['GaussianKMeans', 'Gaussian K-means', 2],
  ['GaussianMixture', 'GMM full', 2],
];
const CASES: [string, number][] = [
  ['two Gaussians', 2],
  ['four clusters', 4],
];

describe('gaussmix demo', () => {
  let dir: string;
  let result: Result;
  const methods = METHODS;

  beforeAll(async () => {
    dir = tmpdir();
    result = await run(['demo', '--out', path.join(dir, 'out')], { cwd: dir });
  });

  it('exits 0, quiet on stderr, and names the picture it wrote', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`picture written to ${path.join(dir, 'out', 'demo.svg')}`);
  });

  it('prints, for each mixture, every method with its fit time and the fitted parameters next to the true ones', () => {
    const out = result.stdout;
    for (const [c, [title, k]] of CASES.entries()) {
      const start = out.indexOf(`Case ${c + 1}: ${title}, N = 10,000, K = ${k}`);
      expect(start).toBeGreaterThanOrEqual(0);
      const end = c + 1 < CASES.length ? out.indexOf(`Case ${c + 2}:`) : out.length;
      const section = out.slice(start, end);
      for (const [, label] of methods) {
        expect(section).toMatch(new RegExp(`\\n${label.replace(/[()]/g, '\\$&')}[^\\n]*\\s[\\d.]+ (ms|s)\\s+\\d+\\s+(yes|no)\\s+[\\d.]+%`));
      }
      expect(section.match(/^component \d+\s+weight\s+mean\s+covariance$/gm)).toHaveLength(k);
      expect(section.match(/^ {2}truth\s/gm)).toHaveLength(k);
    }
    // The full GMM recovers the first mixture's parameters closely.
    const comp1 = out.slice(out.indexOf('component 1'), out.indexOf('component 2'));
    const gmm = /GMM full\s+([\d.]+)\s+\((-?[\d.]+), (-?[\d.]+)\)/.exec(comp1);
    expect(gmm).not.toBeNull();
    expect(Number(gmm?.[1])).toBeCloseTo(0.3, 1);
    expect(Number(gmm?.[2])).toBeCloseTo(-2, 0);
    expect(Number(gmm?.[3])).toBeCloseTo(1, 0);
  });

  it('draws a panel per method beside the truth, for both mixtures, with points, centres and 1σ/2σ ellipses', () => {
    const svg = fs.readFileSync(path.join(dir, 'out', 'demo.svg'), 'utf8');
    const marks = svgMarks(svg);
    const panels = [...marks.keys()].filter((n) => n.endsWith('_points_marks'));
    expect(panels).toHaveLength(CASES.length * (1 + methods.length));
    for (const [c, [, k]] of CASES.entries()) {
      const id = `case${c + 1}`;
      expect(marks.get(`${id}_truth_points_marks`)).toBe(2000);
      expect(marks.get(`${id}_truth_centres_marks`)).toBe(k);
      expect(marks.get(`${id}_truth_ellipses_marks`)).toBe(2 * k);
      for (const [cls, , perComponent] of methods) {
        expect(marks.get(`${id}_${cls}_points_marks`), `${id} ${cls}`).toBe(2000);
        expect(marks.get(`${id}_${cls}_centres_marks`)).toBe(k);
        expect(marks.get(`${id}_${cls}_ellipses_marks`) ?? 0).toBe(perComponent * k);
      }
    }
    const texts = svgTexts(svg);
    for (const [, label] of methods) expect(texts.some((t) => t.startsWith(label))).toBe(true);
    expect(texts).toContain('Truth: two Gaussians');
    expect(texts).toContain('Truth: four clusters');
  });

  it('defaults to ./gaussmix-demo', async () => {
    const cwd = tmpdir();
    const r = await run(['demo', '--n', '400', '--points', '100'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const svg = fs.readFileSync(path.join(cwd, 'gaussmix-demo', 'demo.svg'), 'utf8');
    expect(svgMarks(svg).get('case1_truth_points_marks')).toBe(100);
  });
});
