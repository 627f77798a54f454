// `msixtrace replay`: traces through interception models, absorbed vs forwarded.
import type { Argv } from 'yargs';
import { EventBatch, FIELD_NAMES, fieldOf } from '../events';
import { UserError } from '../errors';
import { native } from '../native/binding';
import { DEFAULT_ABSORB_US, DEFAULT_FORWARD_US, parseCost } from '../replay/cost';
import { GroupBy, ModelResult, replayTrace } from '../replay/engine';
import { modelNames, resolveModel } from '../replay/model';
import { renderCsv } from '../report/csv';
import { renderJson, renderNdjson } from '../report/json';
import { renderTable } from '../report/table';
import { parseDuration } from '../util/duration';
import { Out, Progress } from '../util/out';
import { isStdin, renameSpool, spoolStdin } from '../util/stdin';
import { TraceReader } from '../tracefile/reader';
import { declare, VerbOptions } from './options';

/** -m values: names, aliases, comma lists and 'all'; order kept, duplicates dropped. */
export function expandModels(list: string[] | string | undefined): string[] {
  const raw = (Array.isArray(list) ? list : list ? [list] : ['all']).flatMap((s) => String(s).split(','));
  const out: string[] = [];
  for (const name of raw.map((s) => s.trim()).filter(Boolean)) {
    const names = name === 'all' ? modelNames() : [resolveModel(name)];
    for (const n of names) if (!out.includes(n)) out.push(n);
  }
  return out;
}

const OUTCOME = ['absorbed', 'forwarded', 'both'];

function explainLine(trace: string, model: string, b: EventBatch, i: number, d: number, index: number): string {
  const field = FIELD_NAMES[fieldOf(b.region[i], b.offset[i])];
  const entry = b.region[i] === 1 ? null : Math.floor(b.offset[i] / 16);
  return JSON.stringify({
    trace, model, index, ts_ns: b.ts[i], guest: b.guest[i], vcpu: b.vcpu[i], device: b.device[i],
    region: b.region[i] === 1 ? 'pba' : 'table', offset: b.offset[i], entry, field, size: b.size[i],
    dir: b.dir[i] === 1 ? 'w' : 'r', value: b.valueHex(i), outcome: OUTCOME[d & 3] ?? 'invalid',
    guest_crash: (d & 4) !== 0, reason: native().msx_reason_text(d >> 3),
  });
}

export const command = 'replay <trace...>';
export const describe = 'drive traces through interception models: absorbed vs forwarded, per field, entry, guest, vCPU';
export const options: VerbOptions = {
  positional: { name: 'trace', array: true, describe: '.msixtrace files' },
  options: {
    model: { alias: 'm', type: 'string', array: true, default: ['all'], describe: 'models (msixtrace models), comma lists, or all' },
    start: { choices: ['cold', 'warm', 'auto'] as const, default: 'cold', describe: 'cold: trace starts before the driver set the device up; warm: mid-run (registered, every entry bound); auto: warm for each device the trace shows mid-run, else cold' },
    format: { choices: ['table', 'json', 'ndjson', 'csv'] as const, default: 'table' },
    by: { choices: ['field', 'entry', 'guest', 'vcpu'] as const, describe: 'break the counts down by table field, entry (device:entry), guest or guest:vcpu' },
    interval: { type: 'string', describe: 'absorbed/forwarded per time bucket, e.g. 100ms, 1s' },
    cost: { type: 'string', describe: `estimate device-model CPU: forward=US,absorb=US (assumed defaults forward=${DEFAULT_FORWARD_US},absorb=${DEFAULT_ABSORB_US}: see README "Cost model")` },
    explain: { type: 'boolean', default: false, describe: 'NDJSON, one line per event per model: the access, the outcome and the reason in words' },
    'xen34-mod-quirk': { type: 'boolean', default: false, describe: 'xen-3.4: the 3.4.0 "%" entry index quirk (every dword vector_ctrl write absorbed)' },
    salvage: { type: 'boolean', default: false, describe: 'replay the complete batches of a damaged trace' },
  },
};

export function builder(y: Argv): Argv {
  return declare(y, options)
    .example('$0 replay t.msixtrace', 'every model, one row each')
    .example('$0 replay t.msixtrace -m xen-4.1 -m kvm --by field', 'two models, per field')
    .example('$0 replay t.msixtrace -m all --format json | jq \'.results[] | {model, f: .totals.read.forwarded}\'', 'to jq')
    .example('$0 replay t.msixtrace -m xen-4.7 --explain | head', 'why each access went where it went')
    .example('$0 replay t.msixtrace --cost forward=20,absorb=1', 'device-model CPU estimate');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  const models = expandModels(argv.model);
  const intervalNs = argv.interval !== undefined ? parseDuration(argv.interval, '--interval') : undefined;
  const cost = argv.cost !== undefined ? parseCost(argv.cost) : undefined;
  if (argv.explain && (argv.format !== 'table' && argv.format !== 'ndjson')) {
    throw new UserError('--explain prints NDJSON; drop --format or use --format ndjson');
  }
  const out = new Out();
  const results: ModelResult[] = [];
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
    replayAll(traces, source, argv, models, intervalNs, cost, out, results);
  } catch (e) {
    if (spool && e instanceof UserError) throw new UserError(renameSpool(e.message, spool.file), e.exitCode);
    throw e;
  } finally {
    spool?.cleanup();
  }
  if (!argv.explain) {
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
function replayAll(traces: string[], source: (t: string) => string, argv: any, models: string[], intervalNs: number | undefined,
  cost: ReturnType<typeof parseCost> | undefined, out: Out, results: ModelResult[]): void {
  for (const trace of traces) {
    const progress = new Progress(`replay ${trace}`);
    const r = replayTrace(source(trace), {
      models, start: argv.start, by: argv.by as GroupBy | undefined, intervalNs, cost,
      options: argv['xen34-mod-quirk'] ? 1 : 0, salvage: argv.salvage,
      explain: argv.explain ? (model, b, i, d, index) => out.line(explainLine(trace, model, b, i, d, index)) : undefined,
      onBatch: (n) => progress.update(n, undefined, ' events'),
    });
    progress.done();
    if (r.startNote) process.stderr.write(`note: ${r.startNote.replace(source(trace), trace)}\n`);
    results.push(...r.results);
  }
}
