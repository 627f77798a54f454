// Bad inputs fail with one line on stderr, exit 2 and no output file (an older one stays as it
// was); bad lines inside a good log are skipped, reported with their line numbers, and every good
// access is kept exactly; --strict turns the first bad line into exit 2 naming file:line.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const BIN = path.resolve(__dirname, '..', 'bin', 'msixtrace.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-capture-bad-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const LSPCI = `00:01.0 Ethernet controller [0200]: Intel Corporation 82574L Gigabit Network Connection [8086:10d3]
\tSubsystem: Intel Corporation Gigabit CT Desktop Adapter [8086:a01f]
\tRegion 0: Memory at febe0000 (32-bit, non-prefetchable) [size=128K]
\tRegion 3: Memory at febc0000 (32-bit, non-prefetchable) [size=16K]
\tCapabilities: [a0] MSI-X: Enable+ Count=5 Masked-
\t\tVector table: BAR=3 offset=00000000
\t\tPBA: BAR=3 offset=00002000
`;
const LSPCI_NO_MSIX = `00:1f.2 SATA controller [0106]: Intel Corporation 82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode] [8086:2922] (rev 02) (prog-if 01 [AHCI 1.0])
\tRegion 5: Memory at febd1000 (32-bit, non-prefetchable) [size=4K]
\tCapabilities: [80] MSI: Enable+ Count=1/1 Maskable- 64bit+
`;
const lspci = path.join(tmp, 'lspci-vv.txt');
fs.writeFileSync(lspci, LSPCI);

const line = (us, dir, off, value, size = 4, name = 'msix-table') =>
  `19028@1795667403.${String(us).padStart(6, '0')}:memory_region_ops_${dir} cpu 1 mr 0x7f78700d4650 addr 0x${(0xfebc0000 + off).toString(16)} value 0x${value} size ${size} name '${name}'`;

function capture(inputs, extra = [], opts = {}) {
  const out = opts.out ?? path.join(tmp, `out-${Math.random().toString(36).slice(2)}.msixtrace`);
  const r = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'capture', ...inputs, '-o', out, ...extra], { encoding: 'utf8', input: opts.input });
  return { ...r, out };
}

function write(name, data) {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
}

/** One clear line on stderr, exit 2, no output; a pre-existing output file keeps its bytes. */
function assertRefused(inputs, extra, pattern, opts = {}) {
  const out = path.join(tmp, 'existing.msixtrace');
  fs.writeFileSync(out, 'previous trace');
  const r = capture(inputs, extra, { ...opts, out });
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^msixtrace: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.match(lines[0], pattern);
  assert.equal(fs.readFileSync(out, 'utf8'), 'previous trace');
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  const fresh = capture(inputs, extra, opts);
  assert.equal(fresh.status, 2);
  assert.equal(fs.existsSync(fresh.out), false);
}

test('an empty file', () => {
  assertRefused([write('empty.log', '')], ['--lspci', lspci], /empty\.log: empty/);
});

test('binary garbage', () => {
  const garbage = Buffer.alloc(8192);
  let x = 12345;
  for (let i = 0; i < garbage.length; i++) garbage[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  assertRefused([write('garbage.bin', garbage)], ['--lspci', lspci], /garbage\.bin: not a text trace log/);
  assertRefused([write('zeros.log', Buffer.alloc(5000))], ['--lspci', lspci], /zeros\.log: not a text trace log/);
});

test('a truncated .gz', () => {
  const text = Array.from({ length: 20000 }, (_, i) => line(i, 'write', 0, crypto.randomBytes(4).toString('hex'))).join('\n');
  const gz = zlib.gzipSync(text);
  assertRefused([write('cut.log.gz', gz.subarray(0, gz.length >> 1))], ['--lspci', lspci], /cut\.log\.gz: byte \d+: truncated gzip data/);
  // Detected by its magic bytes, not by its name.
  assertRefused([write('cut.log', gz.subarray(0, gz.length >> 1))], ['--lspci', lspci], /cut\.log: byte \d+: truncated gzip data/);
});

test('a truncated .gz is named at the byte where the data ends', () => {
  const text = Array.from({ length: 20000 }, (_, i) => line(i, 'write', 0, crypto.randomBytes(4).toString('hex'))).join('\n');
  const gz = zlib.gzipSync(text);
  const cut = gz.subarray(0, gz.length >> 1);
  assertRefused([write('cut2.log.gz', cut)], ['--lspci', lspci], new RegExp(`cut2\\.log\\.gz: byte ${cut.length}: truncated gzip data \\(the file ends inside the compressed stream\\)$`));
});

test('gzip data as gzip(1) reads it: members one after another, zero padding after the last; anything else after it is corrupt', () => {
  const half = (from) => Array.from({ length: 2000 }, (_, i) => line(from + i, 'write', 0, (from + i).toString(16))).join('\n') + '\n';
  const a = zlib.gzipSync(half(0));
  const b = zlib.gzipSync(half(2000));
  const kept = (r) => Number(/kept\s+([\d,]+)/.exec(r.stderr)[1].replace(/,/g, ''));
  const two = capture([write('two.log.gz', Buffer.concat([a, b]))], ['--lspci', lspci]);
  assert.equal(two.status, 0, two.stderr);
  assert.equal(kept(two), 4000);
  const padded = capture([write('padded.log.gz', Buffer.concat([a, Buffer.alloc(10240)]))], ['--lspci', lspci]);
  assert.equal(padded.status, 0, padded.stderr);
  assert.equal(kept(padded), 2000);
  assertRefused([write('trailing.log.gz', Buffer.concat([a, b, Buffer.from('garbage\n')]))], ['--lspci', lspci],
    /trailing\.log\.gz: byte \d+: corrupt gzip data \(incorrect header check\)$/);
  // the byte named lies in the garbage after the two members
  const r = capture([path.join(tmp, 'trailing.log.gz')], ['--lspci', lspci]);
  const at = Number(/byte (\d+)/.exec(r.stderr)[1]);
  assert.ok(at > a.length + b.length && at <= a.length + b.length + 8, r.stderr);
});

test('a log with no MSI-X accesses', () => {
  const log = write('rtc.log', "19027@1795667397.831603:memory_region_ops_write cpu 0 mr 0x56360ee74460 addr 0x70 value 0x8f size 1 name 'rtc-index'\n".repeat(3));
  assertRefused([log], ['--lspci', lspci], /rtc\.log: no MSI-X table or PBA accesses found \(3 lines read\)/);
});

test('MSI-X accesses that all miss the geometry say so', () => {
  const log = write('elsewhere.log', `${line(1, 'write', 0x10000, 0)}\n`);
  assertRefused([log], ['--lspci', lspci], /no MSI-X table or PBA accesses found .*1 MSI-X accesses fell outside the given geometry \(first at .*elsewhere\.log:1/);
});

test('an unknown format', () => {
  const log = write('prose.txt', 'Dear diary,\ntoday I traced nothing.\n');
  assertRefused([log], ['--lspci', lspci], /cannot tell the log format of .*prose\.txt; pass -f qemu-log\|kvm-ftrace\|/);
});

test('an lspci without MSI-X, and geometry that is missing or contradictory', () => {
  const log = write('ok.log', `${line(1, 'write', 0, 0)}\n`);
  assertRefused([log], ['--lspci', write('lspci-nomsix.txt', LSPCI_NO_MSIX)], /lspci-nomsix\.txt: no MSI-X capability found/);
  assertRefused([log], [], /no MSI-X geometry: pass --lspci FILE .* or --table GPA:ENTRIES \[--pba GPA\]/);
  assertRefused([log], ['--table', 'febc0000'], /--table: "febc0000" is not GPA:ENTRIES/);
  assertRefused([log], ['--table', '0xfebc0000:5', '--lspci', lspci], /not both/);
  const two = LSPCI + LSPCI.replace('00:01.0', '00:02.0').replace('febc0000', 'febc0020');
  assertRefused([log], ['--lspci', write('lspci-overlap.txt', two)], /overlaps/);
});

test('a missing file and a directory', () => {
  assertRefused([path.join(tmp, 'nope.log')], ['--lspci', lspci], /nope\.log: no such file/);
  assertRefused([tmp], ['--lspci', lspci], /is a directory/);
});

test('bad lines inside a good log are skipped and reported; good accesses are kept exactly', () => {
  const lines = [
    line(1, 'write', 0, 'fee01004'),
    'x'.repeat((1 << 20) + 100), // line 2: longer than 1 MiB
    line(3, 'write', 4, '0'),
    line(4, 'write', 8, '4022').replace('value', 'va\0lue'), // line 4: NUL byte
    line(5, 'write', 0, 'ffffffffffffffff', 8), // 64-bit write, kept exactly
    line(6, 'write', 0, '1ffffffffffffffff', 8), // line 6: beyond 64 bits
    line(7, 'write', 12, '0', 0), // size 0
    line(8, 'write', 12, '0', 3), // size 3
    line(9, 'write', 12, '0', 16), // size 16
    line(10, 'write', 12, '0'),
    line(11, 'read', 0x2000, '0', 8, 'msix-pba'),
  ];
  const log = write('mixed.log', lines.join('\n') + '\n');
  const r = capture([log], ['--lspci', lspci]);
  assert.equal(r.status, 0, r.stderr);
  const events = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'dump', r.out], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => [e.ts_ns, e.region, e.offset, e.size, e.dir, e.value]), [
    [0, 'table', 0, 4, 'w', '0xfee01004'],
    [2000, 'table', 4, 4, 'w', '0x0'],
    [4000, 'table', 0, 8, 'w', '0xffffffffffffffff'],
    [9000, 'table', 12, 4, 'w', '0x0'],
    [10000, 'pba', 0, 8, 'r', '0x0'],
  ]);
  assert.match(r.stderr, /6 malformed: /);
  for (const n of [2, 4, 6, 7, 8]) assert.match(r.stderr, new RegExp(`mixed\\.log:${n} `));
  assert.match(r.stderr, /mixed\.log:2 line longer than 1 MiB/);
  assert.match(r.stderr, /mixed\.log:4 NUL byte in line/);
  assert.match(r.stderr, /mixed\.log:6 value 0x1ffffffffffffffff wider than 64 bits/);
  assert.match(r.stderr, /1 more/);
  assert.match(r.stderr, /read 11 lines/);
});

test('--strict: the first bad line is exit 2 naming file:line', () => {
  const log = write('strict.log', [line(1, 'write', 0, '1'), line(2, 'write', 4, '0', 3), line(3, 'write', 8, '0')].join('\n'));
  assertRefused([log], ['--lspci', lspci, '--strict'], /strict\.log:2: size 3/);
  const outside = write('strict-outside.log', [line(1, 'write', 0, '1'), line(2, 'write', 0x100, '0')].join('\n'));
  assertRefused([outside], ['--lspci', lspci, '--strict'], /strict-outside\.log:2: msix-table access at 0xfebc0100 outside the known MSI-X tables/);
  const ok = capture([outside], ['--lspci', lspci]);
  assert.equal(ok.status, 0);
  assert.match(ok.stderr, /1 MSI-X accesses outside the known tables\/PBAs: .*strict-outside\.log:2 \(0xfebc0100\)/);
});

test('CRLF line ends and a last line without newline', () => {
  const log = write('crlf.log', [line(1, 'write', 0, '1'), line(2, 'write', 4, '2')].join('\r\n'));
  const r = capture([log], ['--lspci', lspci]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /kept +2 MSI-X accesses/);
});
