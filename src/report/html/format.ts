// Text and number formatting for the HTML report. Everything that reaches the page goes through
// esc() (text and attribute values alike), so trace paths, device names and notes can hold any
// character, `<` and quotes included.

import { escapeControls, jsonVisible } from '../../util/escape';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return escapeControls(String(v)).replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Attributes from an object; undefined/null/false values are left out. */
export function attrs(a: Record<string, string | number | boolean | undefined | null>): string {
  let s = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || v === false) continue;
    s += v === true ? ` ${k}` : ` ${k}="${esc(v)}"`;
  }
  return s;
}

/** JSON safe inside <script type="application/json">: no `</script>`, no `<!--`, no U+2028/9. */
export function jsonForScript(v: unknown): string {
  return jsonVisible(JSON.stringify(v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Compact count for chart labels: 999, 1.2k, 34k, 1.5M. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  if (a < 1e4) return (n / 1e3).toFixed(1).replace(/\.0$/, '') + 'k';
  if (a < 1e6) return Math.round(n / 1e3) + 'k';
  if (a < 1e7) return (n / 1e6).toFixed(1).replace(/\.0$/, '') + 'M';
  return Math.round(n / 1e6) + 'M';
}

export function pct(part: number, whole: number, digits = 1): string {
  return whole === 0 ? '–' : ((part / whole) * 100).toFixed(digits) + ' %';
}

/** Drops trailing zeros after a decimal point only: "2.30" -> "2.3", "100" stays. */
function trim(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Seconds with a sensible number of significant digits. */
export function seconds(s: number): string {
  if (s === 0) return '0 s';
  const a = Math.abs(s);
  if (a >= 100) return s.toFixed(0) + ' s';
  if (a >= 1) return trim(s.toFixed(3)) + ' s';
  if (a >= 1e-3) return trim((s * 1e3).toPrecision(3)) + ' ms';
  if (a >= 1e-6) return trim((s * 1e6).toPrecision(3)) + ' µs';
  return trim((s * 1e9).toPrecision(3)) + ' ns';
}

/** A duration in ns as a short human string: 250 ms, 1 s, 10 µs. */
export function durationNs(ns: number): string {
  return seconds(ns / 1e9);
}

/** Percentage with enough digits to not read as zero. */
export function smallPct(p: number | null): string {
  if (p === null) return '–';
  if (p === 0) return '0 %';
  if (p >= 10) return p.toFixed(1) + ' %';
  if (p >= 0.01) return p.toPrecision(2) + ' %';
  return p.toExponential(1) + ' %';
}

export function hex(v: bigint | number): string {
  return '0x' + v.toString(16);
}

export function isoFromUnixNs(ns: bigint): string | null {
  if (ns <= 0n) return null;
  const d = new Date(Number(ns / 1000000n));
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** "Nice" axis ticks over [0, max] (or [min, max]): 1, 2, 2.5, 5 × 10^k steps. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / target;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9) * step;
  for (let t = first; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Upper end of a y axis from 0: the first nice tick at or above max. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const ticks = niceTicks(0, max, 5);
  const last = ticks[ticks.length - 1];
  if (last >= max) return last;
  return last + (ticks[1] - ticks[0]);
}

export function tickLabel(v: number): string {
  if (Math.abs(v) >= 1000) return compact(v);
  return String(Number(v.toPrecision(6)));
}
