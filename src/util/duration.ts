import { UserError } from '../errors';

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, min: 60e9, h: 3600e9 };

/** "250ms", "1s", "10us", "2m"; a bare number is seconds. Returns nanoseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*(ns|us|µs|ms|s|m|min|h)?\s*$/i.exec(String(text));
  if (!m) throw new UserError(`bad ${what} '${text}' (use e.g. 100ms, 1s, 10us)`);
  const ns = parseFloat(m[1]) * UNIT_NS[(m[2] ?? 's').toLowerCase()];
  if (!(ns >= 1) || !Number.isFinite(ns)) throw new UserError(`bad ${what} '${text}': must be at least 1ns`);
  return Math.round(ns);
}
