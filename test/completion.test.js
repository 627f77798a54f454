// `msixtrace completion`: help with --help, a bash and a zsh script, model names after -m. The zsh
// script is exercised in a real interactive zsh (zsh/zpty): TAB on a typed line completes it.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { runCliSync, NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-completion-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const run = (args, env) => runCliSync(args, { env: { ...process.env, ...env } });
const cands = (...words) => run(['__complete', ...words]).out.trim().split('\n').filter(Boolean);

test('completion --help prints help, not a script; an unknown shell is one line, exit 2', () => {
  const r = run(['completion', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^msixtrace completion \[shell\]/);
  assert.match(r.out, /msixtrace completion zsh >> ~\/\.zshrc/);
  assert.doesNotMatch(r.out, /compdef|complete -o/);
  const bad = run(['completion', 'fish']);
  assert.equal(bad.code, 2);
  assert.equal(bad.err, "msixtrace: completion: no script for 'fish' (bash or zsh)\n");
});

test('completion zsh is a zsh script, completion bash a bash one; $SHELL picks the default', () => {
  const zsh = run(['completion', 'zsh']).out;
  const bash = run(['completion', 'bash']).out;
  assert.match(zsh, /^#compdef msixtrace\n/);
  assert.match(zsh, /compdef _msixtrace msixtrace/);
  assert.match(bash, /complete -o bashdefault -o default -F _msixtrace_complete msixtrace/);
  assert.equal(run(['completion'], { SHELL: '/usr/bin/zsh' }).out, zsh);
  assert.equal(run(['completion'], { SHELL: '/bin/bash' }).out, bash);
});

test('candidates: verbs, options, choices, model names after -m and --compare, files for traces', () => {
  assert.deepEqual(cands('re'), ['record', 'replay', 'report']);
  const models = cands('replay', 't.msixtrace', '-m', '');
  assert.deepEqual(models, ['forward-all', 'kvm', 'xen-3.4', 'xen-4.1', 'xen-4.2', 'xen-4.4', 'xen-4.6', 'xen-4.7', 'xen-4.19', 'xen-vpci', 'all']);
  assert.deepEqual(cands('check', 't', '--model', 'xen-4.1'), ['xen-4.1', 'xen-4.19']);
  assert.deepEqual(cands('replay', 't', '--compare', 'xen-4.1,xen-4.1'), ['xen-4.1,xen-4.1', 'xen-4.1,xen-4.19']);
  assert.deepEqual(cands('replay', 't', '--format', 'c'), ['csv']);
  assert.ok(cands('replay', 't', '--').includes('--compare'));
  assert.deepEqual(cands('replay', ''), ['__files__']);
  assert.deepEqual(cands('completion', ''), ['bash', 'zsh', '--help']);
});

/** Types `line` and TAB into an interactive zsh that sourced the script; the screen text after it. */
function zshComplete(line) {
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.rmSync(path.join(bin, 'msixtrace'), { force: true });
  fs.symlinkSync(path.join(ROOT, 'bin', 'msixtrace'), path.join(bin, 'msixtrace'));
  const script = `
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="%% "; PATH=${bin}:$PATH; autoload -Uz compinit; compinit -u -D; source <(msixtrace completion zsh)'
zpty -w -n z ${JSON.stringify(line)}$'\\t'
out=""
for i in {1..100}; do
  while zpty -r -t z chunk; do out+=$chunk; done
  [[ $out == *DONE* ]] && break
  sleep 0.1
  (( i == 40 )) && zpty -w z $'\\n'echo DONE
done
print -r -- "$out"
zpty -d z
`;
  const r = spawnSync('zsh', ['-f', '-c', script], { encoding: 'utf8', timeout: 30_000, cwd: tmp, env: { ...process.env, HOME: tmp } });
  // The last drawn command line, without terminal control sequences.
  return r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/.\x08/g, '');
}

test('in zsh, TAB completes model names after -m and option values', (t) => {
  if (spawnSync('zsh', ['--version']).status !== 0) {
    t.skip('zsh is not installed (apt-get install zsh)');
    return;
  }
  assert.match(zshComplete('msixtrace replay t.msixtrace -m xen-v'), /msixtrace replay t\.msixtrace -m xen-vpci/);
  assert.match(zshComplete('msixtrace replay t.msixtrace --fo'), /msixtrace replay t\.msixtrace --format/);
  assert.match(zshComplete('msixtrace replay t.msixtrace --compare xen-4.1,xen-v'), /--compare xen-4\.1,xen-vpci/);
});

test('in bash, the script completes model names after -m', (t) => {
  const script = `source <(node ${NODE_FLAGS.join(' ')} ${JSON.stringify(path.join(ROOT, 'bin', 'msixtrace.js'))} completion bash)
msixtrace() { node ${NODE_FLAGS.join(' ')} ${JSON.stringify(path.join(ROOT, 'bin', 'msixtrace.js'))} "$@"; }
COMP_WORDS=(msixtrace replay t.msixtrace -m xen-4.1); COMP_CWORD=4
_msixtrace_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  if (r.error) {
    t.skip('bash is not installed');
    return;
  }
  assert.deepEqual(r.stdout.trim().split('\n'), ['xen-4.1', 'xen-4.19']);
});
