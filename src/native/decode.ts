// Binding to the native EventBatch decoder and parallel feed (native/decode.c), in the same
// libmsixmodels.so as the models. The reader uses it when the library is there and falls back to
// the JS reference decoder (src/tracefile/batch-codec.ts) when it is not, so capture, dump and the
// tests of the file format never require the native build; replay needs the library anyway.
import { EventBatch } from '../events';
import { isNull, NativeLib, nativeIfPresent, pointerBytes, pointerTable as nativePointerTable } from './library';

type DecodeLib = NativeLib;

const MESSAGES: Record<number, string> = {
  [-1]: 'field runs past the end of its batch',
  [-2]: 'varint longer than 10 bytes',
  [-3]: 'event batch has no checksum',
  [-4]: 'event batch checksum mismatch (corrupt data)',
  [-5]: 'data after the event batch checksum',
  [-6]: 'event batch count out of range',
  [-7]: 'event batch key count out of range',
  [-8]: 'column is not packed',
  [-9]: 'column appears twice',
  [-10]: 'column holds fewer values than the batch needs',
  [-11]: 'column holds more values than the batch needs',
  [-12]: 'guest out of range',
  [-13]: 'vcpu out of range',
  [-14]: 'event names a device the header does not list',
  [-15]: 'access code out of range',
  [-16]: 'offset exceeds 32 bits',
  [-17]: 'key out of range',
  [-18]: 'timestamp out of range',
  [-19]: 'unsupported wire type',
  [-20]: 'internal: decoder scratch too small',
};

let lib: DecodeLib | null | undefined;

function load(): DecodeLib | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (process.env.MSIXTRACE_JS_DECODE === '1') return lib;
  // Without the library file the JS decoder takes over.
  lib = nativeIfPresent();
  return lib;
}

export class DecodeError extends Error {
  constructor(message: string, readonly offset: number, readonly code: number) {
    super(message);
  }
}

/** One native decoder with its scratch (one per reader; nothing is allocated per batch). */
export class NativeDecoder {
  private readonly scratch: Buffer;
  private readonly infoBuf = Buffer.alloc(24);
  private readonly info = new Float64Array(this.infoBuf.buffer, this.infoBuf.byteOffset, 3);
  tsMin = 0;
  tsMax = 0;

  private constructor(private readonly lib: DecodeLib) {
    this.scratch = Buffer.alloc(lib.msx_decode_scratch_size());
  }

  /** A decoder, or null when the native library (or its decoder) is unavailable. */
  static create(): NativeDecoder | null {
    const l = load();
    return l ? new NativeDecoder(l) : null;
  }

  /** Decodes buf[start, end) into out; DecodeError (offset within buf) on damage. Sets tsMin/tsMax. */
  decode(buf: Buffer, start: number, end: number, out: EventBatch, ndev: number): void {
    const rc = this.lib.msx_decode_batch(buf, start, end, out.buf, out.cap, ndev, this.scratch, this.scratch.length, this.infoBuf);
    if (rc < 0) throw new DecodeError(MESSAGES[rc] ?? `decode error ${rc}`, this.info[0], rc);
    out.n = rc;
    this.tsMin = this.info[1];
    this.tsMax = this.info[2];
  }
}

export function nativeCrc32(buf: Buffer, crc = 0): number | null {
  const l = load();
  return l ? l.msx_crc32(crc, buf, buf.length) >>> 0 : null;
}

/** A native array of the context pointers, for feedMany (build once per replay). */
export function pointerTable(ctxs: Buffer[]): Buffer {
  return nativePointerTable(ctxs);
}

/** Feeds one batch to the nctx contexts of `table` on up to `threads` threads: 0, -1 when a feed
 * failed, null when the native library has no parallel feed. */
export function feedMany(table: Buffer, nctx: number, batch: EventBatch, threads: number): number | null {
  const l = load();
  if (!l) return null;
  return l.msx_feed_many(table, nctx, batch.buf, batch.cap, batch.n, threads);
}

export const POINTER_BYTES: number = pointerBytes();

/** The decoder side of a TraceReader: what the reader calls per EventBatch packet. */
export interface BatchDecoder {
  tsMin: number;
  tsMax: number;
  decode(buf: Buffer, start: number, end: number, out: EventBatch, ndev: number): void;
}

/** Native replay pipeline (native/pipeline.h): each EventBatch packet is decoded and fed to every
 * model context in one call, with no per-event work in JS; the feeds run on native worker threads
 * while JS reads the next packet and the caller's thread decodes it. As a BatchDecoder it takes a
 * reader's place: decode() fills only out.n (the columns stay untouched) and tsMin/tsMax. Counters
 * are complete after finish(). No decision bytes: --explain, --by entry and --interval use the
 * column path (ModelRun.feed). */
export class NativePipeline implements BatchDecoder {
  private pipe: Buffer | null;
  private readonly infoBuf = Buffer.alloc(24);
  private readonly info = new Float64Array(this.infoBuf.buffer, this.infoBuf.byteOffset, 3);
  tsMin = 0;
  tsMax = 0;

  private constructor(private readonly lib: DecodeLib, pipe: Buffer, private readonly ndev: number) {
    this.pipe = pipe;
  }

  /** A pipeline over the contexts (all created for the same ndev devices), or null when the library
   * has none or refuses them. The contexts must outlive destroy(). */
  static create(ctxs: Buffer[], ndev: number, threads: number): NativePipeline | null {
    const l = load();
    if (!l || ctxs.length === 0) return null;
    // The pipeline copies the pointers: the table may go once it is created.
    const pipe = l.msx_pipe_create(pointerTable(ctxs), ctxs.length, ndev, Math.max(1, threads));
    if (isNull(pipe)) return null;
    return new NativePipeline(l as DecodeLib, pipe, ndev);
  }

  decode(buf: Buffer, start: number, end: number, out: EventBatch, ndev: number): void {
    if (!this.pipe) throw new Error('internal: pipeline destroyed');
    if (ndev !== this.ndev) throw new Error('internal: pipeline built for another device count');
    const rc = this.lib.msx_pipe_submit(this.pipe, buf, start, end, this.infoBuf);
    if (rc < 0) throw new DecodeError(MESSAGES[rc] ?? `decode error ${rc}`, this.info[0], rc);
    out.n = rc;
    this.tsMin = this.info[1];
    this.tsMax = this.info[2];
  }

  /** Waits until every submitted batch is fed to every context. */
  finish(): void {
    if (this.pipe) this.lib.msx_pipe_finish(this.pipe);
  }

  /** Finishes, stops the worker threads and frees the pipeline (idempotent). */
  destroy(): void {
    if (this.pipe) this.lib.msx_pipe_destroy(this.pipe);
    this.pipe = null;
  }
}
