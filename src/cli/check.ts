// `msixtrace check`: regression gate. Replays traces through the models a baseline names and
// compares every per-field count; exit 1 on any difference, 0 when all hold, 2 on bad input. Traces
// are found in the baseline by content (SHA-256), so a baseline copied elsewhere still gates them.
import * as fs from 'fs';
import * as path from 'path';
import type { Argv } from 'yargs';
import { Baseline, BASELINE_FORMAT, BASELINE_FORMAT_1, BaselineTrace, fileSha256, findTrace, flatten, readBaseline, traceKey, writeBaseline } from '../check/baseline';
import { compareCounts, Difference, parseTolerance } from '../check/compare';
import { renderJunit } from '../check/junit';
import { UserError } from '../errors';
import { replayTrace } from '../replay/engine';
import { StartState } from '../replay/model';
import { refuseInputAsOutput, writeFileAtomic } from '../util/atomic';
import { escapeControls, jsonVisible } from '../util/escape';
import { Out } from '../util/out';
import { partialWarning } from '../report/rows';
import { isStdin, spoolStdin } from '../util/stdin';
import { expandModels } from '../replay/model';
import { examples } from './examples';
import { declare, VerbOptions } from './options';

export const command = 'check <trace...>';
export const describe = 'regression gate: replay recorded traces and compare every per-field count with a baseline';
export const options: VerbOptions = {
  positional: { name: 'trace', array: true, describe: '.msixtrace files' },
  options: {
    baseline: { type: 'string', demandOption: true, describe: 'baseline JSON file (names the models and start state)' },
    update: { type: 'boolean', default: false, describe: 'accept the current counts: rewrite the baseline atomically' },
    model: { alias: 'm', type: 'string', array: true, describe: 'with --update: the models to record (default: the baseline\'s, or all)' },
    start: { choices: ['cold', 'warm'] as const, describe: 'with --update: start state to record (default: the baseline\'s, or cold)' },
    tolerance: { type: 'string', describe: 'allowed difference per count: N (absolute) or N% (of the expected count)' },
    format: { choices: ['text', 'json'] as const, default: 'text' },
    junit: { type: 'string', describe: 'also write JUnit XML to this file' },
  },
};

export function builder(y: Argv): Argv {
  return examples(declare(y, options), [
    ['msixtrace check trace.msixtrace --baseline ../baseline.json', 'gate a recording against the bundled baseline'],
    ['msixtrace check trace.msixtrace --baseline b.json --update -m xen-4.7', 'record its counts for one model in a new baseline'],
    ['msixtrace check trace.msixtrace --baseline b.json --format json --junit j', 'for CI systems'],
  ]);
}

const short = (sha: string): string => sha.slice(0, 12);

/** A format-1 baseline's entries with the hash of their trace where it is still at its path (for --update). */
function migrate(file: string, base: Baseline): { kept: string[] } {
  const kept: string[] = [];
  for (const [key, e] of Object.entries(base.traces)) {
    if (e.sha256 !== undefined) continue;
    const at = path.resolve(path.dirname(path.resolve(file)), key);
    if (fs.existsSync(at)) e.sha256 = fileSha256(at);
    else kept.push(key);
  }
  return { kept };
}

/** What an --update with another model list stops (and starts) gating, in words for stderr. */
function gateChange(base: Baseline, models: string[], updated: Set<string>, all: string[]): string[] {
  const lines: string[] = [];
  if (base.models.length === 0) return lines;
  const dropped = base.models.filter((m) => !models.includes(m));
  const added = models.filter((m) => !base.models.includes(m));
  const n = all.length;
  if (dropped.length) {
    lines.push(`check: the baseline now gates ${models.join(', ')}: it stops gating ${dropped.join(', ')} for all ${n} trace(s) in it (their counts stay in the file)`);
  }
  const behind = all.filter((k) => !updated.has(k));
  if (added.length && behind.length) {
    lines.push(`check: it starts gating ${added.join(', ')}, which ${behind.length} other trace(s) in the baseline have no counts for (${behind.join(', ')}): run --update on them too, or the next check reports them`);
  }
  return lines;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  const tol = parseTolerance(argv.tolerance);
  if (!tol) throw new UserError(`bad --tolerance '${argv.tolerance}' (use N or N%)`);
  const file: string = argv.baseline;
  if (argv.junit) refuseInputAsOutput(String(argv.junit), [...(argv.trace as string[]).map(String), file]);
  if (file === '') throw new UserError('--baseline needs a file name (a baseline JSON file; check --update creates it)');
  const exists = fs.existsSync(file);
  if (!exists && !argv.update) throw new UserError(`${file}: no such baseline (create it with --update)`);
  const base: Baseline = exists ? readBaseline(file) : { format: BASELINE_FORMAT, start: 'cold', models: [], traces: {} };
  const start: StartState = argv.start ?? base.start;
  const models = argv.model ? expandModels(argv.model) : base.models.length ? expandModels(base.models) : expandModels(['all']);
  if (!argv.update && start !== base.start) throw new UserError(`--start ${start} differs from the baseline's (${base.start}); use --update to change it`);
  if (exists && base.format === BASELINE_FORMAT_1 && !argv.update) {
    process.stderr.write(`check: ${file} is a ${BASELINE_FORMAT_1} baseline: traces are matched by path only; check --update rewrites it as ${BASELINE_FORMAT}, matched by content\n`);
  }

  const traces: string[] = argv.trace;
  if (traces.filter(isStdin).length > 1) throw new UserError('stdin (-) can be given only once');
  const spool = traces.some(isStdin) ? spoolStdin() : null;
  const diffs: Difference[] = [];
  const problems = new Map<string, string>();
  const partial = new Map<string, string>();
  const keys: string[] = [];
  const fresh: Baseline = { format: BASELINE_FORMAT, start, models, traces: { ...base.traces } };
  const kept = argv.update && base.format === BASELINE_FORMAT_1 ? migrate(file, fresh).kept : [];
  const updated = new Set<string>();
  try {
    for (const t of traces) {
      const source = spool && isStdin(t) ? spool.file : t;
      const hintKey = isStdin(t) ? 'stdin' : traceKey(file, t);
      const sha = fileSha256(source);
      const found = findTrace(fresh, sha, hintKey);
      const replay = replayTrace(source, { models, start });
      const entry: BaselineTrace = { sha256: sha, events: replay.results[0]?.events ?? 0, models: {} };
      if (replay.partial) {
        entry.partial = replay.partial;
        process.stderr.write(partialWarning(t, replay.partial));
      }
      for (const r of replay.results) entry.models[r.model] = flatten(r);
      if (argv.update) {
        // The same content under another name keeps one entry, under the path given now.
        if (found && 'key' in found) delete fresh.traces[found.key];
        fresh.traces[hintKey] = entry;
        updated.add(hintKey);
        keys.push(hintKey);
        continue;
      }
      const key = found && 'key' in found ? found.key : hintKey;
      keys.push(key);
      if (replay.partial) partial.set(key, replay.partial);
      if (!found || !('key' in found)) {
        const have = Object.entries(base.traces).map(([k, e]) => (e.sha256 ? `${k} (${short(e.sha256)})` : k));
        const what = found ? `content changed: sha256 ${short(sha)}, the baseline recorded ${short(found.changed)} under this path`
          : `not in the baseline: no entry has its content (sha256 ${short(sha)}) or its path`;
        problems.set(key, `${what}; the baseline has ${have.length ? have.join(', ') : 'no traces'} (check --update records it, accepting its current counts)`);
        continue;
      }
      const expected = found.entry;
      if (expected.events !== entry.events) {
        diffs.push({ trace: key, model: '*', field: 'events', direction: '-', expected: expected.events, got: entry.events, delta: entry.events - expected.events });
      }
      const missing = models.filter((m) => !expected.models[m]);
      if (missing.length) problems.set(key, `model(s) ${missing.join(', ')} not in the baseline for this trace (check --update records them)`);
      for (const m of models) {
        if (expected.models[m]) diffs.push(...compareCounts(key, m, expected.models[m], entry.models[m], tol));
      }
    }
  } finally {
    spool?.cleanup();
  }

  const out = new Out();
  if (argv.update) {
    for (const line of gateChange(base, models, updated, Object.keys(fresh.traces))) process.stderr.write(line + '\n');
    if (kept.length) process.stderr.write(`check: ${kept.length} trace(s) of the ${BASELINE_FORMAT_1} baseline are not at their path, kept matched by path only: ${kept.join(', ')}\n`);
    writeBaseline(file, fresh);
    process.stderr.write(`check: baseline ${file} updated: ${traces.length} trace(s) x ${models.length} model(s)\n`);
    return;
  }
  if (argv.junit) writeFileAtomic(argv.junit, renderJunit(keys, models, diffs, problems, partial));
  const ok = diffs.length === 0 && problems.size === 0;
  if (argv.format === 'json') {
    out.line(jsonVisible(JSON.stringify({ ok, traces: keys.length, models, differences: diffs, problems: Object.fromEntries(problems), partial: Object.fromEntries(partial) })));
  } else {
    // Trace names and problems can come from the baseline file: controls made visible.
    for (const [t, why] of partial) out.line(escapeControls(`${t}: PARTIAL: ${why}`));
    for (const [t, why] of problems) out.line(escapeControls(`${t}: ${why}`));
    if (diffs.length) {
      const rows = [['trace', 'model', 'field', 'direction', 'expected', 'got', 'delta'],
        ...diffs.map((d) => [escapeControls(d.trace), escapeControls(d.model), escapeControls(d.field), d.direction, String(d.expected ?? '-'), String(d.got ?? '-'),
          d.delta === null ? '-' : (d.delta > 0 ? '+' : '') + d.delta])];
      const w = rows[0].map((_, c) => rows.reduce((m, r) => Math.max(m, r[c].length), 0));
      for (const r of rows) out.line(r.map((v, c) => (c >= 4 ? v.padStart(w[c]) : v.padEnd(w[c]))).join('  ').trimEnd());
    }
    const counts = keys.length * models.length;
    const part = partial.size ? `; ${partial.size} trace(s) partial` : '';
    out.line(ok ? `check: all counts hold (${keys.length} trace(s) x ${models.length} model(s))${part}`
      : `check: ${diffs.length} count(s) differ, ${problems.size} problem(s) in ${counts} trace x model pair(s)${part}`);
  }
  out.flush();
  if (!ok) process.exitCode = 1;
}
