// Binding of the native EventBatch encoder (native/tracefile/encode.c), the TraceWriter's only
// encoder. It writes the same bytes as the JavaScript reference (test/oracles/batch-encode.js;
// test/tracefile-encode.test.js compares them on random batches) at a small fraction of its cost
// per event. The writer's own full batches are encoded on the encoder's thread while the next one
// fills (start/finish).
import { EventBatch } from '../events';
import { native, NativeLib } from './library';

/**
 * Where an encoded batch goes: a growable buffer with a write position (the trace file's WireWriter
 * is one). Declared here so this layer needs nothing from the trace file layer above it.
 */
export interface ByteSink {
  buf: Buffer;
  pos: number;
  /** Makes room for extra more bytes at pos (buf may be replaced). */
  ensure(extra: number): void;
}

/** Batches smaller than this are encoded on the calling thread: handing them over is not worth it. */
export const THREAD_MIN_EVENTS = 4096;

/** Output bytes msx_encode_batch may need for n events (MSX_ENCODE_BOUND in native/encode.h). */
export function encodeBound(n: number): number {
  return 48 * n + 256;
}

type EncodeLib = Pick<NativeLib, 'msx_encoder_create' | 'msx_encoder_destroy' | 'msx_encode_batch' | 'msx_encode_start' | 'msx_encode_finish'>;

/**
 * Encodes with native/tracefile/encode.c, one instance per writer. encode() and finish() return
 * false when the batch holds an event the format cannot (see refusal()); start() returns false when
 * it did not start (call encode).
 */
export class NativeBatchEncoder {
  private ctx: Buffer | null;
  private readonly lib: EncodeLib = native();

  constructor() {
    this.ctx = this.lib.msx_encoder_create();
  }

  encode(b: EventBatch, w: ByteSink, ndev: number): boolean {
    if (this.ctx === null) return false;
    const bound = encodeBound(b.n);
    w.ensure(bound);
    const len = this.lib.msx_encode_batch(this.ctx, b.buf, b.cap, b.n, ndev, w.buf.subarray(w.pos), bound);
    if (len < 0) return false; // refused: refusal() says what is wrong
    w.pos += len;
    return true;
  }

  private job: { w: ByteSink; at: number } | null = null;
  // Kept referenced while the thread uses them.
  private jobBatch: EventBatch | null = null;

  start(b: EventBatch, w: ByteSink, ndev: number): boolean {
    if (this.ctx === null || this.job !== null) return false;
    const bound = encodeBound(b.n);
    w.ensure(bound);
    if (this.lib.msx_encode_start(this.ctx, b.buf, b.cap, b.n, ndev, w.buf.subarray(w.pos), bound) !== 0) return false;
    this.job = { w, at: w.pos };
    this.jobBatch = b;
    return true;
  }

  finish(): boolean {
    const job = this.job;
    if (this.ctx === null || job === null) return false;
    const len = this.lib.msx_encode_finish(this.ctx);
    this.job = null;
    this.jobBatch = null;
    if (len < 0) return false;
    job.w.pos = job.at + len;
    return true;
  }

  close(): void {
    // Waits for a job still running (its output is dropped).
    if (this.ctx !== null) this.lib.msx_encoder_destroy(this.ctx);
    this.ctx = null;
    this.job = null;
    this.jobBatch = null;
  }
}

/** Why the encoder refused b: its first event the format cannot hold (a caller's bug, never input). */
export function refusal(b: EventBatch, ndev: number): string {
  for (let i = 0; i < b.n; i++) {
    const t = b.ts[i];
    if (!(Math.abs(t) <= 2 ** 53) || !Number.isInteger(t)) return `event ${i} has ts_ns ${t}`;
    if (b.device[i] >= ndev) return `event ${i} names device ${b.device[i]}, the header has ${ndev}`;
    const s = b.size[i];
    if (s !== 1 && s !== 2 && s !== 4 && s !== 8) return `event ${i} has size ${s}`;
    if (b.region[i] > 1 || b.dir[i] > 1) return `event ${i} has region ${b.region[i]} dir ${b.dir[i]}`;
  }
  return `a batch of ${b.n} events`;
}
