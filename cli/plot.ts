/**
 * Pictures: Vega-Lite specifications compiled to Vega and rendered headless to SVG (no canvas,
 * no browser), and from SVG to PNG by resvg. The marks are named so that the SVG can be
 * checked: every panel's points are in a group of class `ID_points_marks` (ID naming the
 * panel), its covariance ellipses (one path each) in `ID_ellipses_marks`, its centres in
 * `ID_centres_marks`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { UsageError } from './args.js';
import type { Fitted } from './models.js';

/** Tableau 10: the component colours. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const RGB = PALETTE.map(hexToRgb);

/** The colour of component k (cycling after ten). */
export function colour(k: number): string {
  return PALETTE[k % PALETTE.length] as string;
}

/**
 * A soft assignment's colour: the component colours mixed in proportion to the
 * responsibilities (`order` maps a component to its colour index).
 */
export function blend(resp: ArrayLike<number>, order: ArrayLike<number>): string {
  let r = 0;
  let g = 0;
  let b = 0;
  for (let k = 0; k < resp.length; k++) {
    const c = RGB[(order[k] as number) % RGB.length] as [number, number, number];
    const w = resp[k] as number;
    r += w * c[0];
    g += w * c[1];
    b += w * c[2];
  }
  const hex = (v: number): string => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0');
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

export interface PointDatum {
  x: number;
  y: number;
  /** The fill colour. */
  c: string;
}

export interface EllipseDatum {
  x: number;
  y: number;
  /** Which ellipse (one path each). */
  e: string;
  /** '1σ' or '2σ'. */
  level: string;
  /** The order along the outline. */
  t: number;
}

/**
 * The 1σ and 2σ ellipses of a 2-D Gaussian with mean (mx, my) and covariance [[a, b], [b, c]]:
 * the axes come from the eigen-decomposition of the 2×2 covariance (plotting geometry).
 */
export function ellipses(id: string, mx: number, my: number, [a, b, c]: [number, number, number], steps = 72): EllipseDatum[] {
  const half = (a + c) / 2;
  const root = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  const l1 = Math.max(half + root, 0);
  const l2 = Math.max(half - root, 0);
  const theta = 0.5 * Math.atan2(2 * b, a - c);
  const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
  const out: EllipseDatum[] = [];
  for (const s of [1, 2]) {
    for (let t = 0; t <= steps; t++) {
      const phi = (2 * Math.PI * t) / steps;
      const u = s * Math.sqrt(l1) * Math.cos(phi);
      const v = s * Math.sqrt(l2) * Math.sin(phi);
      out.push({ x: mx + u * cos - v * sin, y: my + u * sin + v * cos, e: `${id}:${s}`, level: `${s}σ`, t });
    }
  }
  return out;
}

export interface PanelInput {
  /** A name unique in the picture (Vega-Lite shares the data of marks with the same name). */
  id: string;
  title: string;
  subtitle?: string;
  points: PointDatum[];
  ellipses: EllipseDatum[];
  centres: { x: number; y: number }[];
  xTitle: string;
  yTitle: string;
  xDomain: [number, number];
  yDomain: [number, number];
  width?: number;
  height?: number;
}

type Spec = Record<string, unknown>;

/** One scatter panel: points, then ellipses, then centres on top. */
export function panel(p: PanelInput): Spec {
  const x = { field: 'x', type: 'quantitative', title: p.xTitle, scale: { domain: p.xDomain, nice: false, zero: false } };
  const y = { field: 'y', type: 'quantitative', title: p.yTitle, scale: { domain: p.yDomain, nice: false, zero: false } };
  const layer: Spec[] = [
    {
      name: `${p.id}_points`,
      data: { values: p.points },
      mark: { type: 'circle', size: Math.max(4, Math.min(30, 600 / Math.sqrt(Math.max(1, p.points.length)))), opacity: 0.75, clip: true, aria: false },
      encoding: { x, y, color: { field: 'c', type: 'nominal', scale: null } },
    },
  ];
  if (p.ellipses.length > 0) {
    layer.push({
      name: `${p.id}_ellipses`,
      data: { values: p.ellipses },
      mark: { type: 'line', color: '#222', strokeWidth: 1.3, clip: true, aria: false },
      encoding: {
        x,
        y,
        detail: { field: 'e', type: 'nominal' },
        order: { field: 't', type: 'quantitative' },
        strokeDash: { field: 'level', type: 'nominal', scale: { domain: ['1σ', '2σ'], range: [[1, 0], [5, 3]] }, legend: null },
      },
    });
  }
  layer.push({
    name: `${p.id}_centres`,
    data: { values: p.centres },
    mark: { type: 'point', shape: 'cross', size: 140, filled: true, color: '#111', stroke: 'white', strokeWidth: 0.8, clip: true, aria: false },
    encoding: { x, y },
  });
  const title: Spec = { text: p.title, fontSize: 13 };
  if (p.subtitle) title.subtitle = p.subtitle;
  return { title, width: p.width ?? 240, height: p.height ?? 240, layer };
}

/**
 * The panel of a fitted model in dimensions (i, j) of the rows in `X` (row-major, D columns):
 * points coloured by assignment (blended by responsibility when the model is soft), centres,
 * and 1σ and 2σ ellipses where the model has covariances. `order[k]` is the colour of
 * component k.
 */
export function modelPanel(
  fitted: Fitted,
  X: Float64Array,
  rows: number,
  i: number,
  j: number,
  base: Omit<PanelInput, 'points' | 'ellipses' | 'centres'>,
  order: ArrayLike<number> = Array.from({ length: fitted.k }, (_, k) => k),
): PanelInput {
  const d = fitted.d;
  const view = { data: X.subarray(0, rows * d), shape: [rows, d] };
  const points: PointDatum[] = new Array(rows);
  if (fitted.soft && fitted.estimator.predictProba) {
    const P = fitted.estimator.predictProba(view).data;
    const k = fitted.k;
    for (let r = 0; r < rows; r++) {
      points[r] = { x: X[r * d + i] as number, y: X[r * d + j] as number, c: blend(P.subarray(r * k, r * k + k), order) };
    }
  } else {
    const labels = fitted.estimator.predict(view);
    for (let r = 0; r < rows; r++) {
      points[r] = { x: X[r * d + i] as number, y: X[r * d + j] as number, c: colour(order[labels[r] as number] as number) };
    }
  }
  const ell: EllipseDatum[] = [];
  const centres: { x: number; y: number }[] = [];
  for (let k = 0; k < fitted.k; k++) {
    const mx = fitted.centres[k * d + i] as number;
    const my = fitted.centres[k * d + j] as number;
    centres.push({ x: mx, y: my });
    const cov = fitted.covariance2(k, i, j);
    if (cov) ell.push(...ellipses(String(k), mx, my, cov));
  }
  return { ...base, points, ellipses: ell, centres };
}

/** A domain covering the values with a margin. */
export function domain(values: ArrayLike<number>, stride = 1, offset = 0, margin = 0.05): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let n = offset; n < values.length; n += stride) {
    const v = values[n] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return [lo - 1, hi + 1];
  const pad = (hi - lo) * margin;
  return [lo - pad, hi + pad];
}

/** Widens the narrower of two ranges to the span of the other, about its middle. */
export function square(x: [number, number], y: [number, number]): [[number, number], [number, number]] {
  const span = Math.max(x[1] - x[0], y[1] - y[0]);
  const widen = ([lo, hi]: [number, number]): [number, number] => [(lo + hi - span) / 2, (lo + hi + span) / 2];
  return [widen(x), widen(y)];
}

/** The rows to draw: every row, or an evenly spaced subset of `max` of them. */
export function plotRows(rows: number, max: number): number[] {
  if (rows <= max) return Array.from({ length: rows }, (_, r) => r);
  return Array.from({ length: max }, (_, n) => Math.floor((n * rows) / max));
}

/** Copies the chosen rows of a row-major matrix. */
export function takeRows(X: Float64Array, d: number, rows: number[]): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, n) => out.set(X.subarray(r * d, r * d + d), n * d));
  return out;
}

/**
 * Vega's SVG made drawable by ImageMagick's own renderer as well as by browsers and librsvg
 * (the picture is the same in those). ImageMagick stops drawing, and leaves the rest of the
 * picture blank, at
 * - a dash pattern with a zero length: Vega writes `stroke-dasharray="1,0"` for the solid lines
 *   of a dashed encoding. A pattern whose gaps are all 0 (or that is empty) is a solid line,
 *   which is what no attribute draws;
 * - the `class` of Vega's group background and foreground paths (a hundred of them in the
 *   demo: "vector graphics nested too deeply"). Nothing styles them by class.
 */
export function forEveryRenderer(svg: string): string {
  return svg
    .replace(/ stroke-dasharray="([^"]*)"/g, (attribute, list: string) => {
      const values = list.split(/[\s,]+/).filter(Boolean).map(Number);
      // An odd-length list repeats to an even one: [a, b, c] draws a, gap b, c, gap a, ...
      const pattern = values.length % 2 === 1 ? [...values, ...values] : values;
      return pattern.every((v, i) => i % 2 === 0 || v === 0) ? '' : attribute;
    })
    .replace(/<path class="(?:background|foreground)" /g, '<path ');
}

/** Compiles a Vega-Lite spec and renders it to SVG, headless. */
export async function renderSvg(spec: Spec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', ...spec };
  const compiled = vl.compile(full as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = forEveryRenderer(await view.toSVG());
    // Pixel positions with two decimals are exact enough and keep big scatter plots small.
    return svg.replace(/translate\((-?[\d.]+(?:e-?\d+)?),(-?[\d.]+(?:e-?\d+)?)\)/g, (_, a: string, b: string) => `translate(${+(+a).toFixed(2)},${+(+b).toFixed(2)})`);
  } finally {
    view.finalize();
  }
}

/** The formats a picture is written in. */
export type PlotFormat = 'svg' | 'png';

/** The format a --plot FILE asks for, by its extension (.svg or .png; any other is a usage error). */
export function plotFormat(file: string, command: string): PlotFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.svg' || ext === '.png') return ext === '.svg' ? 'svg' : 'png';
  throw new UsageError(`--plot FILE must end in .svg or .png, got '${file}'`, command);
}

/** PNG pixels per SVG pixel: twice, for sharp text and points on high-density screens. */
export const PNG_SCALE = 2;

/**
 * Vega's generic `sans-serif` spelled as a list of common sans families: resvg maps the generic
 * name to one family only (Arial), and where that is missing draws the text in a serif face.
 */
// (Names unquoted: resvg skips quoted ones in a list.)
const SANS_FAMILIES = 'Arial, Helvetica, Liberation Sans, DejaVu Sans, Nimbus Sans, sans-serif';

/** Renders SVG text to a PNG image with resvg (its fonts: the system's). */
export async function svgToPng(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const sans = svg.replace(/font-family="sans-serif"/g, `font-family="${SANS_FAMILIES}"`);
  const image = new Resvg(sans, { fitTo: { mode: 'zoom', value: PNG_SCALE }, font: { loadSystemFonts: true } }).render();
  return image.asPng();
}

/** Renders a spec and writes it as SVG, or as PNG when the file ends in .png (creating its folder). */
export async function writePlot(file: string, spec: Spec): Promise<void> {
  const svg = await renderSvg(spec);
  const bytes = path.extname(file).toLowerCase() === '.png' ? await svgToPng(svg) : svg;
  await fs.promises.writeFile(file, bytes);
}

/** BIC (or AIC) against K, one line per covariance type, the best cell ringed. */
export function criterionChart(
  rows: { type: string; k: number; value: number }[],
  types: string[],
  best: { type: string; k: number; value: number } | undefined,
  criterion: string,
  title: string,
): Spec {
  const x = { field: 'k', type: 'quantitative', title: 'K (components)', axis: { tickMinStep: 1 } };
  const y = { field: 'value', type: 'quantitative', title: `${criterion} (lower is better)`, scale: { zero: false } };
  // Up to ten types, the palette; beyond (mclust's 14 models), twenty colours and a symbol per
  // type as well, as mclust's BIC plot tells its models apart.
  const many = types.length > PALETTE.length;
  const color = { field: 'type', type: 'nominal', title: 'covariance', scale: many ? { domain: types, scheme: 'category20' } : { domain: types, range: PALETTE } };
  const shape = { field: 'type', type: 'nominal', title: 'covariance', scale: { domain: types } };
  const layer: Spec[] = [
    { name: 'lines', data: { values: rows }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color, detail: { field: 'type' } } },
    { name: 'cells', data: { values: rows }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y, color, ...(many && { shape }) } },
  ];
  if (best) {
    layer.push({
      name: 'best',
      data: { values: [best] },
      mark: { type: 'point', shape: 'circle', size: 420, filled: false, color: 'black', strokeWidth: 2 },
      encoding: { x, y },
    });
  }
  return { title: { text: title, ...(best && { subtitle: `best (ringed): ${best.type}, K = ${best.k}` }) }, width: 520, height: 320, layer };
}
