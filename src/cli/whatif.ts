// `msixtrace whatif`: replay one trace under a base policy and every combination of knob values,
// and show what each change saves against the base.
import type { Argv } from 'yargs';
import { UserError } from '../errors';
import { DEFAULT_ABSORB_US, DEFAULT_FORWARD_US, parseCost } from '../replay/cost';
import { parseVary, whatif, WhatifResult, WhatifRow } from '../policy/whatif';
import { Out } from '../util/out';
import { displayName } from '../util/stdin';
import { declare, VerbOptions } from './options';

export const command = 'whatif <trace>';
export const describe = 'replay a trace under policy variations: what each knob change saves against a base model';
export const options: VerbOptions = {
  positional: { name: 'trace', describe: '.msixtrace file' },
  options: {
    base: { type: 'string', demandOption: true, requiresArg: true, describe: 'the policy to start from: a built-in model (xen-4.1, kvm, ...), policy:FILE or FILE.json' },
    vary: { type: 'string', array: true, demandOption: true, requiresArg: true, describe: 'KNOB=V1,V2,... (repeatable; every combination is replayed; lists as 4+8; see docs/policies.md)' },
    sort: { choices: ['forwarded', 'cost'] as const, default: 'forwarded', describe: 'order rows by forwarded accesses or by estimated CPU cost (fewest first)' },
    start: { choices: ['cold', 'warm'] as const, default: 'cold', describe: 'cold: trace starts before the driver set the device up; warm: mid-run' },
    cost: { type: 'string', describe: `cost per access for --sort cost and the cost column: forward=US,absorb=US (defaults forward=${DEFAULT_FORWARD_US},absorb=${DEFAULT_ABSORB_US})` },
    format: { choices: ['table', 'json', 'csv'] as const, default: 'table' },
  },
};

export function builder(y: Argv): Argv {
  return declare(y, options)
    .example('$0 whatif t.msixtrace --base xen-3.4 --vary cache.entries=3', 'the 2010 read emulation patch as one knob')
    .example('$0 whatif t.msixtrace --base xen-4.7 --vary cache.entries=3,all --vary cache.valid=always,per-field', 'four variants')
    .example('$0 whatif t.msixtrace --base policy:mine.json --vary writes.vector_ctrl=absorb,both --sort cost', 'by CPU cost');
}

function changeText(r: WhatifRow): string {
  if (r.base) return '(base)';
  const parts = Object.entries(r.change).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(' ') : '(same as base)';
}

function renderTable(res: WhatifResult): string {
  const head = ['change', 'forwarded', 'absorbed', 'both', 'saved', 'saved %', 'deferred', 'crash', 'cost ms'];
  const rows = res.rows.map((r) => [
    changeText(r), String(r.forwarded), String(r.absorbed), String(r.both), r.base ? '-' : String(r.saved),
    r.base || r.saved_pct === null ? '-' : r.saved_pct.toFixed(1), String(r.deferred_unmasks), String(r.guest_crash),
    (r.cost_us / 1000).toFixed(3),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd();
  return [
    `${res.trace}: ${res.events} accesses over ${(res.duration_ns / 1e9).toFixed(3)} s, start ${res.start}, base ${res.base}`,
    fmt(head), ...rows.map(fmt), '',
  ].join('\n');
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function renderCsv(res: WhatifResult): string {
  const lines = ['trace,base,start,change,forwarded,absorbed,both,saved,saved_pct,deferred_unmasks,guest_crash,cost_us'];
  for (const r of res.rows) {
    lines.push([res.trace, res.base, res.start, changeText(r), r.forwarded, r.absorbed, r.both, r.saved,
      r.saved_pct === null ? '' : r.saved_pct.toFixed(3), r.deferred_unmasks, r.guest_crash, r.cost_us.toFixed(3)].map((x) => csvField(String(x))).join(','));
  }
  return `${lines.join('\n')}\n`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  const varies = (Array.isArray(argv.vary) ? argv.vary : [argv.vary]).map((v: unknown) => parseVary(String(v)));
  if (varies.length === 0) throw new UserError('whatif needs at least one --vary KNOB=V1,V2,...');
  const cost = parseCost(argv.cost);
  const res = whatif(String(argv.trace), String(argv.base), varies, {
    start: argv.start, forwardUs: cost.forwardUs, absorbUs: cost.absorbUs, sort: argv.sort,
  });
  res.trace = displayName(res.trace);
  const out = new Out();
  if (argv.format === 'json') out.write(`${JSON.stringify(res, null, 2)}\n`);
  else if (argv.format === 'csv') out.write(renderCsv(res));
  else out.write(renderTable(res));
  out.flush();
}
