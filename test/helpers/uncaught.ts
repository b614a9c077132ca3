/**
 * Errors the library re-throws on the next tick (as an event listener's would be), captured
 * instead of reaching the test runner as uncaught exceptions.
 */

/**
 * Runs `body` with process.nextTick's callbacks guarded: what they throw is collected in the
 * returned array (the callbacks queued by `body` run before it resolves).
 */
export async function captureNextTickErrors(body: () => unknown): Promise<unknown[]> {
  const errors: unknown[] = [];
  const original = process.nextTick;
  process.nextTick = ((fn: (...args: unknown[]) => void, ...args: unknown[]) =>
    original(() => {
      try {
        fn(...args);
      } catch (err) {
        errors.push(err);
      }
    })) as typeof process.nextTick;
  try {
    await body();
  } finally {
    process.nextTick = original;
  }
  await new Promise((resolve) => setImmediate(resolve));
  return errors;
}
