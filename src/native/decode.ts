// Binding to the native EventBatch decoder (native/tracefile/decode.c) and the replay pipeline
// (native/replay/pipeline.h), in the same libmsixmodels.so as the models. The reader decodes with
// nothing else; the JavaScript reference decoder the tests compare it with is test/oracles/batch-decode.js.
import { EventBatch } from '../events';
import { errnoError, isNull, native, NativeLib, pointerBytes, pointerTable } from './library';

type DecodeLib = Pick<NativeLib, 'msx_decode_scratch_size' | 'msx_decode_batch'>;
type PipeLib = Pick<NativeLib, 'msx_pipe_create' | 'msx_pipe_submit' | 'msx_pipe_finish' | 'msx_pipe_destroy' |
  'msx_pipe_configure' | 'msx_pipe_fit_interval' | 'msx_pipe_explain_setup' | 'msx_pipe_explain_write' | 'msx_pipe_result'>;

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
  [-21]: 'out of memory merging --interval buckets',
};


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

  static create(): NativeDecoder {
    return new NativeDecoder(native());
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

export const POINTER_BYTES: number = pointerBytes();

/** The decoder side of a TraceReader: what the reader calls per EventBatch packet. */
export interface BatchDecoder {
  tsMin: number;
  tsMax: number;
  decode(buf: Buffer, start: number, end: number, out: EventBatch, ndev: number): void;
}

/** What the pipeline counts besides the counters (native/replay/pipeline.h, msx_pipe_configure). */
export interface PipeCounting {
  by?: 'entry' | 'guest' | 'vcpu';
  maxGroups?: number;
  intervalNs?: number;
  maxBuckets?: number;
  heatRows?: number;
  explain?: boolean;
  /** Double the interval as often as needed to stay within maxBuckets (sizes().intervalNs). */
  fitInterval?: boolean;
}

const BY_CODE = { entry: 1, guest: 2, vcpu: 3 } as const;
export const HEAT_COLUMNS = 10;
const RESULT = { sizes: 0, groupKeys: 1, groups: 2, bucketKeys: 3, buckets: 4, heatKeys: 5, heat: 6 } as const;

export interface PipeSizes {
  groups: number;
  groupOverflow: boolean;
  buckets: number;
  bucketOverflow: boolean;
  heatRows: number;
  heatOverflow: boolean;
  /** The --interval in the end (larger than asked after fitInterval doubled it). */
  intervalNs: number;
}

/** Native replay pipeline (native/replay/pipeline.h): each EventBatch packet is decoded and fed to
 * every model context in one call, with no per-event work in JS; the feeds run on native worker
 * threads while JS reads the next packet and the caller's thread decodes it. As a BatchDecoder it
 * takes a reader's place: decode() fills only out.n (the columns stay untouched) and tsMin/tsMax.
 * configure() adds per-group, per-bucket and heat-map counts and the --explain text, all computed
 * natively a batch at a time. Counters and counts are complete after finish(). */
export class NativePipeline implements BatchDecoder {
  private pipe: Buffer | null;
  private readonly infoBuf = Buffer.alloc(24);
  private readonly info = new Float64Array(this.infoBuf.buffer, this.infoBuf.byteOffset, 3);
  tsMin = 0;
  tsMax = 0;

  private constructor(private readonly lib: PipeLib, pipe: Buffer, private readonly ndev: number) {
    this.pipe = pipe;
  }

  /** A pipeline over the contexts (all created for the same ndev devices), or null when the library
   * refuses them (a model without a keyed feed, no device). The contexts must outlive destroy(). */
  static create(ctxs: Buffer[], ndev: number, threads: number): NativePipeline | null {
    const l: PipeLib = native();
    if (ctxs.length === 0) return null;
    // The pipeline copies the pointers: the table may go once it is created.
    const pipe = l.msx_pipe_create(pointerTable(ctxs), ctxs.length, ndev, Math.max(1, threads));
    if (isNull(pipe)) return null;
    return new NativePipeline(l, pipe, ndev);
  }

  /** Before the first batch: what to count besides the counters. */
  configure(c: PipeCounting): void {
    const rc = this.lib.msx_pipe_configure(this.live(), c.by ? BY_CODE[c.by] : 0, c.maxGroups ?? 0, c.intervalNs ?? 0,
      c.maxBuckets ?? 0, c.heatRows ?? 0, c.explain ? 1 : 0);
    if (rc === -2) throw new Error('out of memory configuring the replay pipeline');
    if (rc !== 0 || (c.fitInterval && this.lib.msx_pipe_fit_interval(this.live()) !== 0)) {
      throw new Error(`internal: replay pipeline refused its configuration ${JSON.stringify(c)}`);
    }
  }

  decode(buf: Buffer, start: number, end: number, out: EventBatch, ndev: number): void {
    if (ndev !== this.ndev) throw new Error('internal: pipeline built for another device count');
    const rc = this.lib.msx_pipe_submit(this.live(), buf, start, end, this.infoBuf);
    if (rc < 0) throw new DecodeError(MESSAGES[rc] ?? `decode error ${rc}`, this.info[0], rc);
    out.n = rc;
    this.tsMin = this.info[1];
    this.tsMax = this.info[2];
  }

  /** --explain: each context's line prefix (the JSON up to the value of "index"). */
  explainSetup(prefixes: Buffer[]): void {
    const ends = Buffer.alloc(4 * prefixes.length);
    let at = 0;
    prefixes.forEach((p, m) => ends.writeUInt32LE((at += p.length), 4 * m));
    const rc = this.lib.msx_pipe_explain_setup(this.live(), Buffer.concat(prefixes), ends);
    if (rc === -2) throw new Error('out of memory setting up --explain');
    if (rc !== 0) throw new Error('internal: --explain setup refused');
  }

  /**
   * Writes the --explain lines of the batch last decoded to fd, every context's in turn, natively,
   * at the reader's pace (one call per batch: every FFI call costs memory that ffi-napi never
   * gives back, so nothing here is called per buffer or per event). Throws the failed write's
   * error (code EPIPE when the reader went away).
   */
  explainWrite(fd: number, index0: number): void {
    const rc = this.lib.msx_pipe_explain_write(this.live(), fd, index0);
    if (rc < 0) {
      const e = errnoError(rc, 'write');
      if (fd === 1) e.path = 'stdout'; // so the error names what the user redirected
      throw e;
    }
  }

  sizes(): PipeSizes {
    const v = this.result(RESULT.sizes, 0, 7);
    return {
      groups: v[0], groupOverflow: v[1] !== 0, buckets: v[2], bucketOverflow: v[3] !== 0, heatRows: v[4], heatOverflow: v[5] !== 0,
      intervalNs: v[6],
    };
  }

  /** Per group: [key >> 32, key & 0xffffffff]. */
  groupKeys(n: number): Float64Array { return this.result(RESULT.groupKeys, 0, n * 2); }
  /** Model's counts per group (n groups, plus the overflow group when there was one): [write][outcome 0..3]. */
  groups(model: number, rows: number): Float64Array { return this.result(RESULT.groups, model, rows * 8); }
  bucketKeys(n: number): Float64Array { return this.result(RESULT.bucketKeys, 0, n); }
  /** Model's [absorbed, forwarded] per bucket. */
  buckets(model: number, n: number): Float64Array { return this.result(RESULT.buckets, model, n * 2); }
  /** Per heat row: [device, entry (0xffffffff: the PBA)]. */
  heatKeys(n: number): Float64Array { return this.result(RESULT.heatKeys, 0, n * 2); }
  heat(n: number): Float64Array { return this.result(RESULT.heat, 0, n * HEAT_COLUMNS); }

  private result(what: number, model: number, count: number): Float64Array {
    const out = Buffer.alloc(Math.max(1, count) * 8);
    const rc = this.lib.msx_pipe_result(this.live(), what, model, out, Math.max(1, count));
    if (rc < 0) throw new Error(`internal: replay pipeline result ${what} refused`);
    return new Float64Array(out.buffer, out.byteOffset, rc);
  }

  private live(): Buffer {
    if (!this.pipe) throw new Error('internal: pipeline destroyed');
    return this.pipe;
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
