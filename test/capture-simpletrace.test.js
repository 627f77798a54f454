// QEMU simpletrace (file version 4) files built here from the spec grammar (docs/log-formats.md 1.4),
// decoded by the SimpletraceDecoder directly and through `msixtrace capture`.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { SimpletraceDecoder, isSimpletrace } = require('../dist/capture/formats/simpletrace.js');

const BIN = path.resolve(__dirname, '..', 'bin', 'msixtrace.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-capture-simple-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const MAGIC = 0xf2b177cb0aa429b4n;
const DROPPED = 0xfffffffffffffffen;

/** A little simpletrace writer: header, mapping records, event records, in one byte order. */
class Simpletrace {
  constructor({ le = true } = {}) {
    this.le = le;
    this.parts = [];
    this.u64(0xffffffffffffffffn).u64(MAGIC).u64(4n);
  }
  u64(v) {
    const b = Buffer.alloc(8);
    if (this.le) b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
    else b.writeBigUInt64BE(BigInt.asUintN(64, BigInt(v)));
    this.parts.push(b);
    return this;
  }
  u32(v) {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }
  str(s) {
    this.u32(Buffer.byteLength(s));
    this.parts.push(Buffer.from(s));
    return this;
  }
  mapping(id, name) {
    return this.u64(0).u64(id).str(name);
  }
  /** args: array of bigint/number (u64) or string. */
  event(id, tsNs, pid, args) {
    const bytes = args.reduce((n, a) => n + (typeof a === 'string' ? 4 + Buffer.byteLength(a) : 8), 0);
    this.u64(1).u64(id).u64(tsNs).u32(24 + bytes).u32(pid);
    for (const a of args) {
      if (typeof a === 'string') this.str(a);
      else this.u64(a);
    }
    return this;
  }
  ops(id, tsNs, { cpu = 0, addr, value, size = 4, name, pid = 4321 }) {
    const args = [cpu, 0x55d925bd9490n, addr, value, size];
    if (name !== undefined) args.push(name);
    return this.event(id, tsNs, pid, args);
  }
  buffer() {
    return Buffer.concat(this.parts);
  }
}

const READ = 7;
const WRITE = 8;

function sampleFile(opts = {}) {
  const t = new Simpletrace(opts)
    .mapping(3, 'qemu_vfio_ram_block_added')
    .mapping(READ, 'memory_region_ops_read')
    .mapping(WRITE, 'memory_region_ops_write');
  t.event(3, 900, 4321, [1n, 2n]);
  t.ops(WRITE, 1000, { cpu: 0, addr: 0xfebc0010n, value: 0xfee01004n, name: 'msix-table' });
  t.ops(WRITE, 1500, { cpu: 1, addr: 0xfebc0018n, value: 0x4022n, name: 'msix-table' });
  t.ops(WRITE, 1600, { cpu: 1, addr: 0x70n, value: 0x8fn, size: 1, name: 'rtc-index' });
  t.event(DROPPED, 1700, 4321, [5n]);
  t.ops(READ, 2000, { cpu: -1, addr: 0xfebc2000n, value: 0xffffffffffffffffn, size: 8, name: 'msix-pba' });
  t.ops(WRITE, 2500, { cpu: 0, addr: 0xfebc001cn, value: 0n, name: 'msix-table' });
  return t.buffer();
}

function decode(buf, chunk = buf.length) {
  const got = [];
  const bad = [];
  const d = new SimpletraceDecoder('t', {
    access: (a, n) => got.push({ ...a, n }),
    malformed: (n, why) => bad.push([n, why]),
  });
  for (let i = 0; i < buf.length; i += chunk) d.push(buf.subarray(i, i + chunk));
  d.end();
  return { got, bad, d };
}

test('magic in either byte order', () => {
  assert.equal(isSimpletrace(sampleFile()), true);
  assert.equal(isSimpletrace(sampleFile({ le: false })), true);
  assert.equal(isSimpletrace(Buffer.from('memory_region_ops_read cpu 0')), false);
});

test('decodes mapping, event and dropped records, in any chunking and both byte orders', () => {
  const ref = decode(sampleFile());
  assert.equal(ref.got.length, 5);
  assert.deepEqual(ref.got.map((a) => [a.tsNs, a.guest, a.vcpu, a.addr, a.size, a.write, a.lo, a.hi, a.region]), [
    [1000, 4321, 0, 0xfebc0010, 4, true, 0xfee01004, 0, 'msix-table'],
    [1500, 4321, 1, 0xfebc0018, 4, true, 0x4022, 0, 'msix-table'],
    [1600, 4321, 1, 0x70, 1, true, 0x8f, 0, 'rtc-index'],
    [2000, 4321, -1, 0xfebc2000, 8, false, 0xffffffff, 0xffffffff, 'msix-pba'],
    [2500, 4321, 0, 0xfebc001c, 4, true, 0, 0, 'msix-table'],
  ]);
  assert.equal(ref.d.lost, 5);
  assert.equal(ref.d.records, 10);
  for (const chunk of [1, 3, 7, 24, 100]) assert.deepEqual(decode(sampleFile(), chunk).got, ref.got, `chunk ${chunk}`);
  assert.deepEqual(decode(sampleFile({ le: false }), 5).got, ref.got);
});

test('records of a QEMU < 6.1 build have no name argument', () => {
  const t = new Simpletrace().mapping(1, 'memory_region_ops_write');
  t.ops(1, 10, { addr: 0xfebc0000n, value: 0xfee00000n });
  const { got } = decode(t.buffer());
  assert.equal(got[0].region, '');
  assert.equal(got[0].lo, 0xfee00000);
});

test('a record cut short by the end of the file is reported, the ones before are kept', () => {
  const buf = sampleFile();
  const { got, bad } = decode(buf.subarray(0, buf.length - 10));
  assert.equal(got.length, 4);
  assert.equal(bad.length, 1);
  assert.match(bad[0][1], /truncated record at byte \d+/);
});

test('other versions and corrupt records are errors with the byte offset', () => {
  const v3 = sampleFile();
  v3.writeBigUInt64LE(3n, 16);
  assert.throws(() => decode(v3), /version 3 is not supported/);
  const bad = Buffer.concat([sampleFile(), Buffer.from([9, 0, 0, 0, 0, 0, 0, 0])]);
  assert.throws(() => decode(bad), /byte \d+: corrupt simpletrace record \(record type 9\)/);
});

function capture(file, args) {
  const out = path.join(tmp, path.basename(file) + '.msixtrace');
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'capture', file, '--table', '0xfebc0000:5', '--pba', '0xfebc2000', '-o', out, ...args], { encoding: 'utf8' });
  return { r, out };
}

function dump(out) {
  return spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'dump', out], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
}

test('capture: detected by its magic, ts from the first kept record, guest = QEMU pid, lost events summed', () => {
  const file = path.join(tmp, 'trace-4321');
  fs.writeFileSync(file, sampleFile());
  const { r, out } = capture(file, []);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(dump(out), [
    { ts_ns: 0, guest: 4321, vcpu: 0, device: 0, region: 'table', offset: 16, size: 4, dir: 'w', value: '0xfee01004' },
    { ts_ns: 500, guest: 4321, vcpu: 1, device: 0, region: 'table', offset: 24, size: 4, dir: 'w', value: '0x4022' },
    { ts_ns: 1000, guest: 4321, vcpu: -1, device: 0, region: 'pba', offset: 0, size: 8, dir: 'r', value: '0xffffffffffffffff' },
    { ts_ns: 1500, guest: 4321, vcpu: 0, device: 0, region: 'table', offset: 28, size: 4, dir: 'w', value: '0x0' },
  ]);
  assert.match(r.stderr, /10 records/);
  assert.match(r.stderr, /lost +5 events/);
  const h = JSON.parse(spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'dump', out, '--header'], { encoding: 'utf8' }).stdout);
  assert.equal(h.source, 'qemu-simpletrace');
  assert.equal(h.trace_start_unix_ns, null, 'the simpletrace clock is monotonic, not wall clock');
});

test('capture: a gzipped simpletrace file, and -f qemu-simpletrace on a text file is refused', () => {
  const gz = path.join(tmp, 'trace-4321.gz');
  fs.writeFileSync(gz, zlib.gzipSync(sampleFile({ le: false })));
  const { r, out } = capture(gz, ['-f', 'qemu-simpletrace']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(dump(out).length, 4);
  const text = path.join(tmp, 'text.log');
  fs.writeFileSync(text, "memory_region_ops_read cpu 0 mr 0x1 addr 0xfebc0000 value 0x0 size 4 name 'msix-table'\n");
  const bad = capture(text, ['-f', 'qemu-simpletrace']);
  assert.equal(bad.r.status, 2);
  assert.match(bad.r.stderr, /not a QEMU simpletrace file/);
  assert.equal(fs.existsSync(bad.out), false);
});
