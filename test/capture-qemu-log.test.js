// The qemu-log parser line by line: every prefix era, with and without `mr`, with and without
// `name`, and the real public snippets from the reference samples beside the checkout (skipped when that directory is absent).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { qemuLog } = require('../dist/capture/formats/qemu-log.js');
const { ACCESS, IGNORED, newRawAccess } = require('../dist/capture/format.js');

const SHARED = path.resolve(__dirname, '..', '..', 'shared');
const PUBLIC = path.join(SHARED, 'samples', 'public');

function parse(lines) {
  const p = qemuLog.create();
  return lines.map((l) => {
    const a = newRawAccess();
    const r = p.parse(l, a);
    return { r, a: { ...a }, parser: p };
  });
}

const BODY = "memory_region_ops_write cpu 1 mr 0x7f78700d4650 addr 0xfebc0010 value 0xfee01004 size 4 name 'msix-table'";

test('no prefix (QEMU 6.0+ without -msg timestamp=on): no timestamp', () => {
  const [{ r, a }] = parse([BODY]);
  assert.equal(r, ACCESS);
  assert.ok(Number.isNaN(a.tsNs));
  assert.deepEqual([a.write, a.vcpu, a.addr, a.lo, a.hi, a.size, a.region, a.guest], [true, 1, 0xfebc0010, 0xfee01004, 0, 4, 'msix-table', -1]);
});

test('tid@sec.usec prefix (QEMU 4.0..10.0): wall clock, exact to the microsecond', () => {
  const out = parse([
    `19028@1795667403.334039:${BODY}`,
    `19027@1795667403.334163:${BODY.replace('write', 'read')}`,
  ]);
  const p = out[0].parser;
  assert.equal(p.clockUnixNs, 1795667403n * 1000000000n);
  assert.equal(out[0].a.tsNs, 334039000);
  assert.equal(out[1].a.tsNs, 334163000);
  assert.equal(out[1].a.write, false);
});

test('pid@sec.usec prefix (QEMU <= 3.1) reads the same way; the VM id is left to --guest', () => {
  const [{ r, a }] = parse([`4242@1500000000.000001:${BODY}`]);
  assert.equal(r, ACCESS);
  assert.equal(a.tsNs, 1000);
  assert.equal(a.guest, -1);
});

test('ISO-8601 prefix (QEMU >= 10.1), and more context between it and the event', () => {
  const out = parse([
    `2025-07-21T18:43:28.089797Z ${BODY}`,
    `2025-07-21T18:43:29.5Z [qemu ctx] ${BODY}`,
  ]);
  const p = out[0].parser;
  assert.equal(p.clockUnixNs, BigInt(Date.UTC(2025, 6, 21, 18, 43, 28) / 1000) * 1000000000n);
  assert.equal(out[0].a.tsNs, 89797000);
  assert.equal(out[1].a.tsNs, 1e9 + 500000000);
});

test('without mr (the proposed form) and with mr (nil)', () => {
  const out = parse([
    "memory_region_ops_read cpu 0 addr 0xfebc0000 value 0x0 size 4 name 'msix-table'",
    "memory_region_ops_read cpu 0 mr (nil) addr 0xfebc0004 value 0x0 size 4 name 'msix-table'",
  ]);
  assert.deepEqual(out.map((o) => [o.r, o.a.addr]), [[ACCESS, 0xfebc0000], [ACCESS, 0xfebc0004]]);
});

test('without name (QEMU < 6.1): region empty, geometry decides later', () => {
  const out = parse([
    '1234@1608130130.441188:memory_region_ops_read cpu 0 mr 0x562fdfbb3820 addr 0xfebd1000 value 0xfee0100c size 4',
    'memory_region_ops_write cpu -1 mr 0x562fdfbd2f00 addr 0xfebd100c value 0x0 size 4',
  ]);
  assert.deepEqual(out.map((o) => [o.r, o.a.region, o.a.vcpu]), [[ACCESS, '', 0], [ACCESS, '', -1]]);
  assert.equal(out[0].parser.needle, undefined, 'no needle: every line may be an MSI-X access');
});

test('once names appear, unnamed lines are other dispatch levels and the parser asks only for msix lines', () => {
  const out = parse([
    "memory_region_ops_read cpu 0 mr 0x1 addr 0x70 value 0x0 size 1 name 'rtc'",
    'memory_region_ops_read cpu 0 mr 0x2 addr 0xfebc0000 value 0x0 size 4',
  ]);
  assert.equal(out[0].r, ACCESS);
  assert.equal(out[0].a.region, 'rtc');
  assert.equal(out[1].r, IGNORED);
  assert.equal(out[1].parser.needle, 'msix');
});

test('-d trace: output, mail-quoted lines and the ftrace backend: anything may precede the event', () => {
  const out = parse([
    `+ * ${BODY}`,
    `    719585@1608130130.441188:${BODY}`,
    `   qemu-system-x86-1234  [001] .... 5678.123456: tracing_mark_write: ${BODY}`,
  ]);
  assert.deepEqual(out.map((o) => o.r), [ACCESS, ACCESS, ACCESS]);
  assert.ok(Number.isNaN(out[0].a.tsNs));
  assert.equal(out[1].a.tsNs, 441188000);
  assert.equal(out[2].a.tsNs, 5678123456000);
  assert.equal(out[2].parser.clockUnixNs, 1608130130n * 1000000000n, 'the ftrace uptime clock is not wall clock');
});

test('64-bit values stay exact; bad numbers and sizes are malformed with a reason', () => {
  const out = parse([
    "memory_region_ops_write cpu 0 mr 0x1 addr 0xfebc0000 value 0xffffffffffffffff size 8 name 'msix-table'",
    "memory_region_ops_write cpu 0 mr 0x1 addr 0xfebc0000 value 0x1ffffffffffffffff size 8 name 'msix-table'",
    "memory_region_ops_write cpu 0 mr 0x1 addr 0x1febc0000000000000 value 0x1 size 4 name 'msix-table'",
    "memory_region_ops_write cpu 0 mr 0x1 addr 0xfebc0000 value 0x1 size 0 name 'msix-table'",
    "memory_region_ops_write cpu 0 mr 0x1 addr 0xfebc0000 value 0x1 size 3 name 'msix-table'",
    "memory_region_ops_write cpu 0 mr 0x1 addr 0xfebc0000 value 0x1 size 16 name 'msix-table'",
    "memory_region_ops_write cpu 0 mr 0x1 addr 0xfebc0000 value 0x100000000 size 4 name 'msix-table'",
    'memory_region_ops_write cpu zero addr 0xfebc0000',
  ]);
  assert.equal(out[0].r, ACCESS);
  assert.deepEqual([out[0].a.lo, out[0].a.hi], [0xffffffff, 0xffffffff]);
  const why = out.slice(1).map((o) => o.r);
  assert.match(why[0], /value .* wider than 64 bits/);
  assert.match(why[1], /address .* wider than 64 bits/);
  assert.match(why[2], /size 0/);
  assert.match(why[3], /size 3/);
  assert.match(why[4], /size 16/);
  assert.match(why[5], /wider than the access size 4/);
  assert.match(why[6], /malformed memory_region_ops line/);
});

test('other events and prose are ignored', () => {
  const out = parse(['READ:', '', 'dp8393x_read reg=0x28 [SR] val=0x0004 size=2', 'memory_region_subpage_read cpu 0 mr 0x1 offset 0x0 value 0x0 size 4']);
  assert.deepEqual(out.map((o) => o.r), [IGNORED, IGNORED, IGNORED, IGNORED]);
});

test('detection: memory_region_ops lines or any QEMU-prefixed event; not kvm_mmio traces', () => {
  assert.equal(qemuLog.detect([BODY]), true);
  assert.equal(qemuLog.detect(['2986097@1753122905.917608:qcrypto_tls_creds_x509_load TLS creds x509 load']), true);
  assert.equal(qemuLog.detect(['2025-07-21T18:43:28.089797Z qcrypto_tls_creds_x509_load TLS creds']), true);
  assert.equal(qemuLog.detect(['hello world', 'Linux version 6.1']), false);
  assert.equal(qemuLog.detect(['  kvm-5664  [000] 11906.220183: kvm_mmio: mmio write len 4 gpa 0xfee000b0 val 0x0', `x: tracing_mark_write: ${BODY}`]), false);
});

const sample = (name) => fs.readFileSync(path.join(PUBLIC, name), 'utf8').split('\n');

test('public sample: QEMU docs quickstart (tid@ prefix, no name, indented)', { skip: !fs.existsSync(PUBLIC) }, () => {
  const lines = sample('qemu-log-memory_region_ops-docs-quickstart.txt');
  assert.equal(qemuLog.detect(lines.filter((l) => l.trim())), true);
  const acc = parse(lines).filter((o) => o.r === ACCESS);
  assert.deepEqual(acc.map((o) => [o.a.write, o.a.addr, o.a.lo, o.a.size, o.a.region]), [[false, 0x3cc, 0x67, 1, ''], [true, 0x3d4, 0x70e, 2, '']]);
  assert.equal(acc[1].a.tsNs - acc[0].a.tsNs, 2000);
});

test('public sample: no prefix, no name, one access dispatched on two levels', { skip: !fs.existsSync(PUBLIC) }, () => {
  const lines = sample('qemu-log-memory_region_ops-noprefix-noname.txt');
  const out = parse(lines);
  const acc = out.filter((o) => o.r === ACCESS);
  assert.equal(acc.length, 6);
  assert.ok(out.every((o) => o.r === ACCESS || o.r === IGNORED), 'headings and device events are not malformed');
  assert.deepEqual(acc.map((o) => o.a.size), [2, 2, 4, 4, 2, 2]);
});

test('public sample: tid vs ISO-8601 prefixes with error_report and shell lines between', { skip: !fs.existsSync(PUBLIC) }, () => {
  const lines = sample('qemu-log-prefix-tid-vs-iso8601.txt');
  assert.equal(qemuLog.detect(lines.filter((l) => l.trim())), true);
  assert.ok(parse(lines).every((o) => o.r === IGNORED), 'qcrypto events and messages are no accesses');
});
