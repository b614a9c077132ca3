/**
 * Apache Arrow IPC files read record batch by record batch into reused buffers
 * (`gaussmix/arrow-file`): the fast way to stream an Arrow file through `fitStream`.
 *
 * apache-arrow's own readers allocate a new buffer for every record batch (about 8 MiB for
 * 65,536 rows of 16 float64 columns), which cost a streamed pass as much garbage collection as
 * its reads. Here each record batch's body is read with one read into one of two buffers used
 * by turns (more while a consumer retains some: lib/buffer-lease.ts), kept from pass to pass,
 * on libuv's thread pool while the consumer works on the batch before it, and
 * handed to apache-arrow's `RecordBatchReader` to decode (its public API: this module frames the
 * messages with `Message.decode`, and parses no flatbuffers of its own).
 *
 * **The reuse contract**: a yielded batch (its columns are views of the buffer) is valid until
 * the next batch is asked for (the buffers are kept from pass to pass: up to four, 8 MiB each for
 * 65,536 rows of 16 float64 columns). `fitStream` converts each batch before it asks for the next, or
 * retains its buffer (lib/buffer-lease.ts) while it reads the columns in place, so it may be
 * given these batches as they are; anyone else keeping batches must copy them.
 *
 * apache-arrow is an optional peer dependency of gaussmix, loaded by {@link openArrowFile} on
 * first use (the rest of gaussmix never loads it). Both IPC formats are read: the file format
 * (`ARROW1` magic, footer) and the stream format (`.arrows`).
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';

import type * as ApacheArrow from 'apache-arrow';

import { lendBuffer } from './buffer-lease.js';
import { ErrorCode, invalidType, invalidValue } from './errors.js';

type Arrow = typeof ApacheArrow;

/** An Arrow IPC file opened by {@link openArrowFile}. */
export interface ArrowFile {
  /** The path it was opened with (errors name it). */
  readonly path: string;
  /** `'file'`: the IPC file format (with a footer); `'stream'`: the IPC stream format. */
  readonly format: 'file' | 'stream';
  /** The file's schema (its columns' names and types). */
  readonly schema: ApacheArrow.Schema;
  /**
   * One pass over the file's record batches, in order (the file is opened on the first and
   * closed at the end, or when the loop stops early). Each batch is valid until the next one is
   * asked for (see the module's reuse contract). Call it again for another pass:
   * `model.fitStream(() => file.batches())`.
   */
  batches(): AsyncGenerator<ApacheArrow.RecordBatch, void, undefined>;
}

let loaded: Promise<Arrow> | undefined;

/** apache-arrow, loaded once (an optional peer dependency of gaussmix). */
function arrowModule(): Promise<Arrow> {
  loaded ??= import('apache-arrow').catch((err: unknown) => {
    loaded = undefined;
    throw Object.assign(
      new Error("gaussmix/arrow-file needs the package 'apache-arrow': install it with `npm install apache-arrow`", { cause: err }),
      { code: ErrorCode.MISSING_DEPENDENCY },
    );
  });
  return loaded;
}

const MAGIC = 'ARROW1';
/** The file format: the magic padded to 8 bytes before the stream, int32 footer length and the magic after the footer. */
const HEAD_BYTES = 8;
const TAIL_BYTES = 10;
const CONTINUATION = -1;

/** Reads exactly `length` bytes at `position` into `into` from `offset`; false at the end of the file. */
function readFully(fd: number, into: Uint8Array, offset: number, length: number, position: number): boolean {
  let done = 0;
  while (done < length) {
    const got = fs.readSync(fd, into, offset + done, length - done, position + done);
    if (got === 0) return false;
    done += got;
  }
  return true;
}

/** `fs.read` as a promise (the read runs on libuv's thread pool, off the JavaScript thread). */
function readAt(fd: number, into: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, into, offset, length, position, (err, got) => (err ? reject(err) : resolve(got)));
  });
}

/** {@link readFully}, off the JavaScript thread. */
async function readFullyAsync(fd: number, into: Uint8Array, offset: number, length: number, position: number): Promise<boolean> {
  let done = 0;
  while (done < length) {
    const got = await readAt(fd, into, offset + done, length - done, position + done);
    if (got === 0) return false;
    done += got;
  }
  return true;
}

/** A body read under way (awaited before the file is closed). */
interface InFlight {
  read: Promise<boolean> | undefined;
}

/** Where a file's stream of messages is: the bytes [start, end), and its format. */
interface StreamRange {
  readonly format: 'file' | 'stream';
  readonly start: number;
  readonly end: number;
}

/** The bytes [start, end) of the file that hold its stream of messages, and its format. */
function streamRange(fd: number, path: string): StreamRange {
  const size = fs.fstatSync(fd).size;
  const head = new Uint8Array(Math.min(HEAD_BYTES, size));
  readFully(fd, head, 0, head.length, 0);
  const text = Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1');
  if (text.startsWith(MAGIC)) {
    const tail = Buffer.alloc(TAIL_BYTES);
    const footer = size >= HEAD_BYTES + TAIL_BYTES && readFully(fd, tail, 0, TAIL_BYTES, size - TAIL_BYTES) ? tail.readInt32LE(0) : -1;
    const end = size - TAIL_BYTES - footer;
    if (tail.toString('latin1', 4) !== MAGIC || footer <= 0 || end < HEAD_BYTES) {
      throw invalidValue(`${path}: truncated Arrow IPC file: it starts as the file format does but has no footer at its end (${size} bytes)`);
    }
    return { format: 'file', start: HEAD_BYTES, end };
  }
  if (size < 8 || new DataView(head.buffer).getInt32(0, true) !== CONTINUATION) {
    throw invalidValue(`${path}: not an Arrow IPC file (neither the file format's ARROW1 magic nor a stream's first message)`);
  }
  return { format: 'stream', start: 0, end: size };
}

/** A buffer for record batches' bodies, reused by later batches. */
interface BodyBuffer {
  bytes: Uint8Array;
  /** The batch it holds (its number in the pass). */
  batch: number;
  /** Retains by consumers that read the batch in place (lib/buffer-lease.ts). */
  leases: number;
}

/** The buffers a file keeps between its passes (a pass needs two, more while read in place). */
const SPARE_BODIES = 4;

/** A pass's buffers for record batches' bodies. */
interface BodyBuffers {
  /**
   * The buffer of batch b: one whose batch is no longer valid (b − 2 or earlier: apache-arrow's
   * byte stream asks for the next array before it hands out the last one it asked for, the
   * head of the next message when it hands out a body, so batch b's body is read after batch
   * b − 2 was handed on) and that no consumer retains; else one of the file's spares, or a new
   * one (two in turns when nobody retains, more while batches are read in place).
   */
  bodyFor(batch: number, length: number): Uint8Array;
  /** The pass is over: its buffers go back to the file's spares once no consumer retains them. */
  close(): void;
}

function bodyBuffers(spares: Uint8Array[]): BodyBuffers {
  const buffers: BodyBuffer[] = [];
  let closed = false;
  const spare = (bytes: Uint8Array): void => {
    if (spares.length < SPARE_BODIES) spares.push(bytes);
  };
  const lend = (owner: BodyBuffer): void => {
    lendBuffer(owner.bytes.buffer, () => {
      owner.leases++;
      return () => {
        owner.leases--;
        if (closed && owner.leases === 0) spare(owner.bytes);
      };
    });
  };
  return {
    bodyFor(batch, length) {
      let buffer = buffers.find((b) => b.batch <= batch - 2 && b.leases === 0);
      if (!buffer) {
        // A spare that holds the body if there is one (else one grows: a new buffer).
        const fits = spares.findIndex((b) => b.length >= length);
        const [bytes] = spares.splice(fits >= 0 ? fits : 0, 1);
        buffer = { bytes: bytes ?? new Uint8Array(0), batch, leases: 0 };
        buffers.push(buffer);
        if (buffer.bytes.length > 0) lend(buffer);
      }
      buffer.batch = batch;
      if (buffer.bytes.length < length) {
        buffer.bytes = new Uint8Array(length);
        lend(buffer);
      }
      return buffer.bytes.subarray(0, length);
    },
    close() {
      closed = true;
      for (const b of buffers) if (b.leases === 0) spare(b.bytes);
    },
  };
}

/**
 * The file's messages in `range` for apache-arrow's reader, each as two arrays: its prefix and
 * metadata, then its body. Record batches' bodies go into reused buffers ({@link bodyBuffers}),
 * the other messages' (the schema, dictionaries, which outlive their message) into buffers of
 * their own. Stops at the end-of-stream marker or at `end`.
 */
async function* messageBytes(
  arrow: Arrow,
  fd: number,
  path: string,
  range: StreamRange,
  inFlight: InFlight,
  bodies: BodyBuffers,
): AsyncGenerator<Uint8Array, void, unknown> {
  const { start, end } = range;
  const prefix = new Uint8Array(8);
  const prefixView = new DataView(prefix.buffer);
  let batches = 0;
  const truncated = (at: number, needs: number): RangeError =>
    invalidValue(`${path}: truncated Arrow IPC file: the message at byte ${at} needs ${needs} bytes, but the file's messages end at byte ${end}`);
  for (let at = start; at < end; ) {
    if (end - at < 8 || !readFully(fd, prefix, 0, 8, at)) throw truncated(at, 8);
    if (prefixView.getInt32(0, true) !== CONTINUATION) {
      throw invalidValue(`${path}: not a readable Arrow IPC file: no message starts at byte ${at}`);
    }
    const metadataLength = prefixView.getInt32(4, true);
    if (metadataLength === 0) return; // the end-of-stream marker
    if (metadataLength < 0 || metadataLength > end - at - 8) throw truncated(at, 8 + Math.max(0, metadataLength));
    const head = new Uint8Array(8 + metadataLength);
    head.set(prefix, 0);
    if (!readFully(fd, head, 8, metadataLength, at + 8)) throw truncated(at, head.length);
    let message: ApacheArrow.Message;
    try {
      message = arrow.Message.decode(head.subarray(8));
    } catch (err) {
      throw invalidValue(`${path}: not a readable Arrow IPC file: the message at byte ${at} (${(err as Error).message})`);
    }
    const bodyLength = message.bodyLength;
    if (!Number.isSafeInteger(bodyLength) || bodyLength < 0 || bodyLength > end - at - head.length) {
      throw truncated(at, head.length + bodyLength);
    }
    const bodyAt = at + head.length;
    const messageAt = at;
    at = bodyAt + bodyLength;
    // The file format's schema is its footer's (the pass starts with it): one among its
    // messages (other writers put it there too) is skipped.
    if (range.format === 'file' && message.headerType === arrow.MessageHeader.Schema) continue;
    if (bodyLength === 0) {
      yield head;
      continue;
    }
    if (message.headerType !== arrow.MessageHeader.RecordBatch) {
      const body = new Uint8Array(bodyLength);
      if (!readFully(fd, body, 0, bodyLength, bodyAt)) throw truncated(messageAt, head.length + bodyLength);
      yield head;
      yield body;
      continue;
    }
    // A record batch's body: its read starts now, on libuv's thread pool, and goes on while
    // apache-arrow hands out the batch before it (it asks for this head before it does) and the
    // consumer converts that batch.
    const body = bodies.bodyFor(batches++, bodyLength);
    const read = readFullyAsync(fd, body, 0, bodyLength, bodyAt);
    inFlight.read = read;
    read.catch(() => undefined); // (awaited below; not an unhandled rejection meanwhile)
    yield head;
    const complete = await read;
    inFlight.read = undefined;
    if (!complete) throw truncated(messageAt, head.length + bodyLength);
    yield body;
  }
}

/** A reader of a pass: apache-arrow's, over the bytes of a source. */
type PassReader = AsyncIterator<ApacheArrow.RecordBatch> & { open(): Promise<unknown>; readonly schema: ApacheArrow.Schema };

/**
 * A reader of one pass over the file's messages, after `head` (the file format's schema as a
 * stream's first message); the file descriptor is the caller's to close, after `inFlight.read`.
 * `failed()` is the source's own error, if it threw (apache-arrow may rethrow it otherwise).
 */
function passReader(
  arrow: Arrow,
  fd: number,
  path: string,
  range: StreamRange,
  head: Uint8Array | undefined,
  inFlight: InFlight,
  bodies: BodyBuffers,
): { reader: Promise<PassReader>; failed: () => unknown } {
  let error: unknown;
  const source = async function* (): AsyncGenerator<Uint8Array, void, unknown> {
    try {
      if (head) yield head;
      yield* messageBytes(arrow, fd, path, range, inFlight, bodies);
    } catch (err) {
      error = err;
      throw err;
    }
  };
  return { reader: arrow.RecordBatchReader.from(source()) as Promise<PassReader>, failed: () => error };
}

/** The error of a pass: the source's own (a truncated file), else apache-arrow's, naming the file. */
function passError(err: unknown, failed: unknown, path: string): unknown {
  if (failed !== undefined) return failed;
  return invalidValue(`${path}: not a readable Arrow IPC file (${(err as Error).message})`);
}

/**
 * The file format's schema, from its footer (apache-arrow's file writer puts it there only),
 * and that schema as a stream's first message: what a pass over the file's messages starts with.
 */
async function footerSchema(arrow: Arrow, path: string): Promise<{ schema: ApacheArrow.Schema; head: Uint8Array }> {
  const handle = await fs.promises.open(path, 'r');
  let schema: ApacheArrow.Schema;
  try {
    const reader = await arrow.RecordBatchReader.from(handle);
    await reader.open();
    schema = reader.schema;
  } catch (err) {
    throw invalidValue(`${path}: not a readable Arrow IPC file (${(err as Error).message})`);
  } finally {
    await handle.close();
  }
  // The schema message of an empty stream (less its 8-byte end-of-stream marker).
  const stream = arrow.tableToIPC(new arrow.Table(schema), 'stream');
  return { schema, head: stream.subarray(0, stream.length - 8) };
}

/**
 * Opens an Arrow IPC file (file or stream format) for passes of record batches read into
 * reused buffers; reads its schema now.
 * @throws Error (code ERR_GAUSSMIX_MISSING_DEPENDENCY) - apache-arrow is not installed.
 * @throws RangeError - not an Arrow IPC file, or a truncated one (the message names the file).
 */
export async function openArrowFile(path: string): Promise<ArrowFile> {
  if (typeof path !== 'string') throw invalidType(`openArrowFile: expected a path (a string) but received ${typeof path}`);
  const arrow = await arrowModule();
  let range: StreamRange;
  const fd = fs.openSync(path, 'r');
  try {
    range = streamRange(fd, path);
  } finally {
    fs.closeSync(fd);
  }
  let schema: ApacheArrow.Schema;
  let head: Uint8Array | undefined;
  if (range.format === 'file') {
    ({ schema, head } = await footerSchema(arrow, path));
  } else {
    // The stream's first message.
    const fd = fs.openSync(path, 'r');
    const inFlight: InFlight = { read: undefined };
    const { reader, failed } = passReader(arrow, fd, path, range, undefined, inFlight, bodyBuffers([]));
    try {
      const open = await reader;
      await open.open();
      schema = open.schema;
    } catch (err) {
      throw passError(err, failed(), path);
    } finally {
      await inFlight.read?.catch(() => undefined);
      fs.closeSync(fd);
    }
  }
  // Body buffers kept from pass to pass (new ones would be paged in again by every pass).
  const spares: Uint8Array[] = [];
  async function* batches(): AsyncGenerator<ApacheArrow.RecordBatch, void, undefined> {
    const fd = fs.openSync(path, 'r');
    const inFlight: InFlight = { read: undefined };
    const bodies = bodyBuffers(spares);
    try {
      const { reader, failed } = passReader(arrow, fd, path, range, head, inFlight, bodies);
      let open: PassReader;
      try {
        open = await reader;
      } catch (err) {
        throw passError(err, failed(), path);
      }
      for (;;) {
        let next: IteratorResult<ApacheArrow.RecordBatch>;
        try {
          next = await open.next();
        } catch (err) {
          throw passError(err, failed(), path);
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // A body read under way writes into memory of this pass and reads the descriptor.
      await inFlight.read?.catch(() => undefined);
      fs.closeSync(fd);
      bodies.close();
    }
  }
  return { path, format: range.format, schema, batches };
}
