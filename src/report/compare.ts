// `replay --compare A,B`: what moving a workload from model A to model B changes, per table field and
// direction: both models' counts, the difference, the ratio, and what the difference costs in CPU
// under the assumptions of src/replay/cost.ts. One table answers "what does moving from 4.1 to 4.19
// cost this workload?".
import { FIELD_NAMES } from '../events';
import { choiceLabel } from '../replay/catalog';
import { costNote, costOf } from '../replay/cost';
import { DirCounts, emptyDir } from '../replay/counts';
import { ReportRow } from './rows';
import { grid } from './table';

interface Side { absorbed: number; forwarded: number; both: number }

export interface CompareRow {
  field: string;
  dir: 'read' | 'write' | 'all';
  a: Side;
  b: Side;
  delta_absorbed: number;
  delta_forwarded: number;
  /** b.forwarded / a.forwarded; null when both are 0, Infinity is written as null with a.forwarded 0. */
  ratio_forwarded: number | null;
  delta_device_model_cpu_s: number;
  delta_hypervisor_cpu_s: number;
}

export interface Comparison {
  trace: string;
  start: string;
  events: number;
  duration_ns: number;
  partial: string | null;
  a: { model: string; asked: string[]; releases: string };
  b: { model: string; asked: string[]; releases: string };
  rows: CompareRow[];
  total: CompareRow;
  cost: {
    forward_us: number; absorb_us: number; pct_unit: string;
    a: { device_model_cpu_s: number; hypervisor_cpu_s: number; device_model_cpu_pct: number | null; hypervisor_cpu_pct: number | null };
    b: { device_model_cpu_s: number; hypervisor_cpu_s: number; device_model_cpu_pct: number | null; hypervisor_cpu_pct: number | null };
  };
  xen_side: { a: ReportRow['xen_side']; b: ReportRow['xen_side'] };
}

/** Seconds rounded to the nanosecond: differences of sums of microseconds, without float dust. */
const ns = (s: number): number => Math.round(s * 1e9) / 1e9;

function side(c: DirCounts, dir: 'read' | 'write' | 'all'): Side {
  if (dir === 'read') return { absorbed: c.read.absorbed, forwarded: c.read.forwarded, both: 0 };
  if (dir === 'write') return { ...c.write };
  return { absorbed: c.read.absorbed + c.write.absorbed, forwarded: c.read.forwarded + c.write.forwarded, both: c.write.both };
}

function only(c: DirCounts, dir: 'read' | 'write' | 'all'): DirCounts {
  const z = emptyDir();
  if (dir === 'read') return { read: c.read, write: z.write };
  if (dir === 'write') return { read: z.read, write: c.write };
  return c;
}

/** Pairs A and B of one trace. Both rows must come from the same replay (same trace and start). */
export function compareRows(a: ReportRow, b: ReportRow, fwdUs: number, absUs: number): Comparison {
  const row = (field: string, dir: 'read' | 'write' | 'all', ca: DirCounts, cb: DirCounts): CompareRow => {
    const sa = side(ca, dir);
    const sb = side(cb, dir);
    const ka = costOf(only(ca, dir), a.duration_ns, fwdUs, absUs);
    const kb = costOf(only(cb, dir), b.duration_ns, fwdUs, absUs);
    return {
      field, dir, a: sa, b: sb,
      delta_absorbed: sb.absorbed - sa.absorbed,
      delta_forwarded: sb.forwarded - sa.forwarded,
      ratio_forwarded: sa.forwarded === 0 ? null : sb.forwarded / sa.forwarded,
      delta_device_model_cpu_s: ns(kb.device_model_cpu_s - ka.device_model_cpu_s),
      delta_hypervisor_cpu_s: ns(kb.hypervisor_cpu_s - ka.hypervisor_cpu_s),
    };
  };
  const rows: CompareRow[] = [];
  for (const f of FIELD_NAMES) {
    for (const dir of ['read', 'write'] as const) {
      const r = row(f, dir, a.fields[f], b.fields[f]);
      if (r.a.absorbed + r.a.forwarded + r.b.absorbed + r.b.forwarded > 0) rows.push(r);
    }
  }
  const ka = costOf(a.totals, a.duration_ns, fwdUs, absUs);
  const kb = costOf(b.totals, b.duration_ns, fwdUs, absUs);
  const pick = (k: typeof ka) => ({
    device_model_cpu_s: k.device_model_cpu_s, hypervisor_cpu_s: k.hypervisor_cpu_s,
    device_model_cpu_pct: k.device_model_cpu_pct, hypervisor_cpu_pct: k.hypervisor_cpu_pct,
  });
  const who = (r: ReportRow) => ({ model: r.model, asked: r.asked, releases: r.releases });
  return {
    trace: a.trace, start: a.start, events: a.events, duration_ns: a.duration_ns, partial: a.partial,
    a: who(a), b: who(b), rows, total: row('total', 'all', a.totals, b.totals),
    cost: { forward_us: fwdUs, absorb_us: absUs, pct_unit: ka.pct_unit, a: pick(ka), b: pick(kb) },
    xen_side: { a: a.xen_side, b: b.xen_side },
  };
}

const signed = (n: number, digits?: number): string => {
  const s = digits === undefined ? String(n) : n.toFixed(digits);
  return n > 0 ? `+${s}` : n === 0 ? (digits === undefined ? '0' : (0).toFixed(digits)) : s;
};

function ratioText(r: CompareRow): string {
  if (r.ratio_forwarded !== null) return `x${r.ratio_forwarded.toFixed(2)}`;
  return r.b.forwarded > 0 ? 'new' : '-';
}

const pct = (v: number | null): string => (v === null ? '-' : `${v.toFixed(3)} %`);

export function renderCompareTable(list: Comparison[]): string {
  const blocks = list.map((c) => {
    const la = choiceLabel(c.a);
    const lb = choiceLabel(c.b);
    const lines = [`${c.trace}: ${c.events} accesses over ${(c.duration_ns / 1e9).toFixed(3)} s, start ${c.start}`];
    if (c.partial) lines.push(`PARTIAL: ${c.partial}`);
    lines.push(`from ${la} [${c.a.releases}] to ${lb} [${c.b.releases}]:`);
    const [A, B] = [c.a.model, c.b.model];
    const head = ['field', 'dir', `${A} fwd`, `${B} fwd`, 'fwd Δ', 'fwd ratio', `${A} abs`, `${B} abs`, 'abs Δ', 'both Δ', 'DM cpu Δ s', 'Xen cpu Δ s'];
    const cells = (r: CompareRow): string[] => [r.field, r.dir, String(r.a.forwarded), String(r.b.forwarded), signed(r.delta_forwarded),
      ratioText(r), String(r.a.absorbed), String(r.b.absorbed), signed(r.delta_absorbed), signed(r.b.both - r.a.both),
      signed(r.delta_device_model_cpu_s, 6), signed(r.delta_hypervisor_cpu_s, 6)];
    lines.push(grid(head, [...c.rows.map(cells), cells(c.total)], 2));
    const k = c.cost;
    const move = (what: string, a: number, b: number, pa: number | null, pb: number | null): string =>
      `${what} ${a.toFixed(6)} s -> ${b.toFixed(6)} s (${signed(b - a, 6)} s; ${pct(pa)} -> ${pct(pb)} of one CPU)`;
    lines.push(move('device-model CPU:', k.a.device_model_cpu_s, k.b.device_model_cpu_s, k.a.device_model_cpu_pct, k.b.device_model_cpu_pct));
    lines.push(move('hypervisor CPU:  ', k.a.hypervisor_cpu_s, k.b.hypervisor_cpu_s, k.a.hypervisor_cpu_pct, k.b.hypervisor_cpu_pct));
    lines.push(`Xen side: deferred unmasks ${c.xen_side.a.deferred_unmasks} -> ${c.xen_side.b.deferred_unmasks}, guest crashes ${c.xen_side.a.guest_crash} -> ${c.xen_side.b.guest_crash}`);
    lines.push(costNote({ forward_us: k.forward_us, absorb_us: k.absorb_us, trace_duration_s: c.duration_ns / 1e9 }));
    return lines.join('\n');
  });
  return blocks.join('\n\n') + '\n';
}

export function renderCompareJson(list: Comparison[]): string {
  return JSON.stringify({ comparisons: list }, null, 2) + '\n';
}

export function renderCompareNdjson(list: Comparison[]): string {
  return list.map((c) => JSON.stringify(c)).join('\n') + '\n';
}

const q = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function renderCompareCsv(list: Comparison[]): string {
  const out = ['trace,start,partial,a_model,a_asked,a_releases,b_model,b_asked,b_releases,field,dir,' +
    'a_absorbed,a_forwarded,a_both,b_absorbed,b_forwarded,b_both,delta_absorbed,delta_forwarded,ratio_forwarded,' +
    'forward_us,absorb_us,delta_device_model_cpu_s,delta_hypervisor_cpu_s'];
  for (const c of list) {
    for (const r of [...c.rows, c.total]) {
      out.push([q(c.trace), c.start, q(c.partial ?? ''), c.a.model, q(c.a.asked.join(';')), q(c.a.releases),
        c.b.model, q(c.b.asked.join(';')), q(c.b.releases), r.field, r.dir,
        r.a.absorbed, r.a.forwarded, r.a.both, r.b.absorbed, r.b.forwarded, r.b.both, r.delta_absorbed, r.delta_forwarded,
        r.ratio_forwarded ?? '', c.cost.forward_us, c.cost.absorb_us, r.delta_device_model_cpu_s, r.delta_hypervisor_cpu_s].join(','));
    }
  }
  return out.join('\n') + '\n';
}
