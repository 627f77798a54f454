// The regression baseline: for each recorded trace, every per-field count of every model, as the
// replay produced them when the baseline was accepted. Trace paths are stored relative to the
// baseline file so a corpus can move with its baseline.
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { ModelResult } from '../replay/engine';
import { StartState } from '../replay/model';
import { writeFileAtomic } from '../util/atomic';

export const BASELINE_FORMAT = 'msixtrace-baseline/1';

/** Flat counts: "field.dir.outcome" (e.g. "addr_lo.read.forwarded", "xen_side.deferred_unmasks") -> n. */
export type Counts = Record<string, number>;

export interface Baseline {
  format: string;
  start: StartState;
  models: string[];
  traces: Record<string, { events: number; models: Record<string, Counts> }>;
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
    throw new UserError(`${file}: cannot read baseline: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (create it with --update)`);
  }
  let b: Baseline;
  try {
    b = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not a JSON baseline (${(e as Error).message})`);
  }
  if (!b || b.format !== BASELINE_FORMAT || !Array.isArray(b.models) || typeof b.traces !== 'object') {
    throw new UserError(`${file}: not a msixtrace baseline (expected "format": "${BASELINE_FORMAT}")`);
  }
  if (b.start !== 'cold' && b.start !== 'warm') throw new UserError(`${file}: baseline "start" must be cold or warm`);
  return b;
}

export function writeBaseline(file: string, b: Baseline): void {
  const sorted: Baseline = { ...b, traces: {} };
  for (const k of Object.keys(b.traces).sort()) sorted.traces[k] = b.traces[k];
  writeFileAtomic(file, JSON.stringify(sorted, null, 1) + '\n');
}
