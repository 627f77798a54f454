// Drives one trace through a set of models and aggregates what the report asks for. Without decision
// bytes (the default report, --by field, --cost) the native pipeline takes the reader's decoder
// slot: one native call per EventBatch packet decodes it and feeds every model, on worker threads,
// and JS never touches an event. --by entry|guest|vcpu, --interval and --explain need the decision
// bytes: there each batch is decoded into columns and fed to each model in turn (one native call
// per batch per model), and JS walks the decisions.
import { EventBatch, FIELD_NAMES, fieldOf, REGION_PBA } from '../events';
import { TraceReader } from '../tracefile/reader';
import { Header } from '../tracefile/schema';
import { DirCounts, emptyDir, eventsFrom, fieldsFrom, totalsFrom, xenSideFrom } from './counts';
import { ModelRun, StartState } from './model';
import { Cost, costOf } from './cost';
import * as os from 'os';
import { UserError } from '../errors';
import { feedMany, NativePipeline, pointerTable } from '../native/decode';

export type GroupBy = 'field' | 'entry' | 'guest' | 'vcpu';

export interface ReplayOptions {
  models: string[];
  start: StartState;
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
  start: StartState;
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
}

function groupKey(by: GroupBy, b: EventBatch, i: number): string {
  switch (by) {
    case 'entry':
      return b.region[i] === REGION_PBA ? `${b.device[i]}:pba` : `${b.device[i]}:${Math.floor(b.offset[i] / 16)}`;
    case 'guest':
      return String(b.guest[i]);
    case 'vcpu':
      return `${b.guest[i]}:${b.vcpu[i]}`;
    default:
      return FIELD_NAMES[fieldOf(b.region[i], b.offset[i])];
  }
}

function tally(c: DirCounts, dir: number, outcome: number): void {
  if (dir === 0) {
    if (outcome === 0) c.read.absorbed++;
    else c.read.forwarded++;
  } else if (outcome === 0) {
    c.write.absorbed++;
  } else {
    c.write.forwarded++;
    if (outcome === 2) c.write.both++;
  }
}

export function replayTrace(file: string, opts: ReplayOptions): TraceReplay {
  const reader = new TraceReader(file, { salvage: opts.salvage });
  const geometry = reader.header.devices.map((d) => ({ tableGpa: d.tableGpa, pbaGpa: d.pbaGpa, entries: d.tableEntries }));
  const runs: ModelRun[] = [];
  let pipe: NativePipeline | null = null;
  try {
    for (const m of opts.models) runs.push(new ModelRun(m, opts.start, geometry, opts.options ?? 0));
    const needDecisions = !!opts.explain || opts.intervalNs !== undefined || (opts.by !== undefined && opts.by !== 'field');
    const decisions = needDecisions ? Buffer.alloc(65536) : undefined;
    const groups = runs.map(() => new Map<string, DirCounts>());
    const buckets = runs.map(() => new Map<number, Interval>());
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
      runs.forEach((run, r) => {
        run.feed(b, decisions);
        if (!decisions) return;
        const g = groups[r];
        const bk = buckets[r];
        for (let i = 0; i < b.n; i++) {
          const d = decisions[i];
          const outcome = d & 3;
          if (opts.by && opts.by !== 'field') {
            const key = groupKey(opts.by, b, i);
            let c = g.get(key);
            if (!c) g.set(key, (c = emptyDir()));
            tally(c, b.dir[i], outcome);
          }
          if (opts.intervalNs !== undefined) {
            const s = Math.floor(b.ts[i] / opts.intervalNs);
            let c = bk.get(s);
            if (!c) bk.set(s, (c = { start_ns: s * opts.intervalNs, absorbed: 0, forwarded: 0 }));
            if (outcome === 0) c.absorbed++;
            else c.forwarded++;
          }
          if (opts.explain) opts.explain(run.model, b, i, d, events + i);
        }
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
      if (opts.by && opts.by !== 'field') {
        const keys = [...groups[r].keys()].sort(naturalOrder);
        res.by = { kind: opts.by, groups: keys.map((key) => ({ key, ...groups[r].get(key)! })) };
      } else if (opts.by === 'field') {
        res.by = { kind: 'field', groups: FIELD_NAMES.map((key) => ({ key, ...fields[key] })) };
      }
      if (opts.intervalNs !== undefined) {
        const list = [...buckets[r].values()].sort((a, b) => a.start_ns - b.start_ns);
        res.intervals = { interval_ns: opts.intervalNs, buckets: fillGaps(list, opts.intervalNs) };
      }
      if (opts.cost) res.cost = costOf(res.totals, duration, opts.cost.forwardUs, opts.cost.absorbUs);
      return res;
    });
    return { trace: file, header: reader.header, results };
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
