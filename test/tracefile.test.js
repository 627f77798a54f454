const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const protobuf = require('protobufjs');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { TraceReader } = require('../dist/tracefile/reader.js');
const { device } = require('../dist/tracefile/schema.js');

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-tracefile-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const DEVICES = [device({ index: 0, bdf: '0000:00:01.0', vendorId: 0x8086, deviceId: 0x10d3, tableBar: 3, tableGpa: 0xfebc0000n, tableEntries: 5, pbaBar: 3, pbaOffset: 0x2000n, pbaGpa: 0xfebc2000n })];

// [ts, guest, vcpu, device, region, offset, size, dir, lo, hi]
const EVENTS = [
  [0, 19025, 1, 0, 0, 12, 4, 0, 0x1, 0],
  [124000, 19025, 1, 0, 0, 0, 4, 1, 0xfee01004, 0],
  [130000, 19025, 0, 0, 0, 4, 4, 1, 0, 0],
  [131000, 19026, -1, 0, 0, 8, 4, 1, 0x4022, 0],
  [131000, 19026, 0, 0, 0, 0, 8, 1, 0xffffffff, 0xffffffff],
  [99000, 19025, 32767, 0, 1, 0, 8, 0, 0, 0x80000000],
  [2 ** 52, 0, 0, 0, 0, 76, 1, 0, 0xff, 0],
  [2 ** 52 + 1, -5, 3, 0, 1, 4, 2, 1, 0xbeef, 0],
  [2 ** 52 + 2, 7, 3, 0, 0, 0, 4, 0, 0xfee01004, 0],
];

function write(file, events, batchSize = 65536, extra) {
  const w = new TraceWriter(file, { sourceFormat: 'qemu-log', sourceFiles: ['x.log'], devices: DEVICES, notes: ['note one'] }, batchSize);
  for (const e of events) w.push(...e);
  return w.finish(extra);
}

function readAll(file, opts) {
  const r = new TraceReader(file, opts);
  const got = [];
  for (const b of r.batches()) {
    for (let i = 0; i < b.n; i++) {
      got.push([b.ts[i], b.guest[i], b.vcpu[i], b.device[i], b.region[i], b.offset[i], b.size[i], b.dir[i], b.valueLo[i], b.valueHi[i]]);
    }
  }
  return { header: r.header, footer: r.footer, events: got, damage: r.damage };
}

test('events survive a round trip exactly, across batch boundaries', () => {
  for (const batchSize of [65536, 8, 1]) {
    const f = path.join(tmp, `rt-${batchSize}.msixtrace`);
    write(f, EVENTS, batchSize, { sourceLines: 42 });
    const { header, footer, events } = readAll(f);
    assert.deepEqual(events, EVENTS);
    assert.equal(header.formatVersion, 1);
    assert.equal(header.sourceFormat, 'qemu-log');
    assert.deepEqual(header.notes, ['note one']);
    assert.equal(header.devices[0].tableGpa, 0xfebc0000n);
    assert.equal(header.devices[0].pbaGpa, 0xfebc2000n);
    assert.equal(header.devices[0].vendorId, 0x8086);
    assert.equal(footer.events, EVENTS.length);
    assert.equal(footer.sourceLines, 42);
  }
});

test('the whole file is one msixtrace.Trace message (protobufjs)', () => {
  const f = path.join(tmp, 'pbjs.msixtrace');
  write(f, EVENTS, 4);
  const root = protobuf.loadSync(path.join(ROOT, 'proto', 'msixtrace.proto'));
  const Trace = root.lookupType('msixtrace.Trace');
  const t = Trace.toObject(Trace.decode(fs.readFileSync(f)), { longs: String });
  assert.equal(t.packet.length, 1 + 3 + 1);
  assert.equal(t.packet[0].header.devices[0].tableEntries, 5);
  // ts: steps 0, 124000, 6000, 1000 ns in a unit of 1000 (their GCD), zigzag coded
  assert.equal(t.packet[1].events.tsUnit, '1000');
  assert.deepEqual(t.packet[1].events.tsCode, ['0', '248', '12', '2']);
  assert.equal(t.packet[1].events.count, 4);
  assert.equal(t.packet[1].events.keys, 4);
  assert.deepEqual(t.packet[1].events.key, [0, 1, 2, 3]);
  assert.deepEqual(t.packet[1].events.keyOffset, [12, 0, 4, 8]);
  // the second batch starts over: its unit is its own steps' GCD
  assert.equal(t.packet[2].events.count, 4);
  assert.equal(t.packet[4].footer.events, String(EVENTS.length));
  assert.equal(t.packet[4].footer.batches, '3');
});

const protoc = spawnSync('protoc', ['--version']).status === 0;
test('protoc --decode=msixtrace.Trace decodes a file the tool wrote', { skip: !protoc && !process.env.CI && 'protoc not installed (.ci/run installs protobuf-compiler)' }, () => {
  const f = path.join(tmp, 'protoc.msixtrace');
  write(f, EVENTS.slice(0, 4));
  const text = execFileSync('protoc', ['--decode=msixtrace.Trace', '--proto_path', path.join(ROOT, 'proto'), 'msixtrace.proto'], { input: fs.readFileSync(f) }).toString();
  assert.match(text, /format_version: 1/);
  assert.match(text, /table_gpa: 4273733632/);
  assert.match(text, /pba_gpa: 4273741824/);
  assert.match(text, /count: 4/);
  assert.match(text, /ts_unit: 1000/);
  assert.match(text, /ts_code: 248/); // 124000 ns = 124 units, zigzag 248
  assert.match(text, /keys: 4/);
  assert.match(text, /key_guest: 19025/);
  assert.match(text, /key_vcpu: -1/);
  assert.match(text, /key_value: 4276097028/); // 0xfee01004
  assert.match(text, /footer \{\s+events: 4\s+batches: 1/);
});

test('a file cut at any byte offset is reported as truncated or corrupt, never read as a shorter trace', () => {
  const f = path.join(tmp, 'cut-src.msixtrace');
  write(f, EVENTS, 3);
  const whole = fs.readFileSync(f);
  const cut = path.join(tmp, 'cut.msixtrace');
  for (let n = 0; n < whole.length; n++) {
    fs.writeFileSync(cut, whole.subarray(0, n));
    assert.throws(() => readAll(cut), (e) => e.name === 'UserError' && /byte \d+: /.test(e.message) && e.message.startsWith(cut), `cut at ${n}`);
  }
  assert.equal(readAll(f).events.length, EVENTS.length);
});

test('--salvage keeps the complete batches before the damage', () => {
  const f = path.join(tmp, 'salvage.msixtrace');
  write(f, EVENTS, 3);
  const whole = fs.readFileSync(f);
  fs.writeFileSync(f, whole.subarray(0, whole.length - 30)); // the footer and part of the last batch
  const { events, damage } = readAll(f, { salvage: true });
  assert.deepEqual(events, EVENTS.slice(0, 6));
  assert.match(damage, /byte \d+/);
});

test('a flipped bit inside an event batch is caught by its checksum', () => {
  const f = path.join(tmp, 'flip-src.msixtrace');
  write(f, EVENTS, 65536);
  const whole = fs.readFileSync(f);
  const r = new TraceReader(f);
  r.close();
  // Flip one bit at every byte of the file: each damaged copy must fail, or (for header text such as
  // a file name) still read exactly the original events.
  const flip = path.join(tmp, 'flip.msixtrace');
  let failed = 0;
  for (let n = 0; n < whole.length; n++) {
    const copy = Buffer.from(whole);
    copy[n] ^= 0x10;
    fs.writeFileSync(flip, copy);
    try {
      const got = readAll(flip);
      assert.deepEqual(got.events, EVENTS, `flip at ${n} changed the events silently`);
    } catch (e) {
      if (e.code === 'ERR_ASSERTION') throw e;
      assert.equal(e.name, 'UserError', `flip at ${n}: ${e.stack}`);
      failed++;
    }
  }
  assert.ok(failed > whole.length / 2);
});

test('a future format version is refused with an upgrade hint', () => {
  const root = protobuf.loadSync(path.join(ROOT, 'proto', 'msixtrace.proto'));
  const Trace = root.lookupType('msixtrace.Trace');
  const f = path.join(tmp, 'future.msixtrace');
  fs.writeFileSync(f, Trace.encode({ packet: [{ header: { formatVersion: 9, toolVersion: '9.0.0' } }, { footer: {} }] }).finish());
  assert.throws(() => new TraceReader(f), /byte 0: written in format version 9 .*upgrade msixtrace/);
});

test('10 million events go through writer and reader unchanged in under 150 MB RSS', { timeout: 300000 }, () => {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'helpers', 'roundtrip-10m.js'), '10000000']).toString();
  const r = JSON.parse(out);
  assert.equal(r.events, 10_000_000);
  assert.equal(r.footer, 10_000_000);
  assert.equal(r.bad, 0);
  assert.ok(r.maxRssKb < 150 * 1024, `peak RSS ${r.maxRssKb} KB`);
});

test('Header and Footer are coded by the generated static code exactly as protobufjs reflection does, field by field', () => {
  const schema = require('../dist/tracefile/schema.js');
  const root = protobuf.loadSync(path.join(ROOT, 'proto', 'msixtrace.proto'));
  const H = root.lookupType('msixtrace.Header');
  const F = root.lookupType('msixtrace.Footer');
  const opts = { longs: String, defaults: true, arrays: true };
  const headers = [
    { formatVersion: 1, toolVersion: '0.1.0', sourceFormat: 'qemu-log,kvm-ftrace', sourceFiles: ['a.log', '', 'ünïcode ✓.log'], captureTimeUnixNs: 1795672713757091000n,
      traceStartUnixNs: 0n, notes: ['note one', ''], devices: DEVICES },
    { formatVersion: 0, toolVersion: '', sourceFormat: '', sourceFiles: [], captureTimeUnixNs: 0n, traceStartUnixNs: (1n << 64n) - 1n, notes: [], devices: [] },
    { formatVersion: 4294967295, toolVersion: 'x'.repeat(300), sourceFormat: 'synth', sourceFiles: ['s'], captureTimeUnixNs: 1n, traceStartUnixNs: 1n << 63n, notes: ['n'.repeat(20000)],
      devices: [
        device({ index: 0, tableGpa: 0n, tableEntries: 0, pbaGpa: 0n, guest: -1 }),
        device({ index: 1, bdf: '0000:ff:1f.7', vendorId: 0xffff, deviceId: 0xffff, tableEntries: 2048, tableBar: 5, tableOffset: (1n << 64n) - 1n,
          tableGpa: (1n << 64n) - 16n, pbaBar: 5, pbaOffset: 1n << 40n, pbaGpa: (1n << 63n) + 5n, guest: 2 ** 31 - 1, name: 'Intel Corporation 82574L Gigabit Network Connection' }),
        device({ index: 65535, tableGpa: 0xfebc0000n, tableEntries: 5, guest: -(2 ** 31), name: 'd'.repeat(200) }),
      ] },
  ];
  for (const h of headers) {
    const mine = schema.encodeHeader(h);
    const m = H.toObject(H.decode(mine), opts);
    assert.equal(m.formatVersion, h.formatVersion);
    assert.equal(m.toolVersion, h.toolVersion);
    assert.equal(m.sourceFormat, h.sourceFormat);
    assert.deepEqual(m.sourceFiles, h.sourceFiles);
    assert.equal(m.captureTimeUnixNs, h.captureTimeUnixNs.toString());
    assert.equal(m.traceStartUnixNs, h.traceStartUnixNs.toString());
    assert.deepEqual(m.notes, h.notes);
    assert.equal(m.devices.length, h.devices.length);
    h.devices.forEach((d, i) => {
      const g = m.devices[i];
      assert.deepEqual([g.index, g.bdf, g.vendorId, g.deviceId, g.tableEntries, g.tableBar, g.tableOffset, g.tableGpa, g.pbaBar, g.pbaOffset, g.pbaGpa, g.hasPba, g.guest, g.name],
        [d.index, d.bdf, d.vendorId, d.deviceId, d.tableEntries, d.tableBar, String(d.tableOffset), String(d.tableGpa), d.pbaBar, String(d.pbaOffset), String(d.pbaGpa ?? 0n), d.pbaGpa !== null, String(d.guest), d.name]);
    });
    // Decoding: ours of our bytes and of protobufjs' bytes (which also encode zero values) give h.
    assert.deepEqual(schema.decodeHeader(mine), h);
    const theirs = H.encode(H.fromObject({
      ...h, captureTimeUnixNs: String(h.captureTimeUnixNs), traceStartUnixNs: String(h.traceStartUnixNs),
      devices: h.devices.map((d) => ({ ...d, tableOffset: String(d.tableOffset), tableGpa: String(d.tableGpa), pbaOffset: String(d.pbaOffset), pbaGpa: String(d.pbaGpa ?? 0n), hasPba: d.pbaGpa !== null })),
    })).finish();
    assert.deepEqual(schema.decodeHeader(theirs), h);
  }
  // Unknown fields (a newer writer) are skipped; the last value of a scalar wins.
  const extra = Buffer.concat([Buffer.from(schema.encodeHeader(headers[0])), Buffer.from([0xc8, 0x01, 0x05, 0xd2, 0x01, 0x02, 0x61, 0x62, 0x08, 0x02])]);
  assert.equal(schema.decodeHeader(extra).formatVersion, 2);
  assert.deepEqual(schema.decodeHeader(extra).devices, headers[0].devices);

  const footers = [
    { events: 0, batches: 0, interrupted: false, sourceLines: 0, sourceLostEvents: 0 },
    { events: 10_000_000, batches: 153, interrupted: true, sourceLines: 2 ** 53 - 1, sourceLostEvents: 17 },
  ];
  for (const f of footers) {
    const mine = schema.encodeFooter(f);
    assert.deepEqual(F.toObject(F.decode(mine), { longs: Number, defaults: true }), f);
    assert.deepEqual(schema.decodeFooter(mine), f);
    assert.deepEqual(schema.decodeFooter(F.encode(F.fromObject(f)).finish()), f);
  }
  // A wrong wire type or a cut message is an error, not a silent default.
  assert.throws(() => schema.decodeHeader(Buffer.from([0x0a, 0x01])), /runs past|wire type/);
  assert.throws(() => schema.decodeHeader(Buffer.from([0x08])), /past the end/);
  assert.throws(() => schema.decodeFooter(Buffer.from([0x0a, 0x00])), /wire type/);
});

test('verbs load only protobufjs\' runtime and the generated static code, never the .proto parser', () => {
  const r = spawnSync(process.execPath, ['-e', `
    const { TraceWriter } = require('./dist/tracefile/writer.js');
    const { TraceReader } = require('./dist/tracefile/reader.js');
    const { device } = require('./dist/tracefile/schema.js');
    const f = require('path').join(require('os').tmpdir(), 'msx-nopb-' + process.pid + '.msixtrace');
    const w = new TraceWriter(f, { sourceFormat: 'test', devices: [device({ index: 0, tableGpa: 1n, tableEntries: 1 })] });
    w.push(0, 0, 0, 0, 0, 0, 4, 0, 0, 0);
    w.finish();
    const r = new TraceReader(f);
    for (const b of r.batches()) void b;
    require('fs').rmSync(f);
    require('./dist/cli/capture.js');
    console.log(JSON.stringify(Object.keys(require.cache).map((k) => require('path').relative(process.cwd(), k))));
  `], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const loaded = JSON.parse(r.stdout);
  assert.ok(loaded.includes(path.join('generated', 'msixtrace.js')), 'the static code is what codes the header');
  const pbjs = loaded.filter((k) => k.includes(path.join('node_modules', 'protobufjs', '')));
  assert.ok(pbjs.includes(path.join('node_modules', 'protobufjs', 'minimal.js')));
  // The reflection side (parser, Root, Type) is what made start-up slow; the minimal runtime has none of it.
  for (const heavy of ['index.js', path.join('src', 'parse.js'), path.join('src', 'root.js'), path.join('src', 'type.js')]) {
    assert.ok(!pbjs.includes(path.join('node_modules', 'protobufjs', heavy)), `${heavy} loaded`);
  }
});
