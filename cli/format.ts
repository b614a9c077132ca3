/** Number and table formatting for the terminal. */

/** A number with `digits` decimals, right-aligned in `width`. */
export function fixed(v: number, digits = 3, width = 0): string {
  const s = Number.isFinite(v) ? v.toFixed(digits) : String(v);
  return s.padStart(width);
}

/** Thousands separated, e.g. 10,000. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A vector as (a, b, c). */
export function vector(values: ArrayLike<number>, digits = 3): string {
  return `(${Array.from(values, (v) => fixed(v, digits)).join(', ')})`;
}

/** A square matrix (row-major) as [[a, b], [c, d]]. */
export function matrix(values: ArrayLike<number>, d: number, digits = 3): string {
  const rows: string[] = [];
  for (let i = 0; i < d; i++) rows.push(`[${Array.from({ length: d }, (_, j) => fixed(values[i * d + j] as number, digits)).join(', ')}]`);
  return `[${rows.join(', ')}]`;
}

/**
 * Columns two spaces apart; `align` has an 'l' or 'r' per column (default: the first left,
 * the others right).
 */
export function table(rows: string[][], align = 'l'): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  const left = (i: number): boolean => (align[i] ?? 'r') === 'l';
  const pad = (c: string, i: number): string => {
    const fill = ' '.repeat((widths[i] as number) - [...c].length);
    return left(i) ? c + fill : fill + c;
  };
  return rows.map((r) => r.map(pad).join('  ').trimEnd()).join('\n');
}

/** Milliseconds, readable. */
export function ms(t: number): string {
  return t < 10 ? `${t.toFixed(2)} ms` : t < 1000 ? `${t.toFixed(1)} ms` : `${(t / 1000).toFixed(2)} s`;
}
