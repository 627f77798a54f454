// Binding of the native EventBatch encoder (native/encode.c), the TraceWriter's encoder hook when
// the library is there. It writes the same bytes as the JavaScript BatchEncoder (the reference,
// src/tracefile/batch-codec.ts; test/tracefile-encode.test.js compares them on random batches), at
// a small fraction of its cost per event.
//
// ffi-napi costs ~45 ms to load, so the library is loaded only when a batch of at least
// NATIVE_MIN_EVENTS events comes (small captures and tests stay in JavaScript). MSIXTRACE_JS_ENCODE=1
// keeps every batch in JavaScript. The writer's own full batches are encoded on the encoder's
// thread while the next one fills (start/finish); MSIXTRACE_ENCODE_THREAD=0 keeps that on the
// calling thread.
import { EventBatch } from '../events';
import { NativeLib, nativeIfPresent } from './library';

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

/** Batches smaller than this are left to the JavaScript encoder unless the library is loaded. */
export const NATIVE_MIN_EVENTS = 4096;

/** MSIXTRACE_ENCODE_THREAD=0: encode on the calling thread only. */
const MSIXTRACE_NO_THREAD = process.env.MSIXTRACE_ENCODE_THREAD === '0';

/** Output bytes msx_encode_batch may need for n events (MSX_ENCODE_BOUND in native/encode.h). */
export function encodeBound(n: number): number {
  return 48 * n + 256;
}

/** The hook TraceWriter calls per batch; false: declined, the writer uses the JavaScript reference. */
export interface EventBatchEncoder {
  encode(b: EventBatch, w: ByteSink, ndev: number): boolean;
  /**
   * Optional: starts encode(b, w, ndev) on another thread and returns true, or returns false (not
   * started: call encode). b and w must stay untouched until finish(), which returns what encode()
   * would have.
   */
  start?(b: EventBatch, w: ByteSink, ndev: number): boolean;
  finish?(): boolean;
  close(): void;
}

type EncodeLib = Pick<NativeLib, 'msx_encoder_create' | 'msx_encoder_destroy' | 'msx_encode_batch' | 'msx_encode_start' | 'msx_encode_finish'>;

let lib: EncodeLib | null | undefined;

/** The native encoder functions, or null (library missing or without encode.c, ffi unavailable). */
export function encodeLib(): EncodeLib | null {
  if (lib !== undefined) return lib;
  lib = null;
  lib = nativeIfPresent();
  return lib;
}

/** Encodes with native/encode.c; declines nothing it can encode, so one instance per writer. */
export class NativeBatchEncoder implements EventBatchEncoder {
  private ctx: Buffer | null;

  constructor(private readonly lib: EncodeLib) {
    this.ctx = lib.msx_encoder_create();
  }

  encode(b: EventBatch, w: ByteSink, ndev: number): boolean {
    if (this.ctx === null) return false;
    const bound = encodeBound(b.n);
    w.ensure(bound);
    const len = this.lib.msx_encode_batch(this.ctx, b.buf, b.cap, b.n, ndev, w.buf.subarray(w.pos), bound);
    if (len < 0) return false; // refused: the reference encoder reports what is wrong
    w.pos += len;
    return true;
  }

  private job: { w: ByteSink; at: number } | null = null;
  // Kept referenced while the thread uses them.
  private jobBatch: EventBatch | null = null;

  start(b: EventBatch, w: ByteSink, ndev: number): boolean {
    if (this.ctx === null || this.job !== null || MSIXTRACE_NO_THREAD) return false;
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

/**
 * The default hook: declines batches below NATIVE_MIN_EVENTS until the library is loaded, then
 * encodes every batch natively (when the library could be loaded at all).
 */
export class AutoBatchEncoder implements EventBatchEncoder {
  private native: NativeBatchEncoder | null | undefined;

  constructor(private readonly minEvents = NATIVE_MIN_EVENTS) {}

  encode(b: EventBatch, w: ByteSink, ndev: number): boolean {
    if (this.native === undefined) {
      if (b.n < this.minEvents && lib === undefined) return false;
      const l = encodeLib();
      this.native = l ? new NativeBatchEncoder(l) : null;
    }
    return this.native !== null && this.native.encode(b, w, ndev);
  }

  start(b: EventBatch, w: ByteSink, ndev: number): boolean {
    if (this.native === undefined) {
      if (b.n < this.minEvents && lib === undefined) return false;
      const l = encodeLib();
      this.native = l ? new NativeBatchEncoder(l) : null;
    }
    return this.native !== null && this.native.start(b, w, ndev);
  }

  finish(): boolean {
    return this.native?.finish() ?? false;
  }

  close(): void {
    this.native?.close();
  }
}

/** The encoder hook a TraceWriter gets by default: null (JavaScript) under MSIXTRACE_JS_ENCODE=1. */
export function defaultEncoder(): EventBatchEncoder | null {
  return process.env.MSIXTRACE_JS_ENCODE === '1' ? null : new AutoBatchEncoder();
}
