/**
 * A limit on how many computations run at once: a worker holds one job more than it computes
 * (fetched ahead, see worker.ts), and that job's computation waits here for a free slot.
 *
 * @module
 */

/** Runs functions with at most `count` of them under way at once, the others in arrival order. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(count: number) {
    this.#free = count;
  }

  /** Runs `fn` once a slot is free, and frees the slot when it settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      // (The slot passes straight to the next waiter: it starts before this caller goes on.)
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
