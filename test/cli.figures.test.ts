// `gaussmix demo --out DIR`: the founding document's Figures 1–7 as files. Each picture holds
// what its figure claims (curves, bars, points, centres, panels), the 1-D fit recovers the true
// parameters within the sampling error of its draws, Figure 5 has one panel per iteration that
// KMeans reports through onIteration, the same command draws the same pictures, and index.html
// shows all seven in a browser (headless Chromium; skipped where it is not installed, unless
// GAUSSMIX_REQUIRE_RENDERERS=1); --png writes them as PNG (resvg) too.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { FOUR_BLOBS, drawBlobs } from '../cli/figures/kmeans.js';
import { PNG_SCALE } from '../cli/plot.js';
import { TRUTH_1D, type Mixture1D } from '../cli/figures/one-dimensional.js';
import { KMeans } from '../lib/index.js';
import { run, svgMarks, svgSize, svgTexts, tmpdir, type Result } from './cli.helpers.js';
import { colouredPerCell, decodePng } from './helpers/png.js';

const FIGURES = [1, 2, 3, 4, 5, 6, 7];
const required = process.env.GAUSSMIX_REQUIRE_RENDERERS === '1';

interface Numbers {
  figure: number;
  file: string;
  title: string;
  caption: string;
  [key: string]: unknown;
}

describe('gaussmix demo --out DIR: Figures 1–7', () => {
  let dir: string;
  let result: Result;
  let numbers: Numbers[];
  const svg = (f: number): string => fs.readFileSync(path.join(dir, `figure-${f}.svg`), 'utf8');
  const numbersOf = <T>(f: number): T => numbers[f - 1] as unknown as T;

  beforeAll(async () => {
    dir = path.join(tmpdir(), 'out');
    result = await run(['demo', '--out', dir]);
    numbers = JSON.parse(fs.readFileSync(path.join(dir, 'figures.json'), 'utf8')) as Numbers[];
  });

  it('writes figure-1.svg … figure-7.svg, index.html, index.md and figures.json, and says so', () => {
    expect(result.code, result.stderr).toBe(0);
    for (const f of FIGURES) expect(fs.statSync(path.join(dir, `figure-${f}.svg`)).size).toBeGreaterThan(1000);
    expect(result.stdout).toContain(`Figures 1–7 written to ${dir}`);
    expect(numbers.map((n) => n.figure)).toEqual(FIGURES);
    for (const f of FIGURES) expect(svgTexts(svg(f)).some((t) => t.startsWith(`Figure ${f}. `))).toBe(true);
  });

  it('Figure 1: the mixture density and its two weighted components, with the true parameters', () => {
    const marks = svgMarks(svg(1));
    expect(marks.get('fig1_mixture_marks')).toBe(1);
    expect(marks.get('fig1_components_marks')).toBe(2);
    expect(numbersOf<{ truth: Mixture1D }>(1).truth).toEqual(TRUTH_1D);
    const texts = svgTexts(svg(1)).join('\n');
    TRUTH_1D.means.forEach((mu, k) => expect(texts).toContain(`component ${k + 1}: π${k + 1} N(x; ${mu}, ${TRUTH_1D.sds[k]}²)`));
  });

  it('Figure 2: a histogram of all 10,000 draws, and the fitted and true densities over it', () => {
    const s = svg(2);
    const marks = svgMarks(s);
    const fig = numbersOf<{ n: number; bins: number }>(2);
    expect(fig.n).toBe(10_000);
    // One rect per non-empty bin; their counts (each bar's aria label) add up to the draws.
    const bars = marks.get('fig2_histogram_marks') as number;
    expect(bars).toBeGreaterThan(40);
    expect(bars).toBeLessThanOrEqual(fig.bins);
    const counts = [...s.matchAll(/aria-label="[^"]*count: ([\d,]+)[^"]*"/g)].map((m) => Number((m[1] as string).replace(/,/g, '')));
    expect(counts).toHaveLength(bars);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(marks.get('fig2_curves_marks')).toBe(2);
  });

  it('Figure 2: the fitted mixture recovers the true one within the sampling error of 10,000 draws', () => {
    const { n, fitted, converged } = numbersOf<{ n: number; fitted: Mixture1D; converged: boolean }>(2);
    expect(converged).toBe(true);
    const t = TRUTH_1D;
    t.weights.forEach((w, k) => {
      const nk = n * w;
      const sd = t.sds[k] as number;
      // Standard errors with the labels known (the components barely overlap): a share's
      // √(π(1−π)/N), a mean's σ/√(Nπ), a standard deviation's σ/√(2Nπ); 4 of them allowed.
      expect(Math.abs((fitted.weights[k] as number) - w), `weight ${k + 1}`).toBeLessThan(4 * Math.sqrt((w * (1 - w)) / n));
      expect(Math.abs((fitted.means[k] as number) - (t.means[k] as number)), `mean ${k + 1}`).toBeLessThan((4 * sd) / Math.sqrt(nk));
      expect(Math.abs((fitted.sds[k] as number) - sd), `sd ${k + 1}`).toBeLessThan((4 * sd) / Math.sqrt(2 * nk));
    });
    // The caption states them next to the true ones.
    const caption = numbers[1]?.caption ?? '';
    expect(caption).toContain(`fitted π = ${(fitted.weights[0] as number).toFixed(3)}, μ = ${(fitted.means[0] as number).toFixed(3)}`);
    expect(caption).toContain(`(true π = ${t.weights[0]?.toFixed(3)}, μ = ${t.means[0]?.toFixed(3)}, σ = ${t.sds[0]?.toFixed(3)})`);
  });

  it.each([
    [3, 2],
    [4, 4],
  ])('Figure %i: hard K-means with K = %i, points coloured by cluster, centres marked with an X', (f, k) => {
    const s = svg(f);
    const marks = svgMarks(s);
    const fig = numbersOf<{ shown: number; k: number; centres: { x: number; y: number }[] }>(f);
    expect(fig.k).toBe(k);
    expect(marks.get(`fig${f}_points_marks`)).toBe(fig.shown);
    expect(marks.get(`fig${f}_centres_marks`)).toBe(k);
    // The X: a cross symbol turned by 45°.
    const centreGroup = /role-mark fig\d_centres_marks"[^>]*>(.*?)<\/g>/s.exec(s)?.[1] ?? '';
    expect(centreGroup.match(/rotate\(45\)/g)).toHaveLength(k);
    // K colours among the points.
    const pointGroup = /role-mark fig\d_points_marks"[^>]*>(.*?)<\/g>/s.exec(s)?.[1] ?? '';
    expect(new Set([...pointGroup.matchAll(/fill="(#[0-9a-f]{6})"/g)].map((m) => m[1])).size).toBe(k);
    if (k === FOUR_BLOBS.means.length) {
      // One centre per cluster: each true mean has a fitted centre near it.
      for (const [mx, my] of FOUR_BLOBS.means) expect(Math.min(...fig.centres.map((c) => Math.hypot(c.x - mx, c.y - my)))).toBeLessThan(0.2);
    }
  });

  it('Figure 5: one panel per iteration that KMeans reports through onIteration, from centres picked among the points', async () => {
    const s = svg(5);
    const marks = svgMarks(s);
    const fig = numbersOf<{ n: number; k: number; seed: number; startRows: number[]; start: number[][]; iterations: number; centres: { x: number; y: number }[][] }>(5);
    // The same run, counted here through the library's own report.
    const X = drawBlobs(FOUR_BLOBS, fig.n, fig.seed);
    fig.startRows.forEach((r, j) => expect(fig.start[j]).toEqual([X.data[2 * r], X.data[2 * r + 1]]));
    let reports = 0;
    await new KMeans({ nClusters: fig.k, init: fig.start, tol: 0, seed: 1 }).fit(X, {
      onIteration: () => {
        reports++;
      },
    });
    const panels = [...marks.keys()].filter((m) => /^fig5_iter\d+_points_marks$/.test(m));
    expect(reports).toBeGreaterThan(2);
    expect(panels).toHaveLength(reports);
    expect(fig.iterations).toBe(reports);
    for (let t = 1; t <= reports; t++) {
      expect(marks.get(`fig5_iter${t}_points_marks`)).toBe(fig.n);
      expect(marks.get(`fig5_iter${t}_centres_marks`)).toBe(fig.k);
      // The earlier centres: the start and every iteration before this one.
      expect(marks.get(`fig5_iter${t}_earlier_marks`)).toBe(fig.k * t);
      expect(marks.get(`fig5_iter${t}_paths_marks`)).toBe(fig.k);
    }
    // The centres stop moving: the last iteration leaves them where the one before put them.
    expect(fig.centres[reports - 1]).toEqual(fig.centres[reports - 2]);
    expect(fig.centres[0]).not.toEqual(fig.centres[1]);
    // Each iteration is one Lloyd step from the one before (a plain reference here): assign
    // every point to the nearest of the previous centres, move each centre to its points' mean.
    let previous = fig.start.map(([x, y]) => ({ x: x as number, y: y as number }));
    for (let t = 0; t < reports; t++) {
      const sums = previous.map(() => ({ x: 0, y: 0, n: 0 }));
      for (let r = 0; r < fig.n; r++) {
        const [px, py] = [X.data[2 * r] as number, X.data[2 * r + 1] as number];
        const d = previous.map((c) => (px - c.x) ** 2 + (py - c.y) ** 2);
        const s = sums[d.indexOf(Math.min(...d))] as { x: number; y: number; n: number };
        s.x += px;
        s.y += py;
        s.n++;
      }
      const centres = fig.centres[t] as { x: number; y: number }[];
      sums.forEach((s, j) => {
        expect(centres[j]?.x, `iteration ${t + 1}, centre ${j + 1}`).toBeCloseTo(s.x / s.n, 9);
        expect(centres[j]?.y, `iteration ${t + 1}, centre ${j + 1}`).toBeCloseTo(s.y / s.n, 9);
      });
      previous = centres;
    }
  });

  it.each([
    [6, 'Truth: two Gaussians'],
    [7, 'Truth: four clusters'],
  ])('Figure %i: the truth beside the four methods, every panel with its points', (f, truthTitle) => {
    const marks = svgMarks(svg(f));
    const panels = [...marks.keys()].filter((m) => m.endsWith('_points_marks'));
    expect(panels).toHaveLength(5);
    for (const p of panels) expect(marks.get(p)).toBe(2000);
    expect(svgTexts(svg(f))).toContain(truthTitle);
  });

  it('index.html (and index.md) show the seven pictures in order, each with its caption', () => {
    const page = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect([...page.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1])).toEqual(FIGURES.map((f) => `figure-${f}.svg`));
    for (const f of FIGURES) {
      const caption = /<figcaption>(.*?)<\/figcaption>/s.exec(page.slice(page.indexOf(`<figure id="figure-${f}">`)))?.[1] ?? '';
      expect(caption).toContain(`Figure ${f}.`);
      expect(caption.length).toBeGreaterThan(150);
    }
    // index.md: the same, for a repository's file view.
    const markdown = fs.readFileSync(path.join(dir, 'index.md'), 'utf8');
    expect([...markdown.matchAll(/^!\[Figure (\d)\]\(([^)]+)\)$/gm)].map((m) => [Number(m[1]), m[2]])).toEqual(FIGURES.map((f) => [f, `figure-${f}.svg`]));
  });

  it('the same command draws the same pictures (only the times differ)', async () => {
    const again = path.join(tmpdir(), 'again');
    const r = await run(['demo', '--out', again]);
    expect(r.code, r.stderr).toBe(0);
    const timeless = (s: string): string => s.replace(/\d+(\.\d+)? m?s\b/g, 'T');
    for (const f of FIGURES) {
      const a = fs.readFileSync(path.join(again, `figure-${f}.svg`), 'utf8');
      if (f <= 5) expect(a, `figure ${f}`).toBe(svg(f));
      else expect(timeless(a), `figure ${f}`).toBe(timeless(svg(f)));
    }
  });
});

describe('demo --png, and index.html in a browser', () => {
  const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((cmd) => spawnSync(cmd, ['--version']).status === 0);
  let dir: string;
  beforeAll(async () => {
    dir = tmpdir();
    const r = await run(['demo', '--out', dir, '--n', '2000', '--points', '300', '--png']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('--png writes every figure as a PNG too, at twice the size of its SVG, with its points drawn', () => {
    for (const f of FIGURES) {
      const image = decodePng(fs.readFileSync(path.join(dir, `figure-${f}.png`)));
      const [w, h] = svgSize(fs.readFileSync(path.join(dir, `figure-${f}.svg`), 'utf8'));
      expect([image.width, image.height], `figure ${f}`).toEqual([Math.round(w * PNG_SCALE), Math.round(h * PNG_SCALE)]);
      // Coloured curves, bars or points, not a blank picture.
      expect(colouredPerCell(image, 1, 1)[0], `figure ${f}`).toBeGreaterThan(2000);
    }
    // index.md shows the PNGs.
    expect(fs.readFileSync(path.join(dir, 'index.md'), 'utf8')).toContain('![Figure 7](figure-7.png)');
  });

  it.runIf(chromium || required)('headless Chromium loads all seven images of index.html', () => {
    expect(chromium, 'Chromium is not installed (apt-get install chromium)').toBeDefined();
    // The page itself, plus a script that reports, once everything has loaded, each image's
    // state; --dump-dom prints the document after the load event.
    const page = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    const probe = `<script>addEventListener('load', () => {
      const report = [...document.images].map((i) => i.getAttribute('src') + ':' + (i.complete && i.naturalWidth > 0 ? 'loaded' : 'broken'));
      document.body.dataset.images = report.join(' ');
    });</script>`;
    fs.writeFileSync(path.join(dir, 'probe.html'), page.replace('</body>', `${probe}</body>`));
    const out = spawnSync(chromium as string, ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=10000', '--dump-dom', `file://${path.join(dir, 'probe.html')}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status, out.stderr).toBe(0);
    const report = /<body data-images="([^"]*)"/.exec(out.stdout)?.[1];
    expect(report).toBe(FIGURES.map((f) => `figure-${f}.svg:loaded`).join(' '));
  });
});
