// kvm_mmio lines in `perf script` output with the default tracepoint fields, docs/log-formats.md 3.4:
//   "[VM:%5d ][VCPU:%03d ]%16s %7d[/%-7d] [%03d] %12s: kvm:kvm_mmio: mmio write len 4 gpa 0x.. val 0x.."
// comm, tid (%5d before perf 6.5), or pid/tid with -F pid,tid; time in usec, or %5lu.%09llu with --ns;
// the event name is right-aligned to the longest one. VM:/VCPU: come only with -F machine_pid,vcpu.
// As in ftrace, comm may contain spaces, so the context is read backwards from the event name.

import { FormatSpec, IGNORED, LOST, LineResult, RawAccess } from '../format';
import { COLON, KvmContext, KvmMmioParser, SP, decimal, isDigit, skipSpaces, skipSpacesBack, timestampBefore, vcpuFromComm } from './kvm-mmio';

const MMIO_EVENT = 'kvm:kvm_mmio:';
const ENTRY_EVENT = 'kvm:kvm_entry:';
const EXIT_EVENT = 'kvm:kvm_exit:';
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const SLASH = 0x2f;

const GUEST_PREFIX = /^VM:\s*(\d+) (?:VCPU:\s*(\d+) )?/;
// perf script --show-lost-events: "<context> PERF_RECORD_LOST lost %lu"
const LOST_RECORD = /PERF_RECORD_LOST(?:_SAMPLES)?\b.*?\blost (\d+)/;

/** Reads the perf script context that ends just before the event name at `ev` into ctx. */
export function scanPerfContext(line: string, ev: number, ctx: KvmContext): boolean {
  if (ev < 1 || line.charCodeAt(ev - 1) !== SP) return false;
  let i = skipSpacesBack(line, ev - 1);
  ctx.tsNs = NaN;
  if (line.charCodeAt(i) === COLON) {
    i = timestampBefore(line, i, ctx);
    if (i < 0 || line.charCodeAt(i) !== SP) return false;
    i = skipSpacesBack(line, i);
  }
  if (line.charCodeAt(i) === RBRACKET) {
    let j = i - 1;
    while (j >= 0 && isDigit(line.charCodeAt(j))) j--;
    if (j === i - 1 || line.charCodeAt(j) !== LBRACKET || line.charCodeAt(j - 1) !== SP) return false;
    i = skipSpacesBack(line, j - 1);
  }
  let j = i;
  while (j >= 0 && isDigit(line.charCodeAt(j))) j--;
  if (j === i) return false;
  ctx.thread = decimal(line, j + 1, i + 1);
  let pid = ctx.thread;
  ctx.guestIsThread = true;
  if (j >= 0 && line.charCodeAt(j) === SLASH) {
    const e = j;
    j--;
    while (j >= 0 && isDigit(line.charCodeAt(j))) j--;
    if (j === e - 1) return false;
    pid = decimal(line, j + 1, e);
    ctx.guestIsThread = false;
  }
  if (j >= 0 && line.charCodeAt(j) !== SP) return false;
  ctx.guest = pid;
  ctx.vcpu = vcpuFromComm(line, skipSpacesBack(line, j) + 1);
  if (line.charCodeAt(0) === 0x56 /* V */) {
    const m = GUEST_PREFIX.exec(line);
    if (m) {
      ctx.guest = Number(m[1]);
      ctx.guestIsThread = false;
      if (m[2] !== undefined) ctx.vcpu = Number(m[2]);
    }
  }
  return true;
}

class PerfScriptParser extends KvmMmioParser {
  readonly format = 'perf-script' as const;

  protected parseLine(line: string, out: RawAccess): LineResult {
    for (let ev = line.indexOf(MMIO_EVENT); ev >= 0; ev = line.indexOf(MMIO_EVENT, ev + 1)) {
      const payload = skipSpaces(line, ev + MMIO_EVENT.length);
      if (scanPerfContext(line, ev, this.ctx)) return this.mmio(line, payload, out);
      // Right after a "...: " like an event name, with a kvm_mmio payload: an unknown context shape,
      // not a mention of kvm:kvm_mmio inside another event's text.
      if (line.charCodeAt(skipSpacesBack(line, ev - 1)) === COLON && line.startsWith('mmio ', payload) &&
          line.indexOf(MMIO_EVENT, ev + 1) < 0) {
        return 'kvm:kvm_mmio event without a recognizable perf script context (comm tid [cpu] secs.usec:)';
      }
    }
    if (this.readsOpen) {
      let at = line.indexOf(ENTRY_EVENT);
      if (at < 0) at = line.indexOf(EXIT_EVENT);
      if (at >= 0 && scanPerfContext(line, at, this.ctx)) this.vcpuRan(this.ctx.thread);
    }
    if (line.indexOf('PERF_RECORD_LOST') >= 0) {
      const m = LOST_RECORD.exec(line);
      if (m) {
        this.lost += Number(m[1]);
        return LOST;
      }
    }
    return IGNORED;
  }
}

// A perf tracepoint sample: tid (or pid/tid), optional [cpu], secs.frac, then "subsystem:event:".
const PERF_LINE = /\s\d+(?:\/\d+)?\s+(?:\[\d+\]\s+)?\d+\.\d{6,9}:\s+[\w-]+:\w+: /;

export const perfScript: FormatSpec = {
  format: 'perf-script',
  detect(lines) {
    let seen = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (++seen > 50) break;
      if (PERF_LINE.test(line)) return true;
    }
    return false;
  },
  create: () => new PerfScriptParser(),
};
