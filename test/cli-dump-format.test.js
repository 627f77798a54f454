// dump's native formatter (native/format.c via src/native/format.ts) against the JavaScript
// reference (test/oracles/dump-format.js): byte for byte, on batches with every awkward value
// (negative and 2^53 timestamps, negative guests and vCPUs, 64-bit values with a zero low half,
// the PBA, the largest offsets), and end to end through the CLI.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { EventBatch } = require('../dist/events.js');
const { formatEvents } = require('./oracles/dump-format.js');
const { NativeFormatter, FORMAT_NDJSON, FORMAT_CSV } = require('../dist/native/format.js');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');
const { runCliSync } = require('./helpers/cli');

const skip = !fs.existsSync(require('../dist/native/library.js').libraryPath()) && 'native library not built';

function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const pick = (rnd, a) => a[Math.floor(rnd() * a.length)];
const TS = [0, -0, 1, -1, 999, 1e9, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 123456789012345, -987654321];
const INT32 = [0, 1, -1, 7, 19025, 2147483647, -2147483648, 255, 256];
const U32 = [0, 1, 0xf, 0x10, 0xfee00000, 0xffffffff, 0x80000000, 12345678];

function randomBatch(rnd, n) {
  const b = new EventBatch(Math.max(8, n));
  for (let i = 0; i < n; i++) {
    const ts = rnd() < 0.3 ? pick(rnd, TS) : Math.floor(rnd() * 2 ** 50) * (rnd() < 0.1 ? -1 : 1);
    b.push(ts, pick(rnd, INT32), pick(rnd, INT32), Math.floor(rnd() * 65536), rnd() < 0.2 ? 1 : 0,
      rnd() < 0.3 ? pick(rnd, U32) : Math.floor(rnd() * 40000), pick(rnd, [1, 2, 4, 8]), rnd() < 0.5 ? 1 : 0,
      pick(rnd, U32), rnd() < 0.5 ? 0 : pick(rnd, U32));
  }
  return b;
}

test('native lines equal the reference formatter, NDJSON and CSV', { skip }, () => {
  const rnd = prng(17);
  for (const [name, code] of [['ndjson', FORMAT_NDJSON], ['csv', FORMAT_CSV]]) {
    const native = NativeFormatter.create(code);
    for (let iter = 0; iter < 60; iter++) {
      const b = randomBatch(rnd, iter === 0 ? 0 : 1 + Math.floor(rnd() * 3000));
      let want = '';
      formatEvents(b, name, (line) => { want += line; });
      const got = native.lines(b);
      assert.ok(got, `${name} iter ${iter}: formatted natively`);
      assert.equal(got.toString('latin1'), want, `${name} iter ${iter}`);
    }
  }
});

test('a batch the native formatter cannot print exactly is refused', { skip }, () => {
  const b = new EventBatch(8);
  b.push(1.5, 0, 0, 0, 0, 0, 4, 0, 0, 0); // never in a decoded trace: ts_ns are integers
  assert.equal(NativeFormatter.create(FORMAT_NDJSON).lines(b), null);
});

test('dump prints the same bytes as the reference formatter', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-dumpfmt-'));
  try {
    const file = path.join(tmp, 't.msixtrace');
    const devs = [device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 64, pbaGpa: 0xfebc2000n }),
      device({ index: 1, tableGpa: 0x800000000n, tableEntries: 2048, pbaGpa: null })];
    const w = new TraceWriter(file, { sourceFormat: 'test', devices: devs }, 5000);
    const rnd = prng(3);
    let ts = -5e6;
    for (let i = 0; i < 20000; i++) {
      ts += Math.floor(rnd() * 1e6);
      const dev = rnd() < 0.5 ? 1 : 0;
      w.push(ts, pick(rnd, INT32), pick(rnd, INT32), dev, dev === 0 && rnd() < 0.2 ? 1 : 0, Math.floor(rnd() * 2048) * 4,
        4, rnd() < 0.5 ? 1 : 0, pick(rnd, U32), rnd() < 0.3 ? pick(rnd, U32) : 0);
    }
    w.finish();
    for (const fmt of ['ndjson', 'csv']) {
      const native = runCliSync(['dump', file, '--format', fmt]);
      const js = spawnSync(process.execPath, [path.join(__dirname, 'oracles', 'dump-format.js'), file, fmt], { encoding: 'utf8', maxBuffer: 64 << 20 });
      js.code = js.status;
      js.out = js.stdout;
      js.err = js.stderr;
      assert.equal(native.code, 0, native.err);
      assert.equal(js.code, 0, js.err);
      assert.equal(native.out.split('\n').length, fmt === 'csv' ? 20002 : 20001);
      assert.ok(native.out === js.out, `${fmt}: outputs differ`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
