// Reading a policy file: JSON with line numbers (./json), every key checked against the knob table
// (./knobs), a "base" (a built-in model or another policy file) filling the knobs the file leaves
// out. Every problem is one UserError "FILE:LINE: what" (exit 2).
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { JsonError, JsonNode, parseJson } from './json';
import { checkValue, GROUPS, knob, KnobValue, META, REQUIRED } from './knobs';

export interface Policy {
  name: string;
  file: string;
  /** Every knob but reads.addr_data (stored as its three fields). */
  values: Map<string, KnobValue>;
}

const POLICY_DIR = path.resolve(__dirname, '..', '..', 'policies');
const MAX_FILE = 1 << 20;
const MAX_BASES = 8;

/** The shipped policy file of a built-in model name or alias, or null. */
export function builtinPolicyFile(name: string): string | null {
  const file = path.join(POLICY_DIR, `${name === 'kvm' ? 'forward-all' : name}.json`);
  return /^[a-z0-9.-]+$/.test(name) && fs.existsSync(file) ? file : null;
}

/** Sets one knob (reads.addr_data sets its three fields). */
export function setKnob(values: Map<string, KnobValue>, p: string, v: KnobValue): void {
  if (p === 'reads.addr_data') for (const f of ['reads.addr_lo', 'reads.addr_hi', 'reads.data']) values.set(f, v);
  else values.set(p, v);
}

export function loadPolicy(file: string, depth = 0): Policy {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new UserError(`${file}: not a policy file (a directory?)`);
    if (st.size > MAX_FILE) throw new UserError(`${file}: ${st.size} bytes; a policy file is at most ${MAX_FILE}`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: cannot read policy file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let root: JsonNode;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonError) throw new UserError(`${file}:${e.line}: ${e.message}`);
    throw e;
  }
  const fail = (line: number, what: string): never => {
    throw new UserError(`${file}:${line}: ${what}`);
  };
  if (root.kind !== 'object') return fail(root.line, 'a policy is a JSON object ({ ... })');

  const given = new Map<string, { value: KnobValue; line: number }>();
  let name = path.basename(file).replace(/\.json$/i, '');
  let base: Policy | null = null;
  for (const e of root.entries) {
    if (!META.includes(e.key)) continue;
    if (e.value.kind !== 'string') fail(e.value.line, `${e.key} must be a string`);
    const s = (e.value as { value: string }).value;
    if (e.key === 'name') {
      if (!/^[A-Za-z0-9._+-]{1,60}$/.test(s)) fail(e.value.line, 'name: 1-60 letters, digits and . _ + -');
      name = s;
    } else if (e.key === 'base') {
      if (depth >= MAX_BASES) fail(e.value.line, `base: more than ${MAX_BASES} bases deep (a cycle?)`);
      const bfile = builtinPolicyFile(s) ?? (s.endsWith('.json') ? path.resolve(path.dirname(file), s) : null);
      if (!bfile) fail(e.value.line, `base '${s}' is neither a built-in model nor a .json policy file`);
      base = loadPolicy(bfile!, depth + 1);
    }
  }

  const walk = (obj: JsonNode & { kind: 'object' }, prefix: string): void => {
    for (const e of obj.entries) {
      const p = prefix ? `${prefix}.${e.key}` : e.key;
      if (!prefix && META.includes(e.key)) continue;
      if (GROUPS.includes(p)) {
        if (e.value.kind !== 'object') fail(e.value.line, `${p} must be an object ({ ... })`);
        walk(e.value as JsonNode & { kind: 'object' }, p);
        continue;
      }
      const k = knob(p);
      if (!k) fail(e.keyLine, `unknown key '${p}'${suggest(p)}`);
      const r = checkValue(k!, plain(e.value));
      if ('error' in r) fail(e.value.line, r.error);
      else given.set(p, { value: r.value, line: e.value.line });
    }
  };
  walk(root, '');

  const values = new Map<string, KnobValue>(base ? (base as Policy).values : []);
  const addrData = given.get('reads.addr_data');
  if (addrData) setKnob(values, 'reads.addr_data', addrData.value);
  for (const [p, g] of given) if (p !== 'reads.addr_data') setKnob(values, p, g.value);
  if (!base) {
    for (const p of REQUIRED) {
      const missing = p === 'reads.addr_data' ? ['reads.addr_lo', 'reads.addr_hi', 'reads.data'].some((f) => !values.has(f)) : !values.has(p);
      if (missing) fail(root.line, `missing knob '${p}' (give every knob, or "base": a built-in model to start from)`);
    }
  }
  return { name, file, values };
}

/** JSON node to a plain value (for the value checks). */
function plain(n: JsonNode): unknown {
  switch (n.kind) {
    case 'object': return Object.fromEntries(n.entries.map((e) => [e.key, plain(e.value)]));
    case 'array': return n.items.map(plain);
    case 'null': return null;
    default: return n.value;
  }
}

function suggest(p: string): string {
  const last = p.split('.').pop()!;
  const near = [...REQUIRED, 'reads.addr_lo', 'reads.addr_hi', 'reads.data'].find((k) => k.endsWith(`.${last}`) || k === last);
  return near ? ` (did you mean '${near}'?)` : '';
}
