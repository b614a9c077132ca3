/**
 * A streamed fit holds O(batch + K·D² per thread) memory (API.md): 5,000,000 × 8 rows (320 MB
 * if materialised) stream through fitStream with a peak RSS rise under 64 MiB. In a child
 * process, so that its peak RSS is the fit's own. (Not under the sanitizers: their shadow
 * memory and quarantine are what RSS would measure.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

describe.skipIf(!!process.env.GAUSSMIX_SANITIZED)('fitStream memory', () => {
  it('5,000,000 × 8 rows stream with a peak RSS rise under 64 MiB', () => {
    const dist = path.resolve(__dirname, '..', 'dist', 'esm', 'index.js');
    expect(fs.existsSync(dist), 'the script loads dist/esm: run npm run build:ts').toBe(true);
    const script = path.resolve(__dirname, 'helpers', 'stream-peak-rss.mjs');
    const r = spawnSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, `exit status (stderr: ${r.stderr.slice(0, 300)})`).toBe(0);
    const { riseBytes, nIter, lowerBound } = JSON.parse(r.stdout) as { riseBytes: number; nIter: number; lowerBound: number };
    console.log(`[stream] 5M x 8 fitStream: peak RSS rise ${(riseBytes / 2 ** 20).toFixed(1)} MiB`);
    expect(nIter).toBe(2);
    expect(Number.isFinite(lowerBound)).toBe(true);
    expect(riseBytes).toBeLessThan(64 * 2 ** 20);
  }, 310_000);
});
