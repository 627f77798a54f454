// Drives one trace through a set of models and aggregates what the report asks for. Without decision
// bytes (the default report, --by field, --cost) the native pipeline takes the reader's decoder
// slot: one native call per EventBatch packet decodes it and feeds every model, on worker threads,
// and JS never touches an event. --by entry|guest|vcpu, --interval and --explain need the decision
// bytes: there each batch is decoded into columns and fed to each model in turn (one native call
// per batch per model), and JS walks the decisions.
import { EventBatch, FIELD_NAMES } from '../events';
import { MAX_BATCH } from '../tracefile/batch-codec';
import { TraceReader } from '../tracefile/reader';
import { Header } from '../tracefile/schema';
import { DirCounts, eventsFrom, fieldsFrom, totalsFrom, xenSideFrom } from './counts';
import { bucketCounts, BucketIndex, groupCounts, GroupIndex, GROUP_WIDTH, Tally, tallyBuckets, tallyGroups } from './groups';
import { ModelRun, StartState } from './model';
import { Cost, costOf } from './cost';
import * as os from 'os';
import { UserError } from '../errors';
import { feedMany, NativePipeline, pointerTable } from '../native/decode';
import { isStdin } from '../util/stdin';
import { midRunNote, scanStart, StartScan } from './start';

export type GroupBy = 'field' | 'entry' | 'guest' | 'vcpu';

export interface ReplayOptions {
  models: string[];
  /** auto: warm for each device the trace shows mid-run (start.ts), cold for the others. */
  start: StartState | 'auto';
  by?: GroupBy;
  intervalNs?: number;
  cost?: { forwardUs: number; absorbUs: number };
  options?: number;
  salvage?: boolean;
  /** Called per event per model with its decision byte, for --explain. */
  explain?: (model: string, b: EventBatch, i: number, decision: number, index: number) => void;
  onBatch?: (eventsSoFar: number) => void;
}

export interface Interval { start_ns: number; absorbed: number; forwarded: number }

export interface ModelResult {
  model: string;
  trace: string;
  start: StartState | 'auto';
  /** Under --start auto: the start each header device got. */
  device_starts?: StartState[];
  events: number;
  duration_ns: number;
  totals: DirCounts;
  fields: Record<string, DirCounts>;
  xen_side: { deferred_unmasks: number; guest_crash: number };
  by?: { kind: GroupBy; groups: Array<{ key: string } & DirCounts> };
  intervals?: { interval_ns: number; buckets: Interval[] };
  cost?: Cost;
}

export interface TraceReplay {
  trace: string;
  header: Header;
  results: ModelResult[];
  /** Says which devices start mid-run and what that means for the replay, or null. */
  startNote: string | null;
}

export function replayTrace(file: string, opts: ReplayOptions): TraceReplay {
  // Whether the trace begins mid-run is read from the trace first (for auto, and for the note a cold
  // replay of such a trace gets); a pipe can be read once only.
  let scan: StartScan | null = null;
  if (opts.start === 'auto' || opts.start === 'cold') {
    if (!isStdin(file)) scan = scanStart(file, opts.salvage);
    else if (opts.start === 'auto') throw new UserError('--start auto reads the trace twice: pass a file, not stdin');
  }
  const reader = new TraceReader(file, { salvage: opts.salvage });
  const auto = opts.start === 'auto' && scan !== null ? scan.starts : null;
  const geometry = reader.header.devices.map((d, i) => ({ tableGpa: d.tableGpa, pbaGpa: d.pbaGpa, entries: d.tableEntries, start: auto?.[i] }));
  const runStart: StartState = opts.start === 'warm' ? 'warm' : 'cold';
  const runs: ModelRun[] = [];
  let pipe: NativePipeline | null = null;
  try {
    for (const m of opts.models) runs.push(new ModelRun(m, runStart, geometry, opts.options ?? 0));
    const needDecisions = !!opts.explain || opts.intervalNs !== undefined || (opts.by !== undefined && opts.by !== 'field');
    const decisions = needDecisions ? Buffer.alloc(MAX_BATCH) : undefined;
    const groups = opts.by && opts.by !== 'field' ? new GroupIndex(opts.by, MAX_BATCH) : null;
    const buckets = opts.intervalNs !== undefined ? new BucketIndex(opts.intervalNs, MAX_BATCH) : null;
    const groupTally = runs.map(() => new Tally(GROUP_WIDTH));
    const bucketTally = runs.map(() => new Tally(2));
    let events = 0;
    let tMin = Infinity;
    let tMax = -Infinity;
    // Without decision bytes the models are independent: one native call feeds them all, split over
    // the cores. With them, JS walks the decisions of each model in turn.
    const cpus = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
    const threads = Math.min(runs.length, cpus);
    if (!needDecisions && reader.nativeDecoding) {
      // All the cores: this thread decodes while min(cpus - 1, models) workers feed.
      pipe = NativePipeline.create(runs.map((r) => r.handle), geometry.length, cpus);
      if (pipe) reader.useDecoder(pipe);
    }
    const table = !pipe && !needDecisions && runs.length > 1 && threads > 1 ? pointerTable(runs.map((r) => r.handle)) : null;
    for (const b of reader.batches()) {
      if (b.n > 0) {
        if (reader.tsMin < tMin) tMin = reader.tsMin;
        if (reader.tsMax > tMax) tMax = reader.tsMax;
      }
      if (pipe) {
        // Decoded and queued for every model; b holds only the count.
        events += b.n;
        opts.onBatch?.(events);
        continue;
      }
      if (table) {
        const rc = feedMany(table, runs.length, b, threads);
        if (rc === 0) {
          events += b.n;
          opts.onBatch?.(events);
          continue;
        }
        if (rc !== null) throw new UserError('event names a device the trace header does not list');
      }
      groups?.assign(b);
      buckets?.assign(b);
      runs.forEach((run, r) => {
        run.feed(b, decisions);
        if (!decisions) return;
        if (groups) tallyGroups(groupTally[r], groups, b, decisions);
        if (buckets) tallyBuckets(bucketTally[r], buckets, b, decisions);
        if (opts.explain) for (let i = 0; i < b.n; i++) opts.explain(run.model, b, i, decisions[i], events + i);
      });
      events += b.n;
      opts.onBatch?.(events);
    }
    pipe?.finish(); // every queued batch fed: the counters are complete
    const duration = events > 0 ? tMax - tMin : 0;
    const results = runs.map((run, r): ModelResult => {
      const c = run.counters();
      const fields = fieldsFrom(c);
      const res: ModelResult = {
        model: run.model, trace: file, start: opts.start, events: eventsFrom(c), duration_ns: duration,
        totals: totalsFrom(fields), fields, xen_side: xenSideFrom(c),
      };
      if (auto) res.device_starts = auto;
      if (groups && opts.by && opts.by !== 'field') {
        res.by = { kind: opts.by, groups: groupCounts(groupTally[r], groups).sort((x, y) => naturalOrder(x.key, y.key)) };
      } else if (opts.by === 'field') {
        res.by = { kind: 'field', groups: FIELD_NAMES.map((key) => ({ key, ...fields[key] })) };
      }
      if (buckets && opts.intervalNs !== undefined) {
        const list = bucketCounts(bucketTally[r], buckets).sort((a, b) => a.start_ns - b.start_ns);
        res.intervals = { interval_ns: opts.intervalNs, buckets: fillGaps(list, opts.intervalNs) };
      }
      if (opts.cost) res.cost = costOf(res.totals, duration, opts.cost.forwardUs, opts.cost.absorbUs);
      return res;
    });
    const startNote = scan ? midRunNote(file, scan, reader.header.devices, opts.start) : null;
    return { trace: file, header: reader.header, results, startNote };
  } finally {
    pipe?.destroy(); // joins the workers before the contexts they feed go
    for (const r of runs) r.close();
    reader.close();
  }
}

/** Time series without holes, so plots and pandas see quiet seconds as zeros. */
function fillGaps(list: Interval[], step: number): Interval[] {
  if (list.length === 0) return list;
  const out: Interval[] = [];
  const first = list[0].start_ns;
  const last = list[list.length - 1].start_ns;
  if ((last - first) / step > 1e6) return list;
  let j = 0;
  for (let s = first; s <= last; s += step) {
    if (j < list.length && list[j].start_ns === s) out.push(list[j++]);
    else out.push({ start_ns: s, absorbed: 0, forwarded: 0 });
  }
  return out;
}

function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
