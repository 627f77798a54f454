// One option table per verb, read two ways: declare() hands it to yargs (help, completion, error
// messages, every unusual form), parseDirect() reads plain command lines without loading yargs at
// all. Loading and building the yargs parser costs ~40-80 ms, more than a small capture or a
// 10 M-event replay spends on its work, so the common case must not pay for it.
import type { Argv, Options } from 'yargs';

export interface OptionSpec {
  type?: 'string' | 'number' | 'boolean';
  alias?: string;
  choices?: readonly string[];
  default?: unknown;
  array?: boolean;
  demandOption?: boolean;
  requiresArg?: boolean;
  describe?: string;
}

export interface VerbOptions {
  /** The verb's words after the verb itself: none, exactly one, or one or more (array). */
  positional?: { name: string; array?: boolean; describe: string };
  options: Record<string, OptionSpec>;
}

export function declare(y: Argv, spec: VerbOptions): Argv {
  let out = y;
  const p = spec.positional;
  if (p) out = out.positional(p.name, { type: 'string', array: p.array, describe: p.describe });
  for (const [name, o] of Object.entries(spec.options)) out = out.option(name, o as Options);
  return out;
}

/** How yargs reads every command line: `-m a b` gives -m one value (repeat -m or use a comma list), so
 * `replay -m xen-4.7 t.msixtrace` names a trace, not a second model. */
export const YARGS_CONFIG = { 'greedy-arrays': false } as const;

const PLAIN_NUMBER = /^[0-9]{1,15}(\.[0-9]{1,15})?$/;

/**
 * The handler's arguments for a plain command line of `verb` (argv[0] is the verb; '-' already
 * mapped to the stdin path), or null when the line is not plain: then yargs reads it and gives
 * either the same arguments or its usual error. Plain means: known options, each given once (array
 * options may repeat) as `--name value`, `--name=value` or `-a value`; booleans only as `--name`;
 * values that do not start with '-' and fit the option's type and choices; the verb's number of
 * positionals; every demanded option present. Array options take one value per flag, as yargs
 * does with YARGS_CONFIG.
 */
export function parseDirect(argv: string[], verb: string, spec: VerbOptions): Record<string, unknown> | null {
  if (argv[0] !== verb) return null;
  const byFlag = new Map<string, string>();
  for (const [name, o] of Object.entries(spec.options)) {
    byFlag.set(`--${name}`, name);
    if (o.alias) byFlag.set(o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`, name);
  }
  const out: Record<string, unknown> = {};
  const words: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) {
      words.push(a);
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = byFlag.get(eq > 0 ? a.slice(0, eq) : a);
    if (name === undefined) return null;
    const o = spec.options[name];
    if (out[name] !== undefined && !o.array) return null;
    if (o.type === 'boolean') {
      if (eq > 0) return null;
      out[name] = true;
      continue;
    }
    const raw = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined || raw === '' || raw.startsWith('-')) return null;
    if (o.choices && !o.choices.includes(raw)) return null;
    let value: unknown = raw;
    if (o.type === 'number') {
      if (!PLAIN_NUMBER.test(raw)) return null;
      value = Number(raw);
    }
    if (o.array) {
      out[name] = [...((out[name] as unknown[] | undefined) ?? []), value];
    } else {
      out[name] = value;
    }
  }
  const p = spec.positional;
  if (!p) {
    if (words.length) return null;
  } else if (p.array) {
    if (!words.length) return null;
    out[p.name] = words;
  } else {
    if (words.length !== 1) return null;
    out[p.name] = words[0];
  }
  for (const [name, o] of Object.entries(spec.options)) {
    if (out[name] === undefined) {
      if (o.demandOption) return null;
      if (o.default !== undefined) out[name] = o.default;
    }
  }
  return out;
}
