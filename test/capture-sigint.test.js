// Ctrl-C during a live capture from a pipe that stays open: the capture stops reading, writes what
// it read as a complete trace whose footer says interrupted, and exits 0 (like `perf record`).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { TraceReader } = require('../dist/tracefile/reader.js');

const BIN = path.resolve(__dirname, '..', 'bin', 'msixtrace.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-capture-sigint-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const { line, sleep, until } = require('./helpers/live-capture');

function start(out, args = []) {
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'capture', '-', '--table', '0xfebc0000:5', '-o', out, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  // A failing test must not leave the capture waiting on its open stdin forever.
  const cleanup = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child.stdin.destroy();
  };
  return { child, exited, stderr: () => stderr, cleanup };
}

// The writer's temporary file appears beside the output at the first kept access: from then on
// the capture has read those lines and its Ctrl-C handler is in place.
const tmpFileOf = (out) => () => fs.readdirSync(path.dirname(out)).some((f) => f.startsWith('.msx-') && f.endsWith('.tmp'));

test('SIGINT on a live pipe: exit 0, a valid trace with the lines so far, footer interrupted=true', async (t) => {
  const out = path.join(tmp, 'live.msixtrace');
  const { child, exited, stderr, cleanup } = start(out, ['-f', 'qemu-log']);
  t.after(cleanup);
  child.stdin.write(Array.from({ length: 7 }, (_, i) => line(i)).join(''));
  await until('the first access', tmpFileOf(out));
  await sleep(100);
  child.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 0, stderr());
  assert.match(stderr(), /interrupted: .*holds the 7 accesses read before Ctrl-C/);
  const r = new TraceReader(out);
  let events = 0;
  for (const b of r.batches()) events += b.n;
  assert.equal(events, 7);
  assert.equal(r.footer.interrupted, true);
  assert.equal(r.footer.events, 7);
  const d = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'dump', out], { encoding: 'utf8' });
  assert.equal(d.status, 0);
  assert.equal(d.stdout.trim().split('\n').length, 7);
});

test('SIGINT with format auto-detection still waiting for lines: detects from what it has', async (t) => {
  const out = path.join(tmp, 'auto.msixtrace');
  const { child, exited, stderr, cleanup } = start(out);
  t.after(cleanup);
  child.stdin.write(line(1) + line(2));
  // Detection waits for 50 lines, so nothing is written yet: wait for the process to be up.
  await sleep(1500);
  child.kill('SIGINT');
  const { code, signal } = await exited;
  if (signal === 'SIGINT') return; // the machine was too slow to install the handler in 1.5 s
  assert.equal(code, 0, stderr());
  const d = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'dump', out], { encoding: 'utf8' });
  assert.equal(d.stdout.trim().split('\n').length, 2);
});
