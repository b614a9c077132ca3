/** Assertions on the errors bad arguments throw. */
import { expect } from 'vitest';

import { ErrorCode } from '../../lib/index.js';

/**
 * Asserts that fn throws an error of class `cls` whose message contains every fragment, with
 * the code of a bad argument.
 */
export function expectError(fn: () => unknown, cls: new (...a: never[]) => Error, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(cls);
  const err = caught as Error & { code?: string };
  for (const f of fragments) expect(err.message).toContain(f);
  expect(err.code).toBe(ErrorCode.INVALID_ARGUMENT);
}
