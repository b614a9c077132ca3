/**
 * MiniBatchKMeans.partialFit against scikit-learn 1.2.1 (scripts/make_minibatch_fixtures.py):
 * sequences of partial_fit calls on batches given explicitly, from explicit starting centres.
 *
 * What is compared, and how:
 * - counts (the weight each centre absorbed), exactly; the centres, exactly: a step's update
 *   (c·count + Σ w·x in row order, times 1/(count + Σ w)) is scikit-learn's arithmetic in its
 *   order, so float64 gives the same bits.
 * - labels, exactly; inertia (under the centres after the step, as partial_fit's inertia_) to
 *   1e-12 relative: scikit-learn sums the distances in another order (an unrolled loop and
 *   per-thread partial sums).
 * - the reassignment counter (rows since the last check), exactly, through toJSON.
 * - with reassignment, only what is deterministic: which centres move (the same mask), their
 *   counts afterwards, and the centres that do not move (exact); each moved centre is a
 *   distinct row of its batch (the row itself is a random draw, from another generator than
 *   scikit-learn's). Labels and inertia of that step depend on the draw and are not compared;
 *   the fixtures end at the first step that moves a centre.
 */
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { MiniBatchKMeans } from '../lib/index.js';
import { expectClose, expectIdentical } from './helpers/compare.js';
import { FIXTURE_DIR } from './helpers/fixtures.js';

interface Step {
  rows: [number, number];
  clusterCenters: number[][];
  counts: number[];
  labels: number[];
  inertia: number;
  moved: boolean[];
  sinceReassign: number;
}
interface Fixture {
  X: number[][];
  sampleWeight: number[] | null;
  init: number[][];
  reassignmentRatio: number;
  batchSize: number;
  steps: Step[];
}

const NAMES = [
  'minibatch_partial',
  'minibatch_partial_weighted',
  'minibatch_partial_checks',
  'minibatch_reassign_far',
  'minibatch_reassign_many',
  'minibatch_reassign_later',
];

function load(name: string): Fixture {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, `${name}.json`), 'utf8')) as Fixture;
}

describe('MiniBatchKMeans.partialFit matches scikit-learn 1.2.1', () => {
  for (const name of NAMES) {
    it(name, () => {
      const f = load(name);
      const k = f.init.length;
      const model = new MiniBatchKMeans({
        nClusters: k,
        init: f.init,
        nInit: 1,
        seed: 3,
        reassignmentRatio: f.reassignmentRatio,
        batchSize: f.batchSize,
      });
      let sawMove = false;
      for (const [i, step] of f.steps.entries()) {
        const [a, b] = step.rows;
        const batch = f.X.slice(a, b);
        const sampleWeight = f.sampleWeight?.slice(a, b);
        model.partialFit(batch, sampleWeight ? { sampleWeight } : undefined);
        const what = `${name} step ${i + 1}`;
        expectIdentical(model.counts, Float64Array.from(step.counts), `${what} counts`);
        expect(model.toJSON().state?.sinceReassign, `${what} sinceReassign`).toBe(step.sinceReassign);
        const centres = model.clusterCenters.data;
        const moved = step.moved.some((m) => m);
        const seen = new Set<number>();
        for (let c = 0; c < k; c++) {
          const row = Array.from(centres.subarray(c * f.init[0]!.length, (c + 1) * f.init[0]!.length));
          if (step.moved[c]) {
            const at = batch.findIndex((x) => x.every((v, j) => Object.is(v, row[j])));
            expect(at, `${what}: moved centre ${c} is a row of the batch`).toBeGreaterThanOrEqual(0);
            expect(seen.has(at), `${what}: moved centres are distinct rows`).toBe(false);
            seen.add(at);
          } else {
            // A centre that did not move is sklearn's, bit for bit, also when others moved.
            expectIdentical(Float64Array.from(row), Float64Array.from(step.clusterCenters[c]!), `${what} centre ${c}`);
            // ... and it is not by chance a batch row.
            if (moved) expect(batch.some((x) => x.every((v, j) => Object.is(v, row[j])))).toBe(false);
          }
        }
        if (!moved) {
          expectIdentical(model.labels, Int32Array.from(step.labels), `${what} labels`);
          expectClose(model.inertia, step.inertia, 1e-12, 0, `${what} inertia`);
        }
        sawMove ||= moved;
      }
      // The reassignment fixtures do move centres (else they test nothing of it).
      expect(sawMove).toBe(name.startsWith('minibatch_reassign'));
    });
  }
});
