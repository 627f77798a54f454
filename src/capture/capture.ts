// The capture driver: identify each input's format, run its parser, classify every access with the
// geometry, keep the MSI-X table/PBA ones with normalized timestamps, and write the trace file.
// Inputs are identified before any is read in full, so a bad input fails before work is done and
// the header can name every source format.
import { UserError } from '../errors';
import { DIR_READ, DIR_WRITE, EventBatch, REGION_PBA, REGION_TABLE } from '../events';
import { Footer } from '../tracefile/schema';
import { TraceWriter, WriterInit } from '../tracefile/writer';
import { Progress } from '../util/out';
import { isStdin } from '../util/stdin';
import { ACCESS, FormatName, FormatSpec, IGNORED, LineParser, LOST, newRawAccess, RawAccess } from './format';
import { detectTextFormat, FORMAT_CHOICES, FormatChoice, SIMPLETRACE, textFormat } from './formats/index';
import { isSimpletrace, SIMPLETRACE_HEAD, SimpletraceDecoder } from './formats/simpletrace';
import { addTableMaps, Hit } from './geometry';
import { GuestDevices } from './guests';
import { GuestIds } from './guest-ids';
import { InputStream } from './input';
import { BINARY_FORMAT, binaryKind, CaptureInput, openBinary } from './binary-inputs';
import { LineScanner } from './lines';
import { fastScanning, QemuFastScan, ScanContext } from './fastpath';
import { KvmFastScan, KvmScanContext } from './fastpath-kvm';
import { KvmMmioParser } from './formats/kvm-mmio';
import { EventSink } from './sink';
import { QUIET_MALFORMED, QUIET_NO_EVENTS, QUIET_OUTSIDE, scanLib } from '../native/scan';
import { looksLikeText, Sniffer } from './sniff';
import { CaptureStats, renderSummary } from './summary';

export interface CaptureOptions {
  inputs: string[];
  format?: FormatChoice;
  /** `FILE` (every guest) or `GUEST=FILE` (that guest), one or many. */
  lspci?: string | string[];
  /** QEMU `info mtree -f` output, as `FILE` or `GUEST=FILE`, one or many. */
  mtree?: string | string[];
  table?: string;
  pba?: string;
  /** On a log with process ids (tgid, pid, domain): the one VM to keep; otherwise the id to label it with. */
  guest?: number;
  output: string;
  strict?: boolean;
  /** Aborting it stops reading; what was read so far is written with footer.interrupted = true. */
  signal?: AbortSignal;
}

export interface CaptureResult {
  stats: CaptureStats;
  footer: Footer;
  summary: string;
}

interface Source {
  input: CaptureInput;
  format: FormatName;
  parser: LineParser | null; // null: simpletrace
  // Added to the source's timestamps to get ns from the trace start; fixed at its first kept access.
  shift: number | null;
}

const MSIX_TABLE_NAMES = new Set(['msix-table', 'xen-pci-pt-msix']);
const MSIX_PBA_NAME = 'msix-pba';
// ts_ns of an event: an integer within 2^53 of the trace start (the trace format's limit, ~104
// days); a stamp past it cannot belong to the same trace as the first one.
const TS_LIMIT = 2 ** 53;
// Guest and vCPU ids are 32-bit signed in an event batch (native/common/msixtrace.h).
const ID_MAX = 0x7fffffff;
const NO_GEOMETRY = 'no MSI-X geometry: pass --lspci FILE (the guest\'s `lspci -vv` output), --mtree FILE (the QEMU monitor\'s `info mtree -f`) or --table GPA:ENTRIES [--pba GPA]';
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

export async function capture(opts: CaptureOptions): Promise<CaptureResult> {
  return new Capture(opts).run();
}

class Capture {
  private readonly stats = new CaptureStats();
  private readonly signal: AbortSignal;
  private readonly guests: GuestDevices;
  private readonly ids: GuestIds;
  private dynamicGeometry = false;
  private sources: Source[] = [];
  private sink!: EventSink;
  private parsedAccesses = 0;
  private readonly hit: Hit = { device: 0, region: 0, offset: 0 };
  // Trace start: the first kept access; its Unix time when its source has a wall clock.
  private clockStarted = false;
  private untimedNoted = false;
  private startUnixNs: bigint | null = null;
  private firstShift = 0;
  private lastTs = 0;
  private mapsSeen = 0;
  /** Lines the native scans took (MSIXTRACE_DEBUG=1 says how many). */
  private nativeLines = 0;
  /** Where the fast paths hand the accesses they kept, as counts per device, region and direction. */
  private readonly keepCounted = (device: number, region: number, dir: number, count: number): void => this.stats.keepMany(device, region, dir, count);
  /** What a fast path still owes the stats once its source has been read. */
  private afterText: Array<() => void> = [];
  private readonly progress = new Progress('capture');

  constructor(private readonly opts: CaptureOptions) {
    this.signal = opts.signal ?? new AbortController().signal;
    this.guests = new GuestDevices({ lspci: list(opts.lspci), mtree: list(opts.mtree), table: opts.table, pba: opts.pba });
    this.ids = new GuestIds(opts.guest);
  }

  async run(): Promise<CaptureResult> {
    const o = this.opts;
    if (o.inputs.length === 0) throw new UserError('capture: name at least one log (or - for stdin)');
    if (o.format && !(FORMAT_CHOICES as readonly string[]).includes(o.format)) throw new UserError(`-f ${o.format}: unknown format (one of ${FORMAT_CHOICES.join(', ')})`);
    if (o.inputs.filter(isStdin).length > 1) throw new UserError('stdin (-) can be read only once');
    if (o.pba && !o.table) throw new UserError('--pba needs --table GPA:ENTRIES');
    if (o.guest !== undefined && !(Number.isInteger(o.guest) && o.guest >= 0 && o.guest <= ID_MAX)) {
      throw new UserError(`--guest ${o.guest}: expected a VM id from 0 to 2147483647 (2^31-1, the largest a trace holds)`);
    }
    const forced: FormatName | null = o.format && o.format !== 'auto' ? o.format : null;
    if (this.guests.empty && forced && forced !== 'mmiotrace') throw new UserError(NO_GEOMETRY);
    this.stats.notes.push(...this.guests.notes);

    try {
      for (const file of o.inputs) this.sources.push(await this.identify(file, forced));
      if (this.guests.empty) {
        if (this.sources.some((s) => s.format !== 'mmiotrace')) throw new UserError(NO_GEOMETRY);
        this.guests.ensureTemplate();
        this.dynamicGeometry = true;
      }
      const lazy = this.settleDevices();
      // Devices that appear with the guests as the log is read make the device list final only at the end.
      this.sink = new EventSink(o.output, this.dynamicGeometry || lazy, () => this.writerInit());
      // After a stop, inputs still hand out the chunks already read for detection, then end.
      for (const s of this.sources) {
        if (s.parser) await this.readText(s, s.parser);
        else await this.readSimpletrace(s);
        s.input.close();
      }
      this.progress.done();
      this.stats.interrupted = this.signal.aborted;
      const labelProblem = this.ids.labelProblem(this.sources.map((s) => s.input.name).join(', '));
      if (labelProblem) throw new UserError(labelProblem);
      if (this.stats.kept === 0) throw new UserError(this.ids.nothingSelected() ?? this.nothingKept());
      this.stats.notes.push(...this.ids.notes(this.sources.map((s) => ({ name: s.input.name, format: s.format, threads: this.threadIds(s) }))));
      this.stats.notes.push(...this.noGeometryNotes());
      const footer = await this.sink.finish({
        interrupted: this.stats.interrupted,
        sourceLines: this.stats.lines + this.stats.records,
        sourceLostEvents: this.stats.lost,
      });
      for (const src of this.sources) for (const note of src.parser?.notes ?? []) if (!this.stats.notes.includes(note)) this.stats.notes.push(note);
      const summary = renderSummary(this.stats, this.parsedAccesses, this.sources.map((s) => s.input.name), this.guests.devices, o.output);
      return { stats: this.stats, footer, summary };
    } catch (e) {
      this.progress.done();
      this.sink?.abort();
      throw e;
    } finally {
      for (const s of this.sources) s.input.close();
    }
  }

  /**
   * Settles which header devices exist before reading. With --guest, or logs that carry no VM id,
   * there is one guest; with geometries only per guest, their guests. Otherwise (one geometry for
   * a log of many VMs) each guest's devices are added as it shows up: true.
   */
  private settleDevices(): boolean {
    if (this.dynamicGeometry) return true;
    const want = this.opts.guest;
    const withIds = this.sources.some((s) => GuestIds.carriesIds(s.format));
    if (want !== undefined) this.guests.addGuest(want);
    else if (!withIds) this.guests.addGuest(0);
    else if (this.guests.template === null) for (const g of this.guests.ownGuests) this.guests.addGuest(g);
    else return true;
    this.guests.freeze();
    return false;
  }

  private threadIds(s: Source): boolean {
    return !!(s.parser as { threadGuests?: boolean } | null)?.threadGuests;
  }

  private noGeometryNotes(): string[] {
    const m = this.guests.noGeometry;
    if (m.size === 0) return [];
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    const some = [...m.keys()].slice(0, 8).join(', ') + (m.size > 8 ? ', ...' : '');
    return [`skipped ${total} accesses of guest${m.size > 1 ? 's' : ''} ${some}: no geometry for ${m.size > 1 ? 'them' : 'it'} (pass --lspci GUEST=FILE or --mtree GUEST=FILE)`];
  }

  private nothingKept(): string {
    const names = this.sources.map((s) => s.input.name).join(', ');
    const read = this.stats.records ? `${this.stats.records} records read` : `${this.stats.lines} lines read`;
    const why = this.signal.aborted ? 'interrupted before any MSI-X table or PBA access was read' : 'no MSI-X table or PBA accesses found';
    const hint = this.stats.outside.count
      ? `; ${this.stats.outside.count} MSI-X accesses fell outside the given geometry (first at ${this.stats.outside.first[0]}): is the lspci output from this guest and run?`
      : '';
    return `${names}: ${why} (${read}${this.stats.malformed.count ? `, ${this.stats.malformed.count} malformed` : ''})${hint}`;
  }

  private writerInit(): WriterInit {
    const notes = [...this.stats.notes];
    for (const s of this.sources) if (s.parser) notes.push(...s.parser.notes);
    return {
      sourceFormat: [...new Set(this.sources.map((s) => s.format))].join(','),
      sourceFiles: this.sources.map((s) => s.input.name),
      devices: this.guests.devices,
      traceStartUnixNs: this.startUnixNs ?? 0n,
      notes,
    };
  }

  /** Opens an input and settles its format from its first bytes and lines. */
  private async identify(file: string, forced: FormatName | null): Promise<Source> {
    let input: CaptureInput = await InputStream.open(file, this.signal);
    const source = (format: FormatName, parser: LineParser | null): Source => {
      this.stats.formats.add(format);
      return { input, format, parser, shift: null };
    };
    try {
      const head: Buffer[] = [];
      let bytes = 0;
      const more = async (): Promise<boolean> => {
        const c = await input.next();
        if (!c) return false;
        head.push(c);
        bytes += c.length;
        return true;
      };
      // Only the simpletrace magic is worth waiting for: a live pipe may not fill more for a while.
      while (bytes < SIMPLETRACE_HEAD && await more());
      if (bytes === 0) {
        if (this.signal.aborted) {
          const f = forced ?? 'qemu-log';
          return source(f, f === SIMPLETRACE ? null : this.textParser(f));
        }
        throw new UserError(`${input.name}: empty${input.gzip ? ' after decompression' : ''}, no trace to capture`);
      }
      const start = head.length === 1 ? head[0] : Buffer.concat(head);
      if (isSimpletrace(start)) {
        if (forced && forced !== SIMPLETRACE) throw new UserError(`${input.name}: is a QEMU simpletrace binary file, not ${forced} (pass -f qemu-simpletrace or -f auto)`);
        input.unshift(head);
        return source(SIMPLETRACE, null);
      }
      const binary = input.gzip ? null : binaryKind(start);
      if (binary) {
        // trace.dat / perf.data: read by the tracer's own reader, as the text its report prints.
        const format = BINARY_FORMAT[binary];
        if (forced && forced !== format) throw new UserError(`${input.name}: is a ${binary} file, not ${forced} (pass -f ${format} or -f auto)`);
        if (isStdin(file)) throw new UserError(`${input.name}: a ${binary} file must be read from a file, not a pipe`);
        input.close();
        input = openBinary(binary, file, input.name, this.signal);
        return source(format, this.textParser(format));
      }
      if (forced === SIMPLETRACE) throw new UserError(`${input.name}: not a QEMU simpletrace file (no simpletrace magic in its first 16 bytes)`);
      if (forced) {
        if (!looksLikeText(start)) throw new UserError(`${input.name}: not a text trace log (binary data, and not a QEMU simpletrace file)`);
        input.unshift(head);
        return source(forced, this.textParser(forced));
      }
      // Detection reads lines, skipping over-long and unreadable ones, within fixed bounds.
      const sniff = new Sniffer();
      for (const c of head) sniff.push(c);
      while (!sniff.done && await more()) sniff.push(head[head.length - 1]);
      if (!sniff.done) sniff.end();
      input.unshift(head);
      if (sniff.binary) throw new UserError(`${input.name}: not a text trace log (binary data, and not a QEMU simpletrace file)`);
      const skipped = sniff.firstSkipped;
      const spec = detectTextFormat(sniff.lines);
      if (!spec) {
        const textChoices = FORMAT_CHOICES.filter((f) => f !== 'auto' && f !== SIMPLETRACE).join('|');
        // --strict: the line that failed first, by its number.
        if (skipped && this.opts.strict) throw new UserError(`${input.name}:${skipped.line}: ${skipped.why}; cannot tell the log format (pass -f ${textChoices})`);
        const why = skipped ? ` (${sniff.skipped} line${sniff.skipped > 1 ? 's' : ''} skipped, the first at ${input.name}:${skipped.line}: ${skipped.why})` : '';
        throw new UserError(`cannot tell the log format of ${input.name}${why}; pass -f ${textChoices}`);
      }
      return source(spec.format, spec.create());
    } catch (e) {
      input.close();
      throw e;
    }
  }

  private textParser(format: FormatName): LineParser {
    const spec: FormatSpec | undefined = textFormat(format);
    if (!spec) throw new UserError(`-f ${format}: this format's parser is not available in this build`);
    return spec.create();
  }

  private async readText(s: Source, parser: LineParser): Promise<void> {
    const out = newRawAccess();
    const name = s.input.name;
    const fast = this.fastScanner(s, parser) ?? this.kvmFastScanner(s, parser);
    const scanner = new LineScanner({
      get needle() { return parser.needle; },
      fast,
      line: (text, lineNo) => {
        const r = parser.parse(text, out);
        if (r === ACCESS) this.access(s, out, name, lineNo);
        else if (r === IGNORED) {
          if (this.dynamicGeometry) this.learnTableMaps(parser, name);
        } else if (r !== LOST) this.malformed(`${name}:${lineNo}`, r);
      },
      malformed: (lineNo, why) => this.malformed(`${name}:${lineNo}`, why),
    });
    // LineScanner copies what it keeps of a chunk, so the input may reuse chunk memory.
    s.input.reuseBuffers = true;
    try {
      for (let c = await s.input.next(); c; c = await s.input.next()) {
        scanner.push(c);
        this.progress.update(s.input.rawBytes, s.input.totalBytes ?? undefined, s.input.totalBytes ? '' : ' bytes');
      }
      scanner.end();
      for (const f of this.afterText.splice(0)) f();
      if (parser.drain) while (parser.drain(out)) this.access(s, out, name, scanner.lines);
    } finally {
      this.stats.lines += scanner.lines;
      this.stats.lost += parser.lost;
      // which path read the log: the tests that compare the two check that the native one ran
      if (process.env.MSIXTRACE_DEBUG === '1') process.stderr.write(`msixtrace: debug: ${name}: ${this.nativeLines} of ${scanner.lines} lines scanned natively\n`);
      this.nativeLines = 0;
    }
  }

  /**
   * The native fast path for a qemu-log source (fastpath.ts), as a LineScanner.fast: it runs once
   * the log has shown region names, a wall clock and a first kept access.
   */
  private fastScanner(s: Source, parser: LineParser): ((buf: Buffer, from: number, to: number, sc: LineScanner) => number) | undefined {
    if (s.format !== 'qemu-log' || !fastScanning() || this.dynamicGeometry) return undefined;
    const qemu = parser as LineParser & { wallEpochSec?: number };
    let scan: QemuFastScan | null | undefined;
    const ctx: ScanContext = { epochSec: 0, shift: 0, guest: 0, lastTs: 0, writer: null!, quiet: 0, malformed: 0, outside: 0 };
    // Before the first kept access there is no writer: the scan then writes no event (NO_EVENTS).
    const noEvents = { batch: new EventBatch(8), batchLimit: 0, flush: (): void => undefined } as unknown as TraceWriter;
    return (buf, from, to, sc) => {
      const writer = this.sink.direct;
      const epochSec = qemu.wallEpochSec ?? -1;
      if (parser.needle !== 'msix') return from;
      const live = s.shift !== null && writer !== null && epochSec >= 0;
      // Once events flow without a wall clock (untimed lines), every line is the JS path's.
      if (!live && writer !== null) return from;
      if (scan === undefined) {
        // The scanner's device numbers are the geometry's: only when they are the header's too.
        const g = this.guests.identityFor(this.opts.guest ?? 0);
        scan = g ? new QemuFastScan(scanLib(), g.rangeTable()) : null;
      }
      if (scan === null) return from;
      ctx.epochSec = live ? epochSec : 0;
      ctx.shift = s.shift ?? 0;
      ctx.guest = this.opts.guest ?? 0;
      ctx.lastTs = this.lastTs;
      ctx.writer = live ? writer : noEvents;
      const st = this.stats;
      ctx.quiet = (live ? 0 : QUIET_NO_EVENTS) | (this.opts.strict ? 0 : (st.malformed.full ? QUIET_MALFORMED : 0) | (st.outside.full ? QUIET_OUTSIDE : 0));
      const before = scan.kept;
      const pos = scan.scan(buf, from, to, ctx, (n) => { sc.lines += n; this.nativeLines += n; });
      this.lastTs = ctx.lastTs;
      // what access() would have counted for the lines the scan counted itself
      st.malformed.count += ctx.malformed;
      st.outside.count += ctx.outside;
      this.parsedAccesses += scan.kept - before + ctx.outside;
      scan.drainCounts(this.keepCounted);
      return pos;
    };
  }

  /**
   * The native fast path for an ftrace kvm_mmio source (fastpath-kvm.ts), as a LineScanner.fast: it
   * runs once the first access has started the trace's clock, without --guest (whose selection and
   * labels stay with GuestIds), on the lines that name their process (tgid). Guests and devices enter its
   * range table once the JavaScript path has placed an access of theirs.
   */
  private kvmFastScanner(s: Source, parser: LineParser): ((buf: Buffer, from: number, to: number, sc: LineScanner) => number) | undefined {
    if (s.format !== 'kvm-ftrace' || !fastScanning() || this.dynamicGeometry || this.opts.guest !== undefined) return undefined;
    if (!(parser instanceof KvmMmioParser)) return undefined;
    const scan = new KvmFastScan(scanLib());
    let version = '';
    let builtAt = -Infinity; // the line count when the range table was last built
    // Lines left to JavaScript without asking the scan: after a call that took no line, the next
    // 1, 2, 4 ... 64 lines, so a log the scan keeps handing back (every line a new device) costs no
    // ffi call per line.
    let skip = 0;
    let backoff = 0;
    const ctx: KvmScanContext = { shift: 0, lastTs: 0, target: null!, quiet: false, malformed: 0, misses: 0 };
    // The kept counts go to the summary when the table changes and once the source is read: draining
    // them per call would cost the table's size per call.
    this.afterText.push(() => scan.drainCounts(this.keepCounted));
    return (buf, from, to, sc) => {
      const target = this.sink.target;
      // Before the first kept access (no clock), or while accesses are owed. (Lines without a tgid
      // go to JavaScript, which notes them; without --guest a tgid is the guest either way.)
      if (s.shift === null || target === null || parser.owing) return from;
      if (skip > 0) {
        skip--;
        return from;
      }
      // A table behind the devices only hands more lines back; rebuilding it costs its size, so it
      // is rebuilt once a quarter of its size in lines has gone by: a log whose every line names a
      // new device (50 k of them) stays linear.
      if (this.guests.tableVersion !== version && sc.lines - builtAt >= scan.records / 4) {
        scan.drainCounts(this.keepCounted);
        version = this.guests.tableVersion;
        builtAt = sc.lines;
        scan.setRanges(this.guests.guestRangeTable());
      }
      ctx.shift = s.shift;
      ctx.lastTs = this.lastTs;
      ctx.target = target;
      ctx.quiet = !this.opts.strict && this.stats.malformed.full;
      const before = scan.kept;
      const pos = scan.scan(buf, from, to, ctx, parser, (n) => { sc.lines += n; this.nativeLines += n; });
      this.lastTs = ctx.lastTs;
      // what parse() and access() would have counted for the lines the scan took
      this.stats.malformed.count += ctx.malformed;
      this.stats.notMsix += ctx.misses;
      this.parsedAccesses += scan.kept - before + ctx.misses;
      if (pos === from) skip = backoff = Math.min(64, backoff * 2 || 1);
      else backoff = 0;
      return pos;
    };
  }

  private async readSimpletrace(s: Source): Promise<void> {
    const name = s.input.name;
    const decoder = new SimpletraceDecoder(name, {
      access: (a, recordNo) => this.access(s, a, name, recordNo),
      malformed: (recordNo, why) => this.malformed(`${name}: record ${recordNo}`, why),
    });
    try {
      for (let c = await s.input.next(); c; c = await s.input.next()) {
        decoder.push(c);
        this.progress.update(s.input.rawBytes, s.input.totalBytes ?? undefined, s.input.totalBytes ? '' : ' bytes');
      }
      // A stopped capture leaves the last record half read; that is not damage in the file.
      if (!this.signal.aborted) decoder.end();
    } finally {
      this.stats.records += decoder.records;
      this.stats.lost += decoder.lost;
    }
  }

  private learnTableMaps(parser: LineParser, source: string): void {
    const maps = parser.tableMaps;
    if (!maps || maps.length === this.mapsSeen) return;
    addTableMaps(this.guests.ensureTemplate(), maps, this.mapsSeen, 0, source);
    this.mapsSeen = maps.length;
  }

  private malformed(place: string, why: string): void {
    if (this.opts.strict) throw new UserError(`${place}: ${why}`);
    // Only the first few places are kept: a flood of bad lines costs a count, not a string each.
    if (this.stats.malformed.full) this.stats.malformed.count++;
    else this.stats.malformed.add(`${place} ${why}`);
  }

  /** An access that parsed but cannot be kept: a malformed line (it was counted as parsed). */
  private malformedAccess(place: string, why: string): void {
    this.parsedAccesses--;
    this.malformed(place, why);
  }

  private access(s: Source, a: RawAccess, file: string, lineNo: number): void {
    this.parsedAccesses++;
    if (this.dynamicGeometry && s.parser) this.learnTableMaps(s.parser, file);
    let want = -1;
    if (a.region !== '') {
      if (MSIX_TABLE_NAMES.has(a.region)) want = REGION_TABLE;
      else if (a.region === MSIX_PBA_NAME) want = REGION_PBA;
      else {
        this.stats.notMsix++;
        return;
      }
    }
    const guest = this.ids.resolve(a, this.threadIds(s));
    if (guest === null) return; // another VM than --guest selects
    const where = (): string => (s.parser ? `${file}:${lineNo}` : `${file}: record ${lineNo}`);
    // Ids a batch cannot hold are refused, never wrapped (and give no header devices).
    if (guest > ID_MAX) return this.malformedAccess(where(), `guest id ${guest} above 2147483647 (2^31-1, the largest a trace holds)`);
    if (a.vcpu > ID_MAX || a.vcpu < -1) return this.malformedAccess(where(), `vCPU ${a.vcpu} outside -1..2147483647 (the range a trace holds)`);
    const hit = this.hit;
    const placed = this.guests.classify(guest, a.addr, hit);
    if (placed < 0) return;
    if (placed === 0 || (want >= 0 && hit.region !== want)) {
      if (want < 0) {
        this.stats.notMsix++;
        return;
      }
      const why = `${a.region} access at 0x${a.addr.toString(16)} outside the known MSI-X ${want === REGION_PBA ? 'PBAs' : 'tables'}`;
      if (this.opts.strict) throw new UserError(`${where()}: ${why}`);
      if (this.stats.outside.full) this.stats.outside.count++;
      else this.stats.outside.add(`${where()} (0x${a.addr.toString(16)})`);
      return;
    }
    let ts = this.lastTs;
    if (!Number.isNaN(a.tsNs)) {
      if (s.shift === null) s.shift = this.shiftFor(s, a.tsNs);
      ts = Math.round(a.tsNs + s.shift);
      if (!(Math.abs(ts) <= TS_LIMIT)) {
        return this.malformedAccess(where(), `timestamp ${(ts / 1e9).toExponential(3)} s from the trace start (more than 2^53 ns, 104 days: not the same trace)`);
      }
      this.lastTs = ts;
    } else if (!this.untimedNoted) {
      this.untimedNoted = true;
      this.stats.notes.push(`${file}: lines carry no timestamps; ts_ns is 0 (event order is the log order)`);
    }
    const dir = a.write ? DIR_WRITE : DIR_READ;
    this.sink.push(ts, guest, a.vcpu, hit.device, hit.region, hit.offset, a.size, dir, a.lo, a.hi);
    this.stats.keep(hit.device, hit.region, dir);
  }

  /**
   * ts_ns counts from the first kept access. Sources with a wall clock line up with each other by
   * it; sources without one are taken to share the first source's clock.
   */
  private shiftFor(s: Source, tsNs: number): number {
    const clock = s.parser?.clockUnixNs;
    if (!this.clockStarted) {
      this.clockStarted = true;
      this.firstShift = -tsNs;
      if (clock !== undefined) this.startUnixNs = clock + BigInt(Math.round(tsNs));
      return this.firstShift;
    }
    if (clock !== undefined && this.startUnixNs !== null) return Number(clock - this.startUnixNs);
    if ((clock !== undefined) !== (this.startUnixNs !== null)) {
      this.stats.notes.push(`${s.input.name}: its clock differs from the first input's; its ts_ns are not comparable with theirs`);
    }
    return this.firstShift;
  }
}
