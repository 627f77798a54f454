// Traces that begin mid-run: the replay note, --start auto, on the real recordings whole and cut.
// A cut recording drops the first k events, as if tracing had started there; the whole trace's
// replay says what the models really decide for the events after k (test/helpers/start-cuts.js).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');
const { evaluateCuts, readAll } = require('./helpers/start-cuts');

const ROOT = path.resolve(__dirname, '..');
const TRACES = path.join(ROOT, 'traces');
const CORPUS = fs.readdirSync(TRACES).filter((d) => d.startsWith('qemu-')).map((d) => path.join(TRACES, d));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-start-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const { replayTrace } = require(path.join(ROOT, 'dist', 'replay', 'engine.js'));
const { modelNames } = require(path.join(ROOT, 'dist', 'replay', 'model.js'));

test('whole recordings: no mid-run note, and --start auto replays them cold', () => {
  for (const dir of CORPUS) {
    const t = path.join(dir, 'trace.msixtrace');
    const cold = replayTrace(t, { models: modelNames(), start: 'cold' });
    assert.equal(cold.startNote, null, dir);
    const auto = replayTrace(t, { models: modelNames(), start: 'auto' });
    assert.ok(auto.results.every((r) => r.device_starts.every((s) => s === 'cold')), dir);
    assert.deepEqual(auto.results.map((r) => r.fields), cold.results.map((r) => r.fields), dir);
    const r = runCliSync(['replay', t]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
  }
});

test('a recording cut at line 120 says it starts mid-run; warm and auto come near what the whole recording gives, cold does not', () => {
  const dir = path.join(TRACES, 'qemu-7.2-linux-6.1-virtio-net-affinity');
  const log = fs.readFileSync(path.join(dir, 'trace-msix.log'), 'utf8').split('\n');
  const cutLog = path.join(tmp, 'cut120.log');
  fs.writeFileSync(cutLog, log.slice(119).join('\n'));
  const cut = path.join(tmp, 'cut120.msixtrace');
  const c = runCliSync(['capture', cutLog, '--lspci', path.join(dir, 'lspci-vv.txt'), '-o', cut]);
  assert.equal(c.code, 0, c.err);
  const fwdReads = (start) => replayTrace(cut, { models: ['xen-4.7'], start }).results[0].totals.read.forwarded;
  assert.equal(fwdReads('cold'), 20);
  assert.equal(fwdReads('warm'), 13);
  assert.equal(fwdReads('auto'), 13);
  // The whole recording forwards 12 of the reads from line 120 on: warm misses by one (Xen's snoop
  // cache, valid in the whole run, starts empty), cold by eight. Models without that cache agree exactly.
  const whole = require('./helpers/start-cuts').decisionKeys(path.join(dir, 'trace.msixtrace'), 'cold').keys['xen-4.7'];
  const truth = whole.slice(119).filter((k) => /:r:(forwarded|both):/.test(k)).length;
  assert.equal(truth, 12);
  const exact = evaluateCuts(path.join(dir, 'trace.msixtrace'), [119], tmp);
  for (const model of ['xen-4.1', 'xen-4.2', 'xen-4.4']) {
    const row = exact.find((r) => r.model === model);
    assert.ok(row.warm && row.auto && !row.cold, model);
  }
  const r = runCliSync(['replay', cut, '-m', 'xen-4.7']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^note: .*cut120\.msixtrace: starts mid-run for device 0 0000:00:01\.0 \(entry 1 read holding an address\/data at event 0 before any address\/data write\); replayed cold: --start warm \(or --start auto, per device\) fits such a trace\n$/);
  const auto = runCliSync(['replay', cut, '-m', 'xen-4.7', '--start', 'auto', '--format', 'json']);
  assert.equal(auto.code, 0, auto.err);
  assert.deepEqual(JSON.parse(auto.out).results[0].device_starts, ['warm']);
  assert.match(auto.err, /replayed warm \(--start auto\)/);
});

test('cut recordings (every 10th line): the note fires wherever warm is right and cold is not; auto beats both fixed starts', () => {
  let needNote = 0;
  const right = { cold: 0, warm: 0, auto: 0 };
  for (const dir of CORPUS) {
    const t = path.join(dir, 'trace.msixtrace');
    const n = readAll(t).ev.length;
    const cuts = [];
    for (let k = 0; k < n; k += 10) cuts.push(k);
    const byCut = new Map();
    for (const r of evaluateCuts(t, cuts, tmp)) {
      if (!byCut.has(r.k)) byCut.set(r.k, []);
      byCut.get(r.k).push(r);
      for (const s of ['cold', 'warm', 'auto']) right[s] += r[s] ? 1 : 0;
    }
    for (const [k, rows] of byCut) {
      if (k === 0) assert.equal(rows[0].note, null, `${dir}: whole trace`);
      if (rows.every((r) => r.warm) && rows.some((r) => !r.cold)) {
        needNote++;
        assert.ok(rows[0].note, `${dir} cut at event ${k}: warm is right, cold is not, and no note`);
      }
    }
  }
  assert.ok(needNote >= 20, `${needNote} cuts where only warm is right`);
  assert.ok(right.auto > right.warm && right.auto > right.cold, JSON.stringify(right));
});

test('--start auto is chosen per guest and device: a host trace of a whole VM and a VM traced from line 120', () => {
  const { hostLog } = require('./helpers/host-log');
  const dir = path.join(TRACES, 'qemu-7.2-linux-6.1-virtio-net-affinity');
  const log = path.join(tmp, 'whole-and-cut.txt');
  fs.writeFileSync(log, hostLog(path.join(dir, 'trace-msix.log'), [4100, 4200], 'ftrace-tgid', [0, 119]));
  const lspci = ['--lspci', path.join(dir, 'lspci-vv.txt')];
  const both = path.join(tmp, 'both.msixtrace');
  assert.equal(runCliSync(['capture', log, ...lspci, '-o', both]).code, 0);
  const one = (guest) => {
    const f = path.join(tmp, `only-${guest}.msixtrace`);
    assert.equal(runCliSync(['capture', log, ...lspci, '--guest', String(guest), '-o', f]).code, 0);
    return f;
  };
  const auto = replayTrace(both, { models: modelNames(), start: 'auto', by: 'guest' });
  assert.deepEqual(auto.results[0].device_starts, ['cold', 'warm']);
  assert.match(auto.startNote, /device 1 0000:00:01\.0 of guest 4200 .*replayed warm, the other devices cold \(--start auto\)/);
  const whole = replayTrace(one(4100), { models: modelNames(), start: 'cold' });
  const cut = replayTrace(one(4200), { models: modelNames(), start: 'warm' });
  auto.results.forEach((m, i) => {
    const [a, b] = m.by.groups;
    assert.deepEqual({ read: a.read, write: a.write }, whole.results[i].totals, `${m.model} guest 4100`);
    assert.deepEqual({ read: b.read, write: b.write }, cut.results[i].totals, `${m.model} guest 4200`);
  });
});

test('the real two-VM KVM recording: silent whole, the note on cuts, and auto per device right where no single start is', (t) => {
  const dir = path.join(TRACES, 'kvm-2vm-40r');
  if (!fs.existsSync(dir)) return t.skip('no traces/kvm-2vm-40r in this checkout');
  const host = path.join(tmp, 'kvm-2vm.msixtrace');
  const c = runCliSync(['capture', path.join(dir, 'ftrace.txt.gz'), '--mtree', path.join(dir, 'mtree-vm1.txt'), '-o', host]);
  assert.equal(c.code, 0, c.err);
  const rows = evaluateCuts(host, [0, 300, 1000, 2000, 4500], tmp);
  const at = (k) => rows.filter((r) => r.k === k);
  assert.equal(at(0)[0].note, null);
  assert.ok(at(0).every((r) => r.cold && r.auto));
  for (const k of [300, 1000, 2000, 4500]) assert.match(at(k)[0].note ?? '', /starts mid-run for device \d of guest \d+/, `cut at ${k}`);
  // 300 events in, some devices of each VM are set up and some not yet: per device is exact
  const mixed = at(300);
  assert.ok(new Set(mixed[0].picked).size === 2, mixed[0].picked.join());
  for (const model of ['xen-4.1', 'xen-4.2', 'xen-4.4', 'xen-4.6', 'xen-4.7', 'xen-4.19']) {
    const r = mixed.find((x) => x.model === model);
    assert.ok(r.auto && !r.cold && !r.warm, model);
  }
});
