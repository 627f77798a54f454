// The native scan of ftrace kvm_mmio lines (native/capture/scan_kvm.c via src/capture/fastpath-kvm.ts)
// against the JavaScript reference path (MSIXTRACE_FAST=never): the same events (dump output) and the
// same summary, on the KVM recordings (a geometry per VM, and one geometry for every VM, whose
// devices are added as the VMs show up) and on a log of edge cases: contexts of every shape, reads
// KVM could not satisfy (completed, abandoned by another access, by kvm_entry/kvm_exit, left open at
// the end), lost-event and header lines, malformed payloads before and after the summary has its
// first places, guests without a geometry, ids past 2^31, batch boundaries.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'msixtrace.js');
const REC = path.join(ROOT, 'traces', 'kvm-2vm-40r');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-fastpath-kvm-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args, env) {
  return spawnSync(process.execPath, [...NODE_FLAGS, BIN, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } });
}

function captureIn(mode, log, geometry, extra) {
  const out = path.join(tmp, `${path.basename(log)}-${mode}.msixtrace`);
  const r = run(['capture', log, ...geometry, ...extra, '-o', out], { MSIXTRACE_FAST: mode, MSIXTRACE_DEBUG: '' });
  const summary = r.stderr.split(out).join('OUT');
  if (r.status !== 0) return { status: r.status, summary, dump: '' };
  const d = run(['dump', out]);
  assert.equal(d.status, 0, d.stderr);
  return { status: r.status, summary, dump: d.stdout };
}

function same(log, geometry, extra = []) {
  const slow = captureIn('never', log, geometry, extra);
  const fast = captureIn('always', log, geometry, extra);
  assert.equal(fast.status, slow.status, `${log}: exit status\n${fast.summary}\n${slow.summary}`);
  assert.equal(fast.summary, slow.summary, `${log}: summary`);
  assert.ok(fast.dump === slow.dump, `${log}: dumped events differ`);
  return { fast, slow };
}

const perGuest = ['--mtree', `14938=${path.join(REC, 'mtree-vm1.txt')}`, '--mtree', `14958=${path.join(REC, 'mtree-vm2.txt')}`];
const oneForAll = ['--mtree', path.join(REC, 'mtree-vm1.txt')];

test('fast path = reference path on the KVM recordings (a geometry per VM, one for all VMs)', { skip: !fs.existsSync(REC) && 'traces/kvm-2vm-40r missing' }, () => {
  const { fast } = same(path.join(REC, 'ftrace.txt.gz'), perGuest);
  assert.match(fast.summary, /kept\s+5,956 MSI-X accesses/);
  same(path.join(REC, 'ftrace.txt.gz'), oneForAll);
  const one = path.join(ROOT, 'traces', 'kvm-1vm-8r');
  same(path.join(one, 'ftrace.txt'), ['--mtree', path.join(one, 'mtree-vm1.txt')]);
});

// Lines of two VMs (tgid 100 and 200, threads 101/102 and 201) around the table at 0xfebc0000
// (5 entries) and its PBA at 0xfebc2000.
function edgeLog() {
  const L = [];
  let us = 0;
  const stamp = () => `${1000 + Math.floor(us / 1e6)}.${String((us += 13) % 1e6).padStart(6, '0')}`;
  const ctx = (thread, tgid, vcpu = 0, flags = '.....') => `${`CPU ${vcpu}/KVM`.padStart(16)}-${String(thread).padEnd(7)} (${String(tgid).padStart(7)}) [001] ${flags} ${stamp()}: `;
  const mmio = (thread, tgid, type, addr, val, len = 4, vcpu = 0) => `${ctx(thread, tgid, vcpu)}kvm_mmio: mmio ${type} len ${len} gpa 0x${addr.toString(16)} val 0x${val.toString(16)}`;
  const entry = (thread, tgid) => `${ctx(thread, tgid)}kvm_entry: vcpu 0, rip 0xffffffff81000000`;
  const exit = (thread, tgid) => `${ctx(thread, tgid)}kvm_exit: reason EPT_MISCONFIG rip 0xffffffff81000000 info 0 0`;
  const T = 0xfebc0000;
  L.push('# tracer: nop', '#', '# entries-in-buffer/entries-written: 100/100   #P:2', '#');
  // the first access (the JavaScript path starts the clock), then plain traffic of both VMs
  L.push(mmio(101, 100, 'write', T + 12, 1));
  for (let i = 0; i < 200; i++) L.push(mmio(i % 2 ? 101 : 201, i % 2 ? 100 : 200, 'write', T + 16 * (i % 5) + 12, i & 1));
  const odd = [
    // reads KVM could not satisfy
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(101, 100, 'read', T + 12, 1)],
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(201, 200, 'write', T + 28, 0), mmio(101, 100, 'read', T + 12, 1)],
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(101, 100, 'read', T + 28, 1)], // another address: abandoned
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(101, 100, 'read', T + 12, 1, 2)], // another size
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(101, 100, 'write', T + 12, 1)],
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(101, 100, 'unsatisfied-read', T + 28, 0), mmio(101, 100, 'read', T + 28, 1)],
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), entry(101, 100)],
    [mmio(102, 100, 'unsatisfied-read', T + 12, 0, 4, 1), exit(102, 100)],
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), entry(201, 200), mmio(101, 100, 'read', T + 12, 1)], // another thread's entry
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(201, 200, 'unsatisfied-read', T + 12, 0), mmio(201, 200, 'read', T + 12, 1),
      'garbage line', mmio(101, 100, 'read', T + 12, 1)],
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(101, 100, 'write', T + 12, 3, 3)], // malformed: open stays
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), mmio(101, 100, 'write', 0x10000000, 3)], // abandoned by an access outside
    [mmio(101, 100, 'unsatisfied-read', T + 12, 0), `CPU:1 [LOST 7 EVENTS]`, mmio(101, 100, 'read', T + 12, 1)],
    // contexts
    [`${'CPU 3/KVM'.padStart(16)}-101     (    100) [001] d..1 ${stamp()}: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'CPU 3/KVM'.padStart(16)}-101     (    100) [001] ${stamp()}: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'qemu-system-x86'.padStart(16)}-101     (    100) [001] ..... ${stamp()}: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'CPU 3/KVM'.padStart(16)}-101     (-------) [001] ..... ${stamp()}: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'CPU 3/KVM'.padStart(16)}-101     [001] ..... ${stamp()}: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'CPU 3/KVM'.padStart(16)}-101     (    100) [001] ..... 123456789: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'CPU 3/KVM'.padStart(16)}-101     (    100) [001] ..... ${stamp()}: kvm_mmio:  mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'CPU 3/KVM'.padStart(16)}-101     (    100) [001] ..... ${stamp()}: other: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'CPU 99999999999/KVM'.padStart(16)}-101     (    100) [001] ..... ${stamp()}: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${'CPU 3/KVM'.padStart(16)}-101     (9999999999) [001] ..... ${stamp()}: kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [mmio(301, 300, 'write', T + 12, 1)], // a guest without a geometry of its own (one for all: its own copy)
    [mmio(101, 100, 'write', T + 12, 1) + '\r'],
    [mmio(101, 100, 'write', T + 12, 1) + ' trailing'],
    [`${ctx(101, 100)}kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x1\0`],
    // payloads
    [mmio(101, 100, 'write', T + 12, 0x100, 1)],
    [mmio(101, 100, 'write', T + 12, 1, 3)],
    [mmio(101, 100, 'write', T + 12, 1, 8)],
    [mmio(101, 100, 'write', T + 8, 0x123456789abcdef, 8)],
    [`${ctx(101, 100)}kvm_mmio: mmio write len 0004 gpa 0x${(T + 12).toString(16)} val 0x0000000001`],
    [`${ctx(101, 100)}kvm_mmio: mmio write len 4 gpa 0x00000000000${(T + 12).toString(16)} val 0x1`],
    [`${ctx(101, 100)}kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)} val 0x11112222333344445`],
    [`${ctx(101, 100)}kvm_mmio: mmio write len 4 gpa 0x${(T + 12).toString(16)}`],
    [`${ctx(101, 100)}kvm_mmio: mmio poke len 4 gpa 0x${(T + 12).toString(16)} val 0x1`],
    [`${ctx(101, 100)}kvm_mmio: something else`],
    [mmio(101, 100, 'write', 0x20000000000000, 1)],
    [mmio(101, 100, 'write', T + 0x2000, 1, 8)], // the PBA
    [mmio(101, 100, 'read', T + 0x5000, 1)], // outside: skipped
    [`CPU:0 [LOST EVENTS]`, `# entries-in-buffer/entries-written: 5/9`, '', '#'],
  ];
  for (let k = 0; k < 2; k++) {
    for (const lines of odd) {
      L.push(...lines);
      for (let i = 0; i < 300; i++) L.push(mmio(i % 3 ? 101 : 201, i % 3 ? 100 : 200, i % 4 ? 'write' : 'read', T + 16 * (i % 5) + 4 * (i % 4), i % 4 === 3 ? i & 1 : i));
    }
  }
  // malformed lines past the summary's first places (counted natively), open reads at the end
  for (let i = 0; i < 50; i++) L.push(mmio(101, 100, 'write', T + 12, 1, 3));
  for (let i = 0; i < 70000; i++) {
    const th = i % 2 ? 101 : 201;
    const g = i % 2 ? 100 : 200;
    if (i % 7 === 0) L.push(mmio(th, g, 'unsatisfied-read', T + 12, 0));
    else if (i % 7 === 1) L.push(mmio(th, g, 'read', T + 12, 1));
    else L.push(mmio(th, g, 'write', T + 16 * (i % 5), i));
  }
  L.push(mmio(101, 100, 'unsatisfied-read', T + 28, 0), mmio(201, 200, 'unsatisfied-read', T + 12, 0));
  return L.join('\n') + '\n';
}

test('fast path = reference path on a log of edge cases (summary, events, --strict)', () => {
  const log = path.join(tmp, 'edge.txt');
  fs.writeFileSync(log, edgeLog(), 'latin1');
  const table = ['--table', '0xfebc0000:5', '--pba', '0xfebc2000'];
  const { fast } = same(log, table);
  assert.match(fast.summary, /malformed/);
  assert.match(fast.summary, /lost\s+\d+ events/);
  same(log, table, ['--strict']);
  // the same lines as the first VM's own log: one geometry per guest, the rest without one
  const lspci = path.join(tmp, 'lspci.txt');
  fs.writeFileSync(lspci, `00:03.0 Ethernet controller [0200]: Intel Corporation 82574L Gigabit Network Connection [8086:10d3]
\tRegion 3: Memory at febc0000 (32-bit, non-prefetchable) [size=16K]
\tCapabilities: [a0] MSI-X: Enable+ Count=5 Masked-
\t\tVector table: BAR=3 offset=00000000
\t\tPBA: BAR=3 offset=00002000
`);
  same(log, ['--lspci', `100=${lspci}`, '--lspci', `200=${lspci}`]);
});

test('a long host trace: the native scan takes almost every line, with the same result (batch boundaries crossed)', { skip: !fs.existsSync(REC) && 'traces/kvm-2vm-40r missing' }, () => {
  // 60 repetitions of the recording, stamps moved on by 100 s each time (speed: bench/RESULTS.md).
  const text = require('zlib').gunzipSync(fs.readFileSync(path.join(REC, 'ftrace.txt.gz'))).toString('latin1');
  const body = text.split('\n').filter((l) => l && !l.startsWith('#'));
  const out = [];
  for (let k = 0; k < 60; k++) {
    for (const l of body) out.push(l.replace(/ (\d+)\.(\d{6}): /, (_, s, f) => ` ${Number(s) + 100 * k}.${f}: `));
  }
  const log = path.join(tmp, 'long.txt');
  fs.writeFileSync(log, out.join('\n') + '\n');
  same(log, perGuest);
  const out2 = path.join(tmp, 'long-debug.msixtrace');
  const r = run(['capture', log, ...perGuest, '-o', out2], { MSIXTRACE_DEBUG: '1' });
  assert.equal(r.status, 0, r.stderr);
  const m = /debug: .*long\.txt: (\d+) of (\d+) lines scanned natively/.exec(r.stderr);
  assert.ok(m, r.stderr);
  // all but the lines before each VM's first access, and the ones JavaScript takes to place a device
  assert.ok(Number(m[1]) > 0.99 * Number(m[2]), r.stderr);
  assert.equal(Number(m[2]), out.length);
});
