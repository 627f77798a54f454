// `msixtrace completion [bash|zsh]`: a shell completion script. The script asks
// `msixtrace __complete WORD...` (the words after `msixtrace`, the last one being completed) for the
// candidates, which come from each verb's option table: verbs, option names, option choices, model
// names after -m / --compare, and "__files__" where a file name goes (the shell completes those).
// Only the verb being completed is loaded, and no native code: a completion must be instant.
import * as path from 'path';
import type { Argv } from 'yargs';
import { UserError } from '../errors';
import { CATALOG } from '../replay/catalog';
import { Out } from '../util/out';
import { examples } from './examples';
import { declare, OptionSpec, VerbOptions } from './options';
import { VERBS } from './verbs';

export const command = 'completion [shell]';
export const describe = 'print a bash or zsh completion script (see --help for how to install it)';
export const options: VerbOptions = {
  positional: { name: 'shell', describe: 'bash or zsh (default: the one $SHELL names, else bash)' },
  options: {},
};

export function builder(y: Argv): Argv {
  return examples(declare(y, options), [
    ['msixtrace completion bash >> ~/.bashrc', 'bash: complete msixtrace in new shells'],
    ['msixtrace completion zsh >> ~/.zshrc', 'zsh: the same (it runs compinit if ~/.zshrc did not)'],
  ]);
}

/** The marker that asks the shell to complete a file name. */
export const FILES = '__files__';

const BASH = `###-begin-msixtrace-completions-###
# msixtrace completion for bash: msixtrace completion bash >> ~/.bashrc
_msixtrace_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' cands
  cands=$(msixtrace __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  if [ "$cands" = "${FILES}" ]; then
    COMPREPLY=()
  else
    COMPREPLY=( $(compgen -W "$cands" -- "$cur") )
  fi
}
complete -o bashdefault -o default -F _msixtrace_complete msixtrace
###-end-msixtrace-completions-###
`;

const ZSH = `#compdef msixtrace
# msixtrace completion for zsh: source it from ~/.zshrc, or save it as _msixtrace in a folder of $fpath.
_msixtrace() {
  local -a cands
  cands=("\${(@f)$(msixtrace __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  cands=(\${cands:#})
  if [[ "\${cands[1]}" == ${FILES} ]]; then
    _files
  elif (( \${#cands} )); then
    compadd -Q -S '' -- "\${cands[@]}"
  fi
}
if [[ "\${funcstack[1]}" == _msixtrace ]]; then
  _msixtrace "$@"
else
  (( \${+functions[compdef]} )) || { autoload -Uz compinit && compinit -u; }
  compdef _msixtrace msixtrace
fi
`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function handler(argv: any): void {
  const shell = argv.shell ?? (path.basename(process.env.SHELL ?? '') === 'zsh' ? 'zsh' : 'bash');
  if (shell !== 'bash' && shell !== 'zsh') throw new UserError(`completion: no script for '${shell}' (bash or zsh)`);
  const out = new Out();
  out.write(shell === 'zsh' ? ZSH : BASH);
  out.flush();
}

const MODEL_WORDS = (): string[] => [...CATALOG.flatMap((m) => [m.name, ...m.aliases]), 'all'];

function flags(spec: VerbOptions): string[] {
  const out: string[] = [];
  for (const [name, o] of Object.entries(spec.options)) {
    out.push(`--${name}`);
    if (o.alias) out.push(o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`);
  }
  return [...out, '--help'];
}

function optionOf(spec: VerbOptions, word: string): [string, OptionSpec] | null {
  for (const [name, o] of Object.entries(spec.options)) {
    if (word === `--${name}` || (o.alias && (word === `-${o.alias}` || word === `--${o.alias}`))) return [name, o];
  }
  return null;
}

/** Candidates for the last of `words` (the words after `msixtrace`), filtered by its prefix. */
export function candidates(words: string[]): string[] {
  const cur = words[words.length - 1] ?? '';
  const match = (list: string[]): string[] => list.filter((w) => w.startsWith(cur));
  if (words.length <= 1) return match([...VERBS, '--help', '--version']);
  const verb = words[0];
  if (!(VERBS as readonly string[]).includes(verb)) return [];
  if (verb === 'completion') return match(['bash', 'zsh', '--help']);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const spec = (require(`./${verb}`) as { options: VerbOptions }).options;
  const prev = words[words.length - 2];
  const opt = optionOf(spec, prev);
  if (opt && opt[1].type !== 'boolean') {
    const [name, o] = opt;
    if (name === 'model' || name === 'compare') {
      // A comma list: complete the part after the last comma.
      const comma = cur.lastIndexOf(',');
      const head = comma >= 0 ? cur.slice(0, comma + 1) : '';
      const list = name === 'compare' ? MODEL_WORDS().filter((m) => m !== 'all') : MODEL_WORDS();
      return match(list.map((m) => head + m));
    }
    if (o.choices) return match([...o.choices]);
    return [FILES];
  }
  if (cur.startsWith('-')) return match(flags(spec));
  return spec.positional ? [FILES] : match(flags(spec));
}

/** `msixtrace __complete WORD...`: one candidate per line. */
export function complete(words: string[]): void {
  const out = new Out();
  for (const c of candidates(words)) out.line(c);
  out.flush();
}
