// Human table: one block per trace, one row per model (or per model x group with --by), the cost
// columns with --cost, and the per-bucket counts with --interval.
import { choiceLabel } from '../replay/catalog';
import { costNote, costOf } from '../replay/cost';
import { DirCounts } from '../replay/counts';
import { escapeControls } from '../util/escape';
import { ReportRow } from './rows';

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : ((part / whole) * 100).toFixed(1);
}

/** Text columns (the first `left`) are left-aligned, numbers right-aligned. */
export function grid(head: string[], rows: string[][], left = 1): string {
  // A loop, not Math.max(...rows): a spread of every row is a stack overflow on long tables.
  const widths = head.map((h, c) => rows.reduce((w, r) => Math.max(w, r[c].length), h.length));
  const fmt = (r: string[]): string => r.map((v, c) => (c < left ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

/** Seconds with as many decimals as the step needs to tell its multiples apart (1 s: 0, 100 ms: 1, 250 us: 4). */
export function secondsLabel(ns: number, stepNs: number): string {
  let d = 9;
  let step = Math.round(stepNs);
  while (d > 0 && step % 10 === 0) {
    step /= 10;
    d--;
  }
  return (ns / 1e9).toFixed(d);
}

/** A duration in the unit that reads best: 250 us, 100 ms, 2 s. */
export function durationText(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(6)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(6)} ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(6)} us`;
  return `${ns} ns`;
}

const pctText = (v: number | null): string => (v === null ? '-' : v.toFixed(3));

function costCells(r: ReportRow, c: DirCounts): string[] {
  const k = costOf(c, r.duration_ns, r.cost!.forward_us, r.cost!.absorb_us);
  return [k.device_model_cpu_s.toFixed(6), pctText(k.device_model_cpu_pct), k.hypervisor_cpu_s.toFixed(6), pctText(k.hypervisor_cpu_pct)];
}

const COST_HEAD = ['DM cpu s', 'DM % of 1 CPU', 'Xen cpu s', 'Xen % of 1 CPU'];

export function renderTable(results: ReportRow[]): string {
  const byTrace = new Map<string, ReportRow[]>();
  for (const r of results) {
    if (!byTrace.has(r.trace)) byTrace.set(r.trace, []);
    byTrace.get(r.trace)!.push(r);
  }
  const blocks: string[] = [];
  for (const [trace, rs] of byTrace) {
    const r0 = rs[0];
    const reads = r0.totals.read.absorbed + r0.totals.read.forwarded;
    const writes = r0.totals.write.absorbed + r0.totals.write.forwarded;
    const lines = [`${escapeControls(trace)}: ${r0.events} accesses (${reads} reads, ${writes} writes) over ${(r0.duration_ns / 1e9).toFixed(3)} s, start ${r0.start}`];
    if (r0.partial) lines.push(`PARTIAL: ${escapeControls(r0.partial)}`);
    const grouped = !!r0.by;
    const head = grouped
      ? ['model', 'releases', r0.by!.kind, 'read abs', 'read fwd', 'write abs', 'write fwd', 'both', 'fwd %']
      : ['model', 'releases', 'read abs', 'read fwd', 'write abs', 'write fwd', 'both', 'fwd %', 'deferred', 'crash'];
    if (r0.cost) head.push(...COST_HEAD);
    const rows: string[][] = [];
    for (const r of rs) {
      const t = r.totals;
      const label = choiceLabel(r);
      if (grouped) {
        for (const g of r.by!.groups) {
          const all = g.read.absorbed + g.read.forwarded + g.write.absorbed + g.write.forwarded;
          if (all === 0) continue;
          const row = [label, r.releases, g.key, String(g.read.absorbed), String(g.read.forwarded), String(g.write.absorbed),
            String(g.write.forwarded), String(g.write.both), pct(g.read.forwarded + g.write.forwarded, all)];
          if (r.cost) row.push(...costCells(r, g));
          rows.push(row);
        }
      } else {
        const row = [label, r.releases, String(t.read.absorbed), String(t.read.forwarded), String(t.write.absorbed),
          String(t.write.forwarded), String(t.write.both), pct(t.read.forwarded + t.write.forwarded, r.events),
          String(r.xen_side.deferred_unmasks), String(r.xen_side.guest_crash)];
        if (r.cost) row.push(...costCells(r, t));
        rows.push(row);
      }
    }
    lines.push(grid(head, rows, grouped ? 3 : 2));
    if (r0.cost) lines.push(costNote(r0.cost));
    if (r0.intervals) lines.push('', ...intervalTable(rs));
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}

/** Absorbed and forwarded per bucket and model; buckets the trace covers only in part are marked. */
function intervalTable(rs: ReportRow[]): string[] {
  const iv = rs[0].intervals!;
  const step = iv.interval_ns;
  const lines = [`absorbed (abs) and forwarded (fwd, counting both) per ${durationText(step)} interval:`];
  const head = ['start s', ...rs.flatMap((r) => [`${choiceLabel(r)} abs`, 'fwd'])];
  const rows: string[][] = [];
  const partial: string[] = [];
  for (let k = 0; k < iv.buckets.length; k++) {
    const b = iv.buckets[k];
    const start = secondsLabel(b.start_ns, step);
    if (b.partial) partial.push(`${start} (${durationText(b.covered_ns)})`);
    rows.push([start + (b.partial ? '*' : ' '), ...rs.flatMap((r) => {
      const x = r.intervals!.buckets[k];
      return [String(x?.absorbed ?? 0), String(x?.forwarded ?? 0)];
    })]);
  }
  lines.push(grid(head, rows));
  if (partial.length) {
    lines.push(`* partial bucket: the trace covers only part of it, so its counts are not a change in load: ${partial.join(', ')}`);
  }
  return lines;
}
