// Types of shards.mjs (test/helpers).
export interface ShardSpec {
  seed: number;
  rows: number;
  d: number;
  weighted?: boolean;
  /** Rows per batch of a StreamSource. */
  stream?: number;
  [key: string]: unknown;
}
export function shardRows(spec: ShardSpec): { data: Float64Array; weights: Float64Array | undefined };
export function loadShard(spec: ShardSpec): unknown;
export function concatenate(specs: readonly ShardSpec[]): {
  X: { data: Float64Array; shape: [number, number] };
  sampleWeight: Float64Array | undefined;
};
