// The regression baseline: for each recorded trace, every per-field count of every model, as the
// replay produced them when the baseline was accepted. A trace is found by the SHA-256 of its bytes,
// so a baseline works wherever it and the traces are copied; the key (the path relative to the
// baseline file when it was recorded) is only a hint for people and for format-1 baselines, which
// had no hash.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { at, errnoWords, ioError, UserError } from '../errors';
import { ModelResult } from '../replay/engine';
import { StartState } from '../replay/model';
import { writeFileAtomic } from '../util/atomic';

export const BASELINE_FORMAT = 'msixtrace-baseline/2';
/** The path-keyed format before content hashes; read, matched by path, rewritten as 2 by --update. */
export const BASELINE_FORMAT_1 = 'msixtrace-baseline/1';

/** Flat counts: "field.dir.outcome" (e.g. "addr_lo.read.forwarded", "xen_side.deferred_unmasks") -> n. */
export type Counts = Record<string, number>;

export interface Baseline {
  format: string;
  start: StartState;
  models: string[];
  traces: Record<string, BaselineTrace>;
}

export interface BaselineTrace {
  /** SHA-256 of the trace file's bytes, hex; absent in format 1. */
  sha256?: string;
  events: number;
  /** Set when the counts were accepted from a partial trace (salvaged or interrupted capture). */
  partial?: string;
  models: Record<string, Counts>;
}

/** SHA-256 of a file's bytes, read in 1 MiB pieces (bounded memory for any size). */
export function fileSha256(file: string): string {
  const h = crypto.createHash('sha256');
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw ioError('open', file, e);
  }
  try {
    if (fs.fstatSync(fd).isDirectory()) throw new UserError(`${file}: is a directory, not a .msixtrace file`);
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw ioError('read', file, e);
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** The baseline entry for a trace: by content first, then by its path key (which then must not disagree on content). */
export function findTrace(b: Baseline, sha256: string, key: string): { key: string; entry: BaselineTrace; by: 'content' | 'path' } | { changed: string } | null {
  for (const [k, e] of Object.entries(b.traces)) if (e.sha256 === sha256) return { key: k, entry: e, by: 'content' };
  const e = b.traces[key];
  if (!e) return null;
  if (e.sha256 !== undefined) return { changed: e.sha256 };
  return { key, entry: e, by: 'path' };
}

export function flatten(r: ModelResult): Counts {
  const out: Counts = {};
  for (const [field, c] of Object.entries(r.fields)) {
    out[`${field}.read.absorbed`] = c.read.absorbed;
    out[`${field}.read.forwarded`] = c.read.forwarded;
    out[`${field}.write.absorbed`] = c.write.absorbed;
    out[`${field}.write.forwarded`] = c.write.forwarded;
    out[`${field}.write.both`] = c.write.both;
  }
  out['xen_side.deferred_unmasks'] = r.xen_side.deferred_unmasks;
  out['xen_side.guest_crash'] = r.xen_side.guest_crash;
  return out;
}

export function traceKey(baselineFile: string, trace: string): string {
  return path.relative(path.dirname(path.resolve(baselineFile)), path.resolve(trace)).split(path.sep).join('/');
}

export function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw ioError('read', file, e, `${errnoWords(e)} (create it with --update)`);
  }
  if (text.trim() === '') throw new UserError(`${file}: empty file, not a JSON baseline (create it with --update)`);
  let b: unknown;
  try {
    b = JSON.parse(text);
  } catch (e) {
    throw new UserError(jsonError(file, text, (e as Error).message));
  }
  if (!isObject(b) || (b.format !== BASELINE_FORMAT && b.format !== BASELINE_FORMAT_1)) {
    throw new UserError(`${file}: not a msixtrace baseline (expected "format": "${BASELINE_FORMAT}")`);
  }
  const bad = (key: string, what: string): UserError => new UserError(`${at(file, { line: lineOf(text, key) })}: bad baseline: ${what}`);
  if (b.start !== 'cold' && b.start !== 'warm') throw bad('"start"', '"start" must be "cold" or "warm"');
  if (!Array.isArray(b.models) || !b.models.every((m) => typeof m === 'string')) throw bad('"models"', '"models" must be a list of model names');
  if (!isObject(b.traces)) throw bad('"traces"', '"traces" must be an object: trace path -> { events, models }');
  // Every count the comparison reads, checked here so a hand-edited baseline is bad input, not a crash.
  for (const [key, entry] of Object.entries(b.traces)) {
    const where = JSON.stringify(key);
    if (!isObject(entry) || !count(entry.events) || !isObject(entry.models)) {
      throw bad(where, `trace ${where} must be { "sha256": HEX, "events": N, "models": { MODEL: { COUNT: N } } }`);
    }
    if (entry.sha256 !== undefined && !(typeof entry.sha256 === 'string' && /^[0-9a-f]{64}$/.test(entry.sha256))) {
      throw bad(where, `trace ${where}: "sha256" must be 64 lowercase hex digits`);
    }
    if (entry.partial !== undefined && typeof entry.partial !== 'string') throw bad(where, `trace ${where}: "partial" must be a string`);
    for (const [model, counts] of Object.entries(entry.models)) {
      if (!isObject(counts)) throw bad(where, `trace ${where}, model "${model}": expected an object of counts`);
      for (const [name, n] of Object.entries(counts)) {
        if (!count(n)) throw bad(where, `trace ${where}, model "${model}": count "${name}" is ${JSON.stringify(n)}, not a non-negative integer`);
      }
    }
  }
  return b as unknown as Baseline;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** 1-based line of the first occurrence of needle in text (1 when absent). */
function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i < 0 ? 1 : text.slice(0, i).split('\n').length;
}

/**
 * Offset of the first JSON syntax error in text (JSON.parse of Node 20 names a position only for some
 * errors); text.length when it ends too early. Run only after JSON.parse failed.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = (): void => { while (i < n && ' \t\r\n'.includes(text[i])) i++; };
  const fail = (): never => { throw i; };
  const value = (depth: number): void => {
    ws();
    if (i >= n || depth > 1000) fail();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) { i++; return; }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === close) { i++; return; }
        fail();
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const string = (): void => {
    i++;
    while (i < n && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') { if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail(); i += 4; }
        else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= n) fail();
    i++;
  };
  try {
    value(0);
    ws();
    if (i < n) return i;
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, n);
    throw at;
  }
  return n;
}

/** "file:LINE" of a JSON syntax error, and JSON.parse's reason without its copy of the (maybe binary) text. */
function jsonError(file: string, text: string, message: string): string {
  const pos = jsonErrorOffset(text);
  const line = text.slice(0, pos).split('\n').length;
  const why = message.replace(/, (?:\.\.\.)?".*$/s, '').replace(/ (?:in JSON )?at position \d+/, '').replace(/[^\x20-\x7e]/g, '?');
  return `${at(file, { line })}: not a JSON baseline (byte ${pos}: ${why})`;
}

export function writeBaseline(file: string, b: Baseline): void {
  const sorted: Baseline = { ...b, traces: {} };
  for (const k of Object.keys(b.traces).sort()) sorted.traces[k] = b.traces[k];
  writeFileAtomic(file, JSON.stringify(sorted, null, 1) + '\n');
}
