// Geometry at scale and its edge cases: a PBA that shares bytes with its own table (a real device
// in pciutils' test dumps), tens of thousands of devices from lspci or mmiotrace MAP lines (built
// in O(n log n), looked up in O(log n)), and the 65,536-device limit of the trace format.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { Geometry, geometryFromFlags, geometryFromLspci } = require('../dist/capture/geometry.js');
const { IntervalIndex } = require('../dist/capture/intervals.js');
const { device } = require('../dist/tracefile/schema.js');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const PCIUTILS = path.resolve(ROOT, '..', 'shared', 'peers', 'pciutils-tests', 'cap-vc-and-rcl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-geom-scale-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function classify(g, addr) {
  const hit = { device: -1, region: -1, offset: -1 };
  return g.classify(addr, hit) ? [hit.device, hit.region === 1 ? 'pba' : 'table', hit.offset] : null;
}

const run = (args) => spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });

test('a PBA inside its own table: warned, the table wins, the device is kept', () => {
  // 1 entry: table 0x1000-0x100f, PBA (8 bytes) at 0x1000 too
  const g = geometryFromFlags('0x1000:1', '0x1000', 0);
  assert.equal(g.devices.length, 1);
  assert.deepEqual(classify(g, 0x1000), [0, 'table', 0]);
  assert.deepEqual(classify(g, 0x100c), [0, 'table', 0xc]);
  assert.equal(classify(g, 0x1010), null);
  assert.match(g.notes.join('\n'), /PBA at 0x1000-0x1007 overlaps its own table at 0x1000-0x100f; accesses to the shared bytes count as table accesses/);
});

test('a PBA partly over its own table keeps its other bytes, offsets from its own start', () => {
  // 65 entries: table 0x1000-0x140f; PBA 16 bytes at 0x1408-0x1417
  const g = geometryFromFlags('0x1000:65', '0x1408', 0);
  assert.deepEqual(classify(g, 0x1408), [0, 'table', 0x408]);
  assert.deepEqual(classify(g, 0x140f), [0, 'table', 0x40f]);
  assert.deepEqual(classify(g, 0x1410), [0, 'pba', 8]);
  assert.deepEqual(classify(g, 0x1417), [0, 'pba', 15]);
  assert.equal(classify(g, 0x1418), null);
  // and a PBA that starts before its table
  const h = geometryFromFlags('0x2008:1', '0x2000', 0);
  assert.deepEqual(classify(h, 0x2000), [0, 'pba', 0]);
  assert.deepEqual(classify(h, 0x2008), [0, 'table', 0]);
});

test('tables of two different devices that overlap stay an error', () => {
  const g = new Geometry();
  g.add(device({ index: 0, tableGpa: 0x1000n, tableEntries: 4, pbaGpa: null, bdf: '0000:00:01.0' }), 'x.txt:3');
  assert.throws(() => g.add(device({ index: 0, tableGpa: 0x1030n, tableEntries: 4, pbaGpa: null, bdf: '0000:00:02.0' }), 'x.txt:9'),
    /x\.txt:9: the MSI-X table of device 0000:00:01\.0 at 0x1000-0x103f overlaps the table of device 0000:00:02\.0 at 0x1030-0x106f/);
  // a PBA of one device inside another's table, too
  assert.throws(() => g.add(device({ index: 0, tableGpa: 0x9000n, tableEntries: 4, pbaGpa: 0x1008n, bdf: '0000:00:03.0' }), 'x.txt:12'),
    /table of device 0000:00:01\.0 at 0x1000-0x103f overlaps the PBA of device 0000:00:03\.0/);
  assert.equal(g.devices.length, 1);
});

test('pciutils cap-vc-and-rcl: device 02:00.0 (table and PBA at BAR 0 offset 0) is kept', (t) => {
  if (!fs.existsSync(PCIUTILS)) return t.skip(`no ${PCIUTILS} (the pciutils test dumps) on this machine`);
  const g = geometryFromLspci(PCIUTILS, 0);
  const d = g.devices.find((x) => x.bdf === '0000:02:00.0');
  assert.ok(d, 'device 02:00.0 kept');
  assert.equal(d.tableGpa, 0x56100000n);
  assert.equal(d.pbaGpa, 0x56100000n);
  assert.equal(d.tableEntries, 1);
  assert.deepEqual(classify(g, 0x5610000c), [d.index, 'table', 0xc]);
  assert.match(g.notes.join('\n'), /cap-vc-and-rcl:\d+: device 0000:02:00\.0: its MSI-X PBA at 0x56100000-0x56100007 overlaps its own table/);
  // End to end: a log of accesses to that table captures, with the warning in the summary.
  const log = path.join(tmp, 'ath9k.log');
  fs.writeFileSync(log, [
    "100@1700000000.000001:memory_region_ops_write cpu 0 mr 0x55d0 addr 0x56100000 value 0xfee00000 size 4 name 'msix-table'",
    "100@1700000000.000002:memory_region_ops_write cpu 0 mr 0x55d0 addr 0x5610000c value 0x0 size 4 name 'msix-table'",
    '',
  ].join('\n'));
  const r = run(['capture', log, '--lspci', PCIUTILS, '-o', path.join(tmp, 'ath9k.msixtrace')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /kept\s+2 MSI-X accesses/);
  assert.match(r.stderr, /note .*device 0000:02:00\.0: its MSI-X PBA .* overlaps its own table/);
});

test('an lspci listing with a PBA on its own table: both devices kept, accesses of each classified', () => {
  const lspci = path.join(__dirname, 'bad-inputs', 'lspci-pba-on-table.txt');
  const log = path.join(tmp, 'two.log');
  fs.writeFileSync(log, [
    "100@1700000000.000001:memory_region_ops_write cpu 0 mr 0x55d0 addr 0xfe90000c value 0x0 size 4 name 'msix-table'",
    "100@1700000000.000002:memory_region_ops_write cpu 1 mr 0x55d1 addr 0xfebc001c value 0x1 size 4 name 'msix-table'",
    "100@1700000000.000003:memory_region_ops_read cpu 1 mr 0x55d2 addr 0xfebc2000 value 0x0 size 8 name 'msix-pba'",
    '',
  ].join('\n'));
  const r = run(['capture', log, '--lspci', lspci, '-o', path.join(tmp, 'two.msixtrace')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /kept\s+3 MSI-X accesses/);
  assert.match(r.stderr, /device 0 0000:00:05\.0 .*table 0 reads 1 writes/);
  assert.match(r.stderr, /device 1 0000:00:06\.0 .*table 0 reads 1 writes, PBA 1 reads 0 writes/);
  assert.match(r.stderr, /note +.*lspci-pba-on-table\.txt:4: device 0000:00:05\.0: its MSI-X PBA at 0xfe900000-0xfe900007 overlaps its own table at 0xfe900000-0xfe90000f/);
});

test('interval index: lookups and overlap checks agree with a linear scan after random inserts', () => {
  const idx = new IntervalIndex();
  const all = [];
  let seed = 7;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  for (let i = 0; i < 3000; i++) {
    const start = rnd(1 << 24) * 8;
    const end = start + 8 + rnd(64) * 8;
    const linear = all.find((r) => r.start < end && start < r.end);
    assert.equal(idx.overlapping(start, end), linear);
    if (!linear) {
      const r = { start, end, id: i };
      idx.insert(r);
      all.push(r);
    }
  }
  assert.equal(idx.size, all.length);
  const sorted = [...idx];
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1].end <= sorted[i].start);
  for (let k = 0; k < 2000; k++) {
    const a = rnd(1 << 27);
    assert.equal(idx.find(a), all.find((r) => r.start <= a && a < r.end));
  }
});

/** lspci -vv text of n MSI-X devices, each with a 4-entry table at its own 64 KiB BAR. */
function lspciOf(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const dom = Math.floor(i / 65536);
    const bus = (i >> 8) & 0xff;
    const dev = (i >> 3) & 0x1f;
    const fn = i & 7;
    const hex2 = (v) => v.toString(16).padStart(2, '0');
    const base = (0x100000000 + i * 0x10000).toString(16);
    out.push(`${dom.toString(16).padStart(4, '0')}:${hex2(bus)}:${hex2(dev)}.${fn} Ethernet controller [0200]: Red Hat, Inc. Virtio network device [1af4:1000]`,
      `\tRegion 1: Memory at ${base} (64-bit, prefetchable) [size=64K]`,
      '\tCapabilities: [98] MSI-X: Enable+ Count=4 Masked-',
      '\t\tVector table: BAR=1 offset=00000000',
      '\t\tPBA: BAR=1 offset=00000800', '');
  }
  return out.join('\n');
}

test('50,000 devices from lspci capture in seconds', { timeout: 120000 }, () => {
  const n = 50000;
  const lspci = path.join(tmp, 'lspci-50k.txt');
  fs.writeFileSync(lspci, lspciOf(n));
  // one access to each of the first, a middle and the last device's tables
  const lines = [0, n >> 1, n - 1].map((i, k) => `7@1700000000.00000${k + 1}:memory_region_ops_write cpu 0 mr 0x55d0 addr 0x${(0x100000000 + i * 0x10000 + 12).toString(16)} value 0x0 size 4 name 'msix-table'`);
  const log = path.join(tmp, 'few.log');
  fs.writeFileSync(log, lines.join('\n') + '\n');
  const t0 = Date.now();
  const r = run(['capture', log, '--lspci', lspci, '-o', path.join(tmp, 'few.msixtrace')]);
  const secs = (Date.now() - t0) / 1000;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /kept\s+3 MSI-X accesses/);
  assert.match(r.stderr, /device 49999 0001:86:9f\.7|device 49999 0000:/);
  // Quadratic building took 31 s for 30,000 devices; a generous bound for a loaded machine.
  assert.ok(secs < 20, `${secs} s`);
});

test('50,000 mmiotrace MAP lines capture in seconds, without --lspci', { timeout: 120000 }, () => {
  const n = 50000;
  const out = ['VERSION 20070824'];
  for (let i = 0; i < n; i++) {
    // 5-entry tables (80 bytes, table-like) at distinct addresses, each followed by an access
    const addr = 0xf0000000 + i * 0x100;
    out.push(`MAP 1.${String(i % 1e6).padStart(6, '0')} ${i + 1} 0x${addr.toString(16)} 0xffffc90000000000 0x50 0x0 0`);
    out.push(`W 4 1.${String(i % 1e6).padStart(6, '0')} ${i + 1} 0x${(addr + 12).toString(16)} 0x0 0xffffffff81000000 0`);
  }
  const log = path.join(tmp, 'maps.log');
  fs.writeFileSync(log, out.join('\n') + '\n');
  const t0 = Date.now();
  const r = run(['capture', log, '-o', path.join(tmp, 'maps.msixtrace')]);
  const secs = (Date.now() - t0) / 1000;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /kept\s+50,000 MSI-X accesses/);
  assert.ok(secs < 20, `${secs} s`);
});

test('more than 65,536 devices: refused naming the limit (not a wrong entry-count message)', { timeout: 120000 }, () => {
  const lspci = path.join(tmp, 'lspci-70k.txt');
  fs.writeFileSync(lspci, lspciOf(65537));
  const log = path.join(tmp, 'one.log');
  fs.writeFileSync(log, "7@1700000000.000001:memory_region_ops_write cpu 0 mr 0x55d0 addr 0x10000000c value 0x0 size 4 name 'msix-table'\n");
  const r = run(['capture', log, '--lspci', lspci, '-o', path.join(tmp, 'one.msixtrace')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^msixtrace: .*lspci-70k\.txt:\d+: more than 65,536 MSI-X devices; a trace holds at most 65,536/);
  assert.doesNotMatch(r.stderr, /entries must be/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a host trace whose guests together touch more than 65,536 devices: refused naming the limit', { timeout: 120000 }, () => {
  const n = 33000;
  const lspci = path.join(tmp, 'lspci-33k.txt');
  fs.writeFileSync(lspci, lspciOf(n));
  // two VMs (tgids 2001, 2002), each writing to every device's table: 66,000 (guest, device) pairs
  const lines = [];
  for (const tgid of [2001, 2002]) {
    for (let i = 0; i < n; i++) {
      const t = `${100 + Math.floor(lines.length / 1e6)}.${String(lines.length % 1e6).padStart(6, '0')}`;
      lines.push(`          vcpu-${tgid}  (   ${tgid}) [000] ..... ${t}: kvm_mmio: mmio write len 4 gpa 0x${(0x100000000 + i * 0x10000 + 12).toString(16)} val 0x0`);
    }
  }
  const log = path.join(tmp, 'host.log');
  fs.writeFileSync(log, lines.join('\n') + '\n');
  const r = run(['capture', log, '-f', 'kvm-ftrace', '--lspci', lspci, '-o', path.join(tmp, 'host.msixtrace')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^msixtrace: guest 2002: more than 65,536 MSI-X devices over all guests; a trace holds at most 65,536/);
  assert.doesNotMatch(r.stderr, /entries must be|internal error/);
});
