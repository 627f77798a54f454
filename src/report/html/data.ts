// Everything one section of the HTML report shows, gathered from one pass over one trace: the replay
// through the models (totals, fields, intervals, cost) and the entry × field heat map, which the
// replay pipeline counts natively in the same pass (so stdin is read once, never spooled).
import { HeatRow, ModelResult, replayTrace } from '../../replay/engine';
import { StartState } from '../../replay/model';
import { Header } from '../../tracefile/schema';
import { escapeControls } from '../../util/escape';

/** Columns of the heat map: the four table fields, then any access not on a dword field start. */
export const HEAT_FIELDS = ['addr_lo', 'addr_hi', 'data', 'vector_ctrl', 'other'] as const;

export interface DeviceHeat {
  device: number;
  /** Entry → [reads, writes] per HEAT_FIELDS column, flattened: counts[f * 2 + dir]. */
  entries: Map<number, number[]>;
  pba: { reads: number; writes: number };
}

export interface SectionOptions {
  models: string[];
  start: StartState;
  intervalNs: number;
  cost: { forwardUs: number; absorbUs: number };
}

export interface Section {
  /** The path as the user gave it (shown on the page). */
  trace: string;
  header: Header;
  results: ModelResult[];
  heat: DeviceHeat[];
  events: number;
  reads: number;
  writes: number;
  durationNs: number;
  /** The --interval asked for. */
  intervalNs: number;
  /** The timeline's bucket: intervalNs, or a multiple of it when that gave more than MAX_BUCKETS. */
  shownIntervalNs: number;
}

/** The pipeline's heat rows, per device (every header device, touched or not). */
export function heatMap(header: Header, rows: HeatRow[]): DeviceHeat[] {
  const heat: DeviceHeat[] = header.devices.map((_, device) => ({ device, entries: new Map(), pba: { reads: 0, writes: 0 } }));
  for (const r of rows) {
    const h = heat[r.device];
    if (!h) continue;
    if (r.entry === null) {
      h.pba.reads += r.counts[0];
      h.pba.writes += r.counts[1];
    } else {
      h.entries.set(r.entry, r.counts);
    }
  }
  return heat;
}

/** At most this many timeline buckets per model: finer grids are merged (k buckets into one). */
export const MAX_BUCKETS = 600;

/**
 * Puts every model's interval buckets on one grid of at most MAX_BUCKETS buckets, without holes, so
 * the chart and the embedded JSON stay small whatever --interval asked for. Returns the bucket size.
 */
export function coarsen(results: ModelResult[], intervalNs: number): number {
  const withData = results.filter((r) => r.intervals && r.intervals.buckets.length > 0);
  if (withData.length === 0) return intervalNs;
  let first = Infinity;
  let last = -Infinity;
  for (const r of withData) {
    const b = r.intervals!.buckets;
    first = Math.min(first, b[0].start_ns);
    last = Math.max(last, b[b.length - 1].start_ns);
  }
  const n0 = Math.round((last - first) / intervalNs) + 1;
  const k = Math.max(1, Math.ceil(n0 / MAX_BUCKETS));
  const step = intervalNs * k;
  const n = Math.ceil(n0 / k);
  for (const r of withData) {
    const buckets = Array.from({ length: n }, (_, i) => ({ start_ns: first + i * step, absorbed: 0, forwarded: 0 }));
    for (const b of r.intervals!.buckets) {
      const into = buckets[Math.floor(Math.round((b.start_ns - first) / intervalNs) / k)];
      into.absorbed += b.absorbed;
      into.forwarded += b.forwarded;
    }
    r.intervals = { interval_ns: step, buckets };
  }
  return step;
}

export function collectSection(file: string, shownAs: string, opts: SectionOptions): Section {
  // fitInterval: a long trace gets a coarser timeline instead of a refusal (the page shows at most
  // MAX_BUCKETS of them anyway).
  const replay = replayTrace(file, {
    models: opts.models, start: opts.start, intervalNs: opts.intervalNs, fitInterval: true, cost: opts.cost, heat: true,
  });
  for (const note of replay.notes) process.stderr.write(`report: ${escapeControls(note)}\n`);
  const heat = heatMap(replay.header, replay.heat ?? []);
  const r0 = replay.results[0];
  const results = replay.results.map((r) => ({ ...r, trace: shownAs }));
  const shownNs = coarsen(results, results[0]?.intervals?.interval_ns ?? opts.intervalNs);
  return {
    trace: shownAs,
    header: replay.header,
    results,
    heat,
    events: r0 ? r0.events : 0,
    reads: r0 ? r0.totals.read.absorbed + r0.totals.read.forwarded : 0,
    writes: r0 ? r0.totals.write.absorbed + r0.totals.write.forwarded : 0,
    durationNs: r0 ? r0.duration_ns : 0,
    intervalNs: opts.intervalNs,
    shownIntervalNs: shownNs,
  };
}
