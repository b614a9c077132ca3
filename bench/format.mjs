// Numbers for the sections' tables.

/** The median of xs (the mean of the middle two for an even count). */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** x to `digits` decimals, or – when it is not a finite number. */
export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
/** A speed ratio, 12.3×. */
export const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(1)}×` : '–');
