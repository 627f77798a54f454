// The native capture fast path (native/capture/scan.c via src/capture/fastpath.ts) against the JavaScript
// reference path: the same events (dump output) and the same summary, on the real recordings and
// on a synthetic log full of edge cases, with the fast path (the default, MSIXTRACE_FAST=always here) and
// off (=never). Also: a capture's batches are the reference encoder's bytes (test/oracles/batch-encode.js).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { BatchEncoder } = require('./oracles/batch-encode.js');
const { TraceReader } = require('../dist/tracefile/reader.js');
const { PACKET_EVENTS } = require('../dist/tracefile/writer.js');
const { WireWriter } = require('../dist/tracefile/wire.js');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const TRACES = path.join(ROOT, 'traces');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-capture-fastpath-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args, env) {
  return spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } });
}

/** Summary (output name masked) and dump of one capture in a fast-path mode. */
function captureIn(mode, log, geometry, extra = []) {
  const out = path.join(tmp, `${path.basename(log)}-${mode}.msixtrace`);
  const r = run(['capture', log, ...geometry, ...extra, '-o', out], { MSIXTRACE_FAST: mode });
  const summary = r.stderr.split(out).join('OUT');
  if (r.status !== 0) return { status: r.status, summary, dump: '' };
  const d = run(['dump', out]);
  assert.equal(d.status, 0, d.stderr);
  return { status: r.status, summary, dump: d.stdout };
}

function same(log, geometry, extra) {
  const slow = captureIn('never', log, geometry, extra);
  const fast = captureIn('always', log, geometry, extra);
  assert.equal(fast.status, slow.status, `${log}: exit status`);
  assert.equal(fast.summary, slow.summary, `${log}: summary`);
  assert.ok(fast.dump === slow.dump, `${log}: dumped events differ`);
  return fast;
}

const recordings = fs.existsSync(TRACES)
  ? fs.readdirSync(TRACES).map((d) => path.join(TRACES, d)).filter((d) => fs.existsSync(path.join(d, 'lspci-vv.txt')))
  : [];

for (const dir of recordings) {
  test(`fast path = reference path on ${path.basename(dir)} (filtered and full logs)`, () => {
    const geometry = ['--lspci', path.join(dir, 'lspci-vv.txt')];
    for (const log of ['trace-msix.log', 'trace-full.log.gz']) {
      if (fs.existsSync(path.join(dir, log))) same(path.join(dir, log), geometry);
    }
  });
}

// Lines around one table at 0xfebc0000 (5 entries) and its PBA at 0xfebc2000.
function edgeLog() {
  const L = [];
  let usec = 100000;
  const stamp = () => `8117@1795672713.${String((usec += 7) % 1000000).padStart(6, '0')}:`;
  const ops = (rw, body) => `${stamp()}memory_region_ops_${rw} ${body}`;
  const acc = (rw, addr, value, size = 4, name = 'msix-table', cpu = 0, mr = 'mr 0x7f57b1179650 ') =>
    ops(rw, `cpu ${cpu} ${mr}addr 0x${addr} value 0x${value} size ${size} name '${name}'`);
  const plain = (n) => Array.from({ length: n }, () => ops('write', "cpu 0 mr 0x5637 addr 0x70 value 0x8f size 1 name 'rtc-index'"));
  L.push(...plain(1));
  L.push(acc('read', 'febc000c', '1'));
  for (let i = 0; i < 70000; i++) L.push(acc(i % 3 ? 'write' : 'read', (0xfebc0000 + (i % 20) * 4).toString(16), (i * 2654435761 >>> 0).toString(16)));
  const odd = [
    acc('write', 'febc0000', 'fee01004', 4, 'msix-table', 1, ''), // no mr
    acc('write', 'febc0004', '0', 4, 'msix-table', 0, 'mr (nil) '),
    acc('read', 'febc2000', '0', 8, 'msix-pba'),
    acc('read', 'febc2000', '123456789abcdef0', 8, 'msix-pba'),
    acc('write', 'febc0008', '4021', 4, 'xen-pci-pt-msix'),
    acc('write', '0000000000febc000c', '00000001', 4),
    acc('write', 'febc000c', '1', '04'),
    acc('write', 'febc000c', '1', 4, 'msix-table', -1),
    acc('write', 'febc000c', '1', 4, 'msix-table', '-0'),
    acc('write', 'febc000c', '1', 4, 'msix-table', -2), // cpu out of range
    acc('write', 'febc000c', '1', 4, 'msix-table', 99999999999), // 11 digits
    acc('write', 'febc000c', '1', 3), // bad size
    acc('write', 'febc000c', '100', 1), // value too wide
    acc('write', 'febc000c', '100000000', 4), // value too wide
    acc('write', 'febc000c', '11112222333344445', 8), // 17 digits
    acc('write', '20000000000000', '1', 4), // above 2^53
    acc('write', 'febd0000', '1', 4), // outside the table
    acc('write', 'febc2000', '1', 4, 'msix-table'), // table name, PBA address
    acc('write', 'febc000c', '1', 4, 'msix-tablex'), // another region
    acc('write', 'febc000c', '1', 4, 'notmsix'),
    acc('write', 'febc000c', '1') + '   ',
    acc('write', 'febc000c', '1') + '\r',
    acc('write', 'febc000c', '1') + ' \xa0\t',
    acc('write', 'febc000c', '1') + ' x',
    acc('write', 'febc000c', '1').replace("'msix-table'", "'msix-table"),
    `${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4`, // unnamed after names
    `2026-11-26T05:58:40.500000Z memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `8117@1795672713.1234567890:memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `8117@00001795672714.5:memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `@1795672714.5:memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `x 8117@1795672714.500001:memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `${stamp()}memory_region_ops_writex cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `${stamp()}memory_region_ops_read cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table' memory_region_ops_write`,
    `${stamp()}other_event msix stuff`,
    // Lines the native scan classifies itself once the summary has its first places (quiet mode)
    acc('write', 'febc000c', '1', '00000000000000000000004'), // size 4 after many zeros: an access
    acc('write', 'febc000c', '1', '0'),
    acc('write', 'febc000c', '1', '44'),
    acc('write', '00000000000000000000febc000c', '1', 4), // leading zeros: an access
    acc('write', '1febc000c000000000', '1', 4), // 18 digits
    acc('write', 'febc000c', '0000000000000000000001', 4),
    acc('write', 'febc000c', '1', 4, 'msix-table', 0, 'mr 0x '),
    acc('write', 'febc000c', '1', 4, 'msix-table', 0, 'mr 0xzz '),
    acc('write', 'febc000c', '1', 4, 'msix-table', 0, 'mr (nil)'),
    acc('write', 'febc000c', '1', 4, 'msix-table', '4294967295'),
    acc('write', 'febc000c', '1', 4, 'msix-table', '1'.padStart(10, '0')),
    acc('write', 'febc000c', '1', 4, 'msix-pba'), // PBA name, table address: outside
    acc('write', 'febe000c', '1', 4, 'msix-pba'),
    acc('write', 'febc000c', '1', 4, "msix-table' 'x"),
    `${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table' \x85`,
    `${stamp()}memory_region_ops_write  cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x size 4 name 'msix-table'`,
    `${stamp()}memory_region_ops_write cpu 0 addr 0x value 0x1 size 4 name 'msix-table'`,
    `${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size name 'msix-table'`,
    `${stamp()}memory_region_ops_write cpu - addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table' memory_region_ops_write cpu x`,
    `memory_region_ops_write ${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`,
    `${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 3 name 'msix-table'\0`,
    `8117@9795672713.000001:memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'`, // 2^53 ns later
    `${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'msix-table'\0`,
    `${stamp()}memory_region_ops_write cpu 0 addr 0xfebc000c value 0x1 size 4 name 'io'\0`,
    `${stamp()}memory_region_ops_write cpu 0 ${'x'.repeat((1 << 20) + 5)} name 'msix-table'`,
    '',
    'msix',
    'msi',
    // Runs of lines without "msix" (skipped 64 bytes at a time by the native scan) around a NUL,
    // an overlong line, 'm..x' pairs that are not "msix", and "msix" split by a block edge.
    [
      ...plain(40), `${stamp()}plain line with a NUL \0 byte`, ...plain(3), `${stamp()}${'y'.repeat((1 << 20) + 70)}`,
      ...plain(40), `${stamp()}other_event mapx memx m12x`, ...plain(5), 'm\nsix', ...plain(2),
      ...Array.from({ length: 70 }, (_, i) => `${'z'.repeat(i)}msix`), ...plain(40),
    ].join('\n'),
  ];
  for (let k = 0; k < 3; k++) {
    for (const o of odd) {
      L.push(o);
      for (let i = 0; i < 500; i++) L.push(acc('write', (0xfebc0000 + (i % 20) * 4).toString(16), i.toString(16)));
    }
  }
  L.push(acc('write', 'febc0000', 'ffffffff'));
  return Buffer.from(L.join('\n') + '\n' + acc('read', 'febc0004', '2'), 'latin1');
}

test('fast path = reference path on a synthetic log of edge cases (summary, events, --strict)', () => {
  const log = path.join(tmp, 'edge.log');
  fs.writeFileSync(log, edgeLog());
  const geometry = ['--table', '0xfebc0000:5', '--pba', '0xfebc2000'];
  const r = same(log, geometry);
  assert.equal(r.status, 0);
  assert.match(r.summary, /malformed: /);
  same(log, geometry, ['--guest', '7']);
  const strict = same(log, geometry, ['--strict']);
  assert.equal(strict.status, 2);
  // Two inputs, the second one with its own clock.
  const two = path.join(tmp, 'edge2.log');
  fs.writeFileSync(two, edgeLog().toString('latin1').replace(/1795672713\./g, '1795672799.'), 'latin1');
  const a = captureIn('never', log, geometry, [two]);
  const b = captureIn('always', log, geometry, [two]);
  assert.equal(b.summary, a.summary);
  assert.ok(a.dump === b.dump, 'two inputs: events differ');
});

test('a capture\'s batches are the bytes of the JavaScript reference encoder', () => {
  // Byte equality of the encoders on random batches is test/tracefile-encode.test.js; this is the
  // end-to-end check on a capture with batches large enough for the encoder's thread (>= 4096 events):
  // every batch read back and encoded again by the reference must give the packet's bytes.
  const log = path.join(tmp, 'enc.log');
  const lines = [];
  for (let i = 0; i < 20000; i++) {
    const us = String(100000 + i * 37).padStart(6, '0'); // rising, below 1 s
    const op = i % 3 ? 'write' : 'read';
    lines.push(`8117@1795672713.${us}:memory_region_ops_${op} cpu ${i % 4} mr 0x7f57b1179650 addr 0x${(0xfebc0000 + (i % 20) * 4).toString(16)} value 0x${(i * 7919 % 65536).toString(16)} size 4 name 'msix-table'`);
  }
  fs.writeFileSync(log, lines.join('\n') + '\n');
  const o = path.join(tmp, 'enc.msixtrace');
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'capture', log, '--table', '0xfebc0000:5', '-o', o], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const file = fs.readFileSync(o);
  const varint = (at) => {
    let v = 0, mul = 1;
    for (;;) { const c = file[at.p++]; v += (c & 0x7f) * mul; mul *= 128; if (c < 0x80) return v; }
  };
  const bodies = [];
  for (const at = { p: 0 }; at.p < file.length;) {
    at.p++; // packet tag
    varint(at);
    const kind = file[at.p++] >> 3;
    const len = varint(at);
    if (kind === PACKET_EVENTS) bodies.push(file.subarray(at.p, at.p + len));
    at.p += len;
  }
  const reference = new BatchEncoder();
  const reader = new TraceReader(o);
  let i = 0;
  for (const b of reader.batches()) {
    const w = new WireWriter(1 << 16);
    reference.encode(b, w);
    assert.ok(Buffer.from(w.buf.subarray(0, w.pos)).equals(bodies[i]), `batch ${i}: the reference encoder gives other bytes`);
    i++;
  }
  assert.equal(i, bodies.length);
  assert.equal(reader.footer.events, 20000);
});

test('fast path = reference path when floods come before the first kept access (and when nothing is kept)', () => {
  const rec = path.join(TRACES, 'qemu-7.2-linux-6.1-virtio-net-affinity');
  const lines = fs.readFileSync(path.join(rec, 'trace-msix.log'), 'latin1').split('\n').filter(Boolean);
  const bad = lines.map((l, i) => (i % 3 === 0 ? l.replace(' size 4', ' size 3') : i % 3 === 1 ? l.replace('addr 0xfebc', 'addr 0xfebd') : l + '\0'));
  const flood = [];
  for (let k = 0; k < 60; k++) flood.push(...bad);
  const geometry = ['--lspci', path.join(rec, 'lspci-vv.txt')];
  const before = path.join(tmp, 'flood-first.log');
  fs.writeFileSync(before, [...flood, ...lines, ...flood, ''].join('\n'), 'latin1');
  const r = same(before, geometry);
  assert.equal(r.status, 0);
  assert.match(r.summary, /kept\s+232 MSI-X accesses/);
  assert.equal(same(before, geometry, ['--strict']).status, 2);
  const nothing = path.join(tmp, 'flood-only.log');
  fs.writeFileSync(nothing, [lines[0].replace(' size 4', ' size 3'), ...flood, ''].join('\n'), 'latin1');
  const n = same(nothing, geometry);
  assert.equal(n.status, 2);
  assert.match(n.summary, /no MSI-X table or PBA accesses found/);
});
