/**
 * Buffers that their owner reuses, lent for longer on request. gaussmix/arrow-file reads record
 * batches into buffers it refills two batches later; a streamed E-step pass that reads a
 * batch's columns in place (instead of copying them) retains their buffer until its native work
 * is over, and the file then reads on into other buffers. A buffer nobody registered cannot be
 * retained: its batch is copied before the next one is asked for, as a stream's sources are
 * promised.
 *
 * @module
 */

/** Keeps the buffer from being reused until the returned function is called (once). */
type Retain = () => () => void;

const lenders = new WeakMap<ArrayBufferLike, Retain>();

/** Registers a buffer its owner lends: `retain()` keeps the owner from reusing it until released. */
export function lendBuffer(buffer: ArrayBufferLike, retain: Retain): void {
  lenders.set(buffer, retain);
}

/** Retains a lent buffer: the function that releases it, or undefined when it is not lent. */
export function retainBuffer(buffer: ArrayBufferLike): (() => void) | undefined {
  const retain = lenders.get(buffer);
  if (!retain) return undefined;
  const release = retain();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}
