/**
 * Tests that compare thread counts must make every count real: the process-wide cap
 * (setMaxThreads, by default the machine's cores) bounds every call's threads, and a call never
 * uses more threads than it has row blocks (kBlockRows = 4096 rows each, native/core/types.h).
 * On a 2-core machine, "8 threads" on 12,000 rows is 2 threads; with the cap raised and
 * 8 blocks of rows it is 8.
 */
import { afterAll, beforeAll, expect } from 'vitest';

import { getMaxThreads, setMaxThreads } from '../../lib/index.js';

/** The rows of one block the native side hands to a thread (kBlockRows in native/core/types.h). */
export const BLOCK_ROWS = 4096;

/** The fewest rows that give `threads` threads a block each. */
export function rowsFor(threads: number): number {
  return (threads - 1) * BLOCK_ROWS + 1;
}

/**
 * In the calling describe block (or file): the process cap raised to `threads` for its tests,
 * restored to the default after them.
 */
export function raiseThreadCap(threads: number): void {
  beforeAll(() => {
    setMaxThreads(threads);
    expect(getMaxThreads()).toBe(threads);
  });
  afterAll(() => setMaxThreads(0));
}

/** Checks that n rows give every one of `threads` threads a block of its own. */
export function expectRealThreads(n: number, threads: number): void {
  expect(n, `${n} rows are fewer than ${threads} blocks of ${BLOCK_ROWS}: some threads would have nothing to do`).toBeGreaterThanOrEqual(rowsFor(threads));
  expect(getMaxThreads(), 'the process cap on threads').toBeGreaterThanOrEqual(threads);
}
