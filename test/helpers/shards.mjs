// The shards of the distributed tests, made from their specs alike in the test process and in
// the worker processes: { seed, rows, d } gives `rows` rows of a mixture of well separated
// clusters (a seeded generator, so every process makes the same bits), with `weighted` a
// weight per row, and `stream` the rows as a StreamSource of batches of that many rows.
import { mulberry32 } from './mulberry32.mjs';

/** The rows (row-major) and weights of a shard spec. */
export function shardRows(spec) {
  const { seed, rows, d } = spec;
  const random = mulberry32(seed);
  const data = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) {
    const cluster = Math.floor(random() * 3);
    for (let j = 0; j < d; j++) {
      // Sum of three uniforms: a bell-ish shape about the cluster's centre.
      data[i * d + j] = 4 * cluster * (j % 2 === 0 ? 1 : -1) + (random() + random() + random() - 1.5) * (1 + 0.3 * j);
    }
  }
  let weights;
  if (spec.weighted) {
    weights = new Float64Array(rows);
    for (let i = 0; i < rows; i++) weights[i] = 0.25 + Math.floor(random() * 8) / 4;
  }
  return { data, weights };
}

/** What a worker's loadShard gives for a spec. */
export function loadShard(spec) {
  const { data, weights } = shardRows(spec);
  const X = { data, shape: [spec.rows, spec.d] };
  if (!spec.stream) return weights ? { X, sampleWeight: weights } : X;
  const batch = spec.stream;
  return function* source() {
    for (let from = 0; from < spec.rows; from += batch) {
      const to = Math.min(spec.rows, from + batch);
      const part = { data: data.subarray(from * spec.d, to * spec.d), shape: [to - from, spec.d] };
      yield weights ? { X: part, sampleWeight: weights.subarray(from, to) } : part;
    }
  };
}

/** All the shards' rows in order (and their weights, 1 for a shard without). */
export function concatenate(specs) {
  const d = specs[0].d;
  const rows = specs.reduce((n, s) => n + s.rows, 0);
  const data = new Float64Array(rows * d);
  const weights = new Float64Array(rows);
  let at = 0;
  let weighted = false;
  for (const spec of specs) {
    const s = shardRows(spec);
    data.set(s.data, at * d);
    if (s.weights) {
      weights.set(s.weights, at);
      weighted = true;
    } else weights.fill(1, at, at + spec.rows);
    at += spec.rows;
  }
  return { X: { data, shape: [rows, d] }, sampleWeight: weighted ? weights : undefined };
}
