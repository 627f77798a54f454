// kvm_mmio lines in ftrace text (/sys/kernel/tracing/trace, trace_pipe), docs/log-formats.md 3.2:
//   "%16s-%-7d [(%7d) |(-------) ][%03d] [lat flags ]%5lu.%06lu: kvm_mmio: mmio write len 4 gpa 0x.. val 0x.."
// Old kernels pad the pid to 5 and have no lat flags; flags are 4 chars, or 5 since ~5.13. comm may hold
// spaces ("CPU 0/KVM"), so the context is read backwards from the event name, which is unambiguous.
// trace-cmd report prints the same context (trace-cmd.ts reuses this parser).

import { FormatName, FormatSpec, IGNORED, LOST, LineResult, RawAccess } from '../format';
import { COLON, KvmContext, KvmMmioParser, SP, decimal, isDigit, skipSpaces, skipSpacesBack, timestampBefore, vcpuFromComm } from './kvm-mmio';

const MMIO_EVENT = 'kvm_mmio:';
// Closing a pending read needs only these two; each is preceded by ": " in the context.
const ENTRY_EVENT = ': kvm_entry:';
const EXIT_EVENT = ': kvm_exit:';

const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LPAREN = 0x28;
const RPAREN = 0x29;
const DASH = 0x2d;

/**
 * Reads the ftrace context that ends just before the event name at `ev` into ctx. False when the
 * text before `ev` is not a context (the name then sits inside comm or another event's text).
 */
export function scanFtraceContext(line: string, ev: number, ctx: KvmContext): boolean {
  if (ev < 2 || line.charCodeAt(ev - 1) !== SP || line.charCodeAt(ev - 2) !== COLON) return false;
  let i = timestampBefore(line, ev - 2, ctx);
  if (i < 0 || line.charCodeAt(i) !== SP) return false;
  i = skipSpacesBack(line, i);
  if (line.charCodeAt(i) !== RBRACKET) {
    // lat flags ("d..1" / "d..1."; no digits-only check: the columns are letters, dots and digits)
    let j = i;
    while (j >= 0 && line.charCodeAt(j) !== SP) j--;
    if (i - j < 4 || i - j > 5) return false;
    i = skipSpacesBack(line, j);
    if (line.charCodeAt(i) !== RBRACKET) return false;
  }
  let j = i - 1;
  while (j >= 0 && isDigit(line.charCodeAt(j))) j--;
  if (j === i - 1 || line.charCodeAt(j) !== LBRACKET || line.charCodeAt(j - 1) !== SP) return false;
  i = skipSpacesBack(line, j - 1);
  let tgid = -1;
  if (line.charCodeAt(i) === RPAREN) {
    // "(%7d) " with record-tgid; "(-------) " when the tgid is not known
    j = i - 1;
    while (j >= 0 && line.charCodeAt(j) !== LPAREN) j--;
    if (j < 1 || line.charCodeAt(j - 1) !== SP) return false;
    const d = skipSpaces(line, j + 1);
    let e = d;
    while (isDigit(line.charCodeAt(e))) e++;
    if (e > d && e === i) tgid = decimal(line, d, e);
    else if (line.charCodeAt(d) !== DASH) return false;
    i = skipSpacesBack(line, j - 1);
  }
  j = i;
  while (j >= 0 && isDigit(line.charCodeAt(j))) j--;
  if (j === i || j < 0 || line.charCodeAt(j) !== DASH) return false;
  ctx.thread = decimal(line, j + 1, i + 1);
  ctx.guest = tgid >= 0 ? tgid : ctx.thread;
  ctx.guestIsThread = tgid < 0;
  ctx.vcpu = vcpuFromComm(line, j);
  return true;
}

// "CPU:%d [LOST %lu EVENTS]" / "CPU:%d [LOST EVENTS]" (ftrace), "CPU:%d [%lld EVENTS DROPPED]" (trace-cmd).
const LOST_LINE = /^CPU:\d+ \[(?:LOST (\d+) EVENTS|LOST EVENTS|(\d+) EVENTS DROPPED)\]/;
// The `trace` file's header: events written minus events still in the buffer were overwritten.
const ENTRIES_LINE = /^# entries-in-buffer\/entries-written: (\d+)\/(\d+)/;

/** Parser of kvm_mmio in ftrace-style text; trace-cmd report differs only in its name. */
export class FtraceStyleParser extends KvmMmioParser {
  private countlessLossNoted = false;

  constructor(readonly format: FormatName) {
    super();
  }

  protected parseLine(line: string, out: RawAccess): LineResult {
    for (let ev = line.indexOf(MMIO_EVENT); ev >= 0; ev = line.indexOf(MMIO_EVENT, ev + 1)) {
      const payload = skipSpaces(line, ev + MMIO_EVENT.length);
      if (scanFtraceContext(line, ev, this.ctx)) return this.mmio(line, payload, out);
      // Right after a "...: " like an event name, with a kvm_mmio payload: an unknown context shape,
      // not a mention of kvm_mmio inside another event's text.
      if (line.charCodeAt(ev - 2) === COLON && line.startsWith('mmio ', payload) && line.indexOf(MMIO_EVENT, ev + 1) < 0) {
        return 'kvm_mmio event without a recognizable ftrace context (comm-pid [cpu] secs.usec:)';
      }
    }
    if (this.readsOpen) this.closeOnEntryOrExit(line);
    const c0 = line.charCodeAt(0);
    if (c0 === 0x43 /* C */ && line.startsWith('CPU:')) return this.lostLine(line);
    if (c0 === 0x23 /* # */) this.headerLine(line);
    return IGNORED;
  }

  private closeOnEntryOrExit(line: string): void {
    let at = line.indexOf(ENTRY_EVENT);
    if (at < 0) at = line.indexOf(EXIT_EVENT);
    if (at >= 0 && scanFtraceContext(line, at + 2, this.ctx)) this.vcpuRan(this.ctx.thread);
  }

  private lostLine(line: string): LineResult {
    const m = LOST_LINE.exec(line);
    if (!m) return IGNORED;
    const n = m[1] ?? m[2];
    if (n !== undefined) this.lost += Number(n);
    else if (!this.countlessLossNoted) {
      this.countlessLossNoted = true;
      this.notes.push('the tracer reported lost events without a count ([LOST EVENTS]); the lost total is a lower bound');
    }
    return LOST;
  }

  private headerLine(line: string): void {
    const m = ENTRIES_LINE.exec(line);
    if (!m) return;
    const inBuffer = Number(m[1]);
    const written = Number(m[2]);
    if (written > inBuffer) {
      this.notes.push(`the ring buffer overwrote the oldest ${written - inBuffer} events before the first line ` +
        `(entries-in-buffer ${inBuffer} < entries-written ${written}); accesses before it are missing`);
    }
  }
}

// Detection: comm-pid, optional tgid, [cpu], optional lat flags, timestamp, then the event name and the
// spaces after its colon: ftrace prints one, trace-cmd pads name + colon to 21 columns (print_event_name).
const EVENT_LINE = /-\d+\s+(?:\(\s*[\d-]+\)\s+)?\[\d+\]\s+(?:\S{4,5}\s+)?\d+(?:\.\d+)?: (\w+):( *)/;
const TRACE_CMD_HEADER = /^(?:cpus=\d+|CPU \d+ is empty)\s*$/;

export interface FtraceStyleTally {
  /** "# tracer: ..." (other than mmiotrace) - only the kernel's trace file has it. */
  tracerHeader: boolean;
  /** "cpus=N" / "CPU N is empty" - only trace-cmd report prints them. */
  traceCmdHeader: boolean;
  ftraceLines: number;
  traceCmdLines: number;
}

/** Counts the ftrace-vs-trace-cmd evidence in the first (up to 50 non-empty) lines of a log. */
export function tallyFtraceStyle(lines: readonly string[]): FtraceStyleTally {
  const t: FtraceStyleTally = { tracerHeader: false, traceCmdHeader: false, ftraceLines: 0, traceCmdLines: 0 };
  let seen = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (++seen > 50) break;
    // mmiotrace read from the `trace` file (not trace_pipe) has this header too, over its own records
    if (line.startsWith('# tracer: ')) t.tracerHeader = !line.startsWith('# tracer: mmiotrace');
    else if (TRACE_CMD_HEADER.test(line)) t.traceCmdHeader = true;
    else {
      const m = EVENT_LINE.exec(line);
      if (!m) continue;
      const name = m[1].length;
      const spaces = m[2].length;
      if (name >= 20) continue; // no padding either way
      if (spaces === 1) t.ftraceLines++;
      else if (spaces === 21 - name) t.traceCmdLines++;
    }
  }
  return t;
}

export const kvmFtrace: FormatSpec = {
  format: 'kvm-ftrace',
  detect(lines) {
    const t = tallyFtraceStyle(lines);
    return t.tracerHeader || (!t.traceCmdHeader && t.ftraceLines > 0 && t.ftraceLines > t.traceCmdLines);
  },
  create: () => new FtraceStyleParser('kvm-ftrace'),
};
