// Strings that come from inputs (a trace's tool_version, notes, source file and device names, the
// trace names of a baseline file, file names themselves) are printed with their control characters
// made visible, so a crafted trace cannot move the cursor, retitle the terminal or forge output
// lines. Escaped: C0 controls (tab, newline and carriage return as \t, \n, \r, the rest as \xNN),
// DEL and the C1 controls (\xNN; a terminal may take U+009B as CSI), the Unicode line and paragraph
// separators and the bidirectional overrides and isolates (\u{NNNN}), which reorder what follows.
// Backslashes are left as they are.

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Text for a terminal or a log: control characters as escapes. */
export function escapeControls(s: string): string {
  return String(s).replace(CONTROLS, (c) => {
    if (NAMED[c]) return NAMED[c];
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

const JSON_RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text (from JSON.stringify, which escapes only C0) with the other controls as \uNNNN too:
 * the same JSON value, nothing raw left for a terminal to act on. */
export function jsonVisible(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
