// `synth` core: N guest simulations merged in time order (a heap over the guests' next access) and
// streamed into a TraceWriter batch by batch; memory stays flat however many events are written.
import { REGION_TABLE } from '../events';
import { TraceWriter } from '../tracefile/writer';
import { Device, device } from '../tracefile/schema';
import { eraOf } from './eras';
import { GuestSim, GuestStats } from './guest';
import { TimedHeap } from './heap';
import { KernelSpec, resolveKernel } from './kernel';
import { guestId, SynthParams, tableBarBase } from './params';
import { Prng } from './prng';

export interface SynthSummary {
  events: number;
  kernel: KernelSpec;
  stats: GuestStats;
  lastTsNs: number;
  truncated: boolean;
}

export function devicesFor(p: SynthParams): Device[] {
  const d = p.device;
  return Array.from({ length: p.guests }, (_, g) => {
    const bar = tableBarBase(g);
    return device({
      index: g, guest: guestId(g), bdf: d.bdf, vendorId: d.vendorId, deviceId: d.deviceId, name: d.name,
      tableBar: d.tableBar, tableOffset: BigInt(d.tableOffset), tableGpa: bar + BigInt(d.tableOffset), tableEntries: d.entries,
      pbaBar: d.pbaBar, pbaOffset: BigInt(d.pbaOffset), pbaGpa: bar + BigInt(d.pbaOffset),
    });
  });
}

/** Parameters as they go into the header notes (and `--list-scenarios`). */
export function paramsNote(p: SynthParams): string {
  return JSON.stringify({
    kernel: p.kernel, guests: p.guests, vcpus: p.vcpus, duration_ns: p.durationNs, seed: p.seed,
    device: p.device.name, entries: p.device.entries, vectors: p.device.vectors, vector_names: p.device.vectorNames,
    rates_per_s: p.rates, service_ns: p.serviceNs, desched_prob: p.deschedProb, desched_ns: p.deschedNs,
    affinity_rate: p.affinityRate, relink_rate: p.relinkRate, setup: p.setup, teardown: p.teardown,
    start_spread_ns: p.startSpreadNs, gap_ns: p.gapNs, max_events: p.maxEvents,
  });
}

/** The guests of a workload, ready to be pulled in time order. */
export function guestsFor(p: SynthParams, k: KernelSpec): GuestSim[] {
  const era = eraOf(k);
  return Array.from({ length: p.guests }, (_, g) => new GuestSim(g, guestId(g), p, k, era, new Prng(p.seed, g)));
}

/**
 * Runs the workload and hands every access, in time order, to sink(ts, guest, vcpu, device, offset, dir, value).
 * Returns false from sink to stop early.
 */
export function runWorkload(p: SynthParams, sink: (ts: number, guest: number, vcpu: number, dev: number, offset: number, dir: number, value: number) => boolean | void): { k: KernelSpec; sims: GuestSim[]; stopped: boolean } {
  const k = resolveKernel(p.kernel);
  const sims = guestsFor(p, k);
  const merge = new TimedHeap(Math.max(8, sims.length));
  for (const s of sims) {
    const t = s.peek();
    if (t !== Infinity) merge.push(t, s.index, 0, 0);
  }
  let stopped = false;
  let cur: GuestSim;
  const push = (ts: number, vcpu: number, offset: number, dir: number, value: number): void => {
    if (sink(ts, cur.guest, vcpu, cur.index, offset, dir, value) === false) stopped = true;
  };
  while (merge.size > 0 && !stopped) {
    cur = sims[merge.top0];
    merge.pop();
    cur.emit(push);
    const t = cur.peek();
    if (t !== Infinity) merge.push(t, cur.index, 0, 0);
  }
  return { k, sims, stopped };
}

export function synthesize(p: SynthParams, out: string, notes: string[], onProgress?: (tsNs: number, events: number) => void): SynthSummary {
  const k = resolveKernel(p.kernel);
  const writer = new TraceWriter(out, {
    sourceFormat: 'synth', sourceFiles: [], devices: devicesFor(p),
    notes: [...notes, `kernel ${k.asked}: era ${k.era}, version ${k.version}`, `seed ${p.seed}`, `params ${paramsNote(p)}`],
  });
  let events = 0;
  let last = 0;
  try {
    const max = p.maxEvents > 0 ? p.maxEvents : Infinity;
    const run = runWorkload(p, (ts, guest, vcpu, dev, offset, dir, value) => {
      writer.push(ts, guest, vcpu, dev, REGION_TABLE, offset, 4, dir, value, 0);
      last = ts;
      if (++events >= max) return false;
      if (onProgress && (events & 0xffff) === 0) onProgress(ts, events);
      return true;
    });
    writer.finish();
    const stats: GuestStats = { interrupts: 0, pendingRounds: 0, busyWaits: 0, affinityMoves: 0, descheduled: 0, relinks: 0 };
    for (const s of run.sims) for (const key of Object.keys(stats) as (keyof GuestStats)[]) stats[key] += s.stats[key];
    return { events, kernel: run.k, stats, lastTsNs: last, truncated: run.stopped };
  } catch (e) {
    writer.abort();
    throw e;
  }
}
