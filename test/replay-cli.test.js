const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-replay-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args) => runCliSync(args);

// Two guests; guest 7 on vCPUs 0/1, guest 8 on vCPU 2; one PBA read; over 2.5 s.
const trace = path.join(tmp, 'two.msixtrace');
const w = new TraceWriter(trace, { sourceFormat: 'test', devices: [
  device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 5, pbaGpa: 0xfebc2000n, guest: 7 }),
  device({ index: 1, tableGpa: 0xfe000000n, tableEntries: 3, pbaGpa: 0xfe000800n, guest: 8 })] });
w.push(0, 7, 0, 0, 0, 0, 4, 1, 0xfee01004, 0);        // addr_lo write entry 0
w.push(100e6, 7, 1, 0, 0, 12, 4, 1, 0, 0);            // vector_ctrl write entry 0
w.push(1200e6, 7, 1, 0, 0, 16, 4, 0, 0, 0);           // addr_lo read entry 1
w.push(1300e6, 8, 2, 1, 0, 44, 4, 0, 1, 0);           // vector_ctrl read entry 2 of device 1
w.push(2500e6, 8, 2, 1, 1, 0, 8, 0, 0, 0);            // PBA read
w.finish();

const ZERO_R = { absorbed: 0, forwarded: 0 };
const ZERO_W = { absorbed: 0, forwarded: 0, both: 0 };

test('replay --format json has the DESIGN.md keys and exact counts', () => {
  const r = run(['replay', trace, '-m', 'kvm', '-m', 'xen-vpci', '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const { results } = JSON.parse(r.out);
  assert.equal(results.length, 2);
  const [fa, vp] = results;
  assert.equal(fa.model, 'forward-all');
  assert.equal(fa.trace, trace);
  assert.equal(fa.events, 5);
  assert.deepEqual(fa.totals, { read: { absorbed: 0, forwarded: 3 }, write: { absorbed: 0, forwarded: 2, both: 0 } });
  assert.deepEqual(Object.keys(fa.fields), ['addr_lo', 'addr_hi', 'data', 'vector_ctrl', 'pba', 'other']);
  assert.deepEqual(fa.fields.addr_lo, { read: { absorbed: 0, forwarded: 1 }, write: { absorbed: 0, forwarded: 1, both: 0 } });
  assert.deepEqual(fa.fields.vector_ctrl, { read: { absorbed: 0, forwarded: 1 }, write: { absorbed: 0, forwarded: 1, both: 0 } });
  assert.deepEqual(fa.fields.pba, { read: { absorbed: 0, forwarded: 1 }, write: ZERO_W });
  assert.deepEqual(fa.fields.data, { read: ZERO_R, write: ZERO_W });
  assert.deepEqual(fa.xen_side, { deferred_unmasks: 0, guest_crash: 0 });
  assert.equal(vp.model, 'xen-vpci');
  assert.deepEqual(vp.totals, { read: { absorbed: 3, forwarded: 0 }, write: { absorbed: 2, forwarded: 0, both: 0 } });
});

test('replay --format ndjson prints one result per line; csv one row per model x field x direction', () => {
  let r = run(['replay', trace, '-m', 'kvm,xen-vpci', '--format', 'ndjson']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.model), ['forward-all', 'xen-vpci']);
  r = run(['replay', trace, '-m', 'kvm', '--format', 'csv']);
  const rows = r.out.trim().split('\n');
  assert.equal(rows[0], 'trace,model,asked,releases,start,partial,field,dir,absorbed,forwarded,both');
  assert.equal(rows.length, 1 + 6 * 2);
  assert.ok(rows.includes(`${trace},forward-all,kvm,"Xen ≤3.3, KVM",cold,,pba,read,0,1,0`));
  assert.ok(rows.includes(`${trace},forward-all,kvm,"Xen ≤3.3, KVM",cold,,vector_ctrl,write,0,1,0`));
});

test('replay --by entry, guest and vcpu group the counts', () => {
  const by = (kind) => JSON.parse(run(['replay', trace, '-m', 'kvm', '--format', 'json', '--by', kind]).out).results[0].by;
  assert.deepEqual(by('entry').groups.map((g) => [g.key, g.read.forwarded, g.write.forwarded]),
    [['0:0', 0, 2], ['0:1', 1, 0], ['1:2', 1, 0], ['1:pba', 1, 0]]);
  assert.deepEqual(by('guest').groups.map((g) => [g.key, g.read.forwarded + g.write.forwarded]), [['7', 3], ['8', 2]]);
  assert.deepEqual(by('vcpu').groups.map((g) => [g.key, g.read.forwarded + g.write.forwarded]), [['7:0', 1], ['7:1', 2], ['8:2', 2]]);
});

test('replay --interval buckets absorbed/forwarded over time, zeros included', () => {
  const r = run(['replay', trace, '-m', 'kvm', '--format', 'json', '--interval', '1s']);
  const iv = JSON.parse(r.out).results[0].intervals;
  assert.equal(iv.interval_ns, 1e9);
  assert.deepEqual(iv.buckets, [
    { start_ns: 0, absorbed: 0, forwarded: 2, covered_ns: 1e9, partial: false },
    { start_ns: 1e9, absorbed: 0, forwarded: 2, covered_ns: 1e9, partial: false },
    { start_ns: 2e9, absorbed: 0, forwarded: 1, covered_ns: 0.5e9 + 1, partial: true },
  ]);
});

test('replay --explain gives one NDJSON line per event with the reason in words', () => {
  const r = run(['replay', trace, '-m', 'xen-vpci', '--explain']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 5);
  assert.equal(lines[4].field, 'pba');
  assert.equal(lines[4].outcome, 'absorbed');
  assert.equal(lines[1].entry, 0);
  assert.equal(lines[1].field, 'vector_ctrl');
  for (const l of lines) assert.ok(l.reason.length > 10, l.reason);
});

test('replay --cost estimates device-model CPU over the trace duration', () => {
  const r = run(['replay', trace, '-m', 'kvm', '--format', 'json', '--cost', 'forward=20,absorb=2']);
  const c = JSON.parse(r.out).results[0].cost;
  assert.equal(c.forward_us, 20);
  assert.equal(c.absorb_us, 2);
  assert.equal(c.device_model_cpu_s, 5 * 20e-6);
  assert.equal(c.trace_duration_s, 2.5);
  assert.ok(Math.abs(c.device_model_cpu_pct - (100e-6 / 2.5) * 100) < 1e-12);
});

test('replay rejects unknown models and bad options with one line, exit 2', () => {
  for (const args of [['-m', 'xen-9.9'], ['--interval', 'soon'], ['--cost', 'forward=fast']]) {
    const r = run(['replay', trace, ...args]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.equal(r.out, '');
  }
  const r = run(['replay', trace, '-m', 'xen-9.9']);
  assert.match(r.err, /unknown model 'xen-9.9' \(known: forward-all, xen-3.4/);
});
