// Signals on a live capture from a pipe that stays open: SIGTERM and SIGHUP finish it as a first
// Ctrl-C does (a complete trace, footer interrupted); a second signal aborts, exit 130, and leaves
// the previous output; SIGKILL leaves a temporary that the next run removes.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawn } = require('child_process');
const { TraceReader } = require('../dist/tracefile/reader.js');
const { BIN, NODE_FLAGS } = require('./helpers/cli');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-signals-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const { line, sleep, until } = require('./helpers/live-capture');

const tempsOf = (dir) => fs.readdirSync(dir).filter((f) => /^\.msx-\d+-.*\.tmp$/.test(f));

/**
 * A capture reading a pipe that stays open, with `n` lines already written; resolves once its
 * output's temporary exists. gzip: the lines go through a gzip stream, flushed but not ended (a
 * live `trace_pipe | gzip`-like source).
 */
async function live(t, out, n = 7, gzip = false) {
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'capture', '-', '-f', 'qemu-log', '--table', '0xfebc0000:5', '-o', out], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdin.on('error', () => {}); // EPIPE once the capture has stopped reading
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child.stdin.destroy();
  });
  const text = Array.from({ length: n }, (_, i) => line(i)).join('');
  if (gzip) {
    const gz = zlib.createGzip();
    gz.pipe(child.stdin);
    gz.write(text);
    gz.flush(zlib.constants.Z_SYNC_FLUSH);
  } else {
    child.stdin.write(text);
  }
  // The temporary appears at the first kept access: the lines are read and the handlers are in place.
  await until('the first access', () => tempsOf(path.dirname(out)).some((f) => f.startsWith(`.msx-${child.pid}-`)));
  await sleep(100);
  return { child, exited, stderr: () => stderr };
}

function events(file) {
  const r = new TraceReader(file);
  let n = 0;
  for (const b of r.batches()) n += b.n;
  return { n, footer: r.footer };
}

for (const sig of ['SIGTERM', 'SIGHUP']) {
  test(`${sig} on a live pipe capture finishes the file as Ctrl-C does`, async (t) => {
    const dir = fs.mkdtempSync(path.join(tmp, `${sig}-`));
    const out = path.join(dir, 'live.msixtrace');
    const { child, exited, stderr } = await live(t, out);
    child.kill(sig);
    const { code } = await exited;
    assert.equal(code, 0, stderr());
    assert.match(stderr(), new RegExp(`interrupted \\(${sig}\\)`));
    assert.match(stderr(), new RegExp(`holds the 7 accesses read before ${sig}`));
    const { n, footer } = events(out);
    assert.equal(n, 7);
    assert.equal(footer.interrupted, true);
    assert.deepEqual(tempsOf(dir), []);
  });
}

test('a live gzip stream: the lines inflated so far are captured without waiting for more (SIGTERM then)', async (t) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'gzip-'));
  const out = path.join(dir, 'live.msixtrace');
  const { child, exited, stderr } = await live(t, out, 7, true);
  child.kill('SIGTERM');
  const { code } = await exited;
  assert.equal(code, 0, stderr());
  assert.match(stderr(), /holds the 7 accesses read before SIGTERM/);
  const { n, footer } = events(out);
  assert.equal(n, 7);
  assert.equal(footer.interrupted, true);
});

test('SIGKILL leaves the previous output and a temporary; the next run removes that temporary', async (t) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'kill-'));
  const out = path.join(dir, 'live.msixtrace');
  fs.writeFileSync(out, 'previous');
  const { child, exited } = await live(t, out);
  const pid = child.pid;
  child.kill('SIGKILL');
  assert.equal((await exited).signal, 'SIGKILL');
  assert.equal(fs.readFileSync(out, 'utf8'), 'previous');
  assert.equal(tempsOf(dir).length, 1);
  assert.ok(tempsOf(dir)[0].startsWith(`.msx-${pid}-`));
  // The next capture into the same folder (pid now dead) removes it.
  const next = spawn(process.execPath, [...NODE_FLAGS, BIN, 'capture', '-', '-f', 'qemu-log', '--table', '0xfebc0000:5', '-o', path.join(dir, 'other.msixtrace')], { stdio: ['pipe', 'ignore', 'ignore'] });
  next.stdin.end(line(1) + line(2));
  assert.equal(await new Promise((r) => next.on('exit', r)), 0);
  assert.deepEqual(tempsOf(dir), []);
  assert.equal(fs.readFileSync(out, 'utf8'), 'previous');
  assert.equal(events(path.join(dir, 'other.msixtrace')).n, 2);
});

// SIGSTOP holds both signals until SIGCONT, so they arrive together whatever the load: the second
// one is always handled before the finish starts. (Two of the same kind would merge into one there.)
for (const [first, second] of [['SIGINT', 'SIGTERM'], ['SIGTERM', 'SIGINT'], ['SIGINT', 'SIGHUP']]) {
  test(`a second signal (${first}, then ${second}) before the output is in place aborts: exit 130, the previous output stays`, async (t) => {
    const dir = fs.mkdtempSync(path.join(tmp, `twice-${first}-${second}-`));
    const out = path.join(dir, 'live.msixtrace');
    fs.writeFileSync(out, 'previous');
    const { child, exited, stderr } = await live(t, out);
    child.kill('SIGSTOP');
    child.kill(first);
    child.kill(second);
    child.kill('SIGCONT');
    const { code } = await exited;
    await sleep(50);
    assert.equal(code, 130, stderr());
    assert.match(stderr(), /aborted: no output written/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'previous');
    assert.deepEqual(tempsOf(dir), []);
  });
}

// Two Ctrl-C a moment apart: whichever wins the race with the rename, the exit status tells the
// truth: 130 (or death by SIGINT) and the previous output, or 0 and the complete new one. Never 130
// after the file was replaced, never 0 with nothing written.
test('a second Ctrl-C a moment after the first: the exit status matches what is on disk', async (t) => {
  for (const gapMs of [0, 5, 20]) {
    const dir = fs.mkdtempSync(path.join(tmp, `ctrlc-${gapMs}-`));
    const out = path.join(dir, 'live.msixtrace');
    fs.writeFileSync(out, 'previous');
    const { child, exited, stderr } = await live(t, out, 20000);
    child.kill('SIGINT');
    if (gapMs) await sleep(gapMs);
    child.kill('SIGINT');
    const { code, signal } = await exited;
    await sleep(50);
    const now = fs.readFileSync(out);
    if (code === 0) {
      assert.equal(events(out).footer.interrupted, true, stderr());
    } else {
      assert.ok(code === 130 || signal === 'SIGINT', `exit ${code} signal ${signal}: ${stderr()}`);
      assert.equal(now.toString(), 'previous', `gap ${gapMs} ms: exit ${code} ${signal} but the output was replaced`);
    }
  }
});
