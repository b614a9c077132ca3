/**
 * Missing values in Arrow and Parquet columns (null, or NaN): an error naming the row and the
 * column, or with --missing drop their rows left out. (The CSV reader does the same natively.)
 */
import { CliError } from './args.js';
import type { Chunk } from './data.js';

/** The hint every missing-value error ends with. */
export const MISSING_HINT = '(a missing value: leave such rows out with --missing drop)';

/** Rows of one batch, marked for dropping as their values are read. */
export class BatchRows {
  private readonly drop: Uint8Array;
  private dropped = 0;

  constructor(
    readonly data: Float64Array,
    readonly rows: number,
    readonly d: number,
    private readonly dropMissing: boolean,
  ) {
    this.drop = new Uint8Array(rows);
  }

  /**
   * Stores x at (r, j); `isNull`: the value is null. A null or NaN is missing: the row is marked,
   * or an error names `where` (e.g. "data.parquet row 12, column y"); ±Infinity is an error.
   */
  set(r: number, j: number, x: number, isNull: boolean, where: () => string): void {
    if (isNull || Number.isNaN(x)) {
      if (!this.dropMissing) throw new CliError(`${where()}: ${isNull ? 'a null value' : 'NaN'} is not a finite number ${MISSING_HINT}`);
      if (this.drop[r] === 0) this.dropped++;
      this.drop[r] = 1;
      return;
    }
    if (!Number.isFinite(x)) throw new CliError(`${where()}: ${x} is not a finite number`);
    this.data[r * this.d + j] = x;
  }

  /** The rows kept (and their ids), and how many were dropped. */
  finish(ids?: string[]): { chunk: Chunk; dropped: number } {
    const { d, rows } = this;
    if (this.dropped === 0) return { chunk: { data: this.data, rows, ...(ids && { ids }) }, dropped: 0 };
    const kept = rows - this.dropped;
    const data = new Float64Array(kept * d);
    const keptIds: string[] = [];
    for (let r = 0, k = 0; r < rows; r++) {
      if (this.drop[r] === 1) continue;
      data.set(this.data.subarray(r * d, r * d + d), k * d);
      if (ids) keptIds.push(ids[r] as string);
      k++;
    }
    return { chunk: { data, rows: kept, ...(ids && { ids: keptIds }) }, dropped: this.dropped };
  }
}
