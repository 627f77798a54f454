// Colours and the page stylesheet. Palettes are colour-blind safe: Paul Tol's "muted" set for the
// model lines (plus dash patterns, so lines stay apart in greyscale print too), Okabe–Ito blue and
// orange for absorbed vs forwarded, and a single-hue sequential blue for the heat map.
import { CATALOG } from '../../replay/catalog';

const MODEL_COLOURS = ['#332288', '#CC6677', '#117733', '#88CCEE', '#DDCC77', '#882255', '#44AA99', '#999933', '#AA4499'];
const MODEL_DASHES = ['', '', '', '7 4', '2 3', '', '7 4', '', '9 3 2 3'];

export const ABSORBED = '#0072B2';
export const FORWARDED = '#E69F00';

export function modelStyle(model: string, fallbackIndex: number): { colour: string; dash: string } {
  let i = CATALOG.findIndex((m) => m.name === model);
  if (i < 0) i = fallbackIndex;
  return { colour: MODEL_COLOURS[i % MODEL_COLOURS.length], dash: MODEL_DASHES[i % MODEL_DASHES.length] };
}

const HEAT_STOPS = [
  [0xde, 0xeb, 0xf7], [0xc6, 0xdb, 0xef], [0x9e, 0xca, 0xe1], [0x6b, 0xae, 0xd6],
  [0x42, 0x92, 0xc6], [0x21, 0x71, 0xb5], [0x08, 0x51, 0x9c], [0x08, 0x30, 0x6b],
];

/** Heat colour for t in [0, 1] (0 is the lightest non-empty colour). */
export function heatColour(t: number): string {
  const x = Math.max(0, Math.min(1, t)) * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const c = HEAT_STOPS[i].map((v, k) => Math.round(v + (HEAT_STOPS[i + 1][k] - v) * f));
  return '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
}

export const HEAT_EMPTY = '#f4f4f4';

export const CSS = `
:root { --fg:#1d232a; --muted:#5b6570; --rule:#d9dee3; --bg:#ffffff; --panel:#f7f8fa; --abs:${ABSORBED}; --fwd:${FORWARDED}; }
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0 auto; max-width: 1180px; padding: 28px 32px 48px; color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0 0 12px; padding-top: 8px; overflow-wrap: anywhere; }
h3 { font-size: 15px; margin: 28px 0 8px; }
p { margin: 6px 0; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.sub { color: var(--muted); }
.lede { color: var(--muted); margin-bottom: 18px; }
header.page { border-bottom: 2px solid var(--fg); padding-bottom: 12px; margin-bottom: 18px; }
nav.toc ol { margin: 6px 0 0; padding-left: 22px; }
nav.toc a { color: inherit; }
section.trace { border-top: 1px solid var(--rule); padding-top: 18px; margin-top: 28px; }
section.trace:first-of-type { border-top: 0; margin-top: 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0 0 12px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--rule); text-align: right; vertical-align: top; }
th { font-weight: 600; font-size: 12.5px; color: var(--muted); border-bottom: 1.5px solid var(--fg); vertical-align: bottom; }
th.l, td.l { text-align: left; }
tbody tr:nth-child(even) { background: var(--panel); }
td.model { white-space: nowrap; }
td.mono { white-space: nowrap; }
td.mono small { display: block; font-size: 11px; }
td.model .swatch { display: inline-block; width: 18px; height: 0; border-top: 3px solid; vertical-align: middle; margin-right: 6px; }
td.model small { display: block; color: var(--muted); font-size: 11.5px; white-space: normal; }
.pctbar { white-space: nowrap; display: inline-flex; align-items: center; gap: 6px; justify-content: flex-end; }
.pctbar .track { display: inline-block; width: 80px; height: 9px; background: #e7eaee; position: relative; }
.pctbar .fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--fwd); }
.zero { color: #a0a8b0; }
.warn { color: #a23c00; font-weight: 600; }
figure { margin: 8px 0 4px; break-inside: avoid; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 4px; }
svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; fill: var(--fg); }
svg.chart text.axis, svg.chart text.note { fill: var(--muted); font-size: 11px; }
svg.chart .grid { stroke: #e3e7eb; stroke-width: 1; }
svg.chart .axisline { stroke: #7d8790; stroke-width: 1; }
svg.chart .track { fill: #eef0f3; }
.heatmaps { display: flex; flex-wrap: wrap; gap: 18px 36px; align-items: flex-start; }
.heatmaps figure { flex: 0 1 auto; max-width: 100%; }
.assume { background: var(--panel); border-left: 3px solid var(--rule); padding: 8px 12px; font-size: 13px; margin-top: 8px; }
.assume p { margin: 3px 0; }
ul.notes { margin: 4px 0 0; padding-left: 20px; overflow-wrap: anywhere; }
h2 code, nav.toc code { overflow-wrap: anywhere; }
footer.page { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 8px; }
@media (max-width: 900px) {
  body { padding: 16px; }
  th, td { padding: 4px 5px; }
  .pctbar .track { width: 44px; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  table { font-size: 9pt; }
  th, td { padding: 3px 5px; }
  .pctbar .track { width: 44px; }
  section.trace { break-before: page; border-top: 0; }
  section.trace:first-of-type { break-before: auto; }
  nav.toc { display: none; }
  tbody tr:nth-child(even) { background: none; }
  h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;
