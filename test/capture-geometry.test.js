// Device geometry: classification of addresses into (device, table|PBA, offset), the sources of
// geometry (lspci, --table/--pba, mmiotrace MAP lines), and names vs. addresses in the driver.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { Geometry, geometryFromFlags, addTableMaps, pbaBytes } = require('../dist/capture/geometry.js');
const { device } = require('../dist/tracefile/schema.js');

const BIN = path.resolve(__dirname, '..', 'bin', 'msixtrace.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-capture-geom-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const dev = (tableGpa, tableEntries, pbaGpa = null, bdf = '') => device({ index: 0, tableGpa, tableEntries, pbaGpa, bdf });

function classify(g, addr) {
  const hit = { device: -1, region: -1, offset: -1 };
  return g.classify(addr, hit) ? [hit.device, hit.region === 1 ? 'pba' : 'table', hit.offset] : null;
}

test('table and PBA ranges: [table, table+16N) and [pba, pba + 8*ceil(N/64))', () => {
  assert.deepEqual([1, 64, 65, 2048].map(pbaBytes), [8, 8, 16, 256]);
  const g = new Geometry();
  g.add(dev(0xfebc0000n, 5, 0xfebc2000n, '0000:00:01.0'), 'test');
  g.add(dev(0xfe000000n, 65, 0xfe000800n, '0000:00:02.0'), 'test');
  g.add(dev(0x38000000000n, 3, null), 'test');
  assert.deepEqual(classify(g, 0xfebc0000), [0, 'table', 0]);
  assert.deepEqual(classify(g, 0xfebc004f), [0, 'table', 0x4f]);
  assert.equal(classify(g, 0xfebc0050), null);
  assert.deepEqual(classify(g, 0xfebc2004), [0, 'pba', 4]);
  assert.equal(classify(g, 0xfebc2008), null);
  assert.deepEqual(classify(g, 0xfe000000 + 16 * 64 + 12), [1, 'table', 16 * 64 + 12]);
  assert.deepEqual(classify(g, 0xfe000800 + 15), [1, 'pba', 15]);
  assert.deepEqual(classify(g, 0x38000000000 + 0x2c), [2, 'table', 0x2c]);
  assert.equal(classify(g, 0), null);
  assert.deepEqual(g.devices.map((d) => d.index), [0, 1, 2]);
});

test('overlapping tables are an error naming both', () => {
  const g = new Geometry();
  g.add(dev(0xfebc0000n, 5, null, '0000:00:01.0'), 'l.txt');
  assert.throws(() => g.add(dev(0xfebc0040n, 4, null, '0000:00:02.0'), 'l.txt'), /l\.txt: the MSI-X table of device 0000:00:01\.0 at 0xfebc0000-0xfebc004f overlaps the table of device 0000:00:02\.0/);
  assert.equal(g.devices.length, 1, 'the failed device is not added');
});

test('--table GPA:ENTRIES and --pba GPA', () => {
  const g = geometryFromFlags('0xfebc0000:5', 'febc2000', 3);
  assert.deepEqual([g.devices[0].tableGpa, g.devices[0].tableEntries, g.devices[0].pbaGpa, g.devices[0].guest], [0xfebc0000n, 5, 0xfebc2000n, 3]);
  assert.throws(() => geometryFromFlags('0xfebc0000', undefined, 0), /not GPA:ENTRIES/);
  assert.throws(() => geometryFromFlags('0xfebc0000:0', undefined, 0), /0 entries/);
  assert.throws(() => geometryFromFlags('0xfebc0000:4096', undefined, 0), /4096 entries/);
  assert.throws(() => geometryFromFlags('zz:4', undefined, 0), /not a hex guest-physical address/);
});

test('mmiotrace table maps become devices; a map overlapping a known table is noted, not fatal', () => {
  const g = new Geometry();
  addTableMaps(g, [{ addr: 0xf7d00000, len: 0x50 }, { addr: 0xf7d00000, len: 0x50 }, { addr: 0xf7d00040, len: 0x30 }], 0, 0, 'm.txt');
  assert.equal(g.devices.length, 1);
  assert.equal(g.devices[0].tableEntries, 5);
  assert.match(g.notes[0], /overlaps a known MSI-X table; ignored/);
});

function run(args) {
  return spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8' });
}
const dump = (out) => run(['dump', out]).stdout.trim().split('\n').map((l) => JSON.parse(l));

test('QEMU < 6.1 log (no names): the geometry alone picks the MSI-X accesses', () => {
  const log = path.join(tmp, 'noname.log');
  fs.writeFileSync(log, [
    'memory_region_ops_write cpu 0 mr 0x1 addr 0x70 value 0x8f size 1',
    'memory_region_ops_write cpu 0 mr 0x2 addr 0xfebc0010 value 0xfee01004 size 4',
    'memory_region_ops_read cpu 1 mr 0x3 addr 0xfebc2000 value 0x0 size 8',
    'memory_region_ops_write cpu 0 mr 0x4 addr 0xfebd0000 value 0x1 size 4',
  ].join('\n'));
  const out = path.join(tmp, 'noname.msixtrace');
  const r = run(['capture', log, '--table', '0xfebc0000:5', '--pba', '0xfebc2000', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(dump(out).map((e) => [e.ts_ns, e.vcpu, e.region, e.offset, e.dir]), [[0, 0, 'table', 16, 'w'], [0, 1, 'pba', 0, 'r']]);
  assert.match(r.stderr, /2 lines that are no MSI-X table\/PBA access/);
  assert.match(r.stderr, /lines carry no timestamps/);
});

test('named accesses must land in the region their name says', () => {
  const log = path.join(tmp, 'named.log');
  fs.writeFileSync(log, [
    "memory_region_ops_write cpu 0 mr 0x2 addr 0xfebc0010 value 0x1 size 4 name 'msix-table'",
    "memory_region_ops_read cpu 0 mr 0x2 addr 0xfebc2000 value 0x0 size 4 name 'msix-table'",
    "memory_region_ops_read cpu 0 mr 0x3 addr 0xfebc2000 value 0x0 size 4 name 'msix-pba'",
    "memory_region_ops_write cpu 0 mr 0x4 addr 0xfebc0020 value 0x1 size 4 name 'e1000e-mmio'",
    "memory_region_ops_write cpu 0 mr 0x5 addr 0xfebc0030 value 0x1 size 4 name 'xen-pci-pt-msix'",
  ].join('\n'));
  const out = path.join(tmp, 'named.msixtrace');
  const r = run(['capture', log, '--table', '0xfebc0000:5', '--pba', '0xfebc2000', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(dump(out).map((e) => [e.region, e.offset]), [['table', 16], ['pba', 0], ['table', 48]]);
  assert.match(r.stderr, /1 MSI-X accesses outside the known tables\/PBAs: .*named\.log:2 /);
});

test('mmiotrace without --lspci: the table MAPs are the geometry', () => {
  const log = path.join(tmp, 'mmiotrace.txt');
  fs.writeFileSync(log, [
    'VERSION 20070824',
    'MAP 10.000001 1 0xf7c00000 0xffffc90000100000 0x20000 0x0 0',
    'W 4 10.000100 1 0xf7c00010 0x1 0x0 0',
    'MAP 10.000200 2 0xf7d00000 0xffffc90000200000 0x50 0x0 0',
    'W 4 10.000300 2 0xf7d00010 0xfee01004 0x0 0',
    'W 4 10.000400 2 0xf7d00014 0x0 0x0 0',
    'W 4 10.000500 2 0xf7d0001c 0x0 0x0 0',
  ].join('\n') + '\n');
  const out = path.join(tmp, 'mmiotrace.msixtrace');
  const r = run(['capture', log, '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(dump(out).map((e) => [e.ts_ns, e.offset, e.value]), [[0, 16, '0xfee01004'], [100000, 20, '0x0'], [200000, 28, '0x0']]);
  const h = JSON.parse(run(['dump', out, '--header']).stdout);
  assert.equal(h.source, 'mmiotrace');
  assert.deepEqual([h.devices[0].table_gpa, h.devices[0].table_entries, h.devices[0].pba_gpa], ['0xf7d00000', 5, null]);
});
