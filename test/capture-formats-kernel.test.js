'use strict';
// Kernel-side log formats: kvm_mmio via ftrace / trace-cmd / perf script, mmiotrace, xenalyze --dump-all.
// Fixture lines are built column by column from the printf formats in docs/log-formats.md 3-5.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { ACCESS, IGNORED, LOST, newRawAccess } = require('../dist/capture/format.js');
const { kvmFtrace } = require('../dist/capture/formats/kvm-ftrace.js');
const { traceCmd } = require('../dist/capture/formats/trace-cmd.js');
const { perfScript } = require('../dist/capture/formats/perf-script.js');
const { mmiotrace } = require('../dist/capture/formats/mmiotrace.js');
const { xenalyze } = require('../dist/capture/formats/xenalyze.js');

const shared = path.resolve(__dirname, '..', '..', 'shared');
const publicDir = path.join(shared, 'samples', 'public');

// ---- line builders -------------------------------------------------------------------------------

/** ftrace: "%16s-%-7d " ["(%7d) "|"(-------) "] "[%03d] " [flags " "] "%5lu.%06lu: " event ": " text */
function ftrace(comm, pid, cpu, ts, event, text, { pidWidth = 7, tgid, flags } = {}) {
  const tg = tgid === undefined ? '' : tgid === null ? '(-------) ' : `(${String(tgid).padStart(7)}) `;
  const [s, us] = ts.split('.');
  return `${comm.padStart(16)}-${String(pid).padEnd(pidWidth)} ${tg}[${String(cpu).padStart(3, '0')}] ` +
    `${flags ? flags + ' ' : ''}${s.padStart(5)}.${us}: ${event}: ${text}`;
}

/** trace-cmd report: "%16s-%-5d [%03d]" [" " lat] " " time ":" " %s: " + pad to 20, then the info. */
function tracecmd(comm, pid, cpu, ts, event, text, { lat } = {}) {
  return `${comm.padStart(16)}-${String(pid).padEnd(5)} [${String(cpu).padStart(3, '0')}]${lat ? ' ' + lat : ''} ` +
    `${ts.padStart(12)}: ${event}: ${' '.repeat(Math.max(0, 20 - event.length))}${text}`;
}

/** perf script: ["VM:%5d "]["VCPU:%03d "] "%16s " ("%7d "|"%5d "|"%7d/%-7d ") "[%03d] " "%12s: " event ": " text */
function perf(comm, tid, cpu, ts, event, text, { tidWidth = 7, pid, vm, vcpu } = {}) {
  const ids = pid === undefined ? String(tid).padStart(tidWidth) : `${String(pid).padStart(7)}/${String(tid).padEnd(7)}`;
  const guest = (vm === undefined ? '' : `VM:${String(vm).padStart(5)} `) + (vcpu === undefined ? '' : `VCPU:${String(vcpu).padStart(3, '0')} `);
  return `${guest}${comm.padStart(16)} ${ids} [${String(cpu).padStart(3, '0')}] ${ts.padStart(12)}: ${event}: ${text}`;
}

const mmio = (type, len, gpa, val) => `mmio ${type} len ${len} gpa 0x${gpa} val 0x${val}`;

function parseAll(spec, lines) {
  const p = spec.create();
  const out = newRawAccess();
  const results = [];
  const accesses = [];
  for (const line of lines) {
    const r = p.parse(line, out);
    results.push(r);
    if (r === ACCESS) accesses.push({ ...out });
  }
  return { p, results, accesses };
}

function one(spec, line) {
  const { results, accesses } = parseAll(spec, [line]);
  assert.equal(results[0], ACCESS, `not an access: ${line} -> ${results[0]}`);
  return accesses[0];
}

const acc = (o) => ({ tsNs: NaN, guest: -1, vcpu: -1, addr: 0, size: 4, write: false, lo: 0, hi: 0, region: '', ...o });

// ---- ftrace --------------------------------------------------------------------------------------

test('kvm-ftrace: modern prefix (7-wide pid, 5-char lat flags)', () => {
  const line = ftrace('notdxvm', 533084, 88, '14915.616719', 'kvm_mmio', mmio('write', 4, 'c0004014', '0'), { flags: '.....' });
  assert.equal(line, '         notdxvm-533084  [088] ..... 14915.616719: kvm_mmio: mmio write len 4 gpa 0xc0004014 val 0x0');
  assert.deepEqual(one(kvmFtrace, line), acc({ tsNs: 14915616719000, guest: 533084, addr: 0xc0004014, write: true }));
});

test('kvm-ftrace: old prefix (5-wide pid, no lat flags)', () => {
  const line = ftrace('kvm', 5664, 0, '11906.220183', 'kvm_mmio', mmio('write', 4, 'fee000b0', '0'), { pidWidth: 5 });
  assert.equal(line, '             kvm-5664  [000] 11906.220183: kvm_mmio: mmio write len 4 gpa 0xfee000b0 val 0x0');
  assert.deepEqual(one(kvmFtrace, line), acc({ tsNs: 11906220183000, guest: 5664, addr: 0xfee000b0, write: true }));
});

test('kvm-ftrace: 4-char lat flags and a small timestamp', () => {
  const line = ftrace('qemu-system-x86', 4711, 3, '5.000001', 'kvm_mmio', mmio('read', 2, 'febf1004', 'beef'), { flags: 'd..1' });
  assert.deepEqual(one(kvmFtrace, line), acc({ tsNs: 5000001000, guest: 4711, addr: 0xfebf1004, size: 2, lo: 0xbeef }));
});

test('kvm-ftrace: tgid column gives the VM, comm "CPU n/KVM" the vCPU', () => {
  const line = ftrace('CPU 3/KVM', 2875, 5, '100.000200', 'kvm_mmio', mmio('write', 4, 'febd1030', 'fee0300c'), { tgid: 2860, flags: 'd..1.' });
  assert.match(line, /CPU 3\/KVM-2875    \(   2860\) \[005\] d\.\.1\. /);
  assert.deepEqual(one(kvmFtrace, line), acc({ tsNs: 100000200000, guest: 2860, vcpu: 3, addr: 0xfebd1030, write: true, lo: 0xfee0300c }));
});

test('kvm-ftrace: unknown tgid "(-------)" falls back to the thread id', () => {
  const line = ftrace('CPU 12/KVM', 2890, 1, '100.000300', 'kvm_mmio', mmio('write', 4, 'febd1000', '0'), { tgid: null, flags: 'd..1.' });
  assert.match(line, /\(-------\) \[001\]/);
  assert.deepEqual(one(kvmFtrace, line), acc({ tsNs: 100000300000, guest: 2890, vcpu: 12, addr: 0xfebd1000, write: true }));
});

test('kvm-ftrace: other events, headers and blank lines are ignored', () => {
  const lines = [
    '# tracer: nop',
    '#',
    '# entries-in-buffer/entries-written: 12/12   #P:4',
    '',
    ftrace('CPU 0/KVM', 2871, 1, '1.000000', 'kvm_exit', 'reason EPT_MISCONFIG rip 0xffffffff81000000 info 0 0', { flags: 'd..1.' }),
    ftrace('CPU 0/KVM', 2871, 1, '1.000001', 'kvm_fast_mmio', 'fast mmio at gpa 0xfe003000', { flags: 'd..1.' }),
    ftrace('CPU 0/KVM', 2871, 1, '1.000002', 'kvm_entry', 'vcpu 0, rip 0xffffffff81000000', { flags: 'd..1.' }),
    ftrace('CPU 0/KVM', 2871, 1, '1.000003', 'tracing_mark_write', 'note kvm_mmio: mmio write len 4 gpa 0x1 val 0x1', { flags: '.....' }),
  ];
  const { p, results } = parseAll(kvmFtrace, lines);
  assert.deepEqual(results, lines.map(() => IGNORED));
  assert.deepEqual(p.notes, []);
});

test('kvm-ftrace: a kvm_mmio event whose context cannot be read is malformed', () => {
  // trace-cmd report -l latency format ("%8.8s-%-5d %3d") is not supported
  const { results } = parseAll(kvmFtrace, ['CPU 0/KV-2871    1 d..1. 1.000002: kvm_mmio: mmio write len 4 gpa 0xfebd1000 val 0x0']);
  assert.match(results[0], /without a recognizable ftrace context/);
});

test('kvm-ftrace: overwritten ring buffer is noted', () => {
  const { p, results } = parseAll(kvmFtrace, ['# entries-in-buffer/entries-written: 100/250   #P:8']);
  assert.deepEqual(results, [IGNORED]);
  assert.equal(p.notes.length, 1);
  assert.match(p.notes[0], /overwrote the oldest 150 events/);
});

test('kvm-ftrace: lost events', () => {
  const { p, results } = parseAll(kvmFtrace, ['CPU:2 [LOST 123 EVENTS]', 'CPU:0 [LOST 7 EVENTS]', 'CPU:1 [LOST EVENTS]']);
  assert.deepEqual(results, [LOST, LOST, LOST]);
  assert.equal(p.lost, 130);
  assert.match(p.notes[0], /without a count/);
});

test('kvm-ftrace: raw counter clock leaves tsNs unset', () => {
  const line = '       CPU 0/KVM-2871    [001] d..1. 123456789012: kvm_mmio: mmio write len 4 gpa 0xfebd1000 val 0x1';
  const { p, accesses } = parseAll(kvmFtrace, [line]);
  assert.ok(Number.isNaN(accesses[0].tsNs));
  assert.equal(accesses[0].vcpu, 0);
  assert.match(p.notes[0], /raw trace-clock/);
});

// ---- malformed payloads (shared by the three kvm_mmio formats) -----------------------------------

test('kvm_mmio: malformed sizes and values', () => {
  const at = (text) => ftrace('CPU 0/KVM', 2871, 1, '1.000000', 'kvm_mmio', text, { flags: 'd..1.' });
  const { results } = parseAll(kvmFtrace, [
    at(mmio('write', 3, 'febd1000', '1')),
    at(mmio('write', 0, 'febd1000', '1')),
    at(mmio('read', 16, 'febd1000', '1')),
    at(mmio('write', 8, 'febd1000', '1ffffffffffffffff')),
    at('mmio poke len 4 gpa 0xfebd1000 val 0x1'),
    at('mmio write len 4 gpa 0xfebd1000'),
  ]);
  assert.deepEqual(results.slice(0, 4), ['size 3', 'size 0', 'size 16', 'value exceeds 64 bits']);
  assert.equal(typeof results[4], 'string');
  assert.equal(typeof results[5], 'string');
});

test('kvm_mmio: 64-bit values split exactly into halves', () => {
  const at = (text) => ftrace('CPU 0/KVM', 2871, 1, '1.000000', 'kvm_mmio', text, { flags: 'd..1.' });
  assert.deepEqual(one(kvmFtrace, at(mmio('write', 8, 'febd1000', 'ffffffffffffffff'))),
    acc({ tsNs: 1e9, guest: 2871, vcpu: 0, addr: 0xfebd1000, size: 8, write: true, lo: 0xffffffff, hi: 0xffffffff }));
  const a = one(kvmFtrace, at(mmio('write', 8, 'febd1008', '00000000fee0300c12345678')));
  assert.deepEqual([a.hi, a.lo], [0xfee0300c, 0x12345678]); // leading zeros are not significant
  const b = one(kvmFtrace, at(mmio('write', 1, 'febd100c', '1')));
  assert.deepEqual([b.size, b.hi, b.lo], [1, 0, 1]);
});

// ---- unsatisfied-read pairing --------------------------------------------------------------------

const cpu = (n, pid, ts, event, text) => ftrace(`CPU ${n}/KVM`, pid, n, ts, event, text, { tgid: 2860, flags: 'd..1.' });

test('pairing: unsatisfied-read + read is one access with the read\'s value', () => {
  const { results, accesses } = parseAll(kvmFtrace, [
    cpu(0, 2871, '1.000001', 'kvm_exit', 'reason EPT_MISCONFIG rip 0x1 info 0 0'),
    cpu(0, 2871, '1.000002', 'kvm_mmio', mmio('unsatisfied-read', 4, 'febd100c', '0')),
    cpu(0, 2871, '1.000003', 'kvm_userspace_exit', 'reason KVM_EXIT_MMIO (6)'),
    cpu(0, 2871, '1.000009', 'kvm_mmio', mmio('read', 4, 'febd100c', '1')),
    cpu(0, 2871, '1.000010', 'kvm_entry', 'vcpu 0, rip 0x1'),
  ]);
  assert.deepEqual(results, [IGNORED, IGNORED, IGNORED, ACCESS, IGNORED]);
  assert.deepEqual(accesses, [acc({ tsNs: 1000009000, guest: 2860, vcpu: 0, addr: 0xfebd100c, lo: 1 })]);
});

test('pairing: pairs per thread while other vCPUs run', () => {
  const { results, accesses } = parseAll(kvmFtrace, [
    cpu(0, 2871, '1.000002', 'kvm_mmio', mmio('unsatisfied-read', 4, 'febd100c', '0')),
    cpu(1, 2872, '1.000003', 'kvm_mmio', mmio('unsatisfied-read', 4, 'febd101c', '0')),
    cpu(2, 2873, '1.000004', 'kvm_mmio', mmio('write', 4, 'febd102c', '0')),
    cpu(1, 2872, '1.000005', 'kvm_mmio', mmio('read', 4, 'febd101c', '0')),
    cpu(0, 2871, '1.000006', 'kvm_mmio', mmio('read', 4, 'febd100c', '1')),
  ]);
  assert.deepEqual(results, [IGNORED, IGNORED, ACCESS, ACCESS, ACCESS]);
  assert.deepEqual(accesses.map((a) => [a.vcpu, a.addr.toString(16), a.write, a.lo]),
    [[2, 'febd102c', true, 0], [1, 'febd101c', false, 0], [0, 'febd100c', false, 1]]);
});

test('pairing: a read the VMM never completed is still one access (value 0)', () => {
  const { results, accesses } = parseAll(kvmFtrace, [
    cpu(0, 2871, '1.000002', 'kvm_mmio', mmio('unsatisfied-read', 4, 'febd100c', '0')),
    cpu(0, 2871, '1.000010', 'kvm_entry', 'vcpu 0, rip 0x1'),
    cpu(0, 2871, '1.000011', 'kvm_exit', 'reason HLT rip 0x1 info 0 0'),
  ]);
  assert.deepEqual(results, [IGNORED, ACCESS, IGNORED]);
  assert.deepEqual(accesses, [acc({ tsNs: 1000002000, guest: 2860, vcpu: 0, addr: 0xfebd100c })]);
});

test('pairing: an abandoned read followed by another access of the thread keeps both, in order', () => {
  const { p, results, accesses } = parseAll(kvmFtrace, [
    cpu(0, 2871, '1.000002', 'kvm_mmio', mmio('unsatisfied-read', 4, 'febd100c', '0')),
    cpu(0, 2871, '1.000003', 'kvm_mmio', mmio('write', 4, 'febd101c', '1')), // its read was lost
    cpu(1, 2872, '1.000004', 'kvm_mmio', mmio('write', 4, 'febd102c', '2')),
    'CPU:1 [LOST 3 EVENTS]',
    cpu(1, 2872, '1.000005', 'kvm_exit', 'reason HLT rip 0x1 info 0 0'),
    cpu(1, 2872, '1.000006', 'kvm_exit', 'reason HLT rip 0x1 info 0 0'),
  ]);
  assert.deepEqual(results, [IGNORED, ACCESS, ACCESS, LOST, ACCESS, IGNORED]);
  assert.deepEqual(accesses.map((a) => [a.addr.toString(16), a.write, a.lo]),
    [['febd100c', false, 0], ['febd101c', true, 1], ['febd102c', true, 2]]);
  assert.equal(p.lost, 3);
});

test('pairing: a read with another gpa does not complete the open one', () => {
  const { p, results, accesses } = parseAll(kvmFtrace, [
    cpu(0, 2871, '1.000002', 'kvm_mmio', mmio('unsatisfied-read', 4, 'febd100c', '0')),
    cpu(0, 2871, '1.000003', 'kvm_mmio', mmio('read', 4, 'febd101c', '5')),
  ]);
  assert.deepEqual(results, [IGNORED, ACCESS]);
  assert.deepEqual(accesses.map((a) => a.addr.toString(16)), ['febd100c']);
  const out = newRawAccess();
  assert.equal(p.drain(out), true);
  assert.deepEqual([out.addr.toString(16), out.lo], ['febd101c', 5]);
  assert.equal(p.drain(out), false);
});

test('pairing: reads still open at the end come out of drain()', () => {
  const { p, results } = parseAll(kvmFtrace, [cpu(0, 2871, '1.000002', 'kvm_mmio', mmio('unsatisfied-read', 2, 'febd100c', '0'))]);
  assert.deepEqual(results, [IGNORED]);
  const out = newRawAccess();
  assert.equal(p.drain(out), true);
  assert.deepEqual({ ...out }, acc({ tsNs: 1000002000, guest: 2860, vcpu: 0, addr: 0xfebd100c, size: 2 }));
  assert.equal(p.drain(out), false);
});

// ---- trace-cmd -----------------------------------------------------------------------------------

test('trace-cmd: usec timestamps, padded event name', () => {
  const line = tracecmd('CPU 1/KVM', 2871, 3, '12345.678901', 'kvm_mmio', mmio('write', 4, 'febd1000', 'fee02000'), { lat: 'd..1.' });
  assert.equal(line, '       CPU 1/KVM-2871  [003] d..1. 12345.678901: kvm_mmio:             mmio write len 4 gpa 0xfebd1000 val 0xfee02000');
  assert.deepEqual(one(traceCmd, line), acc({ tsNs: 12345678901000, guest: 2871, vcpu: 1, addr: 0xfebd1000, write: true, lo: 0xfee02000 }));
});

test('trace-cmd: nsec timestamps, no latency column', () => {
  const line = tracecmd('qemu-system-x86', 3001, 0, '12345.678901234', 'kvm_mmio', mmio('read', 4, 'febd100c', '0'));
  assert.deepEqual(one(traceCmd, line), acc({ tsNs: 12345678901234, guest: 3001, addr: 0xfebd100c }));
});

test('trace-cmd: pairing, dropped events, header lines', () => {
  const { p, results, accesses } = parseAll(traceCmd, [
    'cpus=4',
    'CPU 2 is empty',
    tracecmd('CPU 0/KVM', 2871, 1, '1.000002', 'kvm_mmio', mmio('unsatisfied-read', 4, 'febd100c', '0'), { lat: 'd..1.' }),
    'CPU:3 [45 EVENTS DROPPED]',
    tracecmd('CPU 0/KVM', 2871, 1, '1.000003', 'kvm_userspace_exit', 'reason KVM_EXIT_MMIO (6)', { lat: 'd..1.' }),
    tracecmd('CPU 0/KVM', 2871, 1, '1.000009', 'kvm_mmio', mmio('read', 4, 'febd100c', '1'), { lat: 'd..1.' }),
  ]);
  assert.deepEqual(results, [IGNORED, IGNORED, IGNORED, LOST, IGNORED, ACCESS]);
  assert.equal(p.lost, 45);
  assert.deepEqual(accesses, [acc({ tsNs: 1000009000, guest: 2871, vcpu: 0, addr: 0xfebd100c, lo: 1 })]);
});

// ---- perf script ---------------------------------------------------------------------------------

test('perf-script: current 7-wide tid', () => {
  const line = perf('CPU 2/KVM', 10044, 0, '313831.754508', 'kvm:kvm_mmio', mmio('write', 4, 'febd1020', 'fee0400c'));
  assert.equal(line, '       CPU 2/KVM   10044 [000] 313831.754508: kvm:kvm_mmio: mmio write len 4 gpa 0xfebd1020 val 0xfee0400c');
  assert.deepEqual(one(perfScript, line), acc({ tsNs: 313831754508000, guest: 10044, vcpu: 2, addr: 0xfebd1020, write: true, lo: 0xfee0400c }));
});

test('perf-script: old 5-wide tid', () => {
  const line = perf('qemu-system-x86', 10042, 0, '313831.754508', 'kvm:kvm_mmio', mmio('write', 4, 'febd1020', '0'), { tidWidth: 5 });
  assert.equal(line, ' qemu-system-x86 10042 [000] 313831.754508: kvm:kvm_mmio: mmio write len 4 gpa 0xfebd1020 val 0x0');
  assert.deepEqual(one(perfScript, line), acc({ tsNs: 313831754508000, guest: 10042, addr: 0xfebd1020, write: true }));
});

test('perf-script: pid/tid form gives the VM as pid', () => {
  const line = perf('CPU 0/KVM', 10044, 2, '1.000001', 'kvm:kvm_mmio', mmio('read', 8, 'febd1000', 'fee0100c'), { pid: 10040 });
  assert.match(line, /  10040\/10044   \[002\]/);
  assert.deepEqual(one(perfScript, line), acc({ tsNs: 1000001000, guest: 10040, vcpu: 0, addr: 0xfebd1000, size: 8, lo: 0xfee0100c }));
});

test('perf-script: VM:/VCPU: prefix and --ns timestamps', () => {
  const line = perf('qemu-system-x86', 10044, 2, '1.000000001', 'kvm:kvm_mmio', mmio('write', 4, 'febd100c', '0'), { vm: 10040, vcpu: 3 });
  assert.match(line, /^VM:10040 VCPU:003 /);
  assert.deepEqual(one(perfScript, line), acc({ tsNs: 1000000001, guest: 10040, vcpu: 3, addr: 0xfebd100c, write: true }));
});

test('perf-script: event name right-aligned among longer names; pairing; lost records', () => {
  const ev = (tid, ts, name, text) => perf('CPU 0/KVM', tid, 1, ts, name.padStart(18), text);
  const { p, results, accesses } = parseAll(perfScript, [
    ev(10044, '1.000001', 'kvm:kvm_exit', 'reason EPT_MISCONFIG rip 0x1 info 0 0'),
    ev(10044, '1.000002', 'kvm:kvm_mmio', mmio('unsatisfied-read', 4, 'febd100c', '0')),
    ev(10044, '1.000003', 'kvm:kvm_userspace_exit', 'reason KVM_EXIT_MMIO (6)'),
    ev(10044, '1.000004', 'kvm:kvm_mmio', mmio('read', 4, 'febd100c', '1')),
    ev(10044, '1.000005', 'kvm:kvm_mmio', mmio('unsatisfied-read', 4, 'febd101c', '0')),
    ev(10044, '1.000006', 'kvm:kvm_entry', 'vcpu 0, rip 0x1'),
    '       CPU 0/KVM   10044 [001]     1.000007: PERF_RECORD_LOST lost 17',
  ]);
  assert.deepEqual(results, [IGNORED, IGNORED, IGNORED, ACCESS, IGNORED, ACCESS, LOST]);
  assert.deepEqual(accesses.map((a) => [a.tsNs, a.addr.toString(16), a.lo]), [[1000004000, 'febd100c', 1], [1000005000, 'febd101c', 0]]);
  assert.equal(p.lost, 17);
});

test('perf-script: malformed payload', () => {
  const { results } = parseAll(perfScript, [perf('CPU 0/KVM', 1, 0, '1.000000', 'kvm:kvm_mmio', mmio('write', 3, 'febd1000', '0'))]);
  assert.deepEqual(results, ['size 3']);
});

// ---- mmiotrace -----------------------------------------------------------------------------------

const MMIOTRACE_SESSION = [
  'VERSION 20070824',
  // 00:03.0 8086:10d3 irq 0x10, BAR0 mem febc0000/0x20000, BAR2 io c000/0x20, BAR3 mem febe0000/0x4000, e1000e
  'PCIDEV 0018 808610d3 10 febc0000 0 c001 febe0000 0 0 0 20000 0 20 4000 0 0 0 e1000e',
  'PCIDEV 00f9 80865ad4 14 92312004 0 0 0 f041 0 0 100 0 0 0 20 0 0 i801_smbus',
  'MAP 10.000001 1 0xfebc0000 0xffffc90000400000 0x20000 0x0 0',
  'MAP 10.000002 2 0x92312000 0xffffc90000010000 0x100 0x0 0',
  'MAP 10.000003 3 0xfebe0000 0xffffc90000020000 0x50 0x0 0', // the MSI-X table: 5 entries * 16
  'R 4 10.000004 1 0xfebc0008 0x80080783 0xffffffffc0123456 0',
  'W 4 10.000005 3 0xfebe0000 0xfee0100c 0xffffffff81234567 0',
  'W 4 10.000006 3 0xfebe0004 0x0 0xffffffff81234567 0',
  'W 4 10.000007 3 0xfebe0008 0x4021 0xffffffff81234567 0',
  'R 4 10.000008 3 0xfebe000c 0x1 0xffffffff81234570 0',
  'W 4 10.000009 3 0xfebe000c 0x0 0xffffffff81234575 0',
  'W 8 10.000010 1 0xfebc0100 0xffffffffffffffff 0xffffffffc0123456 0',
  'UNKNOWN 10.000011 1 0xfebc0200 0f,0b,00 0xffffffffc0123460 0',
  'MARK 10.000012 hello from userspace',
  'MARK 0.000000 Lost 9 events.',
  'UNMAP 10.000013 3 0x0 0',
  'UNMAP 10.000014 1 0x0 0',
];

test('mmiotrace: full session with the MSI-X table mapped on its own', () => {
  const { p, results, accesses } = parseAll(mmiotrace, MMIOTRACE_SESSION);
  assert.deepEqual(results, [IGNORED, IGNORED, IGNORED, IGNORED, IGNORED, IGNORED,
    ACCESS, ACCESS, ACCESS, ACCESS, ACCESS, ACCESS, ACCESS,
    'mmiotrace could not decode the instruction of this access (UNKNOWN)', IGNORED, LOST, IGNORED, IGNORED]);
  assert.deepEqual(p.tableMaps, [{ addr: 0xfebe0000, len: 0x50 }]);
  assert.deepEqual([...p.maps.keys()], [2]);
  assert.equal(p.lost, 9);
  assert.deepEqual(accesses[1], acc({ tsNs: 10000005000, guest: 0, addr: 0xfebe0000, write: true, lo: 0xfee0100c }));
  assert.deepEqual(accesses[4], acc({ tsNs: 10000008000, guest: 0, addr: 0xfebe000c, lo: 1 }));
  assert.deepEqual(accesses[6], acc({ tsNs: 10000010000, guest: 0, addr: 0xfebc0100, size: 8, write: true, lo: 0xffffffff, hi: 0xffffffff }));
});

test('mmiotrace: malformed records', () => {
  const { results } = parseAll(mmiotrace, [
    'W 3 10.000005 3 0xfebe0000 0x1 0x0 0',
    'R 16 10.000005 3 0xfebe0000 0x1 0x0 0',
    'W 8 10.000005 3 0xfebe0000 0x1ffffffffffffffff 0x0 0',
    'W 4 10.000005 3 0xfebe0000',
  ]);
  assert.deepEqual(results.slice(0, 3), ['size 3', 'size 16', 'value exceeds 64 bits']);
  assert.equal(typeof results[3], 'string');
});

// ---- xenalyze ------------------------------------------------------------------------------------

test('xenalyze: mmio_assist with data and without', () => {
  const { p, results, accesses } = parseAll(xenalyze, [
    ']  1.234567890 -x-- d3v0 mmio_assist w gpa f1000000 data fee0100c',
    ' 1.234567991 -x-- d3v0 vmexit exit_reason EPT_VIOLATION eip ffffffff81000000',
    ']  2.000000001 x  | d3v1 mmio_assist r gpa f100000c (no data)',
    ']               x--- d?v? mmio_assist r gpa f100001c data 1',
    '  3.000000000 -x-- d0v0 lost_records count 12 d3v0 (cur d0v0) first_tsc 1234',
  ]);
  assert.deepEqual(results, [ACCESS, IGNORED, ACCESS, ACCESS, LOST]);
  assert.deepEqual(accesses[0], acc({ tsNs: 1234567890, guest: 3, vcpu: 0, addr: 0xf1000000, write: true, lo: 0xfee0100c }));
  assert.deepEqual(accesses[1], acc({ tsNs: 2000000001, guest: 3, vcpu: 1, addr: 0xf100000c }));
  assert.deepEqual(accesses[2], acc({ guest: -1, vcpu: -1, addr: 0xf100001c, lo: 1 }));
  assert.deepEqual(p.notes, ['xenalyze does not record access sizes: every access assumed 4 bytes']);
  assert.equal(p.lost, 12);
});

test('xenalyze: malformed mmio_assist', () => {
  const { results } = parseAll(xenalyze, [']  1.234567890 -x-- d3v0 mmio_assist w gpa f1000000 data 1fee0100c']);
  assert.equal(results[0], 'value exceeds 32 bits');
});

// ---- detection -----------------------------------------------------------------------------------

const SPECS = { 'kvm-ftrace': kvmFtrace, 'trace-cmd': traceCmd, 'perf-script': perfScript, mmiotrace, xenalyze };

const FIXTURES = {
  'kvm-ftrace (trace file)': ['kvm-ftrace', [
    '# tracer: nop', '#', '# entries-in-buffer/entries-written: 3/3   #P:4', '#',
    '#                                _-----=> irqs-off/BH-disabled',
    '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION', '#              | |         |   |||||     |         |',
    ftrace('CPU 0/KVM', 2871, 1, '1.000001', 'kvm_mmio', mmio('write', 4, 'febd1000', '0'), { flags: 'd..1.' }),
  ]],
  'kvm-ftrace (trace_pipe, modern)': ['kvm-ftrace', [
    ftrace('CPU 0/KVM', 2871, 1, '1.000001', 'kvm_exit', 'reason EPT_MISCONFIG rip 0x1 info 0 0', { flags: 'd..1.' }),
    ftrace('CPU 0/KVM', 2871, 1, '1.000002', 'kvm_mmio', mmio('write', 4, 'febd1000', '0'), { flags: 'd..1.' }),
  ]],
  'kvm-ftrace (trace_pipe, old, tgid)': ['kvm-ftrace', [
    ftrace('kvm', 5664, 0, '11906.220183', 'kvm_mmio', mmio('write', 4, 'fee000b0', '0'), { pidWidth: 5 }),
    ftrace('kvm', 5664, 0, '11906.220185', 'kvm_entry', 'vcpu 0', { pidWidth: 5, tgid: 5660 }),
  ]],
  'trace-cmd': ['trace-cmd', [
    'cpus=4',
    tracecmd('CPU 0/KVM', 2871, 1, '1.000001', 'kvm_exit', 'reason EPT_MISCONFIG rip 0x1 info 0 0', { lat: 'd..1.' }),
    tracecmd('CPU 0/KVM', 2871, 1, '1.000002', 'kvm_mmio', mmio('write', 4, 'febd1000', '0'), { lat: 'd..1.' }),
  ]],
  'trace-cmd (no header, nsec)': ['trace-cmd', [
    tracecmd('CPU 0/KVM', 2871, 1, '1.000000002', 'kvm_mmio', mmio('write', 4, 'febd1000', '0')),
  ]],
  'perf-script': ['perf-script', [
    perf('CPU 0/KVM', 10044, 1, '1.000001', 'kvm:kvm_mmio', mmio('write', 4, 'febd1000', '0')),
  ]],
  'perf-script (pid/tid, VM)': ['perf-script', [
    perf('CPU 0/KVM', 10044, 1, '1.000000001', 'kvm:kvm_mmio', mmio('write', 4, 'febd1000', '0'), { pid: 10040, vm: 10040, vcpu: 0 }),
  ]],
  mmiotrace: ['mmiotrace', MMIOTRACE_SESSION],
  'mmiotrace (no VERSION line)': ['mmiotrace', MMIOTRACE_SESSION.slice(3)],
  'mmiotrace (trace file with the ftrace header)': ['mmiotrace', [
    '# tracer: mmiotrace', '#', '# entries-in-buffer/entries-written: 12/12   #P:4', '#', ...MMIOTRACE_SESSION.slice(3),
  ]],
  xenalyze: ['xenalyze', [
    ' 1.234567000 -x-- d3v0 vmexit exit_reason EPT_VIOLATION eip ffffffff81000000',
    ']  1.234567890 -x-- d3v0 mmio_assist w gpa f1000000 data fee0100c',
  ]],
};

for (const [name, [format, lines]] of Object.entries(FIXTURES)) {
  test(`detect: ${name}`, () => {
    const nonEmpty = lines.filter((l) => l.trim() !== '').slice(0, 50);
    const hits = Object.entries(SPECS).filter(([, s]) => s.detect(nonEmpty)).map(([f]) => f);
    assert.deepEqual(hits, [format]);
  });
}

test('detect: QEMU log lines are none of these', () => {
  const lines = ["19028@1795667403.334039:memory_region_ops_read cpu 1 mr 0x7f78700d4650 addr 0xfebc000c value 0x1 size 4 name 'msix-table'"];
  assert.deepEqual(Object.values(SPECS).filter((s) => s.detect(lines)), []);
});

// ---- real public snippets (reference samples beside the checkout) ----------------------------

function sampleLines(file) {
  const buf = fs.readFileSync(file);
  const text = file.endsWith('.gz') ? zlib.gunzipSync(buf).toString('latin1') : buf.toString('latin1');
  return text.split('\n').map((l) => l.replace(/\r$/, ''));
}
const firstLines = (lines) => lines.filter((l) => l.trim() !== '').slice(0, 50);
const detected = (lines) => Object.entries(SPECS).filter(([, s]) => s.detect(firstLines(lines))).map(([f]) => f);

test('public: old ftrace trace_pipe with one kvm_mmio line', { skip: !fs.existsSync(publicDir) }, () => {
  const lines = sampleLines(path.join(publicDir, 'ftrace-trace_pipe-kvm_mmio-old.txt'));
  assert.deepEqual(detected(lines), ['kvm-ftrace']);
  const { results, accesses } = parseAll(kvmFtrace, lines);
  assert.equal(results.filter((r) => r !== IGNORED).length, 1);
  assert.deepEqual(accesses, [acc({ tsNs: 11906220183000, guest: 5664, addr: 0xfee000b0, write: true })]);
});

test('public: mmiotrace of a host driver (no MSI-X table map)', { skip: !fs.existsSync(publicDir) }, () => {
  const lines = sampleLines(path.join(publicDir, 'mmiotrace-ipu4-excerpt.txt'));
  assert.deepEqual(detected(lines), ['mmiotrace']);
  const { p, results, accesses } = parseAll(mmiotrace, lines);
  const rw = lines.filter((l) => /^[RW] /.test(l)).length;
  assert.ok(rw > 0);
  assert.equal(accesses.length, rw);
  assert.equal(results.filter((r) => typeof r === 'string').length, 0);
  assert.deepEqual(p.tableMaps, []);
  assert.deepEqual([...p.maps.values()], [{ addr: 0x90000000, len: 0x1000000 }]);
  assert.deepEqual(accesses[0], acc({ tsNs: 1037681772000, guest: 0, addr: 0x90000300, lo: 0x37002 }));
});

test('public: other tools\' output is not detected as a kernel format', { skip: !fs.existsSync(publicDir) }, () => {
  const others = fs.readdirSync(publicDir)
    .filter((f) => f.endsWith('.txt') && !f.endsWith('.source.txt') && !f.startsWith('ftrace-') && !f.startsWith('mmiotrace-'));
  assert.ok(others.includes('perf-kvm-stat-report-mmio-2012.txt'));
  for (const f of others) assert.deepEqual(detected(sampleLines(path.join(publicDir, f))), [], f);
  const e1000e = path.join(shared, 'samples', 'qemu-7.2-linux-6.1-e1000e');
  for (const f of ['trace-msix.log', 'trace-full.log.gz', 'lspci-vv.txt']) {
    const file = path.join(e1000e, f);
    if (fs.existsSync(file)) assert.deepEqual(detected(sampleLines(file)), [], f);
  }
});
