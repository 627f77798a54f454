// CSV: one row per model x field x direction; --by entry|guest|vcpu puts the group key where the
// field was, --interval gives one row per model x bucket. Every row names the model asked for and
// the one that answered with its release range, and says whether the trace was read only in part.
import { FIELD_NAMES } from '../events';
import { escapeControls } from '../util/escape';
import { costOf } from '../replay/cost';
import { ReportRow } from './rows';

const q = (raw: string): string => {
  const s = escapeControls(raw);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const ident = (r: ReportRow): string[] => [q(r.trace), r.model, q(r.asked.join(';')), q(r.releases), r.start, q(r.partial ?? '')];
const IDENT = 'trace,model,asked,releases,start,partial';

export function renderCsv(results: ReportRow[]): string {
  const rows: string[] = [];
  const first = results[0];
  if (first?.intervals) {
    rows.push(`${IDENT},interval_ns,start_ns,covered_ns,partial_bucket,absorbed,forwarded`);
    for (const r of results) {
      for (const b of r.intervals!.buckets) {
        rows.push([...ident(r), r.intervals!.interval_ns, b.start_ns, b.covered_ns, b.partial ? 1 : 0, b.absorbed, b.forwarded].join(','));
      }
    }
    return rows.join('\n') + '\n';
  }
  const kind = first?.by && first.by.kind !== 'field' ? first.by.kind : 'field';
  const cost = !!first?.cost;
  rows.push(`${IDENT},${kind},dir,absorbed,forwarded,both${cost ? ',forward_us,absorb_us,device_model_cpu_s,hypervisor_cpu_s' : ''}`);
  for (const r of results) {
    const groups = r.by && r.by.kind !== 'field' ? r.by.groups : FIELD_NAMES.map((key) => ({ key, ...r.fields[key] }));
    for (const g of groups) {
      const read = [...ident(r), q(g.key), 'read', g.read.absorbed, g.read.forwarded, 0];
      const write = [...ident(r), q(g.key), 'write', g.write.absorbed, g.write.forwarded, g.write.both];
      if (r.cost) {
        // Cost is linear in the counts: each direction's row carries its own share.
        const zero = { absorbed: 0, forwarded: 0, both: 0 };
        const rc = costOf({ read: g.read, write: zero }, r.duration_ns, r.cost.forward_us, r.cost.absorb_us);
        const wc = costOf({ read: zero, write: g.write }, r.duration_ns, r.cost.forward_us, r.cost.absorb_us);
        read.push(r.cost.forward_us, r.cost.absorb_us, rc.device_model_cpu_s, rc.hypervisor_cpu_s);
        write.push(r.cost.forward_us, r.cost.absorb_us, wc.device_model_cpu_s, wc.hypervisor_cpu_s);
      }
      rows.push(read.join(','), write.join(','));
    }
  }
  return rows.join('\n') + '\n';
}
