// The Linux `kvm_mmio` tracepoint as ftrace, trace-cmd and perf print it (docs/log-formats.md 3): its
// payload `mmio <type> len N gpa 0x.. val 0x..`, the bits of the context prefix all three tools share
// (timestamp, vCPU thread name), and the pairing of an unsatisfied read with its completion.
//
// Pairing rule. A read KVM cannot satisfy in the kernel prints `mmio unsatisfied-read` (val 0) when it
// exits to the VMM and `mmio read` (with the VMM's value) when the vCPU thread resumes, before it
// re-enters the guest. That is ONE guest read: the unsatisfied-read is IGNORED and remembered per thread,
// and the matching `read` (same thread, gpa and len) is the access, with its value and timestamp.
// When the thread's next kvm_mmio/kvm_entry/kvm_exit line is anything else, the read was never completed
// in the log (lost events, VM killed): it is still one access, value 0, timestamp of the unsatisfied-read.
// Because a line yields at most one access, such a read is handed out on that line and any access of the
// line itself waits in a small FIFO that the next non-access lines drain (file order is kept). Reads still
// open at the end of input come out of drain(). Other lines of the thread (kvm_userspace_exit, QEMU's own
// trace_marker lines) legitimately sit between the two halves and do not close a pending read.

import { ACCESS, IGNORED, FormatName, LineParser, LineResult, RawAccess, newRawAccess } from '../format';

export const MMIO_UNSATISFIED_READ = 0;
export const MMIO_READ = 1;
export const MMIO_WRITE = 2;

/** What a line's context prefix says; filled in place by a format's scanner. */
export interface KvmContext {
  /** Thread id: the unit the two halves of a read are paired on. */
  thread: number;
  guest: number;
  /** The line names no process (tgid, pid), so guest is the thread id. */
  guestIsThread: boolean;
  vcpu: number;
  tsNs: number;
}

export const newKvmContext = (): KvmContext => ({ thread: -1, guest: -1, guestIsThread: false, vcpu: -1, tsNs: NaN });

export const SP = 0x20;
export const COLON = 0x3a;
const DOT = 0x2e;

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;

/** Value of the hex digit at line[i] (i in bounds), or -1. */
const hexAt = (line: string, i: number): number => {
  const c = line.charCodeAt(i);
  return c < 128 ? HEX_VALUE[c] : -1;
};

/** Decimal value of line[start, end) (digits only, checked by the caller). */
export function decimal(line: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + (line.charCodeAt(i) - 48);
  return n;
}

export function skipSpaces(line: string, i: number): number {
  while (line.charCodeAt(i) === SP) i++;
  return i;
}

/** Index of the last non-space at or before i (-1 when none). */
export function skipSpacesBack(line: string, i: number): number {
  while (i >= 0 && line.charCodeAt(i) === SP) i--;
  return i;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Reads the timestamp that ends just before `colon` (`secs.frac`, frac of 1..9 digits: usec from ftrace
 * and perf, nsec from trace-cmd/perf --ns) into ctx.tsNs. The two parts are converted separately so the
 * ns value is an exact integer (below 2^53 ns, ~104 days of uptime). A bare integer is a raw counter of a
 * non-ns trace clock (x86-tsc, counter): tsNs = NaN. Returns the index just before the timestamp, or -2.
 */
export function timestampBefore(line: string, colon: number, ctx: KvmContext): number {
  let j = colon - 1;
  while (j >= 0 && isDigit(line.charCodeAt(j))) j--;
  if (j === colon - 1) return -2;
  if (line.charCodeAt(j) !== DOT) {
    ctx.tsNs = NaN;
    return j;
  }
  const dot = j;
  const fracLen = colon - dot - 1;
  j--;
  while (j >= 0 && isDigit(line.charCodeAt(j))) j--;
  if (j === dot - 1 || fracLen > 9) return -2;
  ctx.tsNs = decimal(line, j + 1, dot) * 1e9 + decimal(line, dot + 1, colon) * POW10[9 - fracLen];
  return j;
}

/** vCPU index from a QEMU vCPU thread name `CPU <n>/KVM` ending at `end` (exclusive); -1 otherwise. */
export function vcpuFromComm(line: string, end: number): number {
  if (end < 9 || !line.startsWith('/KVM', end - 4)) return -1;
  let j = end - 5;
  while (j >= 0 && isDigit(line.charCodeAt(j))) j--;
  if (j === end - 5 || j < 3 || !line.startsWith('CPU ', j - 3)) return -1;
  return decimal(line, j + 1, end - 4);
}

/**
 * Parses the hex number at i (no 0x) into out.lo/out.hi. Returns the index after it, -1 when there is
 * no digit, -2 when it has more than 16 significant digits.
 */
export function hexHalves(line: string, i: number, out: RawAccess): number {
  const n = line.length;
  let s = i;
  while (s + 1 < n && line.charCodeAt(s) === 48 && hexAt(line, s + 1) >= 0) s++;
  let e = s;
  while (e < n && hexAt(line, e) >= 0) e++;
  if (e === s) return -1;
  if (e - s > 16) return -2;
  const mid = e - s > 8 ? e - 8 : s;
  let hi = 0;
  let lo = 0;
  for (let k = s; k < mid; k++) hi = hi * 16 + hexAt(line, k);
  for (let k = mid; k < e; k++) lo = lo * 16 + hexAt(line, k);
  out.hi = hi;
  out.lo = lo;
  return e;
}

/** Hex address at i (no 0x) into out.addr, exact below 2^53. Returns the index after it, or -1. */
function hexAddr(line: string, i: number, out: RawAccess): number {
  const n = line.length;
  let a = 0;
  let e = i;
  for (let d: number; e < n && (d = hexAt(line, e)) >= 0; e++) a = a * 16 + d;
  out.addr = a;
  return e === i ? -1 : e;
}

export const validSize = (n: number): boolean => n === 1 || n === 2 || n === 4 || n === 8;

/**
 * Why an address written as these hex digits cannot be an access, or null. Addresses are kept as
 * exact doubles, so anything at or above 2^53 is refused rather than rounded (same words as qemu-log).
 */
export function addrProblem(hex: string): string | null {
  const digits = hex.replace(/^0+(?=.)/, '');
  if (digits.length < 14) return null;
  if (digits.length > 16) return `address 0x${hex} wider than 64 bits`;
  // 2^53 is 0x20000000000000: fourteen digits, the first 2.
  return digits.length > 14 || parseInt(digits[0], 16) >= 2 ? `address 0x${hex} above 2^53 (not supported)` : null;
}

/** A value with bits above its access size did not come from that access (the tracers copy `size` bytes). */
export function valueProblem(size: number, lo: number, hi: number): string | null {
  const wide = size === 8 ? false : size === 4 ? hi !== 0 : hi !== 0 || lo >= 2 ** (8 * size);
  return wide ? `value wider than ${size} byte${size === 1 ? '' : 's'}` : null;
}

/**
 * Parses `mmio <type> len N gpa 0x<gpa> val 0x<val>` at `at` into out.size/write/addr/lo/hi.
 * Returns MMIO_UNSATISFIED_READ / MMIO_READ / MMIO_WRITE, or why the payload is malformed.
 */
export function parseKvmMmio(line: string, at: number, out: RawAccess): number | string {
  if (!line.startsWith('mmio ', at)) return 'kvm_mmio payload does not start with "mmio"';
  let i = at + 5;
  let type: number;
  if (line.startsWith('write ', i)) { type = MMIO_WRITE; i += 6; }
  else if (line.startsWith('read ', i)) { type = MMIO_READ; i += 5; }
  else if (line.startsWith('unsatisfied-read ', i)) { type = MMIO_UNSATISFIED_READ; i += 17; }
  else return 'unknown kvm_mmio type';
  if (!line.startsWith('len ', i)) return 'kvm_mmio without len';
  i += 4;
  let j = i;
  while (isDigit(line.charCodeAt(j))) j++;
  if (j === i) return 'kvm_mmio without len';
  const len = decimal(line, i, j);
  if (!line.startsWith(' gpa 0x', j)) return 'kvm_mmio without gpa';
  const gpaAt = j + 7;
  j = hexAddr(line, gpaAt, out);
  if (j < 0) return 'kvm_mmio without gpa';
  if (j - gpaAt > 13) {
    const bad = addrProblem(line.slice(gpaAt, j));
    if (bad) return bad;
  }
  if (!line.startsWith(' val 0x', j)) return 'kvm_mmio without val';
  const v = hexHalves(line, j + 7, out);
  if (v === -1) return 'kvm_mmio without val';
  if (!validSize(len)) return 'size ' + len;
  if (v === -2) return 'value exceeds 64 bits';
  const wide = valueProblem(len, out.lo, out.hi);
  if (wide) return wide;
  out.size = len;
  out.write = type === MMIO_WRITE;
  return type;
}

function copyAccess(from: RawAccess, to: RawAccess): RawAccess {
  to.tsNs = from.tsNs; to.guest = from.guest; to.vcpu = from.vcpu; to.addr = from.addr; to.size = from.size;
  to.write = from.write; to.lo = from.lo; to.hi = from.hi; to.region = from.region;
  return to;
}

/** The three kvm_mmio text formats differ only in how a line's context is found (parseLine). */
export abstract class KvmMmioParser implements LineParser {
  abstract readonly format: FormatName;
  lost = 0;
  readonly notes: string[] = [];
  /** Some kvm_mmio line named its vCPU thread but no process: guest ids are thread ids. */
  threadGuests = false;
  protected readonly ctx: KvmContext = newKvmContext();
  /** Unsatisfied reads whose completion has not been seen yet, by thread. */
  private readonly open = new Map<number, RawAccess>();
  /** Accesses owed to the caller, oldest first (only after a read was abandoned). */
  private readonly backlog: RawAccess[] = [];
  private readonly spare: RawAccess[] = [];
  private rawClockNoted = false;

  /** Finds the event on the line, fills ctx and hands kvm_mmio payloads to mmio(). */
  protected abstract parseLine(line: string, out: RawAccess): LineResult;

  parse(line: string, out: RawAccess): LineResult {
    const r = this.parseLine(line, out);
    if (this.backlog.length === 0) return r;
    if (r === ACCESS) this.backlog.push(copyAccess(out, this.take()));
    else if (r !== IGNORED) return r; // LOST and malformed lines are reported on their own line
    const next = this.backlog.shift()!;
    copyAccess(next, out);
    this.spare.push(next);
    return ACCESS;
  }

  /**
   * End of input: true while accesses are still owed (reads left open, or ones waiting behind them);
   * each call fills `out` with the next one. Not part of LineParser: capture should call it when present.
   */
  drain(out: RawAccess): boolean {
    if (this.open.size > 0) {
      for (const a of this.open.values()) this.backlog.push(a);
      this.open.clear();
    }
    const next = this.backlog.shift();
    if (!next) return false;
    copyAccess(next, out);
    this.spare.push(next);
    return true;
  }

  protected get readsOpen(): boolean {
    return this.open.size > 0;
  }

  // The native scan (src/capture/fastpath-kvm.ts) and this parser take turns over a log's lines: the
  // reads still open pass between them, oldest first, so that each side pairs them as the other would.

  /** Accesses are owed (a read was abandoned and its line's own access waits): lines stay here until paid. */
  get owing(): boolean {
    return this.backlog.length > 0;
  }

  /** Hands the open reads over, oldest first (forgotten here). */
  takeOpen(each: (thread: number, a: RawAccess) => void): void {
    for (const [thread, a] of this.open) {
      each(thread, a);
      this.spare.push(a);
    }
    this.open.clear();
  }

  /** Takes back a read left open by the native scan (after those already open here). */
  putOpen(thread: number, tsNs: number, guest: number, vcpu: number, addr: number, size: number, lo: number, hi: number): void {
    const a = this.take();
    a.tsNs = tsNs; a.guest = guest; a.vcpu = vcpu; a.addr = addr; a.size = size; a.write = false; a.lo = lo; a.hi = hi; a.region = '';
    this.open.set(thread, a);
  }

  /** Handles the kvm_mmio payload at `at` with the context in this.ctx. */
  protected mmio(line: string, at: number, out: RawAccess): LineResult {
    const type = parseKvmMmio(line, at, out);
    if (typeof type === 'string') return type;
    const c = this.ctx;
    out.tsNs = c.tsNs;
    out.guest = c.guest;
    if (c.guestIsThread) this.threadGuests = true;
    out.vcpu = c.vcpu;
    out.region = '';
    if (c.tsNs !== c.tsNs && !this.rawClockNoted) {
      this.rawClockNoted = true;
      this.notes.push('timestamps are raw trace-clock counts (not ns): left unset');
    }
    if (this.open.size > 0) {
      const waiting = this.open.get(c.thread);
      if (waiting) {
        this.open.delete(c.thread);
        if (type === MMIO_READ && waiting.addr === out.addr && waiting.size === out.size) {
          this.spare.push(waiting);
          return ACCESS;
        }
        this.backlog.push(waiting);
      }
    }
    if (type === MMIO_UNSATISFIED_READ) {
      this.open.set(c.thread, copyAccess(out, this.take()));
      return IGNORED;
    }
    return ACCESS;
  }

  /** The thread entered or left the guest: a read still open on it will never complete. */
  protected vcpuRan(thread: number): void {
    const waiting = this.open.get(thread);
    if (waiting) {
      this.open.delete(thread);
      this.backlog.push(waiting);
    }
  }

  private take(): RawAccess {
    return this.spare.pop() ?? newRawAccess();
  }
}
