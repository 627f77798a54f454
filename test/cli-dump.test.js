const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCliSync } = require('./helpers/cli');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-dump-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args, input) => runCliSync(args, { input });

const trace = path.join(tmp, 't.msixtrace');
const w = new TraceWriter(trace, {
  sourceFormat: 'qemu-log', sourceFiles: ['trace-msix.log'],
  devices: [device({ index: 0, bdf: '0000:00:01.0', vendorId: 0x8086, deviceId: 0x10d3, tableBar: 3, tableGpa: 0xfebc0000n, tableEntries: 5, pbaBar: 3, pbaOffset: 0x2000n, pbaGpa: 0xfebc2000n })],
});
w.push(0, 19025, 1, 0, 0, 12, 4, 0, 1, 0);
w.push(6000, 19025, 0, 0, 0, 0, 4, 1, 0xfee01004, 0);
w.push(7000, 19025, -1, 0, 1, 0, 8, 1, 0xffffffff, 0xffffffff);
w.finish();

test('dump --format ndjson prints exactly the DESIGN.md keys, values as hex strings', () => {
  const r = run(['dump', trace]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(Object.keys(lines[0]), ['ts_ns', 'guest', 'vcpu', 'device', 'region', 'offset', 'size', 'dir', 'value']);
  assert.deepEqual(lines[0], { ts_ns: 0, guest: 19025, vcpu: 1, device: 0, region: 'table', offset: 12, size: 4, dir: 'r', value: '0x1' });
  assert.deepEqual(lines[1], { ts_ns: 6000, guest: 19025, vcpu: 0, device: 0, region: 'table', offset: 0, size: 4, dir: 'w', value: '0xfee01004' });
  assert.deepEqual(lines[2], { ts_ns: 7000, guest: 19025, vcpu: -1, device: 0, region: 'pba', offset: 0, size: 8, dir: 'w', value: '0xffffffffffffffff' });
});

test('dump --format csv has the same columns', () => {
  const r = run(['dump', trace, '--format', 'csv']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trim().split('\n'), [
    'ts_ns,guest,vcpu,device,region,offset,size,dir,value',
    '0,19025,1,0,table,12,4,r,0x1',
    '6000,19025,0,0,table,0,4,w,0xfee01004',
    '7000,19025,-1,0,pba,0,8,w,0xffffffffffffffff',
  ]);
});

test('dump --header prints the devices with their geometry', () => {
  const r = run(['dump', trace, '--header']);
  assert.equal(r.code, 0, r.err);
  const h = JSON.parse(r.out);
  assert.equal(h.format_version, 1);
  assert.equal(h.source, 'qemu-log');
  assert.deepEqual(h.devices.map((d) => [d.index, d.bdf, d.vendor, d.device, d.table_gpa, d.table_entries, d.pba_gpa]),
    [[0, '0000:00:01.0', '0x8086', '0x10d3', '0xfebc0000', 5, '0xfebc2000']]);
});

test('dump reads a trace from stdin with -', () => {
  const r = run(['dump', '-'], fs.readFileSync(trace));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim().split('\n').length, 3);
});

test('bad trace files give one line on stderr, exit 2 and nothing on stdout', () => {
  const empty = path.join(tmp, 'empty.msixtrace');
  fs.writeFileSync(empty, '');
  const garbage = path.join(tmp, 'garbage.msixtrace');
  fs.writeFileSync(garbage, Buffer.from('this is a text file, not a trace\n'));
  const cut = path.join(tmp, 'cut.msixtrace');
  fs.writeFileSync(cut, fs.readFileSync(trace).subarray(0, 150));
  const cases = [
    [empty, /empty\.msixtrace: byte 0: empty file/],
    [garbage, /garbage\.msixtrace: byte 0: not a Trace packet/],
    [cut, /cut\.msixtrace: byte \d+: truncated/],
    [path.join(tmp, 'missing.msixtrace'), /cannot open .*missing\.msixtrace: no such file/],
    [tmp, /is a directory/],
  ];
  for (const [file, re] of cases) {
    const r = run(['dump', file]);
    assert.equal(r.code, 2, `${file}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.doesNotMatch(r.err, /\n\s+at /);
    if (file !== cut) assert.equal(r.out, '');
  }
});

test('--help lists the verbs with examples', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  for (const verb of ['replay', 'dump', 'models']) assert.match(r.out, new RegExp(`msixtrace ${verb}`));
  assert.match(r.out, /^Examples, to paste in order/m);
  const bad = run(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^msixtrace: /);
});
