// Linux mmiotrace (trace_pipe with current_tracer=mmiotrace), docs/log-formats.md 4. It traces the kernel
// that runs it, so addresses are that kernel's physical addresses, there is no VM or vCPU: guest 0,
// vcpu -1. The log itself can say where MSI-X tables are: the PCI core ioremap()s a table on its own
// (msix_map_region, nr_entries * 16 bytes), so it shows as a MAP of its own (see tableLike below).

import { ACCESS, FormatSpec, IGNORED, LOST, LineParser, LineResult, RawAccess } from '../format';
import { addrProblem, decimal, hexHalves, validSize, valueProblem } from './kvm-mmio';

// R|W width secs.usec map_id 0xphys 0xvalue 0xpc pid
const ACCESS_LINE = /^([RW]) (\d+) (\d+)\.(\d{6}) (\d+) 0x([0-9a-fA-F]+) 0x([0-9a-fA-F]+) 0x[0-9a-fA-F]+ -?\d+\s*$/;
// MAP secs.usec map_id 0xphys 0xvirt 0xlen 0x0 0
const MAP_LINE = /^MAP \d+\.\d{6} (\d+) 0x([0-9a-fA-F]+) 0x[0-9a-fA-F]+ 0x([0-9a-fA-F]+) /;
const UNMAP_LINE = /^UNMAP \d+\.\d{6} (\d+) /;
// bus/devfn vendor<<16|device irq, 7 x (start|flags), 7 x size, driver name (or nothing)
const PCIDEV_LINE = /^PCIDEV [0-9a-fA-F]+ [0-9a-fA-F]+ [0-9a-fA-F]+((?: [0-9a-fA-F]+){14})/;
const LOST_MARK = /^MARK \d+\.\d+ Lost (\d+) events\./;
const LOST_LINE = /^CPU:\d+ \[(?:LOST (\d+) EVENTS|LOST EVENTS)\]/;

const PAGE = 4096;
const ENTRY = 16;
const MAX_TABLE = 2048 * ENTRY;

interface Mapping { addr: number; len: number }

class MmiotraceParser implements LineParser {
  readonly format = 'mmiotrace' as const;
  lost = 0;
  readonly notes: string[] = [];
  /** MAPs that look like an MSI-X table (tableLike); append-only so capture can pick up new ones. */
  readonly tableMaps: Mapping[] = [];
  /** Every live mapping by map id (UNMAP removes it). */
  readonly maps = new Map<number, Mapping>();
  private readonly tableKeys = new Set<string>();
  /** Memory resources of the PCIDEV lines ("addr:len"): a MAP of a whole BAR is the driver's, not a table. */
  private readonly bars = new Set<string>();

  parse(line: string, out: RawAccess): LineResult {
    const c0 = line.charCodeAt(0);
    if ((c0 === 0x52 /* R */ || c0 === 0x57 /* W */) && line.charCodeAt(1) === 0x20) return this.access(line, out);
    if (line.startsWith('MAP ')) this.map(line);
    else if (line.startsWith('UNMAP ')) {
      const m = UNMAP_LINE.exec(line);
      if (m) this.maps.delete(Number(m[1]));
    } else if (line.startsWith('PCIDEV ')) this.pcidev(line);
    else if (line.startsWith('UNKNOWN ')) return 'mmiotrace could not decode the instruction of this access (UNKNOWN)';
    else if (line.startsWith('MARK ')) {
      const m = LOST_MARK.exec(line);
      if (m) return this.lose(Number(m[1]));
    } else if (line.startsWith('CPU:')) {
      const m = LOST_LINE.exec(line);
      if (m) return this.lose(m[1] === undefined ? 0 : Number(m[1]));
    }
    return IGNORED;
  }

  private access(line: string, out: RawAccess): LineResult {
    const m = ACCESS_LINE.exec(line);
    if (!m) return 'malformed mmiotrace R/W record (expected "R|W width secs.usec map 0xphys 0xvalue 0xpc pid")';
    const width = Number(m[2]);
    if (!validSize(width)) return 'size ' + width;
    const value = m[7];
    if (hexHalves(value, 0, out) === -2) return 'value exceeds 64 bits';
    const wide = valueProblem(width, out.lo, out.hi);
    if (wide) return wide;
    const bad = addrProblem(m[6]);
    if (bad) return bad;
    out.write = m[1] === 'W';
    out.size = width;
    out.tsNs = decimal(m[3], 0, m[3].length) * 1e9 + decimal(m[4], 0, 6) * 1000;
    out.addr = parseInt(m[6], 16);
    out.guest = 0;
    out.vcpu = -1;
    out.region = '';
    return ACCESS;
  }

  private map(line: string): void {
    const m = MAP_LINE.exec(line);
    if (!m) return;
    const mapping = { addr: parseInt(m[2], 16), len: parseInt(m[3], 16) };
    this.maps.set(Number(m[1]), mapping);
    const key = `${mapping.addr}:${mapping.len}`;
    // Sets, not scans of the lists: a log with tens of thousands of MAPs stays linear.
    if (this.tableLike(mapping, key) && !this.tableKeys.has(key)) {
      this.tableKeys.add(key);
      this.tableMaps.push(mapping);
    }
  }

  /**
   * Heuristic: a table is nr_entries * 16 bytes (1..2048 entries) at BAR + an 8-aligned offset, while
   * drivers map whole BARs or page-sized register windows. So a table-like MAP is a multiple of 16 of at
   * most 32 KiB that is not a whole number of pages and does not cover exactly a BAR of a PCIDEV line.
   * Misses: tables of 256/512/1024/2048 entries (page multiples); false hits: a driver's own small
   * sub-page ioremap of 16-byte multiples - capture's geometry (lspci) takes precedence over these.
   */
  private tableLike(m: Mapping, key: string): boolean {
    if (m.len === 0 || m.len % ENTRY !== 0 || m.len > MAX_TABLE || m.len % PAGE === 0 || m.addr % 8 !== 0) return false;
    return !this.bars.has(key);
  }

  private pcidev(line: string): void {
    const m = PCIDEV_LINE.exec(line);
    if (!m) return;
    const f = m[1].trim().split(' ');
    for (let i = 0; i < 7; i++) {
      const startFlags = parseInt(f[i], 16);
      const len = parseInt(f[i + 7], 16);
      // the low 4 bits of a start are resource flags (bit 0: I/O space)
      if (len > 0 && startFlags % 2 === 0) this.bars.add(`${startFlags - (startFlags % 16)}:${len}`);
    }
  }

  private lose(n: number): LineResult {
    this.lost += n;
    return LOST;
  }
}

// The first line of every mmiotrace log, and the record shapes that follow it.
const MMIOTRACE_LINE = /^(?:VERSION \d+\s*$|PCIDEV [0-9a-f]{4} [0-9a-f]{8} |MAP \d+\.\d{6} \d+ 0x[0-9a-f]+ 0x|UNMAP \d+\.\d{6} \d+ |[RW] \d+ \d+\.\d{6} \d+ 0x[0-9a-f]+ 0x[0-9a-f]+ 0x|MARK \d+\.\d{6} )/i;

export const mmiotrace: FormatSpec = {
  format: 'mmiotrace',
  detect(lines) {
    let seen = 0;
    let hits = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (++seen > 50) break;
      if (seen === 1 && line.startsWith('VERSION 20070824')) return true;
      // The `trace` file (rather than trace_pipe) has the ftrace header instead of the VERSION line.
      if (line.startsWith('# tracer: mmiotrace')) return true;
      if (line.startsWith('#')) seen--;
      else if (MMIOTRACE_LINE.test(line)) hits++;
    }
    // Most lines must be mmiotrace records: the shapes are short enough to occur by chance elsewhere.
    return hits > 0 && hits * 2 >= seen;
  },
  create: () => new MmiotraceParser(),
};
