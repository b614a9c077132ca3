/**
 * Statistics.fromBuffer on hostile bytes (issue 15): truncations, extensions, bit flips and
 * random bytes of valid encodings never crash the process and always reject with a RangeError
 * (or TypeError for a non-Uint8Array) whose message says what is wrong; valid bytes round-trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { GaussianMixture, SoftKMeans, Statistics, type CovarianceType } from '../lib/index.js';
import { sampleMixture, THREE_CLUSTERS } from './helpers/random.js';

const N = 5000;
const { data } = sampleMixture(5, THREE_CLUSTERS, N);
const X = { data, shape: [N, 3] };

const valid: Uint8Array[] = [];
for (const type of ['full', 'tied', 'diag', 'spherical'] as CovarianceType[]) {
  valid.push(new GaussianMixture({ nComponents: 3, covarianceType: type, seed: 1, maxIter: 2 }).fitSync(X).statistics(X).toBuffer());
}
valid.push(new SoftKMeans({ nClusters: 2, seed: 1, maxIter: 2 }).fitSync(X).statistics(X).toBuffer());

/** fromBuffer either reads the bytes or throws a RangeError with a message. */
function readOrReject(bytes: Uint8Array): void {
  try {
    const s = Statistics.fromBuffer(bytes);
    // What it read re-encodes to the same bytes (the encoding is canonical).
    expect(Array.from(s.toBuffer())).toEqual(Array.from(bytes));
  } catch (err) {
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/statistics/);
  }
}

describe('Statistics.fromBuffer on hostile input', () => {
  it('valid encodings round-trip', () => {
    for (const v of valid) expect(Array.from(Statistics.fromBuffer(v).toBuffer())).toEqual(Array.from(v));
  });

  it('every truncation is a RangeError naming the problem', () => {
    for (const v of valid) {
      for (let len = 0; len < v.length; len += Math.max(1, Math.floor(v.length / 300))) {
        expect(() => Statistics.fromBuffer(v.subarray(0, len))).toThrow(RangeError);
      }
    }
  });

  it('bytes after the end are a RangeError', () => {
    const v = valid[0] as Uint8Array;
    const longer = new Uint8Array(v.length + 3);
    longer.set(v);
    expect(() => Statistics.fromBuffer(longer)).toThrow(/bytes follow|not valid/);
  });

  it('random bit flips, splices and byte strings never crash', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.option(fc.nat()),
        (which, edits, cut) => {
          const bytes = (valid[which] as Uint8Array).slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          readOrReject(cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => readOrReject(bytes)),
      { numRuns: 2000, seed: 43 },
    );
  });

  it('headers claiming huge sizes are rejected without allocating them', () => {
    const v = (valid[0] as Uint8Array).slice();
    const view = new DataView(v.buffer);
    view.setUint32(12, 0xffffffff, true); // K
    expect(() => Statistics.fromBuffer(v)).toThrow(/too large|truncated/);
    const w = (valid[0] as Uint8Array).slice();
    new DataView(w.buffer).setUint32(16, 1 << 30, true); // D
    expect(() => Statistics.fromBuffer(w)).toThrow(/too large|truncated/);
  });

  it('a non-Uint8Array is a TypeError', () => {
    expect(() => Statistics.fromBuffer([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
  });
});
