// `msixtrace report --html`: one self-contained HTML page (inline CSS, pre-rendered SVG, the data
// as JSON in a non-executed <script type="application/json">). No script runs and nothing is
// fetched when the page is opened: a Content-Security-Policy of default-src 'none' makes sure.
import { headerJson } from '../header';
import { choiceLabel, modelInfo } from '../../replay/catalog';
import { TOOL_VERSION } from '../../version';
import { Section } from './data';
import { costChart, fieldsChart, heatChart, MAX_ROWS, timelineChart, vendorDevice } from './charts';
import { durationNs, esc, hex, int, isoFromUnixNs, jsonForScript, pct, seconds } from './format';
import { CSS, FORWARDED, modelStyle } from './style';

export { collectSection } from './data';
export type { Section, SectionOptions } from './data';

export interface ReportMeta {
  models: string[];
  /** What the user asked for, per model, when it was not the model's own name (xen-4.17, kvm). */
  asked?: Record<string, string[]>;
  start: string;
  intervalNs: number;
  cost: { forwardUs: number; absorbUs: number };
  costGiven: boolean;
  generatedAt?: Date;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function facts(rows: Array<[string, string | null | undefined]>): string {
  return `<dl class="facts">${rows.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function num(n: number): string {
  return n === 0 ? '<span class="zero">0</span>' : int(n);
}

function headerBlock(sec: Section): string {
  const h = sec.header;
  const start = isoFromUnixNs(h.traceStartUnixNs);
  const captured = isoFromUnixNs(h.captureTimeUnixNs);
  const out: string[] = [];
  out.push(facts([
    ['Source', `${esc(h.sourceFormat || 'unknown')}${h.sourceFiles.length ? ': ' + h.sourceFiles.map((f) => `<code>${esc(f)}</code>`).join(', ') : ''}`],
    ['Accesses', `${int(sec.events)} (${int(sec.reads)} reads, ${int(sec.writes)} writes) over ${esc(seconds(sec.durationNs / 1e9))}`],
    ['Trace start', start ? esc(start) : null],
    ['Captured', captured ? `${esc(captured)} by msixtrace ${esc(h.toolVersion)} (format ${esc(h.formatVersion)})` : null],
    ['Start state', esc(sec.results[0]?.start ?? '')],
  ]));
  out.push('<table class="devices" data-table="devices"><thead><tr>'
    + '<th>#</th><th class="l">BDF</th><th class="l">vendor:device</th><th class="l">name</th><th>guest</th>'
    + '<th class="l">table GPA</th><th>entries</th><th class="l">PBA GPA</th></tr></thead><tbody>');
  for (const d of h.devices) {
    out.push(`<tr data-device="${d.index}"><td>${d.index}</td><td class="l mono">${esc(d.bdf || '–')}</td>`
      + `<td class="l mono">${d.vendorId || d.deviceId ? esc(vendorDevice(d.vendorId, d.deviceId)) : '–'}</td>`
      + `<td class="l">${esc(d.name || '–')}</td><td>${esc(d.guest)}</td>`
      + `<td class="l mono">${esc(hex(d.tableGpa))}<small class="sub">BAR ${esc(d.tableBar)} + ${esc(hex(d.tableOffset))}</small></td>`
      + `<td>${int(d.tableEntries)}</td>`
      + `<td class="l mono">${d.pbaGpa === null ? '–' : `${esc(hex(d.pbaGpa))}<small class="sub">BAR ${esc(d.pbaBar)} + ${esc(hex(d.pbaOffset))}</small>`}</td></tr>`);
  }
  out.push('</tbody></table>');
  if (h.notes.length) out.push(`<p class="sub">Notes:</p><ul class="notes">${h.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  return out.join('');
}

function modelsTable(sec: Section, meta: ReportMeta): string {
  const out: string[] = [];
  out.push('<table class="models" data-chart="models"><thead><tr>'
    + '<th class="l">model</th><th>reads<br>absorbed</th><th>reads<br>forwarded</th><th>writes<br>absorbed</th>'
    + '<th>writes<br>forwarded</th><th title="forwarded writes that Xen handled too">of which<br>both</th><th>forwarded<br>share</th>'
    + '<th>deferred<br>unmasks</th><th>guest<br>crashes</th></tr></thead><tbody>');
  sec.results.forEach((r, i) => {
    const t = r.totals;
    const fwd = t.read.forwarded + t.write.forwarded;
    const info = modelInfo(r.model);
    const st = modelStyle(r.model, i);
    const share = r.events ? (fwd / r.events) * 100 : 0;
    out.push(`<tr data-model="${esc(r.model)}"><td class="l model"${info ? ` title="${esc(info.behaviour)}"` : ''}>`
      + `<span class="swatch" style="border-color:${st.colour}"></span>${esc(choiceLabel({ model: r.model, asked: meta.asked?.[r.model] }))}${info ? `<small>${esc(info.releases)}</small>` : ''}</td>`
      + `<td>${num(t.read.absorbed)}</td><td>${num(t.read.forwarded)}</td><td>${num(t.write.absorbed)}</td>`
      + `<td>${num(t.write.forwarded)}</td><td>${num(t.write.both)}</td>`
      + `<td><span class="pctbar"><span>${esc(pct(fwd, r.events))}</span><span class="track"><span class="fill" style="width:${share.toFixed(1)}%;background:${FORWARDED}"></span></span></span></td>`
      + `<td>${num(r.xen_side.deferred_unmasks)}</td><td${r.xen_side.guest_crash ? ' class="warn"' : ''}>${num(r.xen_side.guest_crash)}</td></tr>`);
  });
  out.push('</tbody></table>');
  return out.join('');
}

function costBlock(sec: Section, meta: ReportMeta): string {
  const c = meta.cost;
  return `<figure>${costChart(sec)}</figure><div class="assume">`
    + `<p><b>Assumptions${meta.costGiven ? ' (from --cost)' : ' (defaults; change with --cost forward=US,absorb=US)'}:</b> `
    + `a forwarded access costs the device model <b>${esc(c.forwardUs)} µs</b> of CPU (VM exit, ioreq/event-channel round trip to `
    + `the device model, its dispatch and the resume); an absorbed access costs the hypervisor <b>${esc(c.absorbUs)} µs</b> `
    + `(VM exit and an in-hypervisor handler).</p>`
    + `<p>Device-model CPU = forwarded accesses × ${esc(c.forwardUs)} µs; the percentage is of the trace's duration `
    + `(${esc(seconds(sec.durationNs / 1e9))}, first to last access) on one CPU. No public measurement of a Xen ioreq round trip `
    + `exists: the defaults are order-of-magnitude estimates (an exit ≈ 1.5 µs; a userspace round trip ≈ 10× an exit), not measurements.</p></div>`;
}

function sectionHtml(sec: Section, idx: number, meta: ReportMeta): string {
  const id = `trace-${idx + 1}`;
  const out: string[] = [];
  out.push(`<section class="trace" id="${id}" data-trace="${esc(sec.trace)}">`);
  out.push(`<h2><span class="sub">Trace ${idx + 1}:</span> <code>${esc(sec.trace)}</code></h2>`);
  out.push(headerBlock(sec));
  out.push('<h3>Absorbed vs forwarded per model</h3>');
  out.push(modelsTable(sec, meta));
  out.push(`<h3>Forwarded accesses over time</h3><figure>${timelineChart(sec)}`
    + `<figcaption>Forwarded accesses per ${esc(durationNs(sec.shownIntervalNs))} per model, by time since the first access`
    + `${sec.shownIntervalNs !== meta.intervalNs ? ` (buckets of ${esc(durationNs(meta.intervalNs))} merged to keep the chart legible)` : ''}.`
    + `${sec.results.some((r) => r.model === 'forward-all') ? ' forward-all forwards everything, so its line is every access.' : ''}`
    + ' "A = B" in the legend: A\'s line is identical to B\'s and drawn over it.</figcaption></figure>');
  out.push(`<h3>Per field: absorbed vs forwarded</h3><figure>${fieldsChart(sec, String(idx + 1))}</figure>`);
  out.push('<h3>Accesses per table entry and field</h3><p class="sub">All accesses in the trace (the same for every model), '
    + `per MSI-X table entry and field; colour on a log scale; hover a cell for reads and writes. Tables of more than ${MAX_ROWS} entries `
    + 'show only the accessed entries, or bin them into ranges.</p><div class="heatmaps">');
  for (const h of sec.heat) out.push(heatChart(sec, h));
  if (sec.heat.length === 0) out.push('<p class="sub">The trace header lists no devices.</p>');
  out.push('</div>');
  out.push('<h3>Cost estimate: device-model CPU</h3>');
  out.push(costBlock(sec, meta));
  out.push('</section>');
  return out.join('\n');
}

export function renderHtml(sections: Section[], meta: ReportMeta): string {
  const when = (meta.generatedAt ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const data = {
    generator: `msixtrace ${TOOL_VERSION}`,
    generated_at: when,
    options: { models: meta.models, start: meta.start, interval_ns: meta.intervalNs, cost: { forward_us: meta.cost.forwardUs, absorb_us: meta.cost.absorbUs } },
    traces: sections.map((s) => ({
      trace: s.trace,
      header: headerJson(s.header),
      results: s.results,
      heat: s.heat.map((h) => ({
        device: h.device,
        pba: h.pba,
        fields: ['addr_lo', 'addr_hi', 'data', 'vector_ctrl', 'other'],
        entries: [...h.entries.entries()].sort((a, b) => a[0] - b[0]).map(([entry, counts]) => ({ entry, counts })),
      })),
    })),
  };
  const title = sections.length === 1 ? `msixtrace report: ${sections[0].trace}` : `msixtrace report: ${sections.length} traces`;
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en"><head><meta charset="utf-8">');
  out.push(`<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">`);
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<meta name="generator" content="msixtrace ${esc(TOOL_VERSION)}">`);
  out.push(`<title>${esc(title)}</title><style>${CSS}</style></head><body>`);
  out.push('<header class="page"><h1>msixtrace report</h1>');
  out.push('<p class="lede">What each hypervisor interception model does with the guest\'s MSI-X table and PBA accesses: '
    + 'absorbed (the hypervisor handles it; the device model never sees it) or forwarded to the device model.</p>');
  out.push(facts([
    ['Models', meta.models.map((m) => `<code>${esc(m)}</code>`).join(', ')],
    ['Start state', `${esc(meta.start)} <span class="sub">(${meta.start === 'warm' ? 'the trace starts mid-run: registered, every entry bound' : 'the trace starts before the driver set the device up'})</span>`],
    ['Interval', esc(durationNs(meta.intervalNs))],
    ['Cost', `forward ${esc(meta.cost.forwardUs)} µs, absorb ${esc(meta.cost.absorbUs)} µs${meta.costGiven ? '' : ' <span class="sub">(defaults)</span>'}`],
    ['Generated', `${esc(when)} by msixtrace ${esc(TOOL_VERSION)}`],
  ]));
  if (sections.length > 1) {
    out.push(`<nav class="toc"><b>Traces</b><ol>${sections.map((s, i) => `<li><a href="#trace-${i + 1}"><code>${esc(s.trace)}</code></a> <span class="sub">${int(s.events)} accesses</span></li>`).join('')}</ol></nav>`);
  }
  out.push('</header>');
  sections.forEach((s, i) => out.push(sectionHtml(s, i, meta)));
  out.push(`<footer class="page">msixtrace ${esc(TOOL_VERSION)} · the data behind this page is embedded as JSON (script#msixtrace-data).</footer>`);
  out.push(`<script type="application/json" id="msixtrace-data">${jsonForScript(data)}</script>`);
  out.push('</body></html>\n');
  return out.join('\n');
}
