// End to end on the real recording (the reference sample qemu-7.2-linux-6.1-e1000e, outside the repository): capture the
// filtered log and the full unfiltered .gz with the guest's lspci, and check the dumped events
// against the README's counts and, access by access, against the log lines.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const SAMPLE = path.resolve(__dirname, '..', '..', 'shared', 'samples', 'qemu-7.2-linux-6.1-e1000e');
const present = fs.existsSync(SAMPLE);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-capture-e1000e-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args, input) {
  return spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
}

function captureAndDump(log, out) {
  const r = run(['capture', path.join(SAMPLE, log), '--lspci', path.join(SAMPLE, 'lspci-vv.txt'), '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const d = run(['dump', out]);
  assert.equal(d.status, 0, d.stderr);
  return { summary: r.stderr, events: d.stdout.trim().split('\n').map((l) => JSON.parse(l)) };
}

function checkCounts(events) {
  assert.equal(events.length, 269);
  const reads = events.filter((e) => e.dir === 'r');
  const writes = events.filter((e) => e.dir === 'w');
  assert.equal(reads.length, 76);
  assert.equal(writes.length, 193);
  assert.ok(events.every((e) => e.region === 'table' && e.device === 0 && e.size === 4 && e.guest === 0));
  assert.equal(reads.filter((e) => e.offset === 0).length, 28);
  assert.equal(reads.filter((e) => e.offset % 16 === 8).length, 45);
  assert.equal(reads.filter((e) => e.offset % 16 === 12).length, 3);
  assert.equal(reads.filter((e) => e.offset % 16 === 0 && e.offset !== 0).length, 0);
  assert.equal(reads.filter((e) => e.offset % 16 === 4).length, 0);
  assert.deepEqual([0, 4, 8, 12].map((f) => writes.filter((e) => e.offset % 16 === f).length), [45, 45, 45, 58]);
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => events.filter((e) => Math.floor(e.offset / 16) === n).length), [139, 107, 21, 1, 1]);
  assert.deepEqual([0, 1].map((c) => events.filter((e) => e.vcpu === c).length), [103, 166]);
}

test('trace-msix.log + lspci-vv.txt: the 269 accesses, field by field and line by line', { skip: !present }, () => {
  const out = path.join(tmp, 'msix.msixtrace');
  const { events, summary } = captureAndDump('trace-msix.log', out);
  checkCounts(events);
  // Every event is its log line: offset from the table base, value, vCPU, ts from the first line.
  const lines = fs.readFileSync(path.join(SAMPLE, 'trace-msix.log'), 'utf8').trim().split('\n');
  const LINE = /^\d+@(\d+)\.(\d{6}):memory_region_ops_(read|write) cpu (\d+) mr 0x[0-9a-f]+ addr 0x([0-9a-f]+) value 0x([0-9a-f]+) size (\d+) name 'msix-table'$/;
  const t0 = BigInt(LINE.exec(lines[0])[1]) * 1000000n + BigInt(LINE.exec(lines[0])[2]);
  lines.forEach((l, i) => {
    const m = LINE.exec(l);
    const e = events[i];
    const us = BigInt(m[1]) * 1000000n + BigInt(m[2]);
    assert.equal(e.ts_ns, Number((us - t0) * 1000n), `line ${i + 1}`);
    assert.equal(e.dir, m[3] === 'write' ? 'w' : 'r');
    assert.equal(e.vcpu, Number(m[4]));
    assert.equal(e.offset, parseInt(m[5], 16) - 0xfebc0000);
    assert.equal(e.value, '0x' + m[6]);
  });
  assert.match(summary, /read 269 lines/);
  assert.match(summary, /table 76 reads 193 writes, PBA 0 reads 0 writes/);

  const h = JSON.parse(run(['dump', out, '--header']).stdout);
  assert.equal(h.source, 'qemu-log');
  assert.equal(h.trace_start_unix_ns, '1795667403334039000');
  assert.deepEqual(
    [h.devices.length, h.devices[0].bdf, h.devices[0].vendor, h.devices[0].device, h.devices[0].table_gpa, h.devices[0].table_entries, h.devices[0].table_bar, h.devices[0].pba_gpa, h.devices[0].pba_offset],
    [1, '0000:00:01.0', '0x8086', '0x10d3', '0xfebc0000', 5, 3, '0xfebc2000', '0x2000'],
  );
});

test('trace-full.log.gz (357,912 lines, every region) gives the same 269 accesses', { skip: !present }, () => {
  const msix = captureAndDump('trace-msix.log', path.join(tmp, 'a.msixtrace'));
  const full = captureAndDump('trace-full.log.gz', path.join(tmp, 'full.msixtrace'));
  checkCounts(full.events);
  assert.deepEqual(full.events, msix.events);
  assert.match(full.summary, /read 357,912 lines/);
  assert.match(full.summary, /357,643 lines that are no MSI-X table\/PBA access/);
  assert.match(full.summary, / 0 malformed/);
});

test('the full log from stdin, still gzipped, gives the same trace', { skip: !present }, () => {
  const out = path.join(tmp, 'stdin.msixtrace');
  const r = run(['capture', '-', '--lspci', path.join(SAMPLE, 'lspci-vv.txt'), '-o', out], fs.readFileSync(path.join(SAMPLE, 'trace-full.log.gz')));
  assert.equal(r.status, 0, r.stderr);
  checkCounts(run(['dump', out]).stdout.trim().split('\n').map((l) => JSON.parse(l)));
  assert.match(r.stderr, /from stdin/);
});

test('a log split in two files is one trace, aligned by the wall clock', { skip: !present }, () => {
  const lines = fs.readFileSync(path.join(SAMPLE, 'trace-msix.log'), 'utf8').split('\n');
  const a = path.join(tmp, 'part1.log');
  const b = path.join(tmp, 'part2.log');
  fs.writeFileSync(a, lines.slice(0, 100).join('\n') + '\n');
  fs.writeFileSync(b, lines.slice(100).join('\n'));
  const whole = captureAndDump('trace-msix.log', path.join(tmp, 'whole.msixtrace')).events;
  const out = path.join(tmp, 'parts.msixtrace');
  const r = run(['capture', a, b, '--lspci', path.join(SAMPLE, 'lspci-vv.txt'), '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(run(['dump', out]).stdout.trim().split('\n').map((l) => JSON.parse(l)), whole);
  assert.deepEqual(JSON.parse(run(['dump', out, '--header']).stdout).source_files, [a, b]);
});

test('--table/--pba instead of lspci: same events', { skip: !present }, () => {
  const out = path.join(tmp, 'flags.msixtrace');
  const r = run(['capture', path.join(SAMPLE, 'trace-msix.log'), '--table', '0xfebc0000:5', '--pba', 'febc2000', '--guest', '7', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const events = run(['dump', out]).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.length, 269);
  assert.ok(events.every((e) => e.guest === 7));
  const h = JSON.parse(run(['dump', out, '--header']).stdout);
  assert.deepEqual([h.devices[0].table_gpa, h.devices[0].pba_gpa, h.devices[0].table_entries, h.devices[0].bdf], ['0xfebc0000', '0xfebc2000', 5, null]);
});
