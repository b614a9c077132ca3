// Shared by the CLI tests: run the built `gaussmix` command (cli/dist/gaussmix.js, made by
// scripts/build-ts.js, which test/global-setup.ts runs whenever lib/ or cli/ changed) in a child
// process, and read the marks of the SVG files it writes.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { DOMParser, type Element } from '@xmldom/xmldom';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bin = path.join(root, 'cli', 'dist', 'gaussmix.js');
export const fixture = (name: string): string => path.join(root, 'test', 'fixtures', 'cli', name);

if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run npm run build:ts first`);

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node [nodeArgs] gaussmix.js ...args`, optionally feeding stdin (env: added variables). */
export function run(
  args: string[],
  options: { input?: string | Buffer; cwd?: string; nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
      cwd: options.cwd ?? root,
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  });
}

/** A fresh temporary folder. */
export function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gaussmix-cli-'));
}

/**
 * Parses an SVG written by Vega (failing on any XML error) and counts, for every mark group
 * (`<g class="mark-... role-mark NAME_marks">`), its child elements: one per point or centre
 * of a symbol mark; a line mark is one group per line, so its count adds up the lines.
 */
export function svgMarks(svg: string): Map<string, number> {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level: string, message: string) => {
      errors.push(`${level}: ${message}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
  if (errors.length > 0) throw new Error(`SVG does not parse: ${errors.join('; ')}`);
  const root = doc.documentElement;
  if (!root || root.tagName !== 'svg') throw new Error('not an SVG document');
  const counts = new Map<string, number>();
  const groups = doc.getElementsByTagName('g');
  for (let i = 0; i < groups.length; i++) {
    const g = groups.item(i) as Element;
    const cls = (g.getAttribute('class') ?? '').split(/\s+/);
    if (!cls.includes('role-mark')) continue;
    const name = cls[cls.length - 1] as string;
    let children = 0;
    for (let c = g.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) children++;
    counts.set(name, (counts.get(name) ?? 0) + children);
  }
  return counts;
}

/** An SVG's size in pixels (Vega writes width and height on the root element). */
export function svgSize(svg: string): [number, number] {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('no width/height on <svg>');
  return [Number(m[1]), Number(m[2])];
}

/** The texts of an SVG's `<text>` elements. */
export function svgTexts(svg: string): string[] {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const texts = doc.getElementsByTagName('text');
  return Array.from({ length: texts.length }, (_, i) => texts.item(i)?.textContent ?? '');
}

/** CSV text as rows of fields (no quoting needed for what gaussmix writes). */
export function csvRows(text: string): string[][] {
  return text.trimEnd().split('\n').map((l) => l.split(','));
}
