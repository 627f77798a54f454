// Baseline vs fresh replay, count by count.
import { Counts } from './baseline';

export interface Tolerance { abs: number; pct: number }

export interface Difference {
  trace: string;
  model: string;
  field: string;
  direction: string;
  expected: number | null;
  got: number | null;
  delta: number | null;
}

export function parseTolerance(text: string | undefined): Tolerance | null {
  if (text === undefined) return { abs: 0, pct: 0 };
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(String(text));
  if (!m) return null;
  return m[2] ? { abs: 0, pct: parseFloat(m[1]) } : { abs: parseFloat(m[1]), pct: 0 };
}

function within(expected: number, got: number, tol: Tolerance): boolean {
  const d = Math.abs(got - expected);
  if (d <= tol.abs) return true;
  return tol.pct > 0 && d <= (Math.abs(expected) * tol.pct) / 100;
}

export function compareCounts(trace: string, model: string, expected: Counts, got: Counts, tol: Tolerance): Difference[] {
  const out: Difference[] = [];
  const keys = new Set([...Object.keys(expected), ...Object.keys(got)]);
  for (const key of keys) {
    const e = expected[key];
    const g = got[key];
    const dot = key.indexOf('.');
    const field = key.slice(0, dot);
    const direction = key.slice(dot + 1);
    if (e === undefined || g === undefined) {
      out.push({ trace, model, field, direction, expected: e ?? null, got: g ?? null, delta: null });
    } else if (!within(e, g, tol)) {
      out.push({ trace, model, field, direction, expected: e, got: g, delta: g - e });
    }
  }
  return out;
}
