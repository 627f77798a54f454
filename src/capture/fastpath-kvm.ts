// The capture fast path for host traces: ftrace kvm_mmio lines scanned natively (native/capture/
// scan_kvm.c), so that a long trace of many VMs runs no JavaScript per line. Like the QEMU log's
// (fastpath.ts) it takes only the lines it decides exactly as the JavaScript reference does
// (formats/kvm-ftrace.ts, kvm-mmio.ts, then capture.ts access()) and hands the others back one by
// one; the reads KVM could not satisfy, still waiting for the VMM's answer, pass between the two
// sides at every turn, so either pairs them as the other would. test/capture-fastpath-kvm.test.js
// compares the two on the KVM recordings and on a log of edge cases.
import {
  KIO_KEPT, KIO_LAST_TS, KIO_LIMIT, KIO_LINES, KIO_MALFORMED, KIO_MISSES, KIO_N, KIO_OPEN_CAP, KIO_OPEN_N, KIO_POS,
  KIO_QUIET, KIO_SHIFT, KIO_SLOTS, KOPEN_FIELDS, KRANGE_FIELDS, SCAN_FULL, ScanLib,
} from '../native/scan';
import { KvmMmioParser } from './formats/kvm-mmio';
import { BatchTarget } from './sink';

// Open reads the native side can hold: one per vCPU thread waiting on the VMM at once. Past it the
// line goes to JavaScript, whose map has no bound but its threads.
const OPEN_CAP = 4096;

/** What one scan needs and gives back. */
export interface KvmScanContext {
  shift: number;
  lastTs: number;
  target: BatchTarget;
  /** Count malformed lines natively (JavaScript holds its first few places, and no --strict). */
  quiet: boolean;
  /** Out: malformed lines, and accesses outside their guest's geometry, counted natively. */
  malformed: number;
  misses: number;
}

export class KvmFastScan {
  private readonly io = Buffer.alloc(KIO_SLOTS * 8);
  private readonly iov = new Float64Array(this.io.buffer, this.io.byteOffset, KIO_SLOTS);
  private readonly open = Buffer.alloc(OPEN_CAP * KOPEN_FIELDS * 8);
  private readonly openv = new Float64Array(this.open.buffer, this.open.byteOffset, OPEN_CAP * KOPEN_FIELDS);
  private ranges: Buffer = Buffer.alloc(8);
  private nranges = 0;
  private counts: Buffer = Buffer.alloc(16);
  private countv = new Float64Array(this.counts.buffer, this.counts.byteOffset, 2);
  private table: Float64Array = new Float64Array(0);
  kept = 0;

  /** Records in the range table. */
  get records(): number {
    return this.nranges;
  }

  constructor(private readonly lib: ScanLib) {}

  /** A new range table (guestRangeTable()); the counts of the old one must have been drained. */
  setRanges(table: Float64Array): void {
    this.table = table;
    this.nranges = table.length / KRANGE_FIELDS;
    this.ranges = table.length ? Buffer.from(table.buffer, table.byteOffset, table.byteLength) : Buffer.alloc(8);
    this.counts = Buffer.alloc(Math.max(1, this.nranges) * 2 * 8);
    this.countv = new Float64Array(this.counts.buffer, this.counts.byteOffset, Math.max(1, this.nranges) * 2);
  }

  /**
   * Scans the complete lines of buf[from, to) with the parser's open reads; returns where it stopped
   * (a line the parser must take, or to), with the open reads back in the parser.
   */
  scan(buf: Buffer, from: number, to: number, ctx: KvmScanContext, parser: KvmMmioParser, onLines: (n: number) => void): number {
    const io = this.iov;
    let nopen = 0;
    parser.takeOpen((thread, a) => {
      this.openv.set([thread, a.guest, a.vcpu, a.tsNs, a.addr, a.size, a.lo, a.hi], nopen * KOPEN_FIELDS);
      nopen++;
    });
    io[KIO_SHIFT] = ctx.shift;
    io[KIO_QUIET] = ctx.quiet ? 1 : 0;
    io[KIO_OPEN_CAP] = OPEN_CAP;
    ctx.malformed = 0;
    ctx.misses = 0;
    let pos = from;
    for (;;) {
      const target = ctx.target;
      const batch = target.batch; // taken again each turn: a flush may swap it
      io[KIO_LIMIT] = target.batchLimit;
      io[KIO_N] = batch.n;
      io[KIO_LAST_TS] = ctx.lastTs;
      io[KIO_OPEN_N] = nopen;
      const rc = this.lib.msx_scan_kvm(buf, pos, to, this.io, this.ranges, this.nranges, batch.buf, batch.cap, this.counts, this.open);
      batch.n = io[KIO_N];
      ctx.lastTs = io[KIO_LAST_TS];
      pos = io[KIO_POS];
      nopen = io[KIO_OPEN_N];
      onLines(io[KIO_LINES]);
      this.kept += io[KIO_KEPT];
      ctx.malformed += io[KIO_MALFORMED];
      ctx.misses += io[KIO_MISSES];
      if (rc !== SCAN_FULL) break;
      target.flush();
    }
    // A batch left full would overflow at the JavaScript path's next push.
    if (ctx.target.batch.n >= ctx.target.batchLimit) ctx.target.flush();
    const o = this.openv;
    for (let k = 0; k < nopen; k++) {
      const r = k * KOPEN_FIELDS;
      parser.putOpen(o[r], o[r + 3], o[r + 1], o[r + 2], o[r + 4], o[r + 5], o[r + 6], o[r + 7]);
    }
    return pos;
  }

  /** Hands the kept counts out per (header device, region, direction), and zeroes them. */
  drainCounts(keep: (device: number, region: number, dir: number, count: number) => void): void {
    const c = this.countv;
    for (let r = 0; r < this.nranges; r++) {
      for (let dir = 0; dir < 2; dir++) {
        const k = c[r * 2 + dir];
        if (k) keep(this.table[r * KRANGE_FIELDS + 3], this.table[r * KRANGE_FIELDS + 4], dir, k);
        c[r * 2 + dir] = 0;
      }
    }
  }
}
