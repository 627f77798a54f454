// What kind of data an input holds, from its first bytes: text or not, and the first non-empty
// lines that format detection looks at.

export const TEXT_SNIFF_BYTES = 4096;
export const DETECT_LINES = 50;
// Detection stops waiting for more lines after this much data (a log of very long lines).
export const DETECT_BYTES = 1 << 20;

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

/** Non-empty lines in the data so far, counting only up to `enough`. */
export function countNonEmptyLines(chunks: Buffer[], enough: number): number {
  let n = 0;
  let lineHasText = false;
  for (const c of chunks) {
    let pos = 0;
    while (pos < c.length) {
      const b = c[pos++];
      if (b === 10) {
        if (lineHasText && ++n >= enough) return n;
        lineHasText = false;
      } else if (b !== 32 && b !== 9 && b !== 13) {
        lineHasText = true;
      }
    }
  }
  return n;
}
