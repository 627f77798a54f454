// `msixtrace models`: the model list, checked against what the native library implements.
import type { Argv } from 'yargs';
import { CATALOG } from '../replay/catalog';
import { modelNames } from '../replay/model';
import { Out } from '../util/out';
import { examples } from './examples';
import { declare, VerbOptions } from './options';

export const command = 'models';
export const describe = 'list the interception models: name, Xen releases, commit ids, behaviour';
export const options: VerbOptions = {
  options: {
    format: { choices: ['table', 'json', 'markdown'] as const, default: 'table' },
  },
};

export function builder(y: Argv): Argv {
  return examples(declare(y, options), [
    ['msixtrace models', 'one line per model'],
    ['msixtrace models --format markdown', 'the README model table'],
  ]).epilog('The rules behind each model, table by table: docs/models.md in the msixtrace package.');
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  const implemented = new Set(modelNames());
  const rows = CATALOG.filter((m) => implemented.has(m.name));
  const out = new Out();
  if (argv.format === 'json') {
    out.line(JSON.stringify(rows.map((m) => ({ model: m.name, aliases: m.aliases, variants: m.variants, releases: m.releases, commits: m.commits, behaviour: m.behaviour }))));
  } else if (argv.format === 'markdown') {
    out.line('| model | Xen releases | commits | behaviour |');
    out.line('|---|---|---|---|');
    for (const m of rows) {
      const name = m.aliases.length ? `\`${m.name}\` (\`${m.aliases.join('`, `')}\`)` : `\`${m.name}\``;
      out.line(`| ${name} | ${m.releases} | ${m.commits.map((c) => `\`${c}\``).join(' ')} | ${m.behaviour} |`);
    }
  } else {
    const w = Math.max(...rows.map((m) => m.name.length));
    const rw = Math.max(...rows.map((m) => m.releases.length));
    for (const m of rows) {
      out.line(`${m.name.padEnd(w)}  ${m.releases.padEnd(rw)}  ${m.commits.join(',')}`);
      out.line(`${''.padEnd(w)}  ${m.behaviour}`);
    }
  }
  out.flush();
}
