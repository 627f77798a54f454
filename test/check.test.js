const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-check-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args) => runCliSync(args);

// Linux 5.15+ request_irq of entry 0 then mask + flush read of table offset 0 (spec A.7).
const trace = path.join(tmp, 'guest.msixtrace');
const w = new TraceWriter(trace, { sourceFormat: 'test', devices: [device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 5, pbaGpa: 0xfebc2000n })] });
let t = 0;
const W = (off, v) => w.push((t += 1000), 1, 0, 0, 0, off, 4, 1, v, 0);
const R = (off, v) => w.push((t += 1000), 1, 0, 0, 0, off, 4, 0, v, 0);
W(0, 0xfee01004); W(4, 0); W(8, 0x4022); R(8, 0x4022); W(12, 0);
W(12, 1); R(0, 0xfee01004); W(12, 0); W(12, 1); R(0, 0xfee01004);
w.finish();

test('check passes against its own baseline and fails on an altered count, naming model and field', () => {
  const base = path.join(tmp, 'baseline.json');
  let r = run(['check', trace, '--baseline', base, '--update', '-m', 'xen-4.1', '-m', 'kvm']);
  assert.equal(r.code, 0, r.err);
  const b = JSON.parse(fs.readFileSync(base, 'utf8'));
  assert.deepEqual(b.models, ['xen-4.1', 'forward-all']);
  assert.equal(b.traces['guest.msixtrace'].events, 10);
  assert.equal(b.traces['guest.msixtrace'].models['forward-all']['addr_lo.read.forwarded'], 2);

  r = run(['check', trace, '--baseline', base]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /all counts hold \(1 trace\(s\) x 2 model\(s\)\)/);

  b.traces['guest.msixtrace'].models['xen-4.1']['vector_ctrl.write.absorbed'] += 2;
  fs.writeFileSync(base, JSON.stringify(b));
  r = run(['check', trace, '--baseline', base]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /guest\.msixtrace\s+xen-4\.1\s+vector_ctrl\s+write\.absorbed\s+\d+\s+\d+\s+-2/);

  r = run(['check', trace, '--baseline', base, '--tolerance', '2']);
  assert.equal(r.code, 0, r.out);
  r = run(['check', trace, '--baseline', base, '--tolerance', '1']);
  assert.equal(r.code, 1, r.out);

  const junit = path.join(tmp, 'report.xml');
  r = run(['check', trace, '--baseline', base, '--format', 'json', '--junit', junit]);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.equal(j.ok, false);
  assert.deepEqual(j.differences.map((d) => [d.model, d.field, d.direction, d.delta]), [['xen-4.1', 'vector_ctrl', 'write.absorbed', -2]]);
  const xml = fs.readFileSync(junit, 'utf8');
  assert.match(xml, /<testcase classname="guest.msixtrace" name="xen-4.1">\s*<failure message="1 count\(s\) differ/);
  assert.match(xml, /<testcase classname="guest.msixtrace" name="forward-all"\/>/);
});

test('check on bad input exits 2 with one line', () => {
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, '{"format":"something else"}');
  for (const args of [
    ['check', trace, '--baseline', bad],
    ['check', trace, '--baseline', path.join(tmp, 'none.json')],
    ['check', trace, '--baseline', bad, '--tolerance', 'lots'],
    ['check', path.join(tmp, 'missing.msixtrace'), '--baseline', path.join(tmp, 'b2.json'), '--update'],
  ]) {
    const r = run(args);
    assert.equal(r.code, 2, args.join(' ') + r.err);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.equal(r.out, '');
  }
  assert.ok(!fs.existsSync(path.join(tmp, 'b2.json')));
});
