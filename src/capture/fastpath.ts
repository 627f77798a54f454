// The capture fast path: native code scans whole buffers of a QEMU log (and the TraceWriter's
// native encoder, src/native/encode.ts, encodes whole batches), so no JavaScript runs per line or
// per event on a large log. It only ever takes the cases it
// decides exactly as the JavaScript reference does (formats/qemu-log.ts + capture.ts access());
// any other line (malformed, unnamed, outside the geometry, NUL, first
// kept access, ...) is handed back to the reference path, so the trace and the summary are the same
// byte for byte (test/capture-fastpath.test.js). Except in floods: once the summary holds its first
// few places of malformed lines (or of accesses outside the geometry) and --strict is off, only
// their count matters, and the scan counts such lines itself (ctx.quiet) instead of handing back
// each one, which cost an ffi round trip (and garbage) per line.
//
// The fast path runs from an input's first byte. MSIXTRACE_FAST=never runs the JavaScript path
// alone: the reference the tests compare the fast path with, and the bench's baseline.
import {
  IO_EPOCH, IO_GUEST, IO_KEPT, IO_LAST_TS, IO_LIMIT, IO_LINES, IO_MALFORMED, IO_N, IO_OUTSIDE, IO_POS, IO_QUIET, IO_SHIFT,
  IO_SLOTS, SCAN_FULL, ScanLib,
} from '../native/scan';
import { TraceWriter } from '../tracefile/writer';
import { RANGE_FIELDS } from './geometry';

/** False under MSIXTRACE_FAST=never. */
export function fastScanning(): boolean {
  return process.env.MSIXTRACE_FAST !== 'never';
}

/** What the scan needs from the capture driver each time it runs. */
export interface ScanContext {
  epochSec: number;
  shift: number;
  guest: number;
  lastTs: number;
  writer: TraceWriter;
  /** QUIET_* bits: which lines the scan may count itself rather than hand back. */
  quiet: number;
  /** Out: malformed lines and accesses outside the geometry the scan counted itself. */
  malformed: number;
  outside: number;
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
    this.nranges = table.length / RANGE_FIELDS;
    this.ranges = Buffer.from(table.buffer, table.byteOffset, table.byteLength);
    this.counts = Buffer.alloc(Math.max(1, this.nranges) * 2 * 8);
    this.countv = new Float64Array(this.counts.buffer, this.counts.byteOffset, this.nranges * 2);
    for (let r = 0; r < this.nranges; r++) {
      this.rangeDevice.push(table[r * RANGE_FIELDS + 2]);
      this.rangeRegion.push(table[r * RANGE_FIELDS + 3]);
    }
  }

  /**
   * Scans the complete lines of buf[from, to); returns where it stopped (a line the reference path
   * must handle, or to) and the lines it consumed via onLines. ctx.lastTs is updated.
   */
  scan(buf: Buffer, from: number, to: number, ctx: ScanContext, onLines: (n: number) => void): number {
    const io = this.iov;
    const writer = ctx.writer;
    let batch = writer.batch; // taken again after each flush: the writer alternates two batches
    io[IO_EPOCH] = ctx.epochSec;
    io[IO_SHIFT] = ctx.shift;
    io[IO_GUEST] = ctx.guest | 0;
    io[IO_LIMIT] = writer.batchLimit;
    io[IO_QUIET] = ctx.quiet;
    ctx.malformed = 0;
    ctx.outside = 0;
    let pos = from;
    for (;;) {
      if (batch.n >= writer.batchLimit) {
        writer.flush();
        batch = writer.batch;
      }
      io[IO_N] = batch.n;
      io[IO_LAST_TS] = ctx.lastTs;
      const rc = this.lib.msx_scan_qemu(buf, pos, to, this.io, this.ranges, this.nranges, batch.buf, batch.cap, this.counts);
      batch.n = io[IO_N];
      ctx.lastTs = io[IO_LAST_TS];
      pos = io[IO_POS];
      onLines(io[IO_LINES]);
      this.kept += io[IO_KEPT];
      ctx.malformed += io[IO_MALFORMED];
      ctx.outside += io[IO_OUTSIDE];
      if (batch.n >= writer.batchLimit) {
        writer.flush();
        batch = writer.batch;
      }
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
