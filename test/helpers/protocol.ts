/**
 * The fit protocol every estimator shares (lib/estimator.ts), as one suite run per estimator:
 * onIteration stopping and throwing, abort (already aborted, from onIteration, from a timer),
 * the busy guard, and "a failed call keeps the previous model".
 */
import { describe, expect, it } from 'vitest';

import { AbortError, ErrorCode, type DataInput, type FitOptions } from '../../lib/index.js';

/** What the suite needs of an estimator. */
export interface ProtocolModel {
  fit(X: DataInput, options?: FitOptions): Promise<unknown>;
  fitSync(X: DataInput, options?: FitOptions): unknown;
  predict(X: DataInput): Int32Array;
  toJSON(): unknown;
  readonly isFitted: boolean;
}

export interface ProtocolSetup {
  /** A fresh unfitted estimator (seeded) with at least 4 restarts' worth of nInit. */
  make(options?: { nInit?: number }): ProtocolModel;
  /** Data it fits in a few ms, over several iterations. */
  X: DataInput;
  /** An estimator and data whose fit takes well over 100 ms (it is aborted). */
  slow(): { model: ProtocolModel; data: DataInput };
}

export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

export function expectCode(err: unknown, cls: new (...a: never[]) => Error, code: string): void {
  expect(err).toBeInstanceOf(cls);
  expect((err as { code?: unknown }).code).toBe(code);
}

/** Everything fitted, to check that a failed call changed nothing. */
export function snapshot(model: ProtocolModel): unknown {
  return JSON.parse(JSON.stringify(model.toJSON())) as unknown;
}

/** Registers the protocol suite for one estimator. */
export function describeFitProtocol(name: string, setup: ProtocolSetup): void {
  const { make, X } = setup;

  describe(`${name}: fit protocol`, () => {
    it('after onIteration returns false it is not called again, even with restarts left', async () => {
      for (const run of [(m: ProtocolModel, o: FitOptions) => m.fitSync(X, o), (m: ProtocolModel, o: FitOptions) => m.fit(X, o)]) {
        const calls: string[] = [];
        await run(make({ nInit: 4 }), {
          onIteration: (i) => {
            calls.push(`${i.init}:${i.iter}`);
            return i.iter === 2 ? false : undefined;
          },
        });
        expect(calls).toEqual(['0:1', '0:2']);
      }
    });

    it('a throwing onIteration rejects (throws) with its error and keeps the old model', async () => {
      const model = make();
      model.fitSync(X);
      const before = snapshot(model);
      const boom = new Error('boom');
      let calls = 0;
      const thrower = () => {
        calls++;
        throw boom;
      };
      expect(await model.fit(X, { onIteration: thrower }).catch((e: unknown) => e)).toBe(boom);
      expect(calls).toBe(1);
      expect(caught(() => model.fitSync(X, { onIteration: thrower }))).toBe(boom);
      expect(snapshot(model)).toEqual(before);
      const fresh = make();
      expect(await fresh.fit(X, { onIteration: thrower }).catch((e: unknown) => e)).toBe(boom);
      expect(fresh.isFitted).toBe(false);
    });

    it('an already aborted signal rejects with AbortError without starting', async () => {
      const model = make();
      const ac = new AbortController();
      const reason = new Error('no');
      ac.abort(reason);
      let called = 0;
      const err = await model.fit(X, { signal: ac.signal, onIteration: () => void called++ }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AbortError);
      expect((err as AbortError).code).toBe('ABORT_ERR');
      expect((err as AbortError).cause).toBe(reason);
      expect(called).toBe(0);
      expect(model.isFitted).toBe(false);
      expect(() => model.fitSync(X, { signal: ac.signal })).toThrow(AbortError);
    });

    it('aborting from onIteration rejects (throws) with AbortError and keeps the old model', async () => {
      const model = make();
      model.fitSync(X);
      const before = snapshot(model);
      const abortAt2 = () => {
        const ac = new AbortController();
        return { signal: ac.signal, onIteration: (i: { iter: number }) => void (i.iter === 2 && ac.abort()) };
      };
      await expect(model.fit(X, abortAt2())).rejects.toBeInstanceOf(AbortError);
      expect(snapshot(model)).toEqual(before);
      // fitSync: an abort from inside the callback is the only way to stop it.
      expect(() => model.fitSync(X, abortAt2())).toThrow(AbortError);
      expect(snapshot(model)).toEqual(before);
    });

    it('aborting from a timer cancels a long fit', async () => {
      const { model, data } = setup.slow();
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 30);
      await expect(model.fit(data, { signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
      expect(model.isFitted).toBe(false);
    });

    it('a second fit while one runs is rejected with ERR_GAUSSMIX_BUSY; free again afterwards', async () => {
      const { model, data } = setup.slow();
      const ac = new AbortController();
      const first = model.fit(data, { signal: ac.signal });
      expectCode(await model.fit(X).catch((e: unknown) => e), Error, ErrorCode.BUSY);
      expectCode(caught(() => model.fitSync(X)), Error, ErrorCode.BUSY);
      // Predictions during a fit see the previous (here: no) model.
      expectCode(caught(() => model.predict(X)), Error, ErrorCode.NOT_FITTED);
      ac.abort();
      await expect(first).rejects.toBeInstanceOf(AbortError);
      // (One iteration: the slow model's options may never converge on X.)
      await expect(model.fit(X, { onIteration: () => false })).resolves.toBe(model);
    });
  });
}

/** A model's JSON, mutable, as the corruption cases see it. */
export type MutableJSON = { kind: string; state: Record<string, unknown>; options: Record<string, unknown> };

/** A corruption of a model's JSON, and the error class and message it must be rejected with. */
export type Corruption = [(json: MutableJSON) => void, new (...a: never[]) => Error, RegExp];

/**
 * Applies each corruption to a fresh copy of `model`'s JSON and checks that `fromJSON` rejects
 * it with the given class and a message matching the pattern and naming `where`.
 */
export function expectCorruptionsRejected(model: ProtocolModel, fromJSON: (j: unknown) => unknown, where: string, cases: Corruption[]): void {
  for (const [mutate, cls, re] of cases) {
    const j = JSON.parse(JSON.stringify(model.toJSON())) as MutableJSON;
    mutate(j);
    const err = caught(() => fromJSON(j));
    expect(err, String(re)).toBeInstanceOf(cls);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).toContain(where);
  }
}
