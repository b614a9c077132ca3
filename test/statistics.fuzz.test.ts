/**
 * Statistics.fromBuffer on hostile bytes (issue 15): truncations, extensions, bit flips and
 * random bytes of valid encodings never crash the process and always reject with a RangeError
 * (or TypeError for a non-Uint8Array) whose message says what is wrong; valid bytes round-trip.
 * Every encoding ends with a CRC-32 of the bytes before it: any changed byte is refused, and the
 * fuzzing also re-seals the edited bytes so that the parser's own checks meet them.
 */
import { createRequire } from 'node:module';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import * as here from '../lib/index.js';
import { GaussianMixture, KMeans, KMeansStatistics, MixtureStatistics, SoftKMeans, Statistics, type CovarianceType } from '../lib/index.js';
import { sampleMixture, THREE_CLUSTERS } from './helpers/random.js';

const N = 5000;
const { data } = sampleMixture(5, THREE_CLUSTERS, N);
const X = { data, shape: [N, 3] };

const valid: Uint8Array[] = [];
for (const type of ['full', 'tied', 'diag', 'spherical'] as CovarianceType[]) {
  valid.push(new GaussianMixture({ nComponents: 3, covarianceType: type, seed: 1, maxIter: 2 }).fitSync(X).statistics(X).toBuffer());
}
valid.push(new SoftKMeans({ nClusters: 2, seed: 1, maxIter: 2 }).fitSync(X).statistics(X).toBuffer());
valid.push(new KMeans({ nClusters: 3, seed: 1, maxIter: 2 }).fitSync(X).statistics(X).toBuffer());

/** CRC-32 (IEEE, zlib's) of bytes. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The bytes with their last four replaced by the CRC-32 of the rest (as an encoder would end them). */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length >= 4) new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

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
          const edited = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
          readOrReject(edited);
          readOrReject(reseal(edited));
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
    expect(() => Statistics.fromBuffer(reseal(v))).toThrow(/too large|truncated/);
    const w = (valid[0] as Uint8Array).slice();
    new DataView(w.buffer).setUint32(16, 1 << 30, true); // D
    expect(() => Statistics.fromBuffer(reseal(w))).toThrow(/too large|truncated/);
  });

  it('the checksum: the last four bytes are the CRC-32 of the rest; any changed byte is refused', () => {
    for (const v of valid) {
      expect(new DataView(v.buffer, v.byteOffset).getUint32(v.length - 4, true)).toBe(crc32(v.subarray(0, v.length - 4)));
      // A value's last bit, which no field's range can catch (one sum of the statistics).
      for (const at of [v.length - 12, Math.floor(v.length / 2), 40]) {
        const bad = v.slice();
        bad[at] = (bad[at] as number) ^ 1;
        expect(() => Statistics.fromBuffer(bad)).toThrow(/checksum does not match/);
      }
    }
    // Another format version says so (before the checksum).
    const old = (valid[0] as Uint8Array).slice();
    old[4] = 1;
    expect(() => Statistics.fromBuffer(old)).toThrow(/format version 1 \(this build reads version 2\)/);
  });

  it('a mixture centre that is not finite is a RangeError naming the centres, even resealed', () => {
    for (const v of valid.slice(0, -1)) {
      for (const value of [NaN, Infinity, -Infinity]) {
        const bad = v.slice();
        new DataView(bad.buffer).setFloat64(36 + 8, value, true); // centre 0, feature 1 (header: 36 bytes)
        expect(() => Statistics.fromBuffer(reseal(bad))).toThrow(
          expect.objectContaining({
            name: 'RangeError',
            message: `not valid gaussmix statistics: the centres are not all finite (centre 0, feature 1 is ${value})`,
          }) as Error,
        );
      }
    }
    // K-means statistics refuse them natively.
    const km = (valid[valid.length - 1] as Uint8Array).slice();
    new DataView(km.buffer).setFloat64(36, NaN, true);
    expect(() => Statistics.fromBuffer(reseal(km))).toThrow(/centres are not all finite/);
  });

  it('a finite but huge centre reads; the M-step refuses the non-finite means it gives', () => {
    const sk = new SoftKMeans({ nClusters: 2, seed: 1, maxIter: 2 }).fitSync(X);
    const before = sk.toJSON();
    const bytes = sk.statistics(X).toBuffer();
    new DataView(bytes.buffer).setFloat64(36, 1e308, true);
    const stats = Statistics.fromBuffer(reseal(bytes)) as MixtureStatistics;
    expect(() => sk.maximise(stats)).toThrow(
      expect.objectContaining({ code: 'ERR_GAUSSMIX_ILL_CONDITIONED', component: 0, message: expect.stringMatching(/^SoftKMeans\.maximise: the M-step gave non-finite centres \(component 0\)/) as string }) as Error,
    );
    expect(sk.toJSON()).toEqual(before);
  });

  it("a family's fromBuffer reads only its own family's bytes", () => {
    const kmeansBytes = valid[valid.length - 1] as Uint8Array;
    expect(Statistics.fromBuffer(kmeansBytes)).toBeInstanceOf(KMeansStatistics);
    expect(KMeansStatistics.fromBuffer(kmeansBytes)).toBeInstanceOf(KMeansStatistics);
    expect(() => MixtureStatistics.fromBuffer(kmeansBytes)).toThrow(/MixtureStatistics\.fromBuffer: the bytes are KMeansStatistics/);
    expect(() => KMeansStatistics.fromBuffer(valid[0] as Uint8Array)).toThrow(RangeError);
  });

  it('a non-Uint8Array is a TypeError', () => {
    expect(() => Statistics.fromBuffer([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

// The package's ES-module and CommonJS builds may both be loaded in one process, each with its
// own classes. Here lib/ (the sources) and dist/cjs (the CommonJS build of them; test/global-setup
// builds it) play the two builds. (Before: "Expected mixture statistics for later but received
// an instance of MixtureStatistics".)
describe("statistics of the package's other build", () => {
  const other = createRequire(import.meta.url)('../dist/cjs/index.js') as typeof here;
  const rows = { data: data.subarray(0, 600 * 3), shape: [600, 3] };
  const kinds = {
    GaussianMixture: (g: typeof here) => new g.GaussianMixture({ nComponents: 3, seed: 1, maxIter: 3 }),
    KMeans: (g: typeof here) => new g.KMeans({ nClusters: 3, seed: 1, maxIter: 3 }),
    SoftKMeans: (g: typeof here) => new g.SoftKMeans({ nClusters: 3, seed: 1, maxIter: 3 }),
    BayesianGaussianMixture: (g: typeof here) => new g.BayesianGaussianMixture({ nComponents: 3, seed: 1, maxIter: 3 }),
  };

  it.each(Object.keys(kinds) as (keyof typeof kinds)[])('%s: merge and maximise take them, as their own build does', (kind) => {
    const make = kinds[kind];
    const mine = make(here).fitSync(rows);
    const theirs = make(other).fitSync(rows);
    expect(theirs.statistics(rows)).not.toBeInstanceOf(Statistics);
    const bytes = (s: { toBuffer(): Uint8Array }) => Array.from(s.toBuffer());
    const merged = bytes(mine.statistics(rows).merge(mine.statistics(rows)));
    expect(bytes(mine.statistics(rows).merge(theirs.statistics(rows)))).toEqual(merged);
    expect(bytes(theirs.statistics(rows).merge(mine.statistics(rows) as never))).toEqual(merged);
    const reference = make(here).fitSync(rows).maximise(mine.statistics(rows));
    expect(mine.maximise(theirs.statistics(rows)).toJSON()).toEqual(reference.toJSON());
  });

  it('an object merely claiming to be statistics is read through its bytes, and refused', () => {
    const forged = { [Symbol.for('gaussmix.Statistics')]: true, toBuffer: () => new Uint8Array(10) };
    const model = new KMeans({ nClusters: 3, seed: 1, maxIter: 2 }).fitSync(X);
    expect(() => model.maximise(forged as never)).toThrow(/not valid gaussmix statistics/);
    expect(() => model.maximise({ toBuffer: () => valid[0] } as never)).toThrow(TypeError);
  });
});
