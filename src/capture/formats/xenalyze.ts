// `xenalyze --dump-all` text, docs/log-formats.md 5 (tools/xentrace/xenalyze.c, hvm_mmio_assist_process):
//   "]%s mmio_assist %c gpa %llx data %x" / "]%s mmio_assist %c gpa %llx (no data)"
// where %s is create_dump_header: "%3u.%09u" (or 14 spaces without a time), " " + one char per pCPU
// (which can be a space), " d%dv%d" (or " d?v?"). Xen's trace record has no access size, and data is the
// low 32 bits only; "(no data)" is a rep movs whose data was a pointer (value unknown: 0).

import { ACCESS, FormatSpec, IGNORED, LOST, LineParser, LineResult, RawAccess } from '../format';
import { addrProblem, decimal } from './kvm-mmio';

const EVENT = ' mmio_assist ';
const ASSIST = /^\] *(?:(\d+)\.(\d{9})| {14}) .*? d(\d+|\?)v(\d+|\?) mmio_assist ([rw]) gpa ([0-9a-fA-F]+) (?:data ([0-9a-fA-F]+)|\(no data\))\s*$/;
// process_lost_records: " %s lost_records count %d d%uv%u ..."
const LOST_RECORDS = / lost_records count (\d+) /;

const SIZE_NOTE = 'xenalyze does not record access sizes: every access assumed 4 bytes';

class XenalyzeParser implements LineParser {
  readonly format = 'xenalyze' as const;
  lost = 0;
  readonly notes: string[] = [];
  private sizeNoted = false;

  parse(line: string, out: RawAccess): LineResult {
    if (line.charCodeAt(0) === 0x5d /* ] */ && line.indexOf(EVENT) > 0) return this.assist(line, out);
    if (line.indexOf(' lost_records count ') >= 0) {
      const m = LOST_RECORDS.exec(line);
      if (m) {
        this.lost += Number(m[1]);
        return LOST;
      }
    }
    return IGNORED;
  }

  private assist(line: string, out: RawAccess): LineResult {
    const m = ASSIST.exec(line);
    if (!m) return 'malformed xenalyze mmio_assist line (expected "] secs.ns pcpus dNvM mmio_assist r|w gpa HEX data HEX|(no data)")';
    const data = m[7];
    if (data !== undefined && data.length > 8 && !/^0*[0-9a-fA-F]{1,8}$/.test(data)) return 'value exceeds 32 bits';
    const bad = addrProblem(m[6]);
    if (bad) return bad;
    if (!this.sizeNoted) {
      this.sizeNoted = true;
      this.notes.push(SIZE_NOTE);
    }
    out.tsNs = m[1] === undefined ? NaN : decimal(m[1], 0, m[1].length) * 1e9 + decimal(m[2], 0, 9);
    out.guest = m[3] === '?' ? -1 : Number(m[3]);
    out.vcpu = m[4] === '?' ? -1 : Number(m[4]);
    out.write = m[5] === 'w';
    out.addr = parseInt(m[6], 16);
    out.size = 4;
    out.lo = data === undefined ? 0 : parseInt(data, 16);
    out.hi = 0;
    out.region = '';
    return ACCESS;
  }
}

// Dump lines start with ']' or ' ', then the time and, after the pCPU column, the running dNvM.
const DUMP_LINE = /^[\] ] *\d+\.\d{9} .*? d(?:\d+v\d+|\?v\?) /;

export const xenalyze: FormatSpec = {
  format: 'xenalyze',
  detect(lines) {
    let seen = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (++seen > 50) break;
      if (DUMP_LINE.test(line)) return true;
    }
    return false;
  },
  create: () => new XenalyzeParser(),
};
