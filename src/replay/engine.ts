// Drives one trace through a set of models and aggregates what the report asks for. The native
// pipeline (native/replay/pipeline.h) takes the reader's decoder slot: one native call per
// EventBatch packet decodes it and feeds every model, on worker threads, and JS never touches an
// event. --by entry|guest|vcpu, --interval, --explain and the report's heat map are computed there
// too (a decision-byte column per batch and model, tallied per group and bucket natively; the
// --explain text written natively a buffer at a time), so memory stays fixed whatever the trace's
// length: at most MAX_GROUPS groups (later ones are summed in 'other') and MAX_BUCKETS buckets
// (more is refused, naming an interval that fits).
import { FIELD_NAMES } from '../events';
import { TraceReader } from '../tracefile/reader';
import { Header } from '../tracefile/schema';
import { DirCounts, eventsFrom, fieldsFrom, totalsFrom, xenSideFrom } from './counts';
import { ModelRun, StartState } from './model';
import { Cost, costOf } from './cost';
import * as os from 'os';
import { UserError } from '../errors';
import { HEAT_COLUMNS, NativePipeline } from '../native/decode';
import { isStdin } from '../util/stdin';
import { midRunNote, scanStart, StartScan } from './start';

export type GroupBy = 'field' | 'entry' | 'guest' | 'vcpu';

/** One --interval time bucket. */
export interface Interval { start_ns: number; absorbed: number; forwarded: number }

/** --by keeps at most this many groups per trace; the accesses of later groups are summed in 'other'. */
export const MAX_GROUPS = 10_000;
/** --interval gives at most this many buckets per trace; a finer interval is refused. */
export const MAX_BUCKETS = 10_000;
/** The report's heat map counts at most this many (device, entry) rows per trace. */
export const MAX_HEAT_ROWS = 65_536;
/** The key of the group that sums the groups past MAX_GROUPS. */
export const OTHER_GROUP = 'other';

export interface ReplayOptions {
  models: string[];
  /** auto: warm for each device the trace shows mid-run (start.ts), cold for the others. */
  start: StartState | 'auto';
  by?: GroupBy;
  intervalNs?: number;
  cost?: { forwardUs: number; absorbUs: number };
  options?: number;
  salvage?: boolean;
  /** --explain: NDJSON lines, one per event per model, written natively to the file descriptor
   * `fd` as the batches are fed (anything buffered for fd must be flushed first). `trace` is the
   * name in the lines. A failed write throws its error (code EPIPE when the reader went away). */
  explain?: { trace: string; fd: number };
  /** Instead of refusing an interval that gives more than MAX_BUCKETS buckets, double it as often
   * as needed (the report, which shows at most a few hundred anyway); intervals.interval_ns says
   * what it became. */
  fitInterval?: boolean;
  /** Count accesses per (device, entry) x field for the report's heat map. */
  heat?: boolean;
  onBatch?: (eventsSoFar: number) => void;
}

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

/** Accesses per (device, entry): counts[HEAT_COLUMNS] = reads and writes of addr_lo, addr_hi,
 * data, vector_ctrl and other; entry null is the device's PBA (reads, writes in counts[0], [1]). */
export interface HeatRow { device: number; entry: number | null; counts: number[] }

export interface TraceReplay {
  trace: string;
  header: Header;
  results: ModelResult[];
  /** With opts.heat. */
  heat?: HeatRow[];
  /** What was aggregated to stay within the bounds, in words (for stderr). */
  notes: string[];
  /** Why the counts cover only part of the recording (salvaged damage, interrupted capture), else null. */
  partial: string | null;
  /** First and last event time, for the reports' interval edges (0 when there are no events). */
  first_ns: number;
  last_ns: number;
  /** Says which devices start mid-run and what that means for the replay, or null. */
  startNote: string | null;
}

const BY_NOUN: Record<string, string> = { entry: 'device:entry', guest: 'guest', vcpu: 'guest:vcpu' };

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
    const groupBy = opts.by && opts.by !== 'field' ? opts.by : undefined;
    const counting = groupBy !== undefined || opts.intervalNs !== undefined || !!opts.explain || !!opts.heat;
    // All the cores: this thread decodes while min(cpus - 1, models) workers feed. Models the
    // pipeline refuses are fed a batch of columns at a time (the counters only).
    const cpus = Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
    pipe = NativePipeline.create(runs.map((r) => r.handle), geometry.length, cpus);
    if (!pipe && counting) throw new UserError('the native library has no replay pipeline: rebuild it (`npx node-gyp rebuild`)');
    if (pipe) {
      if (counting) {
        pipe.configure({
          by: groupBy, maxGroups: MAX_GROUPS, intervalNs: opts.intervalNs, maxBuckets: MAX_BUCKETS,
          heatRows: opts.heat ? MAX_HEAT_ROWS : 0, explain: !!opts.explain, fitInterval: opts.fitInterval && opts.intervalNs !== undefined,
        });
      }
      reader.useDecoder(pipe);
    }
    const explain = opts.explain && pipe ? explainer(pipe, runs, opts.explain) : null;
    let events = 0;
    let tMin = Infinity;
    let tMax = -Infinity;
    for (const b of reader.batches()) {
      if (b.n > 0) {
        if (reader.tsMin < tMin) tMin = reader.tsMin;
        if (reader.tsMax > tMax) tMax = reader.tsMax;
      }
      // With the pipeline the batch is decoded and queued for every model; b holds only the count.
      if (!pipe) for (const run of runs) run.feed(b);
      explain?.(events);
      events += b.n;
      opts.onBatch?.(events);
    }
    pipe?.finish(); // every queued batch fed: the counters are complete
    const duration = events > 0 ? tMax - tMin : 0;
    const notes: string[] = [];
    const sizes = pipe?.sizes();
    // fitInterval: the pipeline doubled the interval until its buckets fit; the quiet stretches
    // between them (filled with zeros below) must fit too, so it may double a few more times here.
    const counted = sizes && opts.intervalNs !== undefined ? sizes.intervalNs : opts.intervalNs;
    let intervalNs = counted;
    if (opts.fitInterval && intervalNs !== undefined && events > 0) {
      while (Math.floor(tMax / intervalNs) - Math.floor(tMin / intervalNs) + 1 > MAX_BUCKETS) intervalNs *= 2;
    }
    if (opts.intervalNs !== undefined && events > 0 && !opts.fitInterval) {
      const span = Math.floor(tMax / opts.intervalNs) - Math.floor(tMin / opts.intervalNs) + 1;
      if (span > MAX_BUCKETS || sizes?.bucketOverflow) {
        const fit = niceDuration((tMax - tMin) / (MAX_BUCKETS - 1));
        throw new UserError(`${reader.file}: --interval ${durationText(opts.intervalNs)} gives ${span} buckets over ${(duration / 1e9).toFixed(3)} s; ` +
          `at most ${MAX_BUCKETS} are kept: use --interval ${durationText(fit)} or coarser`);
      }
    }
    let groupKeys: string[] = [];
    let groupOrder: number[] = [];
    if (groupBy && pipe && sizes) {
      groupKeys = groupNames(groupBy, pipe.groupKeys(sizes.groups));
      // One order for every model (they share the groups): natural order, 'other' last.
      const collator = new Intl.Collator('en', { numeric: true });
      groupOrder = groupKeys.map((_, i) => i).sort((a, b) => collator.compare(groupKeys[a], groupKeys[b]));
      if (sizes.groupOverflow) {
        groupOrder.push(groupKeys.length);
        groupKeys.push(OTHER_GROUP);
        notes.push(`${reader.file}: more than ${MAX_GROUPS} ${BY_NOUN[groupBy]} groups: the accesses of the groups past the first ${MAX_GROUPS} are summed in the group '${OTHER_GROUP}'`);
      }
    }
    const per = intervalNs !== undefined && counted !== undefined ? intervalNs / counted : 1; // counted buckets per bucket shown
    const bucketStarts = opts.intervalNs !== undefined && pipe && sizes
      ? Array.from(pipe.bucketKeys(sizes.buckets), (k) => Math.floor(k / per) * intervalNs!) : [];
    const results = runs.map((run, r): ModelResult => {
      const c = run.counters();
      const fields = fieldsFrom(c);
      const res: ModelResult = {
        model: run.model, trace: file, start: opts.start, events: eventsFrom(c), duration_ns: duration,
        totals: totalsFrom(fields), fields, xen_side: xenSideFrom(c),
      };
      if (auto) res.device_starts = auto;
      if (groupBy && pipe) {
        res.by = { kind: groupBy, groups: groupCounts(groupKeys, groupOrder, pipe.groups(r, groupKeys.length)) };
      } else if (opts.by === 'field') {
        res.by = { kind: 'field', groups: FIELD_NAMES.map((key) => ({ key, ...fields[key] })) };
      }
      if (intervalNs !== undefined && pipe) {
        const counts = pipe.buckets(r, bucketStarts.length);
        const list = bucketStarts.map((start_ns, id) => ({ start_ns, absorbed: counts[id * 2], forwarded: counts[id * 2 + 1] }));
        list.sort((a, b) => a.start_ns - b.start_ns);
        res.intervals = { interval_ns: intervalNs, buckets: fillGaps(mergeSame(list), intervalNs) };
      }
      if (opts.cost) res.cost = costOf(res.totals, duration, opts.cost.forwardUs, opts.cost.absorbUs);
      return res;
    });
    const partial = reader.damage ?? (reader.footer?.interrupted ? 'the capture was interrupted: the trace holds what was read until then' : null);
    const startNote = scan ? midRunNote(file, scan, reader.header.devices, opts.start) : null;
    const out: TraceReplay = { trace: file, header: reader.header, results, notes, partial, first_ns: events > 0 ? tMin : 0, last_ns: events > 0 ? tMax : 0, startNote };
    if (opts.heat && pipe && sizes) {
      out.heat = heatRows(pipe.heatKeys(sizes.heatRows), pipe.heat(sizes.heatRows));
      if (sizes.heatOverflow) notes.push(`${reader.file}: more than ${MAX_HEAT_ROWS} device entries accessed: the heat map shows the first ${MAX_HEAT_ROWS}`);
    }
    return out;
  } finally {
    pipe?.destroy(); // joins the workers before the contexts they feed go
    for (const r of runs) r.close();
    reader.close();
  }
}

/** Per batch: every model's --explain lines of the batch just decoded, in model order. */
function explainer(pipe: NativePipeline, runs: ModelRun[], ex: { trace: string; fd: number }): (index0: number) => void {
  pipe.explainSetup(runs.map((r) => Buffer.from(`{"trace":${JSON.stringify(ex.trace)},"model":${JSON.stringify(r.model)},"index":`)));
  return (index0) => pipe.explainWrite(ex.fd, index0);
}

function groupNames(by: Exclude<GroupBy, 'field'>, keys: Float64Array): string[] {
  const names: string[] = [];
  for (let i = 0; i < keys.length; i += 2) {
    const hi = keys[i];
    const lo = keys[i + 1];
    if (by === 'entry') names.push(lo === 0xffffffff ? `${hi}:pba` : `${hi}:${lo}`);
    else if (by === 'guest') names.push(String(lo | 0));
    else names.push(`${hi | 0}:${lo | 0}`);
  }
  return names;
}

/** The groups in `order`; anything not absorbed is forwarded, 'both' counts writes that were also
 * absorbed. */
function groupCounts(keys: string[], order: number[], c: Float64Array): Array<{ key: string } & DirCounts> {
  return order.map((g) => {
    const r = g * 8;
    return {
      key: keys[g],
      read: { absorbed: c[r], forwarded: c[r + 1] + c[r + 2] + c[r + 3] },
      write: { absorbed: c[r + 4], forwarded: c[r + 5] + c[r + 6] + c[r + 7], both: c[r + 6] },
    };
  });
}

function heatRows(keys: Float64Array, counts: Float64Array): HeatRow[] {
  const rows: HeatRow[] = [];
  for (let i = 0; i * 2 < keys.length; i++) {
    const entry = keys[i * 2 + 1];
    rows.push({
      device: keys[i * 2], entry: entry === 0xffffffff ? null : entry,
      counts: Array.from(counts.subarray(i * HEAT_COLUMNS, (i + 1) * HEAT_COLUMNS)),
    });
  }
  return rows;
}

/** The smallest 1, 2 or 5 x 10^k ns at least `ns`. */
function niceDuration(ns: number): number {
  for (let p = 1; ; p *= 10) {
    for (const m of [1, 2, 5]) if (m * p >= ns) return m * p;
  }
}

/** A duration as --interval takes it: 500us, 2ms, 1.5s. */
function durationText(ns: number): string {
  const [unit, per] = ns >= 1e9 ? ['s', 1e9] : ns >= 1e6 ? ['ms', 1e6] : ns >= 1e3 ? ['us', 1e3] : ['ns', 1];
  return `${+(ns / (per as number)).toPrecision(6)}${unit}`;
}

/** Sorted buckets with the counts of equal starts summed. */
function mergeSame(list: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const b of list) {
    const last = out[out.length - 1];
    if (last && last.start_ns === b.start_ns) {
      last.absorbed += b.absorbed;
      last.forwarded += b.forwarded;
    } else {
      out.push(b);
    }
  }
  return out;
}

/** Time series without holes, so plots and pandas see quiet seconds as zeros (at most MAX_BUCKETS). */
function fillGaps(list: Interval[], step: number): Interval[] {
  if (list.length === 0) return list;
  const out: Interval[] = [];
  const first = list[0].start_ns;
  const last = list[list.length - 1].start_ns;
  let j = 0;
  for (let k = 0; first + k * step <= last; k++) {
    const s = first + k * step;
    if (j < list.length && list[j].start_ns === s) out.push(list[j++]);
    else out.push({ start_ns: s, absorbed: 0, forwarded: 0 });
  }
  return out;
}

