// What kind of data an input holds, from its first bytes: text or not, and the first non-empty
// lines that format detection looks at.

export const TEXT_SNIFF_BYTES = 4096;
export const DETECT_LINES = 50;
// Detection skips lines it cannot use, and gives up after so many of them or so many bytes: a
// line longer than this (no log format has one), and a line that is not text.
export const SNIFF_LINE_MAX = 64 << 10;
export const SNIFF_MAX_SKIPPED = 1000;
export const SNIFF_MAX_BYTES = 16 << 20;

/**
 * Format detection's view of the start of a text log: up to DETECT_LINES non-empty lines, skipping
 * over-long and unreadable ones (a first line of 2 MiB of garbage does not hide the log after it),
 * within SNIFF_MAX_SKIPPED skipped lines and SNIFF_MAX_BYTES.
 */
export class Sniffer {
  readonly lines: string[] = [];
  skipped = 0;
  /** The first skipped line and why, for --strict and for the message when detection fails. */
  firstSkipped: { line: number; why: string } | null = null;
  /** Whether every skipped line was binary data (and no line was readable). */
  private sawBinary = false;
  bytes = 0;
  private lineNo = 0;
  private cur: Buffer[] = [];
  private curLen = 0;
  private long = false;

  get done(): boolean {
    return this.lines.length >= DETECT_LINES || this.skipped >= SNIFF_MAX_SKIPPED || this.bytes >= SNIFF_MAX_BYTES;
  }

  /** Whether the data looks binary: no readable line, and some line that was not text. */
  get binary(): boolean {
    return this.lines.length === 0 && this.sawBinary;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let pos = 0;
    while (pos < chunk.length && !this.done) {
      const nl = chunk.indexOf(10, pos);
      this.take(chunk.subarray(pos, nl < 0 ? chunk.length : nl));
      if (nl < 0) break;
      this.endLine();
      pos = nl + 1;
    }
  }

  /** The last line when the data does not end with a newline. */
  end(): void {
    if (this.curLen > 0 || this.long) this.endLine();
  }

  private take(part: Buffer): void {
    if (this.long || part.length === 0) return;
    if (this.curLen + part.length > SNIFF_LINE_MAX) {
      this.long = true;
      this.cur = [];
      this.curLen = 0;
      return;
    }
    this.cur.push(Buffer.from(part));
    this.curLen += part.length;
  }

  private endLine(): void {
    this.lineNo++;
    if (this.long) {
      this.skip(`line longer than ${SNIFF_LINE_MAX >> 10} KiB`);
    } else {
      const b = this.cur.length === 1 ? this.cur[0] : Buffer.concat(this.cur);
      const text = b.toString('latin1').replace(/\r$/, '');
      if (text.trim() !== '') {
        if (!looksLikeText(b)) {
          this.sawBinary = true;
          this.skip('binary data, not text');
        } else {
          this.lines.push(text);
        }
      }
    }
    this.long = false;
    this.cur = [];
    this.curLen = 0;
  }

  private skip(why: string): void {
    this.skipped++;
    this.firstSkipped ??= { line: this.lineNo, why };
  }
}

/**
 * False when the bytes are mostly not text: control characters other than tab/CR/LF/FF, and bytes
 * that are not valid UTF-8. Logs quote odd bytes now and then, so only a large share counts.
 */
export function looksLikeText(head: Buffer): boolean {
  const n = Math.min(head.length, TEXT_SNIFF_BYTES);
  if (n === 0) return true;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 12 && c !== 13) || c === 0x7f) bad++;
  }
  const text = head.subarray(0, n).toString('utf8');
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  return bad / n < 0.1;
}

/** Up to DETECT_LINES non-empty lines from the start of the data (the last one may be cut short). */
export function firstLines(head: Buffer): string[] {
  const out: string[] = [];
  for (const l of head.toString('latin1').split('\n')) {
    const t = l.replace(/\r$/, '');
    if (t.trim() === '') continue;
    out.push(t);
    if (out.length >= DETECT_LINES) break;
  }
  return out;
}
