// What-if: a base policy, some knobs each given several values, and one replay of the trace under
// every combination (all of them fed by one pass over the trace). Each row says what the change
// saves against the base.
import { UserError } from '../errors';
import { costOf, Cost } from '../replay/cost';
import { DirCounts } from '../replay/counts';
import { replayTrace, ModelResult } from '../replay/engine';
import { chooseFrom, StartState } from '../replay/model';
import { isPolicyModel, policyOf, registerPolicy } from './context';
import { checkValue, knob, KNOBS, KnobValue, valueFromText, valueText } from './knobs';
import { builtinPolicyFile, loadPolicy, Policy, setKnob } from './load';

export const MAX_COMBINATIONS = 256;

export interface Vary { knob: string; values: KnobValue[] }

export interface WhatifRow {
  change: Record<string, string>; // knob -> value, only where it differs from the base
  base: boolean;
  totals: DirCounts;
  forwarded: number;
  absorbed: number;
  both: number;
  saved: number; // forwarded accesses saved against the base (negative: more forwarded)
  saved_pct: number | null;
  deferred_unmasks: number;
  guest_crash: number;
  cost: Cost;
  cost_us: number; // device model + hypervisor, microseconds
}

export interface WhatifResult {
  trace: string;
  base: string;
  start: StartState;
  events: number;
  duration_ns: number;
  rows: WhatifRow[];
}

/** --base: a built-in model (or alias, or a Xen release: the model covering it), policy:FILE, or a .json file. */
export function basePolicy(name: string): Policy {
  const builtin = builtinPolicyFile(name);
  if (builtin) return loadPolicy(builtin);
  if (isPolicyModel(name)) return policyOf(name);
  if (name.endsWith('.json')) return loadPolicy(name);
  let model: string | null = null;
  try {
    const choice = chooseFrom([name], '--base');
    model = choice.length === 1 ? choice[0].model : null;
  } catch {
    model = null;
  }
  const file = model ? builtinPolicyFile(model) : null;
  if (file) return loadPolicy(file);
  throw new UserError(`--base '${name}': not a built-in model, Xen release, policy:FILE or .json policy file`);
}

/** --vary KNOB=V1,V2,... */
export function parseVary(text: string): Vary {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UserError(`--vary '${text}': use KNOB=V1,V2,... (e.g. cache.entries=3,all)`);
  const name = text.slice(0, eq).trim();
  const k = knob(name);
  if (!k) throw new UserError(`--vary: unknown knob '${name}' (knobs: ${KNOBS.map((x) => x.path).join(', ')})`);
  const values = text.slice(eq + 1).split(',').filter((v) => v.trim() !== '').map((v) => {
    const r = checkValue(k, valueFromText(k, v));
    if ('error' in r) throw new UserError(`--vary ${name}: '${v}': ${r.error}${k.type === 'sizes' || k.type === 'entries' ? ' (lists as 4+8)' : ''}`);
    return r.value;
  });
  if (values.length === 0) throw new UserError(`--vary ${name}: no values`);
  return { knob: name, values };
}

function same(a: KnobValue | undefined, b: KnobValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function whatif(trace: string, baseName: string, varies: Vary[], opts: {
  start: StartState; forwardUs: number; absorbUs: number; sort: 'forwarded' | 'cost'; options?: number;
}): WhatifResult {
  const base = basePolicy(baseName);
  const seen = new Set(varies.map((v) => v.knob));
  if (seen.size !== varies.length) throw new UserError('--vary: a knob given twice (give its values in one list)');
  let combos: Array<Map<string, KnobValue>> = [new Map()];
  for (const v of varies) {
    combos = combos.flatMap((c) => v.values.map((x) => new Map([...c, [v.knob, x]])));
    if (combos.length > MAX_COMBINATIONS) throw new UserError(`--vary: more than ${MAX_COMBINATIONS} combinations`);
  }
  // The base itself, then each combination that changes something (deduplicated by its knobs).
  const policies: Array<{ change: Record<string, string>; values: Map<string, KnobValue> }> = [{ change: {}, values: base.values }];
  const keys = new Set<string>([JSON.stringify([...base.values])]);
  for (const c of combos) {
    const values = new Map(base.values);
    for (const [k, v] of c) setKnob(values, k, v);
    const key = JSON.stringify([...values]);
    if (keys.has(key)) continue;
    keys.add(key);
    const change: Record<string, string> = {};
    for (const [k, v] of c) {
      const before = k === 'reads.addr_data' ? ['reads.addr_lo', 'reads.addr_hi', 'reads.data'].map((f) => base.values.get(f)) : [base.values.get(k)];
      if (!before.every((b) => same(b, v))) change[k] = valueText(v);
    }
    policies.push({ change, values });
  }
  const models = policies.map((p, i) => registerPolicy(`whatif-${i}`, { name: `${base.name}~${i}`, file: base.file, values: p.values }));
  const r = replayTrace(trace, { models, start: opts.start, options: opts.options });
  const rows = r.results.map((res: ModelResult, i): WhatifRow => {
    const t = res.totals;
    const forwarded = t.read.forwarded + t.write.forwarded;
    const absorbed = t.read.absorbed + t.write.absorbed;
    const cost = costOf(t, res.duration_ns, opts.forwardUs, opts.absorbUs);
    return {
      change: policies[i].change, base: i === 0, totals: t, forwarded, absorbed, both: t.write.both, saved: 0, saved_pct: null,
      deferred_unmasks: res.xen_side.deferred_unmasks, guest_crash: res.xen_side.guest_crash, cost,
      cost_us: (cost.device_model_cpu_s + cost.hypervisor_cpu_s) * 1e6, // a both write costs both sides
    };
  });
  const b = rows[0];
  for (const row of rows) {
    row.saved = b.forwarded - row.forwarded;
    row.saved_pct = b.forwarded > 0 ? (row.saved / b.forwarded) * 100 : null;
  }
  const key = (x: WhatifRow): number => (opts.sort === 'cost' ? x.cost_us : x.forwarded);
  rows.sort((x, y) => key(x) - key(y) || Number(y.base) - Number(x.base));
  const r0 = r.results[0];
  return { trace, base: baseName, start: opts.start, events: r0.events, duration_ns: r0.duration_ns, rows };
}
