// Every README example runs as written. The README's convention: in fenced ```sh blocks, each line
// that starts with `msixtrace ` is a command to run (other lines, such as `npm install`, are not).
// A command may continue on following lines ending in `\`. It must exit 0 unless the line carries a
// trailing comment `# exits N` (or the next line is just that comment), which makes N the expected
// exit code. Lines run through sh, in README order, block by block, in one temporary working
// directory where `traces` links to the repository's traces/ (so later commands see the files that
// earlier ones wrote), with `msixtrace` on PATH as this checkout's bin/msixtrace.
// Also: the model table between <!-- models:begin --> and <!-- models:end --> equals
// `msixtrace models --format markdown` (skipped while the markers are absent).
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const README = path.join(ROOT, 'README.md');
const TIMEOUT_MS = 180_000;

/** [{block, line, cmd, expect}] for the `msixtrace ` lines of the README's ```sh blocks. */
function readmeCommands(text) {
  const out = [];
  const lines = text.split('\n');
  let block = 0;
  let inSh = false;
  let fence = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = line.match(/^\s*(`{3,}|~{3,})\s*([\w-]*)/);
    if (fence === null && open) {
      fence = open[1];
      inSh = ['sh', 'bash', 'shell'].includes(open[2].toLowerCase());
      if (inSh) block++;
      continue;
    }
    if (fence !== null && line.trim().startsWith(fence[0].repeat(fence.length)) && line.trim().replace(/[`~]/g, '') === '') {
      fence = null;
      inSh = false;
      continue;
    }
    if (!inSh || !line.startsWith('msixtrace ')) continue;
    const start = i;
    let cmd = line;
    while (/\\$/.test(cmd) && i + 1 < lines.length) cmd = cmd.slice(0, -1) + ' ' + lines[++i].trim();
    let expect = 0;
    const trailing = cmd.match(/#\s*exits\s+(\d+)\s*$/);
    const next = lines[i + 1] !== undefined ? lines[i + 1].match(/^\s*#\s*exits\s+(\d+)\s*$/) : null;
    if (trailing) expect = Number(trailing[1]);
    else if (next) expect = Number(next[1]);
    out.push({ block, line: start + 1, cmd, expect });
  }
  return out;
}

const readme = fs.readFileSync(README, 'utf8');
const commands = readmeCommands(readme);

test('the README parser finds commands, continuations and expected exit codes', () => {
  const sample = [
    '```sh', 'npm install     # not ours', 'msixtrace models', 'msixtrace check a \\', '  b --baseline c.json   # exits 1',
    '# a comment', 'msixtrace dump t.msixtrace | head -3', 'msixtrace replay missing.msixtrace', '# exits 2', '```',
    'msixtrace outside-a-block', '```json', 'msixtrace in-json', '```', '```sh', 'msixtrace second-block', '```',
  ].join('\n');
  assert.deepEqual(readmeCommands(sample), [
    { block: 1, line: 3, cmd: 'msixtrace models', expect: 0 },
    { block: 1, line: 4, cmd: 'msixtrace check a  b --baseline c.json   # exits 1', expect: 1 },
    { block: 1, line: 7, cmd: 'msixtrace dump t.msixtrace | head -3', expect: 0 },
    { block: 1, line: 8, cmd: 'msixtrace replay missing.msixtrace', expect: 2 },
    { block: 2, line: 16, cmd: 'msixtrace second-block', expect: 0 },
  ]);
});

test(`README.md: ${commands.length} msixtrace example command(s) run as written`, async (t) => {
  if (commands.length === 0) {
    t.diagnostic('README.md has no `msixtrace ` lines in ```sh blocks yet');
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-readme-'));
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  fs.symlinkSync(path.join(ROOT, 'traces'), path.join(work, 'traces'), 'dir');
  // `msixtrace` on PATH as npm installs it: a symlink to this checkout's bin/msixtrace (the sh
  // wrapper), which runs the `node` found first on PATH: this one.
  const binDir = path.join(work, '.bin');
  fs.mkdirSync(binDir);
  fs.symlinkSync(path.join(ROOT, 'bin', 'msixtrace'), path.join(binDir, 'msixtrace'));
  const env = { ...process.env, PATH: `${binDir}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` };
  delete env.NODE_TEST_CONTEXT;

  for (const c of commands) {
    await t.test(`README.md:${c.line} (block ${c.block}): ${c.cmd}`, () => {
      const r = spawnSync('sh', ['-c', c.cmd], { cwd: work, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS, maxBuffer: 256 << 20 });
      assert.equal(r.error, undefined, `${c.cmd}: ${r.error && r.error.message}`);
      assert.equal(r.status, c.expect,
        `README.md line ${c.line}: \`${c.cmd}\` exited ${r.status}${r.signal ? ` (${r.signal})` : ''}, expected ${c.expect}\n` +
        `stderr:\n${r.stderr.slice(-4000)}\nstdout:\n${r.stdout.slice(-2000)}`);
    });
  }
});

test('README.md model table = msixtrace models --format markdown', (t) => {
  const begin = readme.indexOf('<!-- models:begin -->');
  const end = readme.indexOf('<!-- models:end -->');
  if (begin < 0 || end < 0) {
    t.skip('README.md has no <!-- models:begin --> / <!-- models:end --> markers yet');
    return;
  }
  assert.ok(end > begin, 'models:end comes before models:begin');
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'models', '--format', 'markdown'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const norm = (s) => s.split('\n').map((l) => l.trimEnd()).join('\n').trim();
  assert.equal(norm(readme.slice(begin + '<!-- models:begin -->'.length, end)), norm(r.stdout),
    'README model table is stale: paste `msixtrace models --format markdown` between the markers');
});
