// The command's pictures in the renderers people open them with: the SVG in librsvg
// (rsvg-convert), in Chromium (headless) and in ImageMagick's own renderer (which stopped at
// Vega's solid-line dash pattern "1,0" and drew 1 of the demo's 10 panels), and --plot
// FILE.png as a real PNG drawn by resvg. The renderers are system programs: where they are missing the test is skipped,
// unless GAUSSMIX_REQUIRE_RENDERERS=1 (.ci/run sets it, and installs them).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { forEveryRenderer, PNG_SCALE, svgToPng } from '../cli/plot.js';
import { fixture, run, svgSize, tmpdir } from './cli.helpers.js';
import { colouredPerCell, decodePng, isPng, type Image } from './helpers/png.js';

const required = process.env.GAUSSMIX_REQUIRE_RENDERERS === '1';

/** The first of the commands that runs and says it is what we want, or undefined. */
function findTool(candidates: string[], versionArg: string, says: RegExp): string | undefined {
  return candidates.find((cmd) => {
    const r = spawnSync(cmd, [versionArg], { encoding: 'utf8' });
    return r.status === 0 && says.test(r.stdout);
  });
}
const rsvg = findTool(['rsvg-convert'], '--version', /rsvg-convert/);
// ImageMagick 7 is `magick`; Debian's 6 is convert-im6.q16 (a plain `convert` may be something else).
const magick = findTool(['magick', 'convert-im6.q16', 'convert'], '-version', /ImageMagick/);
const chromium = findTool(['chromium', 'chromium-browser', 'google-chrome'], '--version', /Chrom/);

/** Runs a renderer; fails the test on a non-zero exit. */
function render(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  expect(r.status, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stderr;
}

/** Every panel of the demo (2 rows of 5: truth and four methods) has its points drawn. */
function expectEveryDemoPanel(image: Image, renderer: string): void {
  const cells = colouredPerCell(image, 5, 2);
  cells.forEach((count, cell) => {
    expect(count, `${renderer}: panel ${cell + 1} of 10 has ${count} coloured pixels`).toBeGreaterThan(200);
  });
}

describe('the SVG without what stops ImageMagick', () => {
  it.each([
    ['1,0', ''],
    ['', ''],
    ['0', ''],
    ['2 0', ''],
    ['5,3', ' stroke-dasharray="5,3"'],
    ['4,0,2', ' stroke-dasharray="4,0,2"'],
  ])('stroke-dasharray="%s": dropped where it draws a solid line', (list, kept) => {
    expect(forEveryRenderer(`<path d="M0,0L1,1" stroke-dasharray="${list}" stroke="#222"/>`)).toBe(`<path d="M0,0L1,1"${kept} stroke="#222"/>`);
  });

  it("Vega's background and foreground paths lose their class; groups keep theirs", () => {
    const svg = '<g class="mark-group role-scope"><path class="background" d="M0,0h9v9h-9Z"/><path class="foreground" d=""/></g>';
    expect(forEveryRenderer(svg)).toBe('<g class="mark-group role-scope"><path d="M0,0h9v9h-9Z"/><path d=""/></g>');
  });
});

describe('the demo picture in every renderer', () => {
  let dir: string;
  let svgFile: string;
  beforeAll(async () => {
    dir = tmpdir();
    const r = await run(['demo', '--n', '2000', '--points', '300', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    svgFile = path.join(dir, 'demo.svg');
  });

  it('the SVG has both line styles of the ellipses, no dash pattern of a solid line, no classed path', () => {
    const svg = fs.readFileSync(svgFile, 'utf8');
    expect(svg).toContain('stroke-dasharray="5,3"');
    expect(svg).not.toMatch(/stroke-dasharray="(1,0|0|)"/);
    expect(svg).not.toMatch(/<path class=/);
  });

  it.runIf(rsvg || required)('librsvg (rsvg-convert) draws all 10 panels', () => {
    expect(rsvg, 'rsvg-convert is not installed (apt-get install librsvg2-bin)').toBeDefined();
    const png = path.join(dir, 'rsvg.png');
    render(rsvg as string, [svgFile, '-o', png]);
    expectEveryDemoPanel(decodePng(fs.readFileSync(png)), 'rsvg-convert');
  });

  it.runIf(magick || required)("ImageMagick's own renderer (MSVG) draws all 10 panels", () => {
    expect(magick, 'ImageMagick is not installed (apt-get install imagemagick libmagickcore-6.q16-6-extra fonts-urw-base35)').toBeDefined();
    const png = path.join(dir, 'magick.png');
    const stderr = render(magick as string, [`MSVG:${svgFile}`, `png32:${png}`]);
    expect(stderr).not.toMatch(/non-conforming drawing primitive/);
    expectEveryDemoPanel(decodePng(fs.readFileSync(png)), 'ImageMagick');
  });

  it.runIf(chromium || required)('Chromium (headless) draws all 10 panels', () => {
    expect(chromium, 'Chromium is not installed (apt-get install chromium)').toBeDefined();
    const png = path.join(dir, 'chromium.png');
    const [w, h] = svgSize(fs.readFileSync(svgFile, 'utf8'));
    render(chromium as string, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${Math.ceil(w)},${Math.ceil(h)}`, `--screenshot=${png}`, `file://${svgFile}`]);
    expectEveryDemoPanel(decodePng(fs.readFileSync(png)), 'Chromium');
  });

  it('resvg (what --plot FILE.png uses) draws all 10 panels, at twice the size', async () => {
    const svg = fs.readFileSync(svgFile, 'utf8');
    const image = decodePng(await svgToPng(svg));
    const [w, h] = svgSize(svg);
    expect([image.width, image.height]).toEqual([Math.round(w * PNG_SCALE), Math.round(h * PNG_SCALE)]);
    expectEveryDemoPanel(image, 'resvg');
  });
});

describe('--plot FILE.png', () => {
  const iris = fixture('iris.csv');
  let dir: string;
  beforeAll(() => {
    dir = tmpdir();
  });

  it('fit writes a PNG of the same picture as the SVG, at twice its size, with the points drawn', async () => {
    const args = ['fit', iris, '-k', '3', '--seed', '1', '-q', '--columns', 'petal_length,petal_width', '-o', path.join(dir, 'm.json')];
    const svgRun = await run([...args, '--plot', path.join(dir, 'fit.svg')]);
    const pngRun = await run([...args, '--plot', path.join(dir, 'fit.png')]);
    expect(svgRun.code, svgRun.stderr).toBe(0);
    expect(pngRun.code, pngRun.stderr).toBe(0);
    const bytes = fs.readFileSync(path.join(dir, 'fit.png'));
    expect(isPng(bytes)).toBe(true);
    const image = decodePng(bytes);
    const [w, h] = svgSize(fs.readFileSync(path.join(dir, 'fit.svg'), 'utf8'));
    expect([image.width, image.height]).toEqual([Math.round(w * PNG_SCALE), Math.round(h * PNG_SCALE)]);
    // 150 iris rows in three colours.
    expect(colouredPerCell(image, 1, 1)[0]).toBeGreaterThan(1000);
  });

  it('select writes the BIC chart as a PNG (the extension is not case-sensitive)', async () => {
    const file = path.join(dir, 'bic.PNG');
    const r = await run(['select', iris, '-k', '1..3', '-c', 'full,diag', '-q', '--plot', file]);
    expect(r.code, r.stderr).toBe(0);
    const image = decodePng(fs.readFileSync(file));
    // Two coloured lines (full, diag) and their points.
    expect(colouredPerCell(image, 1, 1)[0]).toBeGreaterThan(500);
  });

  it.each([
    ['fit', ['-k', '3']],
    ['select', ['-k', '1..2']],
  ])('%s --plot with another extension is a usage error before any fit', async (cmd, extra) => {
    const r = await run([cmd, iris, ...extra, '--plot', path.join(dir, 'x.jpg')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--plot FILE must end in .svg or .png, got '");
    expect(fs.existsSync(path.join(dir, 'x.jpg'))).toBe(false);
  });
});
