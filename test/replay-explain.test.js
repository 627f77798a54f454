// replay --explain writes its NDJSON natively (native/replay/explain.c) from the pipeline's
// decision bytes. Each line must be byte for byte what the JavaScript line had been, built here
// from the per-event reference (test/helpers/decisions.js: the column feed, not the pipeline): on a
// real recording with every model, and on a random trace with what the formatter treats specially
// (negative and huge guests and vCPUs, the PBA, 64-bit values, large timestamps, every size).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync, NODE_FLAGS } = require('./helpers/cli');
const { eachDecision } = require('./helpers/decisions');
const { FIELD_NAMES, fieldOf } = require('../dist/events.js');
const { native } = require('../dist/native/binding.js');
const { modelNames } = require('../dist/replay/model.js');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-explain-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const OUTCOME = ['absorbed', 'forwarded', 'both'];

function referenceLines(file, shownAs, models) {
  const lines = [];
  eachDecision(file, models, 'cold', (model, b, i, d, index) => {
    const field = FIELD_NAMES[fieldOf(b.region[i], b.offset[i])];
    const entry = b.region[i] === 1 ? null : Math.floor(b.offset[i] / 16);
    lines.push(JSON.stringify({
      trace: shownAs, model, index, ts_ns: b.ts[i], guest: b.guest[i], vcpu: b.vcpu[i], device: b.device[i],
      region: b.region[i] === 1 ? 'pba' : 'table', offset: b.offset[i], entry, field, size: b.size[i],
      dir: b.dir[i] === 1 ? 'w' : 'r', value: b.valueHex(i), outcome: OUTCOME[d & 3] ?? 'invalid',
      guest_crash: (d & 4) !== 0, reason: native().msx_reason_text(d >> 3),
    }));
  });
  return lines;
}

function explain(file, models) {
  const r = runCliSync(['replay', file, '--explain', ...models.flatMap((m) => ['-m', m])], { cwd: ROOT });
  assert.equal(r.code, 0, r.err);
  return r.out.split('\n').slice(0, -1);
}

test('--explain of a real recording, every model, equals the per-event reference line by line', () => {
  const file = 'traces/qemu-7.2-linux-6.1-nvme-io-hotplug/trace.msixtrace';
  const models = modelNames();
  const got = explain(file, models);
  const want = referenceLines(path.join(ROOT, file), file, models);
  assert.ok(want.length > 1000, `${want.length} lines`);
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `line ${i + 1}`);
});

test('--explain of a random trace with odd values and a name that needs escaping equals the reference', () => {
  const file = path.join(tmp, 'odd "name"\\x.msixtrace');
  let s = 9;
  const rnd = (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor(((s >>> 8) / (1 << 24)) * n);
  };
  const devs = [
    device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 9, pbaGpa: 0xfebc0800n }),
    device({ index: 1, tableGpa: 0xfe000000n, tableEntries: 2048, pbaGpa: 0xfe010000n }),
  ];
  const w = new TraceWriter(file, { sourceFormat: 'test', devices: devs }, 3000);
  let ts = 2 ** 52;
  for (let i = 0; i < 20000; i++) {
    const dev = rnd(2);
    const region = rnd(6) === 0 ? 1 : 0;
    const offset = region ? 8 * rnd(4) : rnd(dev ? 2100 : 12) * 16 + [0, 4, 8, 12, 3][rnd(5)];
    ts += rnd(4) === 0 ? rnd(5e7) : rnd(3000);
    w.push(ts, [0, -5, 2147483647, -2147483648][rnd(4)], [0, -1, 2147483647, 70000][rnd(4)], dev, region, offset,
      [1, 2, 4, 8][rnd(4)], rnd(2), rnd(3) === 0 ? 0 : (rnd(2 ** 32)) >>> 0, rnd(3) === 0 ? (rnd(2 ** 32) >>> 0) : 0);
  }
  w.finish();
  const models = ['xen-4.7', 'xen-vpci', 'xen-4.19'];
  const got = explain(file, models);
  const want = referenceLines(file, file, models);
  assert.equal(got.length, 60000);
  for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `line ${i + 1}`);
});

test('--explain into a pipe nobody reads waits without spinning, then finishes; a closed pipe ends it quietly', { skip: !fs.existsSync('/proc/self/stat') && 'no /proc' }, async () => {
  const { spawn } = require('child_process');
  const { BIN } = require('./helpers/cli');
  const file = path.join(ROOT, 'traces/qemu-7.2-linux-6.1-nvme-io-hotplug/trace.msixtrace');
  const cpuSecs = (pid) => {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  };
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'replay', file, '-m', 'all', '--explain'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pause(); // the pipe fills (64 KiB) and stays full
  await new Promise((r) => setTimeout(r, 1500));
  const before = cpuSecs(child.pid);
  await new Promise((r) => setTimeout(r, 1500));
  const idle = cpuSecs(child.pid) - before;
  assert.ok(idle < 0.3, `used ${idle} CPU s while its reader was away`);
  let lines = 0;
  child.stdout.on('data', (d) => { for (const c of d) if (c === 10) lines++; });
  child.stdout.resume();
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 0);
  assert.equal(lines, referenceLines(file, file, modelNames()).length);

  const head = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" replay "${file}" -m all --explain | head -1 >/dev/null`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  head.stderr.on('data', (d) => (err += d));
  assert.equal(await new Promise((r) => head.on('close', r)), 0);
  assert.equal(err, '');
});
