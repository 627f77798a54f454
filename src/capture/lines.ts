// Splits a text log into lines straight from Buffers: most lines of a full QEMU log name other
// regions, so when the parser gives a needle the scanner finds its occurrences with one indexOf
// per chunk and decodes only the lines that hold one. Lines with NUL bytes and lines over 1 MiB
// are reported as malformed; an overlong line is skipped without being held whole.

export const MAX_LINE = 1 << 20;

export interface LineHandler {
  /** Current speed hint of the parser (see LineParser.needle). */
  readonly needle?: string;
  line(text: string, lineNo: number): void;
  malformed(lineNo: number, why: string): void;
  /**
   * Optional whole-buffer fast path (it says itself when it cannot run: by returning `from`): handles the complete lines of
   * buf[from, to) from `from` on exactly as line() would (adding them to scanner.lines), and
   * returns the start of the first line it left to line()/malformed() (to when it took them all).
   */
  fast?(buf: Buffer, from: number, to: number, scanner: LineScanner): number;
}

const NL = 10;
const CR = 13;

export class LineScanner {
  /** Lines seen so far (also the number of the last one). */
  lines = 0;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  // Line number of an overlong line being skipped up to its end, or 0.
  private skippingLong = 0;
  private needleText: string | undefined;
  private needle: Buffer | null = null;

  constructor(private readonly h: LineHandler) {
    this.syncNeedle();
  }

  private syncNeedle(): void {
    if (this.h.needle === this.needleText) return;
    this.needleText = this.h.needle;
    this.needle = this.needleText ? Buffer.from(this.needleText, 'latin1') : null;
  }

  push(chunk: Buffer): void {
    let start = 0;
    if (this.skippingLong || this.carryBytes) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.hold(chunk);
        return;
      }
      if (this.skippingLong) {
        this.skippingLong = 0;
      } else {
        this.carry.push(chunk.subarray(0, nl + 1));
        const whole = Buffer.concat(this.carry);
        this.carry = [];
        this.carryBytes = 0;
        this.scan(whole, 0, whole.length);
      }
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) {
      this.scan(chunk, start, last + 1);
      start = last + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** The last line when the data does not end with a newline. */
  end(): void {
    if (this.skippingLong) {
      this.skippingLong = 0;
      return;
    }
    if (this.carryBytes === 0) return;
    const whole = Buffer.concat([...this.carry, Buffer.from([NL])]);
    this.carry = [];
    this.carryBytes = 0;
    this.scan(whole, 0, whole.length);
  }

  private hold(part: Buffer): void {
    if (this.skippingLong) return;
    // A copy: the input may reuse the chunk's memory once the next one is asked for.
    this.carry.push(Buffer.from(part));
    this.carryBytes += part.length;
    if (this.carryBytes > MAX_LINE) {
      this.lines++;
      this.skippingLong = this.lines;
      this.carry = [];
      this.carryBytes = 0;
      this.h.malformed(this.lines, 'line longer than 1 MiB');
    }
  }

  /** Handles the complete lines in buf[from, to); to is just past a newline. */
  private scan(buf: Buffer, from: number, to: number): void {
    const h = this.h;
    let needle = this.needle;
    // Next needle and NUL positions, searched only when a line needs them: -2 not searched yet,
    // -1 none up to the end of buf; a position before pos is stale (the fast path moved on).
    let hit = -2;
    let nul = -2;
    let pos = from;
    while (pos < to) {
      if (h.fast !== undefined) {
        pos = h.fast(buf, pos, to, this);
        if (pos >= to) break;
      }
      const nl = buf.indexOf(NL, pos);
      const lineNo = ++this.lines;
      if (nul !== -1 && nul < pos) nul = buf.indexOf(0, pos);
      if (needle !== null && hit !== -1 && hit < pos) hit = buf.indexOf(needle, pos);
      if (nul >= 0 && nul < nl) {
        h.malformed(lineNo, 'NUL byte in line');
      } else if (nl - pos > MAX_LINE) {
        h.malformed(lineNo, 'line longer than 1 MiB');
      } else if (needle === null || (hit >= 0 && hit < nl)) {
        const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
        h.line(buf.toString('latin1', pos, end), lineNo);
        if (h.needle !== this.needleText) {
          this.syncNeedle();
          needle = this.needle;
          hit = -2;
        }
      }
      pos = nl + 1;
    }
  }
}
