// Everything one section of the HTML report shows, gathered from one trace: the replay through the
// models (totals, fields, intervals, cost) plus one more pass over the events for the entry × field
// heat map, which the replay engine does not keep.
import { REGION_PBA } from '../../events';
import { ModelResult, replayTrace } from '../../replay/engine';
import { StartState } from '../../replay/model';
import { TraceReader } from '../../tracefile/reader';
import { Header } from '../../tracefile/schema';

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

function heatColumn(offset: number): number {
  switch (offset & 15) {
    case 0: return 0;
    case 4: return 1;
    case 8: return 2;
    case 12: return 3;
    default: return 4;
  }
}

export function heatMap(file: string, header: Header): DeviceHeat[] {
  const heat: DeviceHeat[] = header.devices.map((_, device) => ({ device, entries: new Map(), pba: { reads: 0, writes: 0 } }));
  const reader = new TraceReader(file);
  try {
    for (const b of reader.batches()) {
      for (let i = 0; i < b.n; i++) {
        const h = heat[b.device[i]];
        if (!h) continue;
        const dir = b.dir[i] === 1 ? 1 : 0;
        if (b.region[i] === REGION_PBA) {
          if (dir) h.pba.writes++;
          else h.pba.reads++;
          continue;
        }
        const entry = Math.floor(b.offset[i] / 16);
        let c = h.entries.get(entry);
        if (!c) h.entries.set(entry, (c = new Array(HEAT_FIELDS.length * 2).fill(0)));
        c[heatColumn(b.offset[i]) * 2 + dir]++;
      }
    }
  } finally {
    reader.close();
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
  const replay = replayTrace(file, { models: opts.models, start: opts.start, intervalNs: opts.intervalNs, cost: opts.cost });
  const heat = heatMap(file, replay.header);
  const r0 = replay.results[0];
  const results = replay.results.map((r) => ({ ...r, trace: shownAs }));
  const shownNs = coarsen(results, opts.intervalNs);
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
