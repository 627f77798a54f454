// `msixtrace replay`: traces through interception models, absorbed vs forwarded.
import type { Argv } from 'yargs';
import { UserError } from '../errors';
import { DEFAULT_ABSORB_US, DEFAULT_FORWARD_US, parseCost } from '../replay/cost';
import { GroupBy, replayTrace } from '../replay/engine';
import { ModelChoice } from '../replay/catalog';
import { chooseFrom } from '../replay/model';
import { compareRows, Comparison, renderCompareCsv, renderCompareJson, renderCompareNdjson, renderCompareTable } from '../report/compare';
import { renderCsv } from '../report/csv';
import { renderJson, renderNdjson } from '../report/json';
import { partialWarning, ReportRow, reportRows } from '../report/rows';
import { renderTable } from '../report/table';
import { parseDuration } from '../util/duration';
import { escapeControls } from '../util/escape';
import { Out, Progress } from '../util/out';
import { isStdin, renameSpool, spoolStdin } from '../util/stdin';
import { TraceReader } from '../tracefile/reader';
import { examples } from './examples';
import { declare, VerbOptions } from './options';


export const command = 'replay <trace...>';
export const describe = 'drive traces through interception models: absorbed vs forwarded, per field, entry, guest, vCPU';
export const options: VerbOptions = {
  positional: { name: 'trace', array: true, describe: '.msixtrace files' },
  options: {
    model: { alias: 'm', type: 'string', array: true, requiresArg: true, describe: 'models (msixtrace models), Xen releases (xen-4.17: the model that covers it), policy:FILE (a what-if policy, docs/policies.md), comma lists, or all (the default)' },
    compare: { type: 'string', requiresArg: true, describe: 'A,B: two models or releases side by side per field: counts, difference, ratio and CPU cost of moving from A to B' },
    start: { choices: ['cold', 'warm', 'auto'] as const, requiresArg: true, default: 'cold', describe: 'cold: trace starts before the driver set the device up; warm: mid-run (registered, every entry bound); auto: warm for each device the trace shows mid-run, else cold' },
    format: { choices: ['table', 'json', 'ndjson', 'csv'] as const, requiresArg: true, default: 'table' },
    by: { choices: ['field', 'entry', 'guest', 'vcpu'] as const, requiresArg: true, describe: 'break the counts down by table field, entry (device:entry), guest or guest:vcpu' },
    interval: { type: 'string', requiresArg: true, describe: 'absorbed/forwarded per time bucket, e.g. 100ms, 1s' },
    cost: { type: 'string', describe: `estimate device-model and hypervisor CPU (% of one CPU): default, or forward=US,absorb=US (assumed defaults forward=${DEFAULT_FORWARD_US},absorb=${DEFAULT_ABSORB_US}: see README "Cost model")` },
    explain: { type: 'boolean', default: false, describe: 'NDJSON, one line per event per model: the access, the outcome and the reason in words' },
    'xen34-mod-quirk': { type: 'boolean', default: false, describe: 'xen-3.4: the 3.4.0 "%" entry index quirk (every dword vector_ctrl write absorbed)' },
    salvage: { type: 'boolean', default: false, describe: 'replay the complete batches of a damaged trace' },
  },
};

export function builder(y: Argv): Argv {
  return examples(declare(y, options), [
    ['msixtrace replay trace.msixtrace', 'every model, one row each, with the Xen releases it stands for'],
    ['msixtrace replay trace.msixtrace -m xen-4.17 -m kvm --by field', 'a release (answered by the model that covers it) and KVM, per field'],
    ['msixtrace replay trace.msixtrace --compare xen-4.1,xen-4.19', 'what moving from Xen 4.1 to 4.19 changes and costs, per field'],
    ['msixtrace replay trace.msixtrace --format json | jq \'.results[] | .releases\'', 'to jq'],
    ['msixtrace replay trace.msixtrace -m xen-4.7 --explain | head -3', 'why each access went where it went'],
    ['msixtrace replay trace.msixtrace --cost forward=20,absorb=1 --interval 500ms', 'CPU estimate (% of one CPU) and counts over time'],
  ]).epilog('Each model\'s interception rules, with the Xen commits they come from: docs/models.md in the msixtrace package.');
}

/** Option combinations that cannot both apply: one line naming them, before any work. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function refuseCombinations(argv: any): void {
  const given = (name: string): boolean => argv[name] !== undefined && argv[name] !== false;
  if (argv.explain) {
    for (const o of ['by', 'interval', 'cost', 'compare']) {
      if (given(o)) throw new UserError(`--explain prints one line per event and model; --${o} does not apply to it (drop one of them)`);
    }
    if (argv.format !== 'table' && argv.format !== 'ndjson') throw new UserError('--explain prints NDJSON; drop --format or use --format ndjson');
  }
  if (given('compare')) {
    for (const o of ['by', 'interval']) {
      if (given(o)) throw new UserError(`--compare shows per-field totals; --${o} does not apply to it (run replay -m A,B --${o} instead)`);
    }
    const m = argv.model;
    if (m !== undefined && !(Array.isArray(m) && m.length === 1 && m[0] === 'all')) {
      throw new UserError('--compare A,B names the two models; drop -m');
    }
  }
  if (argv.format === 'csv' && given('by') && given('interval')) {
    throw new UserError('--format csv holds one table: use --by or --interval, or --format json for both');
  }
  if (argv.format === 'csv' && given('interval') && given('cost') && !given('compare')) {
    throw new UserError('--format csv with --interval holds counts per bucket, not cost: drop --cost, or use --format json for both');
  }
}

/** --compare A,B as two distinct models. */
function comparePair(text: string): ModelChoice[] {
  const parts = String(text).split(',').map((s) => s.trim());
  if (parts.length !== 2 || parts.some((p) => p === '')) throw new UserError(`--compare takes two models or releases, A,B (e.g. xen-4.1,xen-4.19), not '${text}'`);
  if (parts.includes('all')) throw new UserError(`--compare takes two models or releases, A,B; 'all' is every model (use -m all without --compare)`);
  const a = chooseFrom(parts[0], '--compare');
  const b = chooseFrom(parts[1], '--compare');
  if (a[0].model === b[0].model) {
    throw new UserError(`--compare ${text}: both are model ${a[0].model} (${a[0].range}), nothing differs`);
  }
  return [a[0], b[0]];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  refuseCombinations(argv);
  const choices = argv.compare !== undefined ? comparePair(argv.compare) : chooseFrom(argv.model);
  const models = choices.map((c) => c.model);
  const intervalNs = argv.interval !== undefined ? parseDuration(argv.interval, '--interval') : undefined;
  const cost = argv.cost !== undefined || argv.compare !== undefined ? parseCost(argv.cost) : undefined;
  const out = new Out();
  const results: ReportRow[] = [];
  const traces = argv.trace as string[];
  if (traces.filter(isStdin).length > 1) throw new UserError('stdin (-) can be given only once');
  // --explain prints while it replays: every trace is read once first, so a damaged one is exit 2
  // with nothing on stdout instead of the explanations of an arbitrary prefix (--salvage skips this).
  const spool = ((argv.explain && !argv.salvage) || argv.start === 'auto') && traces.some(isStdin) ? spoolStdin() : null;
  const source = (t: string): string => (spool && isStdin(t) ? spool.file : t);
  try {
    if (argv.explain && !argv.salvage) {
      for (const t of traces) {
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        for (const _ of new TraceReader(source(t)).batches());
      }
    }
    out.flush(); // --explain writes to stdout natively
    // Notes go out once every trace has replayed: a bad trace later on stays a one-line error.
    for (const note of replayAll(traces, source, argv, choices, intervalNs, cost, results)) process.stderr.write(note);
  } catch (e) {
    // --explain into a closed pipe (`| head`): done, as Out does for everything else.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
    if (spool && e instanceof UserError) throw new UserError(renameSpool(e.message, spool.file), e.exitCode);
    throw e;
  } finally {
    spool?.cleanup();
  }
  if (argv.compare !== undefined) {
    const list: Comparison[] = [];
    for (let i = 0; i + 1 < results.length; i += 2) list.push(compareRows(results[i], results[i + 1], cost!.forwardUs, cost!.absorbUs));
    switch (argv.format) {
      case 'json': out.write(renderCompareJson(list)); break;
      case 'ndjson': out.write(renderCompareNdjson(list)); break;
      case 'csv': out.write(renderCompareCsv(list)); break;
      default: out.write(renderCompareTable(list));
    }
  } else if (!argv.explain) {
    switch (argv.format) {
      case 'json': out.write(renderJson(results)); break;
      case 'ndjson': out.write(renderNdjson(results)); break;
      case 'csv': out.write(renderCsv(results)); break;
      default: out.write(renderTable(results));
    }
  }
  out.flush();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function replayAll(traces: string[], source: (t: string) => string, argv: any, choices: ModelChoice[], intervalNs: number | undefined,
  cost: ReturnType<typeof parseCost> | undefined, results: ReportRow[]): string[] {
  const notes: string[] = [];
  for (const trace of traces) {
    const progress = new Progress(`replay ${trace}`);
    // --explain prints the lines alone: no groups or buckets to count.
    const r = replayTrace(source(trace), {
      models: choices.map((c) => c.model), start: argv.start, by: argv.explain ? undefined : argv.by as GroupBy | undefined,
      intervalNs: argv.explain ? undefined : intervalNs, cost,
      options: argv['xen34-mod-quirk'] ? 1 : 0, salvage: argv.salvage,
      explain: argv.explain ? { trace, fd: 1 } : undefined,
      onBatch: (n) => progress.update(n, undefined, ' events'),
    });
    progress.done();
    for (const note of r.notes) notes.push(`replay: ${escapeControls(note)}\n`);
    if (r.startNote) notes.push(`note: ${escapeControls(r.startNote.replace(source(trace), trace))}\n`);
    if (r.partial) notes.push(partialWarning(trace, r.partial));
    results.push(...reportRows({ ...r, results: r.results.map((x) => ({ ...x, trace })) }, choices));
  }
  return notes;
}
