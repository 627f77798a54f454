// Limits of the trace format and of sane input, met with one clear line (exit 2) or a counted
// malformed line, never an abort or "internal error": a huge or binary --lspci file, timestamps
// too far apart to be one trace, guest/vCPU ids past 32 bits, a header past the reader's limit.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const REC = path.join(ROOT, 'traces', 'qemu-7.2-linux-6.1-e1000e-rebind');
const LOG = path.join(REC, 'trace-msix.log');
const LSPCI = path.join(REC, 'lspci-vv.txt');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-limits-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args) => spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const out = path.join(tmp, 'o.msixtrace');

function refused(r, re) {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|bad_alloc/);
  assert.equal(fs.existsSync(out), false);
}

test('--lspci /dev/zero: refused at once, one line, no allocation of the endless data', () => {
  const r = run(['capture', LOG, '--lspci', '/dev/zero', '-o', out]);
  refused(r, /^msixtrace: \/dev\/zero: byte 0: NUL byte: binary data, not `lspci -vv` text$/m);
});

test('--lspci of a trace file (binary): refused naming the byte', () => {
  refused(run(['capture', LOG, '--lspci', path.join(REC, 'trace.msixtrace'), '-o', out]), /trace\.msixtrace: byte \d+: NUL byte/);
});

test('--lspci over 64 MiB of text: refused naming the limit', () => {
  const big = path.join(tmp, 'big-lspci.txt');
  const fd = fs.openSync(big, 'w');
  const block = Buffer.from(fs.readFileSync(LSPCI, 'latin1').repeat(2000), 'latin1');
  for (let n = 0; n <= 64 << 20; ) n += fs.writeSync(fd, block);
  fs.closeSync(fd);
  refused(run(['capture', LOG, '--lspci', big, '-o', out]), /big-lspci\.txt: more than 64 MiB, not `lspci -vv` output/);
});

// A first line stamped 0.000001 s after the epoch, then the real recording's 2026 stamps.
const earlyFirst = () => {
  const f = path.join(tmp, 'early.log');
  const first = "6709@0.000001:memory_region_ops_read cpu 1 mr 0x5574d911a060 addr 0xfebc000c value 0x1 size 4 name 'msix-table'\n";
  fs.writeFileSync(f, first + fs.readFileSync(LOG, 'latin1'));
  return f;
};

for (const fast of ['never', 'always']) {
  test(`stamps more than 2^53 ns after the first: malformed lines, skipped and counted (MSIXTRACE_FAST=${fast})`, () => {
    const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'capture', earlyFirst(), '--lspci', LSPCI, '-o', out], {
      encoding: 'utf8', env: { ...process.env, MSIXTRACE_FAST: fast },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /kept\s+1 MSI-X accesses/);
    assert.match(r.stderr, /213 malformed: .*early\.log:2 timestamp 1\.796e\+9 s from the trace start \(more than 2\^53 ns/);
    assert.doesNotMatch(r.stderr, /internal error/);
    fs.rmSync(out, { force: true });
  });
}

test('an impossible stamp under --strict: a clear error naming the line', () => {
  refused(run(['capture', earlyFirst(), '--lspci', LSPCI, '-o', out, '--strict']), /^msixtrace: .*early\.log:2: timestamp 1\.796e\+9 s from the trace start/);
});

const kvmLines = [
  '         kvm-5664  [000] 11906.220183: kvm_mmio: mmio write len 4 gpa 0xfebc000c val 0x0',
  '         kvm-5000000000  [000] 11906.220184: kvm_mmio: mmio write len 4 gpa 0xfebc000c val 0x1',
  '',
].join('\n');

test('a tgid past 2^31: the line is malformed (never wrapped into another guest)', () => {
  const f = path.join(tmp, 'tgid.log');
  fs.writeFileSync(f, kvmLines);
  const r = run(['capture', f, '-f', 'kvm-ftrace', '--lspci', LSPCI, '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /kept\s+1 MSI-X accesses/);
  assert.match(r.stderr, /1 malformed: .*tgid\.log:2 guest id 5000000000 above 2147483647/);
  const d = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'dump', out, '--format', 'csv'], { encoding: 'utf8' });
  assert.equal(d.status, 0, d.stderr);
  assert.doesNotMatch(d.stdout, /705032704/); // 5000000000 mod 2^32
  fs.rmSync(out, { force: true });
  refused(run(['capture', f, '-f', 'kvm-ftrace', '--lspci', LSPCI, '-o', out, '--strict']), /tgid\.log:2: guest id 5000000000 above 2147483647/);
  refused(run(['capture', f, '-f', 'kvm-ftrace', '--lspci', LSPCI, '-o', out, '--guest', '4294967296']), /--guest 4294967296: expected a VM id from 0 to 2147483647/);
});

test('a header past the 64 MiB the reader accepts is refused when writing, before any file exists', () => {
  const target = path.join(tmp, 'huge-header.msixtrace');
  const notes = Array.from({ length: 70 }, (_, i) => `note ${i} ` + 'x'.repeat(1 << 20));
  assert.throws(() => new TraceWriter(target, {
    sourceFormat: 'qemu-log',
    devices: [device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 5 })],
    notes,
  }), (e) => e.name === 'UserError' && /huge-header\.msixtrace: the trace header would take 70\.\d MiB .*; a trace header holds at most 64 MiB/.test(e.message));
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('huge-header')), []);
});
