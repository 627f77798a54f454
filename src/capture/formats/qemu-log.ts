// QEMU `log` trace backend (stderr, -D FILE, -d trace:...): memory_region_ops_read/_write lines of
// every era (docs/log-formats.md 1.1, 1.3). The prefix before the event name varies by QEMU version
// and may carry junk (mail quoting, the ftrace backend's tracing_mark_write), so the parser anchors
// on the event name and reads a timestamp out of whatever precedes it.
import { hexToHalves } from '../../events';
import { ACCESS, FormatSpec, IGNORED, LineParser, LineResult, RawAccess } from '../format';

const EVENT = 'memory_region_ops_';

// `mr %p` is optional (a proposed-but-unmerged patch drops it) and glibc prints NULL as "(nil)";
// `name '%s'` exists from QEMU 6.1 on.
const BODY = /^cpu (-?\d{1,10}) (?:mr (?:0x[0-9a-fA-F]+|\(nil\)) )?addr 0x([0-9a-fA-F]+) value 0x([0-9a-fA-F]+) size (\d+)(?: name '([^']*)')?\s*$/;

// "<tid or pid>@<sec>.<usec>:" directly before the event name (QEMU <= 10.0 with timestamps).
const TID_STAMP = /(\d+)@(\d+)\.(\d{1,9}):$/;
// "<ISO-8601 UTC> " (QEMU >= 10.1); later QEMU may add more context between it and the event.
const ISO_STAMP = /(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z /;
// The ftrace backend: "<ftrace context> <sec>.<usec>: tracing_mark_write: " (uptime clock).
const FTRACE_STAMP = / (\d+)\.(\d{6}): tracing_mark_write: $/;

// Anything naming an MSI-X region contains this: msix-table, msix-pba, xen-pci-pt-msix.
const MSIX_NEEDLE = 'msix';

/** Nanoseconds in a decimal fraction of a second of 1 to 9 digits. */
function fractionNs(digits: string): number {
  return Number(digits) * 10 ** (9 - digits.length);
}

const TWO_POW_21 = 2 ** 21;

class QemuLogParser implements LineParser {
  readonly format = 'qemu-log' as const;
  lost = 0;
  readonly notes: string[] = [];
  needle?: string;
  clockUnixNs?: bigint;
  // Whole Unix seconds of tsNs = 0, so wall-clock nanoseconds stay exact in a double.
  private epochSec = -1;
  private namesSeen = false;

  /** Whole Unix seconds of tsNs = 0 once a tid@sec.usec or ISO stamp was read, else -1 (for the native fast path). */
  get wallEpochSec(): number {
    return this.epochSec;
  }

  parse(line: string, out: RawAccess): LineResult {
    const at = line.indexOf(EVENT);
    if (at < 0) return IGNORED;
    let p = at + EVENT.length;
    if (line.startsWith('write ', p)) {
      out.write = true;
      p += 6;
    } else if (line.startsWith('read ', p)) {
      out.write = false;
      p += 5;
    } else {
      return IGNORED;
    }
    const m = BODY.exec(line.slice(p));
    if (!m) return 'malformed memory_region_ops line (expected "cpu N [mr 0xP] addr 0xA value 0xV size S [name \'R\']")';

    const name = m[5];
    if (name === undefined) {
      // Once a log has shown names, an unnamed line is another dispatch level of some access
      // (section 1.1), never the MSI-X region's own line.
      if (this.namesSeen) return IGNORED;
      out.region = '';
    } else {
      if (!this.namesSeen) {
        this.namesSeen = true;
        this.needle = MSIX_NEEDLE;
      }
      out.region = name;
    }

    const cpu = Number(m[1]);
    if (cpu > 0x7fffffff || cpu < -1) return `cpu ${m[1]} out of range`;
    const size = Number(m[4]);
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return `size ${m[4]} (an access is 1, 2, 4 or 8 bytes)`;
    const addr = hexToHalves(m[2]);
    if (!addr) return `address 0x${m[2]} wider than 64 bits`;
    if (addr[1] >= TWO_POW_21) return `address 0x${m[2]} above 2^53 (not supported)`;
    const value = hexToHalves(m[3]);
    if (!value) return `value 0x${m[3]} wider than 64 bits`;
    if (size < 8 && (value[1] !== 0 || (size < 4 && value[0] >= 2 ** (8 * size)))) {
      return `value 0x${m[3]} wider than the access size ${size}`;
    }

    out.vcpu = cpu;
    out.guest = -1;
    out.addr = addr[1] * 0x100000000 + addr[0];
    out.size = size;
    out.lo = value[0];
    out.hi = value[1];
    out.tsNs = at === 0 ? NaN : this.timestamp(line.slice(0, at));
    return ACCESS;
  }

  private timestamp(prefix: string): number {
    let t = TID_STAMP.exec(prefix);
    if (t) return this.wallClock(Number(t[2]), fractionNs(t[3]));
    t = ISO_STAMP.exec(prefix);
    if (t) {
      const sec = Date.UTC(+t[1], +t[2] - 1, +t[3], +t[4], +t[5], +t[6]) / 1000;
      return this.wallClock(sec, t[7] ? fractionNs(t[7]) : 0);
    }
    t = FTRACE_STAMP.exec(prefix);
    if (t) return Number(t[1]) * 1e9 + Number(t[2]) * 1000;
    return NaN;
  }

  private wallClock(sec: number, ns: number): number {
    if (this.epochSec < 0) {
      this.epochSec = sec;
      this.clockUnixNs = BigInt(sec) * 1000000000n;
    }
    return (sec - this.epochSec) * 1e9 + ns;
  }
}

// A QEMU log line whatever its event: "<tid>@<s>.<us>:event " or "<ISO-8601> event ".
const ANY_QEMU_EVENT = /^\s*(?:\d+@\d+\.\d{6}:|\d{4}-\d\d-\d\dT[\d:.]+Z )[a-z][a-z0-9_]* /;

export const qemuLog: FormatSpec = {
  format: 'qemu-log',
  detect(lines: string[]): boolean {
    // QEMU's ftrace backend can share a trace with kvm_mmio events, which see every MSI-X access;
    // such a log is the KVM formats' (-f qemu-log still reads just the QEMU lines).
    if (lines.some((l) => l.includes('kvm_mmio'))) return false;
    return lines.some((l) => {
      const at = l.indexOf(EVENT);
      return (at >= 0 && /^(?:read|write) cpu -?\d/.test(l.slice(at + EVENT.length))) || ANY_QEMU_EVENT.test(l);
    });
  },
  create(): LineParser {
    return new QemuLogParser();
  },
};
