// Replay's memory does not grow with the trace, the model count or the output (README, "Memory"):
// every CLI run here is measured by its own peak resident set (VmHWM, test/helpers/vmhwm.js)
// and must stay under a fixed limit while it replays a 1.1 M-event synth trace with --explain for
// every model (3 GB of NDJSON), --by vcpu and --interval; group counts past MAX_GROUPS (20,000
// guests, 16,001 devices, 2.7 M guest:vcpu pairs) are aggregated in 'other' with a note, and an
// interval that would give more than MAX_BUCKETS buckets is refused with exit 2 and a coarser one.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { BIN, NODE_FLAGS } = require('./helpers/cli');
const { MAX_GROUPS, MAX_BUCKETS } = require('../dist/replay/engine.js');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');

const PEAK = path.join(__dirname, 'helpers', 'vmhwm.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-bounds-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const haveProc = fs.existsSync('/proc/self/status');

/** The CLI with stdout to /dev/null (or captured), and its peak RSS in MB. */
function run(args, { capture = false } = {}) {
  const peakFile = path.join(tmp, `peak-${process.hrtime.bigint()}`);
  const r = spawnSync(process.execPath, [...NODE_FLAGS, '-r', PEAK, BIN, ...args], {
    stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 256 << 20,
    env: { ...process.env, MSX_PEAK_FILE: peakFile },
  });
  const peakMb = fs.existsSync(peakFile) ? Number(fs.readFileSync(peakFile, 'utf8')) / 1024 : NaN;
  return { code: r.status, out: r.stdout, err: r.stderr, peakMb };
}

let synth = null;
function synthTrace() {
  if (synth) return synth;
  synth = path.join(tmp, 'xen-2010.msixtrace');
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'synth', '--scenario', 'xen-2010', '-o', synth], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return synth;
}

test('--explain -m all, --by vcpu and --interval on a 1.1 M-event trace stay under 150 MB, and at the bucket bound under 320 MB', { skip: !haveProc && 'no /proc', timeout: 120_000 }, () => {
  const file = synthTrace();
  const explain = run(['replay', file, '-m', 'all', '--explain']);
  assert.equal(explain.code, 0, explain.err);
  const byVcpu = run(['replay', file, '-m', 'all', '--by', 'vcpu', '--format', 'json'], { capture: true });
  assert.equal(byVcpu.code, 0, byVcpu.err);
  const res = JSON.parse(byVcpu.out).results;
  assert.equal(res[0].events, 1120068);
  assert.equal(res[0].by.groups.length, 48, '24 guests x 2 vCPUs');
  const interval = run(['replay', file, '-m', 'all', '--interval', '10ms']);
  assert.equal(interval.code, 0, interval.err);
  for (const [what, r] of Object.entries({ explain, byVcpu, interval })) {
    assert.ok(r.peakMb < 150, `${what}: peak RSS ${r.peakMb.toFixed(0)} MB`);
  }
  // 10,000 buckets x 9 models as one JSON document: the largest --interval result there is.
  const atBound = run(['replay', file, '-m', 'all', '--interval', '1000.2us', '--format', 'json']);
  assert.equal(atBound.code, 0, atBound.err);
  assert.ok(atBound.peakMb < 320, `--interval 1000.2us --format json: peak RSS ${atBound.peakMb.toFixed(0)} MB`);
});

test('--interval finer than MAX_BUCKETS allows is refused with exit 2, naming one that fits', { timeout: 60_000 }, () => {
  const file = synthTrace();
  const r = run(['replay', file, '--interval', '1us', '--format', 'json'], { capture: true });
  assert.equal(r.code, 2, r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /--interval 1us gives 9999\d+ buckets over 9\.99\d s; at most 10000 are kept: use --interval 2ms or coarser/);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  const ok = run(['replay', file, '-m', 'kvm', '--interval', '2ms', '--format', 'csv'], { capture: true });
  assert.equal(ok.code, 0, ok.err);
  const rows = ok.out.trim().split('\n').length - 1;
  assert.ok(rows > MAX_BUCKETS / 2 - 100 && rows <= MAX_BUCKETS, `${rows} buckets`);
});

/** A trace of n events, event i on guest g(i), vCPU v(i), device d(i) of ndev. */
function writeTrace(file, n, ndev, g, v, d) {
  const devs = [];
  for (let k = 0; k < ndev; k++) devs.push(device({ index: k, tableGpa: 0x800000000n + BigInt(k) * 0x10000n, tableEntries: 4, pbaGpa: null }));
  const w = new TraceWriter(file, { sourceFormat: 'test', devices: devs }, 4096);
  for (let i = 0; i < n; i++) w.push(i * 1000, g(i), v(i), d(i), 0, 12, 4, 1, i & 1, 0);
  w.finish();
}

function checkAggregated(r, kind, events) {
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`more than ${MAX_GROUPS} ${kind} groups: the accesses of the groups past the first ${MAX_GROUPS} are summed in the group 'other'`));
  for (const m of JSON.parse(r.out).results) {
    const groups = m.by.groups;
    assert.equal(groups.length, MAX_GROUPS + 1);
    assert.equal(groups[groups.length - 1].key, 'other');
    const sum = groups.reduce((a, x) => a + x.read.absorbed + x.read.forwarded + x.write.absorbed + x.write.forwarded, 0);
    assert.equal(sum, events, `${m.model}: every access counted once`);
    // One access per group in these traces: 'other' holds all but the first MAX_GROUPS.
    const other = groups[groups.length - 1];
    assert.equal(other.write.absorbed + other.write.forwarded, events - MAX_GROUPS);
  }
}

test('more groups than MAX_GROUPS are summed in other, with a note, in bounded memory', { skip: !haveProc && 'no /proc', timeout: 120_000 }, () => {
  const guests = path.join(tmp, 'guests.msixtrace');
  writeTrace(guests, 20_000, 1, (i) => i, () => 0, () => 0);
  const g = run(['replay', guests, '--by', 'guest', '--format', 'json'], { capture: true });
  checkAggregated(g, 'guest', 20_000);

  const devices = path.join(tmp, 'devices.msixtrace');
  writeTrace(devices, 16_001, 16_001, () => 1, () => 0, (i) => i);
  const e = run(['replay', devices, '--by', 'entry', '-m', 'xen-4.7', '-m', 'kvm', '--format', 'json'], { capture: true });
  checkAggregated(e, 'device:entry', 16_001);

  const vcpus = path.join(tmp, 'vcpus.msixtrace');
  writeTrace(vcpus, 2_700_000, 1, (i) => i >> 3, (i) => i & 7, () => 0);
  const v = run(['replay', vcpus, '--by', 'vcpu', '-m', 'all', '--format', 'json'], { capture: true });
  checkAggregated(v, 'guest:vcpu', 2_700_000);
  // At the group bound, every model, one JSON document: the largest --by result there is.
  for (const [what, r] of Object.entries({ g, e, v })) assert.ok(r.peakMb < 320, `${what}: peak RSS ${r.peakMb.toFixed(0)} MB`);
});

test('fitInterval (the report) doubles a too fine interval, with the same buckets as that interval asked for', { timeout: 60_000 }, () => {
  const { replayTrace } = require('../dist/replay/engine.js');
  const file = synthTrace();
  const models = ['xen-4.1', 'xen-vpci'];
  const fit = replayTrace(file, { models, start: 'cold', intervalNs: 100, fitInterval: true });
  const ns = fit.results[0].intervals.interval_ns;
  assert.equal(ns, 100 * 2 ** 14, 'the first doubling of 100 ns that gives at most MAX_BUCKETS over 10 s');
  const direct = replayTrace(file, { models, start: 'cold', intervalNs: ns });
  for (let m = 0; m < models.length; m++) {
    assert.ok(fit.results[m].intervals.buckets.length <= MAX_BUCKETS);
    assert.deepEqual(fit.results[m].intervals, direct.results[m].intervals, models[m]);
  }
  // The report takes that path: a 100 ns timeline of a 10 s trace is drawn, not refused.
  const html = path.join(tmp, 'fit.html');
  const r = run(['report', file, '--interval', '100ns', '-m', 'kvm', '--html', html]);
  assert.equal(r.code, 0, r.err);
});

test('report - reads standard input once, with nothing spooled to disk', { skip: !haveProc && 'no /proc', timeout: 60_000 }, () => {
  const file = synthTrace();
  const scratch = fs.mkdtempSync(path.join(tmp, 'tmpdir-'));
  const html = path.join(tmp, 'stdin.html');
  const peakFile = path.join(tmp, 'peak-stdin');
  const r = spawnSync(process.execPath, [...NODE_FLAGS, '-r', PEAK, BIN, 'report', '-', '-m', 'all', '--html', html], {
    input: fs.readFileSync(file), encoding: 'utf8', env: { ...process.env, TMPDIR: scratch, MSX_PEAK_FILE: peakFile },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /1120068 accesses/);
  assert.deepEqual(fs.readdirSync(scratch), [], 'no spool file');
  const page = fs.readFileSync(html, 'utf8');
  assert.ok(page.includes('<code>stdin</code>') || page.includes('stdin'), 'the page names stdin');
  assert.ok(Number(fs.readFileSync(peakFile, 'utf8')) / 1024 < 150);
});

test('fitInterval also bounds the quiet stretches: two accesses a day apart at 1 us', () => {
  const { replayTrace } = require('../dist/replay/engine.js');
  const far = path.join(tmp, 'far.msixtrace');
  const w = new TraceWriter(far, { sourceFormat: 'test', devices: [device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 4, pbaGpa: null })] }, 16);
  w.push(0, 1, 0, 0, 0, 12, 4, 1, 1, 0);
  w.push(86400e9, 1, 0, 0, 0, 12, 4, 1, 0, 0);
  w.finish();
  const r = replayTrace(far, { models: ['kvm'], start: 'cold', intervalNs: 1000, fitInterval: true }).results[0].intervals;
  assert.ok(r.buckets.length <= MAX_BUCKETS, `${r.buckets.length} buckets`);
  assert.equal(r.interval_ns, 1000 * 2 ** 24);
  assert.equal(r.buckets.reduce((a, b) => a + b.forwarded + b.absorbed, 0), 2);
  assert.throws(() => replayTrace(far, { models: ['kvm'], start: 'cold', intervalNs: 1000 }), /use --interval 10s or coarser/);
});
