// Bad-input matrix for `msixtrace capture`, the verb that reads logs and lspci text:
//  - every bad input file (log or lspci) -> exit 2, one stderr line "msixtrace: <file>...", nothing
//    on stdout, no stack trace, and no output: a previous -o file keeps its bytes, a missing one
//    stays missing, no temporary is left beside it;
//  - a table of 2048 entries (the largest legal one) works end to end;
//  - bad lines inside a good log, for every text format: skipped and listed in the summary with
//    file:line, exit 0, every good access kept exactly (an 8-byte 0xffffffffffffffff write stays
//    that); with --strict the first bad line is exit 2 naming file:line.
// test/capture-bad-input.test.js holds the first, hand-written cases (qemu-log); this file is the
// systematic version over the fixtures in test/bad-inputs/ and over all six text formats.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runCli } = require('./helpers/cli');
const { capture } = require('../dist/capture/capture.js');
const { TraceReader } = require('../dist/tracefile/reader.js');

const BAD = path.join(__dirname, 'bad-inputs');
const LSPCI_2048 = path.join(BAD, 'lspci-2048.txt'); // table 0xfe000000 (2048 entries), PBA 0xfe008000
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-rel-capture-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args, input) => runCli(args, { input, cwd: tmp });

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const write = (name, data) => { const f = path.join(tmp, name); fs.writeFileSync(f, data); return f; };

// One good QEMU 7.2 line for the 2048-entry device.
const qline = (us, dir, addr, value, size = 4, name = addr >= 0xfe008000 ? 'msix-pba' : 'msix-table') =>
  `2001@1795667403.${String(us).padStart(6, '0')}:memory_region_ops_${dir} cpu 0 mr 0x7f78700d4650 addr 0x${addr.toString(16)} value 0x${value} size ${size} name '${name}'`;
const GOOD_LOG = write('good.log', `${qline(1, 'write', 0xfe000000, 'fee01004')}\n${qline(2, 'write', 0xfe000008, '4022')}\n`);

/** Runs capture twice: over a previous output (kept byte for byte) and with none (none created). */
async function assertRefused(args, name, where, input) {
  for (const fresh of [false, true]) {
    const dir = fs.mkdtempSync(path.join(tmp, 'out-'));
    const out = path.join(dir, 'trace.msixtrace');
    const previous = Buffer.from('a previous trace, left alone\n');
    if (!fresh) fs.writeFileSync(out, previous);
    const r = await run(['capture', ...args, '-o', out], input);
    const ctx = `exit ${r.code}\nstderr: ${r.err}\nstdout: ${r.out}`;
    assert.equal(r.code, 2, ctx);
    assert.equal(r.out, '', ctx);
    assert.doesNotMatch(r.err, /^\s+at /m, ctx);
    const lines = r.err.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, ctx);
    assert.match(lines[0], new RegExp(`^msixtrace: .*${esc(name)}`), ctx);
    if (where) assert.match(lines[0], where, ctx);
    if (fresh) assert.equal(fs.existsSync(out), false, ctx);
    else assert.deepEqual(fs.readFileSync(out), previous, ctx);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f !== 'trace.msixtrace'), [], 'no temporary left');
  }
}

// ---- bad input files -----------------------------------------------------------------------------

const BAD_LOGS = [
  ['an empty log', () => write('empty.log', ''), /empty\.log: empty/],
  ['binary garbage', () => path.join(BAD, 'garbage.bin'), /garbage\.bin: not a text trace log/],
  ['a truncated .gz', () => path.join(BAD, 'truncated.log.gz'), /truncated\.log\.gz: byte \d+: truncated gzip data/],
  ['an empty .gz', () => write('empty.log.gz', require('zlib').gzipSync('')), /empty\.log\.gz: empty after decompression/],
  ['a log with no MSI-X access', () => path.join(BAD, 'no-msix.log'), /no-msix\.log: no MSI-X table or PBA accesses found \(3 lines read\)/],
  ['prose', () => write('prose.txt', 'Dear diary,\ntoday I traced nothing.\n'), /cannot tell the log format of .*prose\.txt/],
  ['a .msixtrace given as a log', () => write('given.msixtrace', Buffer.from([0x0a, 0x10, 0x0a, 0x0e, 0x08, 0x01, 0x12, 0x05, 0x30, 0x2e, 0x31, 0x2e, 0x30, 0x00, 0x00, 0xff, 0xfe, 0x01])), /given\.msixtrace: not a text trace log/],
  ['a missing log', () => path.join(tmp, 'missing.log'), /missing\.log: no such file/],
  ['a directory', () => fs.mkdtempSync(path.join(tmp, 'logdir-')), /logdir-\w+: is a directory/],
];

for (const [kind, file, where] of BAD_LOGS) {
  test(`capture: ${kind} is refused (exit 2, one line, nothing written)`, async () => {
    const f = file();
    await assertRefused([f, '--lspci', LSPCI_2048], path.basename(f), where);
  });
}

test('capture: a bad log on stdin is named "stdin"', async () => {
  await assertRefused(['-', '--lspci', LSPCI_2048], 'stdin', /stdin: empty/, '');
  await assertRefused(['-', '--lspci', LSPCI_2048], 'stdin', /stdin: not a text trace log/, fs.readFileSync(path.join(BAD, 'garbage.bin')));
  await assertRefused(['-', '--lspci', LSPCI_2048], 'stdin', /stdin: no MSI-X table or PBA accesses/, fs.readFileSync(path.join(BAD, 'no-msix.log')));
});

const BAD_GEOMETRY = [
  ['an lspci without MSI-X', ['--lspci', path.join(BAD, 'lspci-no-msix.txt')], 'lspci-no-msix.txt', /no MSI-X capability found/],
  ['two devices whose tables overlap', ['--lspci', path.join(BAD, 'lspci-overlap.txt')], 'lspci-overlap.txt', /table of device 0000:00:03\.0 at 0xfebc0000-0xfebc004f overlaps the table of device 0000:00:04\.0/],
  ['garbage as lspci', ['--lspci', path.join(BAD, 'garbage.bin')], 'garbage.bin', /no MSI-X capability found/],
  ['an empty lspci', ['--lspci', write('lspci-empty.txt', '')], 'lspci-empty.txt', /no MSI-X capability found/],
  ['a missing lspci', ['--lspci', path.join(tmp, 'nope.txt')], 'nope.txt', /cannot read/],
  ['a malformed MSI-X line', ['--lspci', write('lspci-count0.txt', fs.readFileSync(LSPCI_2048, 'utf8').replace('Count=2048', 'Count=0'))], 'lspci-count0.txt', /lspci-count0\.txt:5: malformed MSI-X capability line/],
  ['a table of 4096 entries', ['--lspci', write('lspci-4096.txt', fs.readFileSync(LSPCI_2048, 'utf8').replace('Count=2048', 'Count=4096'))], 'lspci-4096.txt', /lspci-4096\.txt:5: malformed MSI-X capability line/],
  ['a malformed Vector table line', ['--lspci', write('lspci-bir.txt', fs.readFileSync(LSPCI_2048, 'utf8').replace('BAR=0 offset=00000000', 'BAR=0 offset=zz'))], 'lspci-bir.txt', /lspci-bir\.txt:6: malformed MSI-X Vector table line/],
  ['--table of 2049 entries', ['--table', '0xfe000000:2049'], '--table', /2049 entries \(MSI-X tables have 1 to 2048\)/],
  ['--table of 0 entries', ['--table', '0xfe000000:0'], '--table', /0 entries/],
];

for (const [kind, args, name, where] of BAD_GEOMETRY) {
  test(`capture: ${kind} is refused (exit 2, one line, nothing written)`, async () => {
    await assertRefused([GOOD_LOG, ...args], name, where);
  });
}

// The overlap names the line of the lspci text that holds the second device's MSI-X capability.
test('capture: overlapping tables name the lspci line of the second device', async () => {
  await assertRefused([GOOD_LOG, '--lspci', path.join(BAD, 'lspci-overlap.txt')], 'lspci-overlap.txt', /lspci-overlap\.txt:13: /);
});

// A cut .gz says the stream ended early but not where: how many lines (or compressed bytes) were read
// before it, which tells whether the part read is worth capturing with a repaired file.
test('capture: a truncated .gz says how far it got', async () => {
  await assertRefused([path.join(BAD, 'truncated.log.gz'), '--lspci', LSPCI_2048], 'truncated.log.gz', /truncated\.log\.gz(:\d+|: byte \d+|.*after line \d+)/);
});

// ---- a table of 2048 entries is valid ------------------------------------------------------------

test('a table of 2048 entries works end to end: capture, dump, replay --by entry, check, report', async () => {
  const log = write('t2048.log', [
    qline(1, 'write', 0xfe000000, 'fee01004'),
    qline(2, 'write', 0xfe007ff0, 'fee02004'), // entry 2047 addr_lo
    qline(3, 'write', 0xfe007ffc, '0'), // entry 2047 vector_ctrl: the last dword of the table
    qline(4, 'read', 0xfe0080f8, '0', 8), // the last PBA qword (2048 bits = 256 bytes)
    qline(5, 'write', 0xfe008000, 'ffffffffffffffff', 8),
    qline(6, 'write', 0xfe008100, '0', 4), // just past the PBA: outside, reported
  ].join('\n') + '\n');
  const out = path.join(tmp, 't2048.msixtrace');
  let r = await run(['capture', log, '--lspci', LSPCI_2048, '-o', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /kept +5 MSI-X accesses/);
  assert.match(r.err, /1 MSI-X accesses outside the known tables\/PBAs: .*t2048\.log:6/);
  r = await run(['dump', out, '--header']);
  assert.equal(JSON.parse(r.out).devices[0].table_entries, 2048);
  r = await run(['dump', out, '--format', 'csv']);
  assert.deepEqual(r.out.trim().split('\n').slice(1).map((l) => l.split(',').slice(4).join(',')), [
    'table,0,4,w,0xfee01004', 'table,32752,4,w,0xfee02004', 'table,32764,4,w,0x0', 'pba,248,8,r,0x0', 'pba,0,8,w,0xffffffffffffffff',
  ]);
  r = await run(['replay', out, '-m', 'xen-4.7', '--by', 'entry']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /0:2047 /);
  const base = path.join(tmp, 'b2048.json');
  assert.equal((await run(['check', out, '--baseline', base, '--update'])).code, 0);
  assert.equal((await run(['check', out, '--baseline', base])).code, 0);
  r = await run(['report', out, '--html', path.join(tmp, 't2048.html')]);
  assert.equal(r.code, 0, r.err);
});

// ---- bad lines inside a good log, every text format ----------------------------------------------

// Line builders per format (docs/log-formats.md 1.3, 3.2-3.4, 4, 5), for the 2048-entry device.
const FORMATS = {
  'qemu-log': { head: [], line: (i, w, addr, v, s) => `2001@1795667403.${String(i).padStart(6, '0')}:memory_region_ops_${w ? 'write' : 'read'} cpu 1 mr 0x7f78700d4650 addr 0x${addr} value 0x${v} size ${s} name '${parseInt(addr, 16) >= 0xfe008000 ? 'msix-pba' : 'msix-table'}'` },
  'kvm-ftrace': { head: ['# tracer: nop'], line: (i, w, addr, v, s) => `       CPU 1/KVM-2871    [001] d..1. 100.${String(i).padStart(6, '0')}: kvm_mmio: mmio ${w ? 'write' : 'read'} len ${s} gpa 0x${addr} val 0x${v}` },
  'trace-cmd': { head: ['cpus=2'], line: (i, w, addr, v, s) => `       CPU 1/KVM-2871  [003] d..1. 100.${String(i).padStart(6, '0')}: kvm_mmio:             mmio ${w ? 'write' : 'read'} len ${s} gpa 0x${addr} val 0x${v}` },
  'perf-script': { head: [], line: (i, w, addr, v, s) => `       CPU 1/KVM   10044 [000] 100.${String(i).padStart(6, '0')}: kvm:kvm_mmio: mmio ${w ? 'write' : 'read'} len ${s} gpa 0x${addr} val 0x${v}` },
  mmiotrace: { head: ['VERSION 20070824'], line: (i, w, addr, v, s) => `${w ? 'W' : 'R'} ${s} 100.${String(i).padStart(6, '0')} 1 0x${addr} 0x${v} 0xffffffff81234567 0` },
  // no size and 32-bit data: the 8-byte good write is two 4-byte ones here
  xenalyze: { head: [], noSize: true, line: (i, w, addr, v) => `]  1.${String(i).padStart(9, '0')} -x-- d3v1 mmio_assist ${w ? 'w' : 'r'} gpa ${addr} data ${v}` },
};

/** [kind, make(format) -> the bad line, reason in the summary] */
const BAD_LINES = [
  ['a 1 MiB line', () => 'x'.repeat((1 << 20) + 10), /line longer than 1 MiB/],
  ['a NUL byte', (f) => f.line(2, 1, 'fe000008', '4022', 4).replace('4022', '40\u000022'), /NUL byte in line/],
  ['a value beyond 64 bits', (f) => f.line(2, 1, 'fe000000', '1ffffffffffffffff', 8), /value.*(wider than 64|exceeds 64|exceeds 32)/],
  ['a value beyond 64 bits, zero-padded', (f) => f.line(2, 1, 'fe000000', '00000000000000001ffffffffffffffff', 8), /value.*(wider than 64|exceeds 64|exceeds 32)/],
  ['size 0', (f) => f.line(2, 1, 'fe00000c', '0', 0), /size 0/, 'size'],
  ['size 3', (f) => f.line(2, 1, 'fe00000c', '0', 3), /size 3/, 'size'],
  ['size 16', (f) => f.line(2, 1, 'fe00000c', '0', 16), /size 16/, 'size'],
  // (kvm_mmio formats and mmiotrace read the digits into a double and print it back rounded:
  // "size 100000000000000020000"; the line number is what matters)
  ['a size beyond 32 bits', (f) => f.line(2, 1, 'fe00000c', '0', '99999999999999999999'), /size \d+/, 'size'],
];

/** The good accesses around the bad line, as dump prints them: [region, offset, size, dir, value]. */
function goodLines(f) {
  const L = [f.line(1, 1, 'fe000000', 'fee01004', 4)];
  if (f.noSize) L.push(f.line(3, 1, 'fe000000', 'ffffffff'), f.line(4, 1, 'fe000004', 'ffffffff'));
  else L.push(f.line(3, 1, 'fe000000', 'ffffffffffffffff', 8));
  L.push(f.line(5, 0, 'fe007ffc', '1', 4));
  const expect = [['table', 0, 4, 1, 0xfee01004, 0]];
  if (f.noSize) expect.push(['table', 0, 4, 1, 0xffffffff, 0], ['table', 4, 4, 1, 0xffffffff, 0]);
  else expect.push(['table', 0, 8, 1, 0xffffffff, 0xffffffff]);
  expect.push(['table', 32764, 4, 0, 1, 0]);
  return { lines: L, expect };
}

function readEvents(file) {
  const got = [];
  for (const b of new TraceReader(file).batches()) {
    for (let i = 0; i < b.n; i++) got.push([b.region[i] ? 'pba' : 'table', b.offset[i], b.size[i], b.dir[i], b.valueLo[i], b.valueHi[i]]);
  }
  return got;
}

for (const [format, f] of Object.entries(FORMATS)) {
  test(`${format}: bad lines are skipped and listed with file:line; good accesses kept exactly; --strict stops at the first`, async (t) => {
    for (const [kind, make, reason, needs] of BAD_LINES) {
      if (needs === 'size' && f.noSize) continue;
      await t.test(kind, async () => {
        const { lines, expect } = goodLines(f);
        const all = [...f.head, lines[0], make(f), ...lines.slice(1)];
        const badNo = f.head.length + 2;
        const name = `${format}-${kind.replace(/\W+/g, '-')}.log`;
        const log = write(name, all.join('\n') + '\n');
        const out = path.join(tmp, `${name}.msixtrace`);
        const r = await capture({ inputs: [log], format, lspci: LSPCI_2048, output: out });
        assert.equal(r.stats.malformed.count, 1, r.summary);
        assert.match(r.summary, new RegExp(`1 malformed: .*${esc(name)}:${badNo} `), r.summary);
        assert.match(r.stats.malformed.first[0], reason);
        assert.deepEqual(readEvents(out), expect);
        assert.equal(r.footer.events, expect.length);

        const strictOut = path.join(tmp, `${name}.strict.msixtrace`);
        await assert.rejects(capture({ inputs: [log], format, lspci: LSPCI_2048, output: strictOut, strict: true }),
          (e) => e.name === 'UserError' && new RegExp(`^${esc(log)}:${badNo}: `).test(e.message) && reason.test(e.message));
        assert.equal(fs.existsSync(strictOut), false);
      });
    }
  });
}

test('--strict on the command line: exit 2 naming file:line, for every format; the previous output stays', async () => {
  for (const [format, f] of Object.entries(FORMATS)) {
    const { lines } = goodLines(f);
    const name = `strict-${format}.log`;
    const log = write(name, [...f.head, lines[0], f.line(2, 1, 'fe000000', '1ffffffffffffffff', 8), ...lines.slice(1)].join('\n') + '\n');
    await assertRefused([log, '-f', format, '--lspci', LSPCI_2048, '--strict'], name, new RegExp(`${esc(name)}:${f.head.length + 2}: .*(64|32) bits`));
  }
});

// kvm-mmio.ts hexAddr / mmiotrace.ts / xenalyze.ts parse the address column into a double with no
// limit, so a 65-bit gpa is not a malformed line: it is silently counted as "not an MSI-X access"
// (and the summary, not the malformed list, swallows it). qemu-log reports it.
for (const [format, f] of Object.entries(FORMATS)) {
  const src = format === 'qemu-log' ? null : format === 'mmiotrace' || format === 'xenalyze' ? format : 'kvm-mmio';
  test(`${format}: an address beyond 64 bits is a malformed line with its number`, async () => {
    const { lines, expect } = goodLines(f);
    const name = `addr65-${format}.log`;
    const log = write(name, [...f.head, lines[0], f.line(2, 1, '1fffffffffffffffff', '0', 4), ...lines.slice(1)].join('\n') + '\n');
    const r = await capture({ inputs: [log], format, lspci: LSPCI_2048, output: path.join(tmp, `${name}.msixtrace`) });
    assert.match(r.summary, new RegExp(`1 malformed: .*${esc(name)}:${f.head.length + 2} `), r.summary);
    assert.deepEqual(readEvents(path.join(tmp, `${name}.msixtrace`)), expect);
  });
}
