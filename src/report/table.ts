// Human table: one block per trace, one row per model (or per model x group with --by).
import { ModelResult } from '../replay/engine';
import { escapeControls } from '../util/escape';

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : ((part / whole) * 100).toFixed(1);
}

/** Text columns (the first `left`) are left-aligned, numbers right-aligned. */
function grid(head: string[], rows: string[][], left = 1): string {
  // A loop, not Math.max(...rows): a spread of every row is a stack overflow on long tables.
  const widths = head.map((h, c) => rows.reduce((w, r) => Math.max(w, r[c].length), h.length));
  const fmt = (r: string[]): string => r.map((v, c) => (c < left ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

export function renderTable(results: ModelResult[]): string {
  const byTrace = new Map<string, ModelResult[]>();
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
    const grouped = !!r0.by;
    const head = grouped
      ? ['model', r0.by!.kind, 'read abs', 'read fwd', 'write abs', 'write fwd', 'both', 'fwd %']
      : ['model', 'read abs', 'read fwd', 'write abs', 'write fwd', 'both', 'fwd %', 'deferred', 'crash'];
    if (!grouped && r0.cost) head.push('DM cpu s', 'DM %');
    const rows: string[][] = [];
    for (const r of rs) {
      const t = r.totals;
      if (grouped) {
        for (const g of r.by!.groups) {
          const all = g.read.absorbed + g.read.forwarded + g.write.absorbed + g.write.forwarded;
          if (all === 0) continue;
          rows.push([r.model, g.key, String(g.read.absorbed), String(g.read.forwarded), String(g.write.absorbed),
            String(g.write.forwarded), String(g.write.both), pct(g.read.forwarded + g.write.forwarded, all)]);
        }
      } else {
        const row = [r.model, String(t.read.absorbed), String(t.read.forwarded), String(t.write.absorbed),
          String(t.write.forwarded), String(t.write.both), pct(t.read.forwarded + t.write.forwarded, r.events),
          String(r.xen_side.deferred_unmasks), String(r.xen_side.guest_crash)];
        if (r.cost) {
          row.push(r.cost.device_model_cpu_s.toFixed(6),
            r.cost.device_model_cpu_pct === null ? '-' : r.cost.device_model_cpu_pct.toFixed(3));
        }
        rows.push(row);
      }
    }
    lines.push(grid(head, rows, grouped ? 2 : 1));
    if (r0.cost) {
      lines.push(`cost assumptions: forward ${r0.cost.forward_us} us, absorb ${r0.cost.absorb_us} us per access (see msixtrace replay --help)`);
    }
    if (r0.intervals) {
      lines.push('');
      lines.push(`forwarded per ${r0.intervals.interval_ns / 1e6} ms interval:`);
      const ih = ['start s', ...rs.map((r) => r.model)];
      const n = r0.intervals.buckets.length;
      const irows: string[][] = [];
      for (let k = 0; k < n; k++) {
        irows.push([(r0.intervals.buckets[k].start_ns / 1e9).toFixed(3), ...rs.map((r) => String(r.intervals!.buckets[k]?.forwarded ?? 0))]);
      }
      lines.push(grid(ih, irows));
    }
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}
