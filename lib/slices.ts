/**
 * Time slices for the work `fit()` does on the JavaScript thread: starting a fit (validating X,
 * handing it to the native threads) and settling one (its result becoming the model, the
 * promise resolving). One fit costs microseconds of this work, but a server that fires 2,000
 * fits at once would otherwise do all of it in one turn of the event loop, and every timer and
 * socket would wait for it.
 *
 * {@link inSlice} runs a piece of work at once while the current slice has used less than
 * {@link SLICE_MS} of this turn; otherwise it queues it, and the queue is worked through in
 * later turns (setImmediate), at most one slice each, in order. A slice opens at the first
 * piece of work of a turn and closes at the next turn, so a lone fit never waits.
 *
 * @module
 */

/** The longest stretch of fit work run in one turn of the event loop, in milliseconds. */
export const SLICE_MS = 4;

/** When the current slice opened (performance.now()), or null between slices. */
let sliceStart: number | null = null;
/** Whether a setImmediate is pending (it closes the slice and works through the queue). */
let turnScheduled = false;
/** The queued work, oldest at `head`. */
let queue: (() => void)[] = [];
let head = 0;

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  setImmediate(nextTurn);
}

/** A new turn: the previous slice is over; run queued work for at most one slice. */
function nextTurn(): void {
  turnScheduled = false;
  sliceStart = null;
  if (head === queue.length) return;
  sliceStart = performance.now();
  scheduleTurn();
  while (head < queue.length && performance.now() - sliceStart < SLICE_MS) {
    const work = queue[head] as () => void;
    queue[head++] = noop;
    run(work);
  }
  if (head === queue.length) {
    queue = [];
    head = 0;
  } else if (head > 1024 && head * 2 > queue.length) {
    queue = queue.slice(head);
    head = 0;
  }
}

function noop(): void {}

/** Runs work that must not throw; one that does anyway is reported as uncaught. */
function run(work: () => void): void {
  try {
    work();
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}

/**
 * Runs `work` now if the current slice has time left and nothing is queued, else queues it for
 * a later turn (in order). `work` must not throw.
 */
export function inSlice(work: () => void): void {
  const now = performance.now();
  if (sliceStart === null) {
    sliceStart = now;
    scheduleTurn();
  }
  if (head === queue.length && now - sliceStart < SLICE_MS) {
    run(work);
    return;
  }
  queue.push(work);
  scheduleTurn();
}
