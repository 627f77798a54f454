// The report's charts, rendered to SVG at generation time (the page needs no script and no network).
// Every chart root carries data-chart="…" and every mark that stands for data (point, line, bar
// segment, heat cell) is its own SVG element with data-* attributes naming what it counts, so a test
// or a script can check what was drawn.
import { FIELD_NAMES } from '../../events';
import { ModelResult } from '../../replay/engine';
import { DeviceHeat, HEAT_FIELDS, Section } from './data';
import { attrs, compact, durationNs, esc, int, niceMax, niceTicks, pct, seconds, smallPct, tickLabel } from './format';
import { ABSORBED, FORWARDED, HEAT_EMPTY, heatColour, modelStyle } from './style';

const W = 1100;
const f1 = (v: number): string => String(Math.round(v * 10) / 10);

function svgOpen(chart: string, width: number, height: number, label: string, extra: Record<string, string | number> = {}): string {
  return `<svg${attrs({
    class: 'chart', 'data-chart': chart, viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': label, xmlns: 'http://www.w3.org/2000/svg', ...extra,
  })} style="max-width:${width}px">`;
}

function title(text: string): string {
  return `<title>${esc(text)}</title>`;
}

// ---------------------------------------------------------------------------------------------
// Timeline: forwarded accesses per interval, one line per model.

const MAX_MARKERS = 4000;

interface Series { model: string; counts: number[]; sameAs?: string }

export function timelineChart(sec: Section): string {
  const withIntervals = sec.results.filter((r) => r.intervals && r.intervals.buckets.length > 0);
  if (withIntervals.length === 0) {
    return `${svgOpen('timeline', W, 60, 'timeline: no accesses', { 'data-empty': 'true' })}<text x="0" y="30" class="note">No accesses in this trace.</text></svg>`;
  }
  // collectSection() put every model on one grid of at most MAX_BUCKETS buckets without holes.
  const step = sec.shownIntervalNs;
  const first = withIntervals[0].intervals!.buckets[0].start_ns;
  const n = withIntervals[0].intervals!.buckets.length;
  const series: Series[] = withIntervals.map((r) => ({ model: r.model, counts: r.intervals!.buckets.map((b) => b.forwarded) }));
  for (let i = 1; i < series.length; i++) {
    const twin = series.slice(0, i).find((s) => !s.sameAs && s.counts.every((c, j) => c === series[i].counts[j]));
    if (twin) series[i].sameAs = twin.model;
  }
  const maxY = niceMax(Math.max(1, ...series.flatMap((s) => s.counts)));
  const legendRows = series.length;
  const L = 66;
  const R = 860;
  const T = 14;
  const B = Math.max(250, T + legendRows * 22 + 10);
  const H = B + 50;
  const t0 = first / 1e9;
  const t1 = (first + n * step) / 1e9;
  const x = (t: number): number => L + ((t - t0) / (t1 - t0)) * (R - L);
  const y = (v: number): number => B - (v / maxY) * (B - T);
  const out: string[] = [];
  const per = durationNs(step);
  out.push(svgOpen('timeline', W, H, `forwarded accesses per ${per}, one line per model`, {
    'data-interval-ns': step, 'data-buckets': n, 'data-models': series.length,
  }));
  // grid and axes
  for (const v of niceTicks(0, maxY, 5)) {
    out.push(`<line class="grid" x1="${L}" x2="${R}" y1="${f1(y(v))}" y2="${f1(y(v))}"/>`);
    out.push(`<text class="axis" x="${L - 8}" y="${f1(y(v) + 4)}" text-anchor="end">${esc(tickLabel(v))}</text>`);
  }
  for (const t of niceTicks(t0, t1, 8)) {
    if (t < t0 - 1e-9 || t > t1 + 1e-9) continue;
    out.push(`<line class="axisline" x1="${f1(x(t))}" x2="${f1(x(t))}" y1="${B}" y2="${B + 5}"/>`);
    out.push(`<text class="axis" x="${f1(x(t))}" y="${B + 18}" text-anchor="middle">${esc(tickLabel(t))}</text>`);
  }
  out.push(`<line class="axisline" x1="${L}" x2="${R}" y1="${B}" y2="${B}"/>`);
  out.push(`<line class="axisline" x1="${L}" x2="${L}" y1="${T}" y2="${B}"/>`);
  out.push(`<text class="axis" x="${(L + R) / 2}" y="${B + 38}" text-anchor="middle">seconds since the first access</text>`);
  out.push(`<text class="axis" transform="translate(16 ${(T + B) / 2}) rotate(-90)" text-anchor="middle">forwarded accesses per ${esc(per)}</text>`);
  const markers = n * series.length <= MAX_MARKERS;
  series.forEach((s, si) => {
    const st = modelStyle(s.model, si);
    const pts = s.counts.map((c, i) => [x(t0 + (i + 0.5) * (step / 1e9)), y(c)]);
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${f1(p[0])} ${f1(p[1])}`).join('');
    out.push(`<g${attrs({ 'data-series': s.model, 'data-model': s.model })}>`);
    out.push(`<path${attrs({
      d, fill: 'none', stroke: st.colour, 'stroke-width': 2.25, 'stroke-dasharray': st.dash || undefined,
      'stroke-linejoin': 'round', 'data-model': s.model, 'data-points': n,
    })}>${title(`${s.model}: ${int(s.counts.reduce((a, b) => a + b, 0))} forwarded`)}</path>`);
    if (markers) {
      s.counts.forEach((c, i) => {
        const t = t0 + i * (step / 1e9);
        out.push(`<circle${attrs({
          cx: f1(pts[i][0]), cy: f1(pts[i][1]), r: 2.6, fill: st.colour, 'data-model': s.model,
          'data-t': Number(t.toPrecision(9)), 'data-count': c,
        })}>${title(`${s.model}, ${seconds(t)}–${seconds(t + step / 1e9)}: ${int(c)} forwarded`)}</circle>`);
      });
    }
    out.push('</g>');
  });
  // legend
  const LX = R + 24;
  series.forEach((s, si) => {
    const st = modelStyle(s.model, si);
    const yy = T + 8 + si * 22;
    out.push(`<g class="legend" data-legend="${esc(s.model)}">`);
    out.push(`<line x1="${LX}" x2="${LX + 28}" y1="${yy}" y2="${yy}" stroke="${st.colour}" stroke-width="3"${st.dash ? ` stroke-dasharray="${st.dash}"` : ''}/>`);
    out.push(`<text x="${LX + 36}" y="${yy + 4}">${esc(s.model)}${s.sameAs ? `<tspan class="note"> = ${esc(s.sameAs)}</tspan>` : ''}</text>`);
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------------
// Per-field stacked bars: rows are models, columns are fields; each bar is the field's accesses,
// split absorbed | forwarded (| forwarded and also handled by Xen, hatched).

export function fieldsChart(sec: Section, uid: string): string {
  const r0 = sec.results[0];
  const totalOf = (r: ModelResult, f: string): number => {
    const c = r.fields[f];
    return c.read.absorbed + c.read.forwarded + c.write.absorbed + c.write.forwarded;
  };
  const fields = FIELD_NAMES.filter((f) => r0 && sec.results.some((r) => totalOf(r, f) > 0));
  const hidden = FIELD_NAMES.filter((f) => !fields.includes(f));
  if (fields.length === 0) {
    return `${svgOpen('fields', W, 60, 'per-field bars: no accesses', { 'data-empty': 'true' })}<text x="0" y="30" class="note">No accesses in this trace.</text></svg>`;
  }
  const labelW = 96;
  const gap = 22;
  const top = 56;
  const rowH = 26;
  const barH = 15;
  const numW = 46;
  const colW = (W - labelW - gap * (fields.length - 1)) / fields.length;
  const H = top + rowH * sec.results.length + 8;
  const hatch = `hatch-${uid}`;
  const out: string[] = [];
  out.push(svgOpen('fields', W, H, 'absorbed vs forwarded per field and model', { 'data-fields': fields.join(' ') }));
  out.push(`<defs><pattern id="${hatch}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">`
    + `<rect width="6" height="6" fill="${FORWARDED}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a5a00" stroke-width="2.2"/></pattern></defs>`);
  // legend
  const leg = [['absorbed', ABSORBED, 'absorbed by the hypervisor'], ['forwarded', FORWARDED, 'forwarded to the device model'],
    ['both', `url(#${hatch})`, 'forwarded, and Xen handled it too ("both")']];
  let lx = 0;
  for (const [key, fill, text] of leg) {
    out.push(`<g class="legend" data-legend="${key}"><rect x="${lx}" y="2" width="14" height="12" fill="${fill}"/>`
      + `<text x="${lx + 20}" y="12.5">${esc(text)}</text></g>`);
    lx += 40 + text.length * 6.4;
  }
  fields.forEach((f, fi) => {
    const cx = labelW + fi * (colW + gap);
    const tot = r0 ? totalOf(r0, f) : 0;
    out.push(`<text x="${f1(cx)}" y="${top - 12}"><tspan font-weight="600">${esc(f)}</tspan><tspan class="note" dx="6">${int(tot)} accesses · forwarded</tspan></text>`);
  });
  sec.results.forEach((r, ri) => {
    const yy = top + ri * rowH;
    out.push(`<text x="0" y="${yy + barH - 3}">${esc(r.model)}</text>`);
    fields.forEach((f, fi) => {
      const cx = labelW + fi * (colW + gap);
      const barW = colW - numW;
      const c = r.fields[f];
      const tot = totalOf(r, f);
      const absorbed = c.read.absorbed + c.write.absorbed;
      const both = c.write.both;
      const fwdOnly = c.read.forwarded + c.write.forwarded - both;
      out.push(`<rect class="track" x="${f1(cx)}" y="${yy}" width="${f1(barW)}" height="${barH}"/>`);
      let at = cx;
      const seg = (outcome: string, count: number, fill: string, detail: string): void => {
        if (count <= 0 || tot <= 0) return;
        const w = (count / tot) * barW;
        out.push(`<rect${attrs({
          x: f1(at), y: yy, width: f1(Math.max(w, 0.8)), height: barH, fill,
          'data-model': r.model, 'data-field': f, 'data-outcome': outcome, 'data-count': count,
        })}>${title(`${r.model} · ${f}: ${int(count)} ${detail}`)}</rect>`);
        at += w;
      };
      seg('absorbed', absorbed, ABSORBED, `absorbed (${int(c.read.absorbed)} reads, ${int(c.write.absorbed)} writes)`);
      seg('forwarded', fwdOnly, FORWARDED, `forwarded (${int(c.read.forwarded)} reads, ${int(c.write.forwarded - both)} writes)`);
      seg('both', both, `url(#${hatch})`, 'writes forwarded and also handled by Xen (both)');
      const fwd = c.read.forwarded + c.write.forwarded;
      out.push(`<text x="${f1(cx + colW)}" y="${yy + barH - 3}" text-anchor="end"${fwd === 0 ? ' class="note"' : ''}>${esc(compact(fwd))}${title(`${int(fwd)} of ${int(tot)} forwarded (${pct(fwd, tot)})`)}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('') + (hidden.length ? `<figcaption>No ${hidden.map(esc).join(', ')} accesses in this trace (not drawn).</figcaption>` : '');
}

// ---------------------------------------------------------------------------------------------
// Heat map of accesses per table entry × field, per device. Large tables: at most MAX_ROWS rows;
// when more entries were touched than that, entries are binned into equal ranges.

export const MAX_ROWS = 48;

interface HeatRow { label: string; from: number; to: number; counts: number[] }

export function heatRows(h: DeviceHeat, tableEntries: number): { rows: HeatRow[]; note: string | null } {
  const keys = [...h.entries.keys()].sort((a, b) => a - b);
  const size = Math.max(tableEntries, keys.length ? keys[keys.length - 1] + 1 : 0);
  const cols = HEAT_FIELDS.length * 2;
  const one = (e: number): HeatRow => ({ label: String(e), from: e, to: e, counts: h.entries.get(e) ?? new Array(cols).fill(0) });
  if (size <= MAX_ROWS) {
    const rows: HeatRow[] = [];
    for (let e = 0; e < size; e++) rows.push(one(e));
    return { rows, note: null };
  }
  if (keys.length <= MAX_ROWS) {
    return {
      rows: keys.map(one),
      note: `${keys.length} of ${size} entries were accessed; only those are shown.`,
    };
  }
  const per = Math.ceil(size / MAX_ROWS);
  const rows: HeatRow[] = [];
  for (let from = 0; from < size; from += per) {
    const to = Math.min(size, from + per) - 1;
    const counts = new Array(cols).fill(0);
    for (const e of keys) if (e >= from && e <= to) h.entries.get(e)!.forEach((v, i) => (counts[i] += v));
    rows.push({ label: from === to ? String(from) : `${from}–${to}`, from, to, counts });
  }
  return { rows, note: `${keys.length} of ${size} entries were accessed: ${per} entries per row.` };
}

export function heatChart(sec: Section, h: DeviceHeat): string {
  const dev = sec.header.devices[h.device];
  const { rows, note } = heatRows(h, dev ? dev.tableEntries : 0);
  const otherUsed = rows.some((r) => r.counts[8] + r.counts[9] > 0);
  const cols = HEAT_FIELDS.filter((f) => f !== 'other' || otherUsed);
  const sum = (r: HeatRow, c: number): number => r.counts[c * 2] + r.counts[c * 2 + 1];
  let max = 0;
  for (const r of rows) cols.forEach((_, c) => (max = Math.max(max, sum(r, c))));
  const labelW = rows.some((r) => r.from !== r.to) ? 84 : 56;
  const cellW = 92;
  const cellH = rows.length > 24 ? 16 : 22;
  const top = 40;
  const gridW = cols.length * cellW;
  const width = labelW + gridW + 4;
  const legendY = top + rows.length * cellH + 12;
  const H = legendY + 22;
  const out: string[] = [];
  out.push(svgOpen('heatmap', width, H, `accesses per entry and field, device ${h.device}`, {
    'data-device': h.device, 'data-rows': rows.length, 'data-max': max,
  }));
  out.push(`<text class="axis" x="0" y="${top - 8}">entry</text>`);
  cols.forEach((f, c) => out.push(`<text x="${labelW + c * cellW + cellW / 2}" y="${top - 8}" text-anchor="middle" font-weight="600">${esc(f)}</text>`));
  const scale = (v: number): number => (max <= 1 ? 1 : Math.log1p(v) / Math.log1p(max));
  rows.forEach((r, ri) => {
    const yy = top + ri * cellH;
    out.push(`<text class="axis" x="${labelW - 8}" y="${yy + cellH / 2 + 4}" text-anchor="end">${esc(r.label)}</text>`);
    cols.forEach((f, c) => {
      const fi = HEAT_FIELDS.indexOf(f);
      const reads = r.counts[fi * 2];
      const writes = r.counts[fi * 2 + 1];
      const v = reads + writes;
      const t = scale(v);
      const fill = v === 0 ? HEAT_EMPTY : heatColour(t);
      const x = labelW + c * cellW;
      const where = r.from === r.to ? `entry ${r.from}` : `entries ${r.from}–${r.to}`;
      out.push(`<rect${attrs({
        x: x + 1, y: yy + 1, width: cellW - 2, height: cellH - 2, fill,
        'data-entry': r.label, 'data-field': f, 'data-count': v, 'data-reads': reads, 'data-writes': writes,
      })}>${title(`device ${h.device}, ${where}, ${f}: ${int(reads)} reads, ${int(writes)} writes`)}</rect>`);
      if (v > 0) {
        out.push(`<text x="${x + cellW / 2}" y="${yy + cellH / 2 + 4}" text-anchor="middle" font-size="11" style="fill:${t > 0.55 ? '#ffffff' : '#1d232a'}" pointer-events="none">${esc(compact(v))}</text>`);
      }
    });
  });
  // colour scale, in one row under the grid
  const steps = max <= 1 ? [0, 1] : [0, ...[0, 0.25, 0.5, 0.75, 1].map((p) => Math.round(Math.expm1(p * Math.log1p(max))))]
    .filter((v, i, a) => a.indexOf(v) === i);
  out.push(`<text class="axis" x="${labelW - 8}" y="${legendY + 12}" text-anchor="end">scale</text>`);
  let lx = labelW;
  for (const v of steps) {
    out.push(`<rect x="${lx}" y="${legendY}" width="16" height="16" fill="${v === 0 ? HEAT_EMPTY : heatColour(scale(v))}" stroke="#d0d5da" stroke-width="0.5"/>`);
    const label = compact(v);
    out.push(`<text class="axis" x="${lx + 21}" y="${legendY + 12}">${esc(label)}</text>`);
    lx += 21 + label.length * 7 + 14;
  }
  out.push('</svg>');
  const name = dev ? `device ${h.device}${dev.bdf ? ` ${dev.bdf}` : ''}${dev.vendorId ? ` [${vendorDevice(dev.vendorId, dev.deviceId)}]` : ''}${dev.guest ? `, guest ${dev.guest}` : ''}` : `device ${h.device}`;
  const caption = [`${name}: ${dev ? int(dev.tableEntries) : '?'} table entries`, note, `PBA: ${int(h.pba.reads)} reads, ${int(h.pba.writes)} writes`]
    .filter(Boolean).map((s) => esc(s!)).join(' · ');
  return `<figure style="max-width:${Math.max(width, 520)}px">${out.join('')}<figcaption>${caption}.</figcaption></figure>`;
}

export function vendorDevice(v: number, d: number): string {
  return `${v.toString(16).padStart(4, '0')}:${d.toString(16).padStart(4, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Cost: estimated device-model CPU per model.

export function costChart(sec: Section): string {
  const rs = sec.results.filter((r) => r.cost);
  const labelW = 96;
  const barMax = 620;
  const rowH = 26;
  const barH = 15;
  const H = 8 + rowH * Math.max(1, rs.length);
  const max = Math.max(0, ...rs.map((r) => r.cost!.device_model_cpu_s));
  const out: string[] = [];
  out.push(svgOpen('cost', W, H, 'estimated device-model CPU time per model'));
  rs.forEach((r, i) => {
    const c = r.cost!;
    const yy = 4 + i * rowH;
    const w = max > 0 ? (c.device_model_cpu_s / max) * barMax : 0;
    out.push(`<text x="0" y="${yy + barH - 3}">${esc(r.model)}</text>`);
    out.push(`<rect class="track" x="${labelW}" y="${yy}" width="${barMax}" height="${barH}"/>`);
    out.push(`<rect${attrs({
      x: labelW, y: yy, width: f1(Math.max(w, c.device_model_cpu_s > 0 ? 1 : 0)), height: barH, fill: FORWARDED,
      'data-model': r.model, 'data-value': c.device_model_cpu_s, 'data-pct': c.device_model_cpu_pct ?? '',
    })}>${title(`${r.model}: device model ${seconds(c.device_model_cpu_s)}, hypervisor ${seconds(c.hypervisor_cpu_s)}`)}</rect>`);
    const pctText = c.device_model_cpu_pct === null ? 'no duration' : `${smallPct(c.device_model_cpu_pct)} of ${seconds(c.trace_duration_s)}`;
    out.push(`<text x="${labelW + barMax + 12}" y="${yy + barH - 3}">${esc(seconds(c.device_model_cpu_s))}<tspan class="note" dx="8">${esc(pctText)} · hypervisor ${esc(seconds(c.hypervisor_cpu_s))}</tspan></text>`);
  });
  out.push('</svg>');
  return out.join('');
}


