// Every example in every verb's --help (and the top-level --help) runs as printed, as
// test/readme-examples.test.js runs the README's: commands in order, in a copy of the recording
// folder the help names, with msixtrace on PATH. Each command and comment fits an 80-column
// terminal on one line, so nothing wraps in the middle of a command.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { runCliSync } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-help-examples-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const bin = path.join(tmp, 'bin');
fs.mkdirSync(bin);
fs.symlinkSync(path.join(ROOT, 'bin', 'msixtrace'), path.join(bin, 'msixtrace'));

/** The examples section of a help text: [{ what, cmd }], and the folder it names. */
function examplesOf(help) {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Examples, to paste in order'));
  if (at < 0) return null;
  const folder = /\(such as (\S+) in the source\):/.exec(lines[at + 1])[1];
  const out = [];
  for (let i = at + 2; i < lines.length && lines[i].startsWith('  '); i++) {
    assert.ok(lines[i].length <= 78, `longer than an 80-column screen: ${lines[i]}`);
    if (lines[i].startsWith('  # ')) out.push({ what: lines[i].slice(4), cmd: null });
    else out[out.length - 1].cmd = lines[i].slice(2);
  }
  return { folder, list: out };
}

const VERBS = ['', 'capture', 'replay', 'report', 'check', 'dump', 'models', 'synth', 'completion'];

for (const verb of VERBS) {
  test(`msixtrace ${verb || ''} --help: every example runs as printed`.replace('  ', ' '), (t) => {
    const help = runCliSync([...(verb ? [verb] : []), '--help']);
    assert.equal(help.code, 0, help.err);
    const ex = examplesOf(help.out);
    assert.ok(ex && ex.list.length > 0, `no examples in ${verb} --help`);
    // A fresh copy of the named recording folder inside a traces/ folder with the bundled baseline.
    const work = fs.mkdtempSync(path.join(tmp, `${verb || 'top'}-`));
    const src = path.join(ROOT, ex.folder);
    assert.ok(fs.existsSync(src), `the help names ${ex.folder}, which does not exist`);
    const dir = path.join(work, ex.folder);
    fs.cpSync(src, dir, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'traces', 'baseline.json'), path.join(path.dirname(dir), 'baseline.json'));
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    const hasJq = spawnSync('jq', ['--version']).status === 0;
    for (const { what, cmd } of ex.list) {
      assert.ok(cmd, `example without a command: ${what}`);
      if (/\| jq /.test(cmd) && !hasJq) {
        t.diagnostic(`skipped (jq is not installed): ${cmd}`);
        continue;
      }
      const r = spawnSync('sh', ['-c', cmd], {
        cwd: dir, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: home },
      });
      assert.equal(r.status, 0, `${cmd}\n${r.stderr}`);
      assert.ok(r.stdout.length > 0 || /[>]|-o |--html|--update|--junit/.test(cmd), `${cmd}: no output`);
    }
  });
}

test('the completion examples append to the shell start-up files', () => {
  // (They ran above with HOME in the work folder; here, that they name the right files.)
  const ex = examplesOf(runCliSync(['completion', '--help']).out);
  assert.deepEqual(ex.list.map((e) => e.cmd), ['msixtrace completion bash >> ~/.bashrc', 'msixtrace completion zsh >> ~/.zshrc']);
});
