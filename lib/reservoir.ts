/**
 * The seeded uniform sample that a fit over rows it cannot hold (a stream, or shards on other
 * machines) starts from: Li's algorithm L picks which row of the pass goes to which slot of the
 * sample. The choice depends only on the seed and on the rows' positions in the pass, never on
 * their values, so the same rows are picked whether one process reads the rows in order
 * ({@link reservoirPass}) or the positions are chosen first and fetched from wherever the rows
 * are ({@link reservoirPlan}).
 *
 * @module
 */
import { passWeightedOnce, streamChunks, type PassSettings, type StreamSource } from './stream.js';

/** A row-major sample of rows with their weights (when the rows are weighted). */
export interface StreamSample {
  readonly data: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly weights: Float64Array | undefined;
}

/** A small seeded generator for the reservoir (sfc32: its uniform doubles in [0, 1)). */
function generator(seed: number, stream: number): () => number {
  let a = seed >>> 0;
  let b = Math.floor(seed / 2 ** 32) >>> 0;
  let c = (stream * 0x9e3779b9) >>> 0;
  let d = 1;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/**
 * Algorithm L's choices, in row order: rows below `size` fill the slots in turn; after that only
 * the row {@link ReservoirChooser.next} is kept, in the slot that {@link ReservoirChooser.take}
 * draws (a few random numbers per kept row, none per skipped one).
 */
class ReservoirChooser {
  readonly #random: () => number;
  readonly #size: number;
  #w: number;
  #next: number;

  constructor(size: number, seed: number, restart: number) {
    this.#size = size;
    this.#random = generator(seed, restart + 1);
    this.#w = Math.exp(Math.log(this.#random() || Number.MIN_VALUE) / size);
    this.#next = size + Math.floor(Math.log(this.#random() || Number.MIN_VALUE) / Math.log(1 - this.#w));
  }

  /** The next row (>= size) that replaces a slot. */
  get next(): number {
    return this.#next;
  }

  /** The slot that row `next` goes to; moves on to the row after it. */
  take(): number {
    const random = this.#random;
    const size = this.#size;
    const slot = Math.floor(random() * size);
    this.#w *= Math.exp(Math.log(random() || Number.MIN_VALUE) / size);
    this.#next += 1 + Math.floor(Math.log(random() || Number.MIN_VALUE) / Math.log(1 - this.#w));
    return slot;
  }
}

/**
 * The rows of a pass of `total` rows that the sample of `size` rows holds, slot by slot: the
 * rows {@link reservoirPass} keeps over the same pass with the same seed and restart.
 * @returns the row of each slot, min(total, size) of them.
 */
export function reservoirPlan(total: number, size: number, seed: number, restart: number): Float64Array {
  const slots = new Float64Array(Math.min(total, size));
  for (let i = 0; i < slots.length; i++) slots[i] = i;
  const chooser = new ReservoirChooser(size, seed, restart);
  while (chooser.next < total) {
    const row = chooser.next;
    slots[chooser.take()] = row;
  }
  return slots;
}

/**
 * One pass that draws a uniform sample of `size` rows (algorithm L), seeded; the same rows for
 * any batching of the stream. A pass that meets the stream's first weighted batch starts again,
 * weighted.
 */
export function reservoirPass(
  source: StreamSource,
  settings: PassSettings,
  size: number,
  seed: number,
  restart: number,
): Promise<StreamSample> {
  return passWeightedOnce(settings, () => reservoirOnce(source, settings, size, seed, restart));
}

async function reservoirOnce(
  source: StreamSource,
  settings: PassSettings,
  size: number,
  seed: number,
  restart: number,
): Promise<StreamSample> {
  const chooser = new ReservoirChooser(size, seed, restart);
  let rows: Float64Array | undefined;
  let weights: Float64Array | undefined;
  let kept = 0;
  let d = 0;
  for await (const chunk of streamChunks(source, settings)) {
    d = chunk.d;
    if (!rows) {
      rows = new Float64Array(size * d);
      if (settings.weighted) weights = new Float64Array(size);
    }
    for (let i = 0; i < chunk.n; i++) {
      const row = chunk.firstRow + i;
      let slot: number;
      if (row < size) {
        slot = row;
        kept++;
      } else if (row === chooser.next) {
        slot = chooser.take();
      } else {
        continue;
      }
      rows.set(chunk.data.subarray(i * d, (i + 1) * d), slot * d);
      if (weights && chunk.weights) weights[slot] = chunk.weights[i] as number;
    }
  }
  const n = Math.min(kept, size);
  return {
    data: (rows as Float64Array).subarray(0, n * d),
    n,
    d,
    weights: weights?.subarray(0, n),
  };
}
