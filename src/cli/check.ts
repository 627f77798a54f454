// `msixtrace check`: regression gate. Replays traces through the models a baseline names and
// compares every per-field count; exit 1 on any difference, 0 when all hold, 2 on bad input.
import * as fs from 'fs';
import type { Argv } from 'yargs';
import { Baseline, BASELINE_FORMAT, flatten, readBaseline, traceKey, writeBaseline } from '../check/baseline';
import { compareCounts, Difference, parseTolerance } from '../check/compare';
import { renderJunit } from '../check/junit';
import { UserError } from '../errors';
import { replayTrace } from '../replay/engine';
import { StartState } from '../replay/model';
import { refuseInputAsOutput, writeFileAtomic } from '../util/atomic';
import { escapeControls, jsonVisible } from '../util/escape';
import { Out } from '../util/out';
import { expandModels } from '../replay/model';
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
  return declare(y, options)
    .example('$0 check traces/*/trace.msixtrace --baseline traces/baseline.json', 'gate the corpus')
    .example('$0 check new.msixtrace --baseline traces/baseline.json --update', 'accept new counts')
    .example('$0 check t.msixtrace --baseline b.json --format json --junit report.xml', 'for CI systems');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  const tol = parseTolerance(argv.tolerance);
  if (!tol) throw new UserError(`bad --tolerance '${argv.tolerance}' (use N or N%)`);
  const file: string = argv.baseline;
  if (argv.junit) refuseInputAsOutput(String(argv.junit), [...(argv.trace as string[]).map(String), file]);
  const exists = fs.existsSync(file);
  if (!exists && !argv.update) throw new UserError(`${file}: no such baseline (create it with --update)`);
  const base: Baseline = exists ? readBaseline(file) : { format: BASELINE_FORMAT, start: 'cold', models: [], traces: {} };
  const start: StartState = argv.start ?? base.start;
  const models = argv.model ? expandModels(argv.model) : base.models.length ? expandModels(base.models) : expandModels(['all']);
  if (!argv.update && start !== base.start) throw new UserError(`--start ${start} differs from the baseline's (${base.start}); use --update to change it`);

  const traces: string[] = argv.trace;
  const diffs: Difference[] = [];
  const problems = new Map<string, string>();
  const fresh: Baseline = { format: BASELINE_FORMAT, start, models, traces: { ...base.traces } };
  for (const t of traces) {
    const key = traceKey(file, t);
    const replay = replayTrace(t, { models, start });
    const entry = { events: replay.results[0]?.events ?? 0, models: {} as Record<string, Record<string, number>> };
    for (const r of replay.results) entry.models[r.model] = flatten(r);
    fresh.traces[key] = entry;
    if (argv.update) continue;
    const expected = base.traces[key];
    if (!expected) {
      problems.set(key, 'not in the baseline (run with --update to add it)');
      continue;
    }
    if (expected.events !== entry.events) {
      diffs.push({ trace: key, model: '*', field: 'events', direction: '-', expected: expected.events, got: entry.events, delta: entry.events - expected.events });
    }
    for (const m of models) {
      if (!expected.models[m]) {
        problems.set(key, `model ${m} not in the baseline (run with --update)`);
        continue;
      }
      diffs.push(...compareCounts(key, m, expected.models[m], entry.models[m], tol));
    }
  }

  const out = new Out();
  if (argv.update) {
    writeBaseline(file, fresh);
    process.stderr.write(`check: baseline ${file} updated: ${traces.length} trace(s) x ${models.length} model(s)\n`);
    return;
  }
  const keys = traces.map((t) => traceKey(file, t));
  if (argv.junit) writeFileAtomic(argv.junit, renderJunit(keys, models, diffs, problems));
  const ok = diffs.length === 0 && problems.size === 0;
  if (argv.format === 'json') {
    out.line(jsonVisible(JSON.stringify({ ok, traces: keys.length, models, differences: diffs, problems: Object.fromEntries(problems) })));
  } else {
    // Trace names and problems can come from the baseline file: controls made visible.
    for (const [t, why] of problems) out.line(escapeControls(`${t}: ${why}`));
    if (diffs.length) {
      const rows = [['trace', 'model', 'field', 'direction', 'expected', 'got', 'delta'],
        ...diffs.map((d) => [escapeControls(d.trace), escapeControls(d.model), escapeControls(d.field), d.direction, String(d.expected ?? '-'), String(d.got ?? '-'),
          d.delta === null ? '-' : (d.delta > 0 ? '+' : '') + d.delta])];
      const w = rows[0].map((_, c) => rows.reduce((m, r) => Math.max(m, r[c].length), 0));
      for (const r of rows) out.line(r.map((v, c) => (c >= 4 ? v.padStart(w[c]) : v.padEnd(w[c]))).join('  ').trimEnd());
    }
    const counts = keys.length * models.length;
    out.line(ok ? `check: all counts hold (${keys.length} trace(s) x ${models.length} model(s))`
      : `check: ${diffs.length} count(s) differ, ${problems.size} problem(s) in ${counts} trace x model pair(s)`);
  }
  out.flush();
  if (!ok) process.exitCode = 1;
}
