/**
 * The demo's figures as files: each figure's picture (`figure-N.svg`, and `figure-N.png` when
 * asked), an `index.html` that shows them in order with their captions (readable offline: the
 * pictures are files beside it), the same as `index.md`, and `figures.json` with the numbers
 * behind every caption.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { renderSvg } from '../plot.js';

/** A Vega-Lite specification. */
export type Spec = Record<string, unknown>;

/** One of the founding document's figures, drawn by the demo. */
export interface Figure {
  /** 1 to 7, the document's numbering. */
  number: number;
  /** What the figure shows, in a few words (the picture's title and the page's heading). */
  title: string;
  /** The caption: what is drawn, the true parameters, the fitted ones, iterations and time. */
  caption: string[];
  /** A line under the picture's title (a legend of its marks), if any. */
  subtitle?: string;
  /** The picture, without a title (the title is `Figure N. title`). */
  spec: Spec;
  /** The picture's width in pixels, about: its title and subtitle are wrapped to it. */
  width: number;
  /** The numbers behind the caption, written to figures.json. */
  numbers: Record<string, unknown>;
}

/** The file name of a figure's picture. */
export function figureFile(number: number, ext: 'svg' | 'png'): string {
  return `figure-${number}.${ext}`;
}

const TITLE_SIZE = 15;
const SUBTITLE_SIZE = 12;

/**
 * Text broken into lines that fit `width` pixels by Vega's own estimate of text width without
 * a canvas (0.8 × font size per character), which sizes the picture: an unbroken long title
 * would widen it with blank space.
 */
export function wrap(text: string, width: number, fontSize: number): string[] {
  const max = Math.max(20, Math.floor(width / (0.8 * fontSize)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Escapes text for HTML. */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The page that shows the figures in order, a caption under each. */
export function indexPage(figures: Figure[], heading: string, lead: string): string {
  const body = figures
    .map(
      (f) => `<figure id="figure-${f.number}">
  <img src="${figureFile(f.number, 'svg')}" alt="Figure ${f.number}: ${html(f.title)}">
  <figcaption><strong>Figure ${f.number}. ${html(f.title)}.</strong> ${f.caption.map(html).join(' ')}</figcaption>
</figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(heading)}</title>
<style>
  body { font-family: system-ui, sans-serif; color: #222; max-width: 1500px; margin: 2em auto; padding: 0 1em; }
  figure { margin: 2.5em 0; }
  img { max-width: 100%; height: auto; }
  figcaption { max-width: 60em; line-height: 1.45; margin-top: 0.5em; }
  nav a { margin-right: 1em; }
</style>
</head>
<body>
<h1>${html(heading)}</h1>
<p>${html(lead)}</p>
<nav>${figures.map((f) => `<a href="#figure-${f.number}">Figure ${f.number}</a>`).join('')}</nav>
${body}
</body>
</html>
`;
}

/**
 * The same page in Markdown (index.md), for where HTML is not shown (a repository's file
 * view): the pictures as `ext` files.
 */
export function indexMarkdown(figures: Figure[], heading: string, lead: string, ext: 'svg' | 'png'): string {
  const sections = figures.map((f) => `## Figure ${f.number}. ${f.title}\n\n![Figure ${f.number}](${figureFile(f.number, ext)})\n\n${f.caption.join(' ')}\n`);
  return `# ${heading}\n\n${lead}\n\n${sections.join('\n')}`;
}

/** What {@link writeFigures} wrote. */
export interface Written {
  /** Every file, in order: the pictures, then index.html, index.md and figures.json. */
  files: string[];
  /** Milliseconds spent rendering each figure (SVG, and PNG when asked), by figure number. */
  renderMillis: Record<number, number>;
}

/**
 * Renders every figure to `DIR/figure-N.svg` (and `DIR/figure-N.png` with `toPng`, which turns
 * SVG text into PNG bytes), then writes `DIR/index.html`, `DIR/index.md` and `DIR/figures.json`.
 */
export async function writeFigures(
  outDir: string,
  figures: Figure[],
  page: { heading: string; lead: string },
  toPng?: (svg: string) => Promise<Uint8Array>,
): Promise<Written> {
  await fs.promises.mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const renderMillis: Record<number, number> = {};
  for (const f of figures) {
    const t0 = performance.now();
    const title = {
      text: wrap(`Figure ${f.number}. ${f.title}`, f.width, TITLE_SIZE),
      anchor: 'start',
      fontSize: TITLE_SIZE,
      ...(f.subtitle && { subtitle: wrap(f.subtitle, f.width, SUBTITLE_SIZE), subtitleFontSize: SUBTITLE_SIZE }),
    };
    const svg = await renderSvg({ ...f.spec, title });
    const svgFile = path.join(outDir, figureFile(f.number, 'svg'));
    await fs.promises.writeFile(svgFile, svg);
    files.push(svgFile);
    if (toPng) {
      const pngFile = path.join(outDir, figureFile(f.number, 'png'));
      await fs.promises.writeFile(pngFile, await toPng(svg));
      files.push(pngFile);
    }
    renderMillis[f.number] = performance.now() - t0;
  }
  const index = path.join(outDir, 'index.html');
  await fs.promises.writeFile(index, indexPage(figures, page.heading, page.lead));
  const markdown = path.join(outDir, 'index.md');
  await fs.promises.writeFile(markdown, indexMarkdown(figures, page.heading, page.lead, toPng ? 'png' : 'svg'));
  const numbers = path.join(outDir, 'figures.json');
  const json = figures.map((f) => ({ figure: f.number, file: figureFile(f.number, 'svg'), title: f.title, caption: f.caption.join(' '), ...f.numbers }));
  await fs.promises.writeFile(numbers, `${JSON.stringify(json, null, 2)}\n`);
  files.push(index, markdown, numbers);
  return { files, renderMillis };
}
