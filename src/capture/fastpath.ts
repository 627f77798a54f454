// The capture fast path: native code scans whole buffers of a QEMU log and encodes whole batches,
// so no JavaScript runs per line or per event on a large log. It only ever takes the cases it
// decides exactly as the JavaScript reference does (formats/qemu-log.ts + capture.ts access(),
// tracefile/batch-codec.ts); any other line (malformed, unnamed, outside the geometry, NUL, first
// kept access, ...) is handed back to the reference path, so the trace and the summary are the same
// byte for byte (test/capture-fastpath.test.js).
//
// MSIXTRACE_FAST=never runs the reference path only; =always engages the fast path from the first
// byte; the default (auto) engages it once an input has handed out FAST_MIN_BYTES, so that small
// captures do not pay the ~45 ms of loading ffi.
import { EventBatch } from '../events';
import {
  encodeBound, IO_EPOCH, IO_GUEST, IO_KEPT, IO_LAST_TS, IO_LIMIT, IO_LINES, IO_N, IO_POS, IO_SHIFT, IO_SLOTS, SCAN_FULL,
  ScanLib, scanLib,
} from '../native/scan';
import { BatchEncoder } from '../tracefile/batch-codec';
import { TraceWriter } from '../tracefile/writer';
import { WireWriter } from '../tracefile/wire';

export const FAST_MIN_BYTES = 2 << 20;
// Batches smaller than this are encoded in JavaScript in auto mode (no ffi load for small traces).
const FAST_MIN_BATCH = 4096;

export type FastMode = 'never' | 'auto' | 'always';

export function fastMode(): FastMode {
  const v = process.env.MSIXTRACE_FAST;
  return v === 'never' || v === 'always' ? v : 'auto';
}

/** What the scan needs from the capture driver each time it runs. */
export interface ScanContext {
  epochSec: number;
  shift: number;
  guest: number;
  lastTs: number;
  writer: TraceWriter;
}

/** Native scanning of one qemu-log source; counts kept events per (range, dir). */
export class QemuFastScan {
  private readonly io = Buffer.alloc(IO_SLOTS * 8);
  private readonly iov = new Float64Array(this.io.buffer, this.io.byteOffset, IO_SLOTS);
  private readonly ranges: Buffer;
  private readonly nranges: number;
  private readonly counts: Buffer;
  private readonly countv: Float64Array;
  /** Per range: device and region, to turn counts into CaptureStats.keep calls. */
  readonly rangeDevice: number[] = [];
  readonly rangeRegion: number[] = [];
  kept = 0;

  constructor(private readonly lib: ScanLib, table: Float64Array) {
    this.nranges = table.length / 4;
    this.ranges = Buffer.from(table.buffer, table.byteOffset, table.byteLength);
    this.counts = Buffer.alloc(Math.max(1, this.nranges) * 2 * 8);
    this.countv = new Float64Array(this.counts.buffer, this.counts.byteOffset, this.nranges * 2);
    for (let r = 0; r < this.nranges; r++) {
      this.rangeDevice.push(table[r * 4 + 2]);
      this.rangeRegion.push(table[r * 4 + 3]);
    }
  }

  /**
   * Scans the complete lines of buf[from, to); returns where it stopped (a line the reference path
   * must handle, or to) and the lines it consumed via onLines. ctx.lastTs is updated.
   */
  scan(buf: Buffer, from: number, to: number, ctx: ScanContext, onLines: (n: number) => void): number {
    const io = this.iov;
    const writer = ctx.writer;
    const batch = writer.batch;
    io[IO_EPOCH] = ctx.epochSec;
    io[IO_SHIFT] = ctx.shift;
    io[IO_GUEST] = ctx.guest | 0;
    io[IO_LIMIT] = writer.batchLimit;
    let pos = from;
    for (;;) {
      if (batch.n >= writer.batchLimit) writer.flush();
      io[IO_N] = batch.n;
      io[IO_LAST_TS] = ctx.lastTs;
      const rc = this.lib.msx_scan_qemu(buf, pos, to, this.io, this.ranges, this.nranges, batch.buf, batch.cap, this.counts);
      batch.n = io[IO_N];
      ctx.lastTs = io[IO_LAST_TS];
      pos = io[IO_POS];
      onLines(io[IO_LINES]);
      this.kept += io[IO_KEPT];
      if (batch.n >= writer.batchLimit) writer.flush();
      if (rc !== SCAN_FULL) return pos;
    }
  }

  /** Hands the kept counts out (and zeroes them). */
  drainCounts(keep: (device: number, region: number, dir: number, count: number) => void): void {
    const c = this.countv;
    for (let r = 0; r < this.nranges; r++) {
      for (let dir = 0; dir < 2; dir++) {
        const k = c[r * 2 + dir];
        if (k) keep(this.rangeDevice[r], this.rangeRegion[r], dir, k);
        c[r * 2 + dir] = 0;
      }
    }
  }
}

/**
 * BatchEncoder.encode with the columns encoded natively. Falls back to the JavaScript encoder for
 * batches the native one declines, and altogether when a probe batch does not come out the same
 * (the codec changed and scan.c was not brought along).
 */
export class FastBatchEncoder {
  private lib: ScanLib | null | undefined;

  constructor(private readonly js: BatchEncoder, private readonly mode: FastMode) {}

  private native(): ScanLib | null {
    if (this.lib === undefined) {
      const lib = scanLib();
      this.lib = lib && probeEncoder(lib) ? lib : null;
    }
    return this.lib;
  }

  encode(b: EventBatch, w: WireWriter): void {
    const lib = this.mode === 'never' || (this.mode === 'auto' && b.n < FAST_MIN_BATCH) ? null : this.native();
    if (lib && nativeEncode(lib, b, w)) return;
    this.js.encode(b, w);
  }
}

function nativeEncode(lib: ScanLib, b: EventBatch, w: WireWriter): boolean {
  const bound = encodeBound(b.n);
  w.ensure(bound + 16);
  const start = w.pos;
  const len = lib.msx_scan_encode(b.buf, b.cap, b.n, w.buf.subarray(start), bound);
  if (len < 0) return false;
  w.pos = start + len;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const crc = (require('zlib') as typeof import('zlib')).crc32(w.buf.subarray(start, w.pos));
  w.tag(31, 5);
  w.fixed32(crc);
  return true;
}

/** A batch that exercises every column form; true when both encoders give the same bytes. */
export function probeEncoder(lib: ScanLib): boolean {
  const batches: EventBatch[] = [];
  const varied = new EventBatch(64);
  let ts = 5;
  for (let i = 0; i < 64; i++) {
    ts += i % 5 === 0 ? -3 : 1000 * i + 7;
    varied.push(ts, i % 3 === 0 ? 7 : -2, i % 4 - 1, i % 2, i % 9 === 0 ? 1 : 0, (i * 4) % 48, [1, 2, 4, 8][i % 4], i & 1,
      (i * 2654435761) >>> 0, i % 7 === 0 ? 0x80000001 : 0);
  }
  batches.push(varied);
  const flat = new EventBatch(16);
  for (let i = 0; i < 16; i++) flat.push(i * 1e9, 3, 2, 1, 0, 12, 4, 1, 1, 0);
  batches.push(flat);
  const zero = new EventBatch(8);
  for (let i = 0; i < 8; i++) zero.push(0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
  batches.push(zero);
  for (const b of batches) {
    const a = new WireWriter(1 << 12);
    new BatchEncoder().encode(b, a);
    const n = new WireWriter(1 << 12);
    if (!nativeEncode(lib, b, n)) return false;
    if (!a.buf.subarray(0, a.pos).equals(n.buf.subarray(0, n.pos))) return false;
  }
  return true;
}

/** Puts a FastBatchEncoder into a TraceWriter in place of its BatchEncoder (when it has one). */
export function installFastEncoder(writer: TraceWriter, mode = fastMode()): void {
  if (mode === 'never') return;
  const w = writer as unknown as { encoder?: unknown };
  if (w.encoder instanceof BatchEncoder) w.encoder = new FastBatchEncoder(w.encoder, mode);
}
