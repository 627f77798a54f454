// CSV: one row per model x field x direction (DESIGN.md); --by entry|guest|vcpu puts the group key
// where the field was, --interval gives one row per model x bucket.
import { ModelResult } from '../replay/engine';
import { FIELD_NAMES } from '../events';
import { escapeControls } from '../util/escape';

const q = (raw: string): string => {
  const s = escapeControls(raw);
  return /[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function renderCsv(results: ModelResult[]): string {
  const rows: string[] = [];
  const first = results[0];
  if (first?.intervals) {
    rows.push('trace,model,start,interval_ns,start_ns,absorbed,forwarded');
    for (const r of results) {
      for (const b of r.intervals!.buckets) {
        rows.push([q(r.trace), r.model, r.start, r.intervals!.interval_ns, b.start_ns, b.absorbed, b.forwarded].join(','));
      }
    }
    return rows.join('\n') + '\n';
  }
  const kind = first?.by && first.by.kind !== 'field' ? first.by.kind : 'field';
  rows.push(`trace,model,start,${kind},dir,absorbed,forwarded,both`);
  for (const r of results) {
    const groups = r.by && r.by.kind !== 'field' ? r.by.groups : FIELD_NAMES.map((key) => ({ key, ...r.fields[key] }));
    for (const g of groups) {
      rows.push([q(r.trace), r.model, r.start, q(g.key), 'read', g.read.absorbed, g.read.forwarded, 0].join(','));
      rows.push([q(r.trace), r.model, r.start, q(g.key), 'write', g.write.absorbed, g.write.forwarded, g.write.both].join(','));
    }
  }
  return rows.join('\n') + '\n';
}
