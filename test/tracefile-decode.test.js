// The native EventBatch decoder (native/tracefile/decode.c) against the JS reference decoder
// (test/oracles/batch-decode.js): many random batches encoded once, decoded both ways, compared
// column by column; damaged batches must fail in both; and the reader through either decoder.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawnSync } = require('child_process');
const { EventBatch } = require('../dist/events.js');
const { BatchEncoder } = require('./oracles/batch-encode.js');
const { decodeBatch, JsDecoder } = require('./oracles/batch-decode.js');
const { WireWriter } = require('../dist/tracefile/wire.js');
const { NativeDecoder } = require('../dist/native/decode.js');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { TraceReader } = require('../dist/tracefile/reader.js');
const { device } = require('../dist/tracefile/schema.js');

const nat = NativeDecoder.create();

function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

// Random batches with every kind of structure: constant and varying columns, few and many keys,
// round and odd timestamps (some huge, some negative), 64-bit values.
function randomBatch(rnd, n) {
  const b = new EventBatch(65536);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const nkeys = pick([1, 2, 5, 100, 300, 5000, 70000]);
  const guests = pick([[0], [7], [19025, 19026], [-5, 2147483647, -2147483648]]);
  const vcpus = pick([[0], [-1], [0, 1, 2, 3], [-1, 5, 32767]]);
  const devs = pick([[0], [1], [0, 1, 2]]);
  const unit = pick([1, 1000, 4000, 7]);
  const values = pick([[0], [0, 1], null]);
  let t = pick([0, 5e6, -1e6, 2 ** 52]);
  const keys = [];
  for (let k = 0; k < Math.min(nkeys, 2000); k++) {
    keys.push([pick(guests), pick(vcpus), pick(devs), rnd() < 0.1 ? 1 : 0, Math.floor(rnd() * 200), pick([1, 2, 4, 8]), rnd() < 0.5 ? 1 : 0]);
  }
  for (let i = 0; i < n; i++) {
    const step = rnd() < 0.01 ? -Math.floor(rnd() * 1000) * unit : rnd() < 0.5 ? Math.floor(rnd() * 30) * unit * 10 : Math.floor(rnd() * 1e6) * unit;
    if (Math.abs(t + step) <= 2 ** 53) t += step;
    const k = nkeys > 2000 ? [pick(guests), pick(vcpus), pick(devs), 0, Math.floor(rnd() * 4000), 4, 1] : pick(keys);
    let lo, hi;
    if (values) { lo = pick(values); hi = 0; } else { lo = Math.floor(rnd() * 4294967296); hi = rnd() < 0.2 ? Math.floor(rnd() * 4294967296) : 0; }
    b.push(t, k[0], k[1], k[2], k[3], k[4], k[5], k[6], lo, hi);
  }
  return b;
}

// The checksum ends every EventBatch: field 31, fixed32 (a two-byte tag, 0xfd 0x01) + CRC-32 LE.
const CRC_TRAILER = 6;
function withCrc(body) {
  const t = Buffer.alloc(CRC_TRAILER);
  t[0] = 0xfd; t[1] = 0x01; t.writeUInt32LE(zlib.crc32(body), 2);
  return Buffer.concat([body, t]);
}

const COLS = ['ts', 'valueLo', 'valueHi', 'offset', 'guest', 'vcpu', 'device', 'region', 'size', 'dir'];

function sameBatch(a, b, what) {
  assert.equal(a.n, b.n, what);
  for (const c of COLS) {
    for (let i = 0; i < a.n; i++) if (a[c][i] !== b[c][i]) assert.fail(`${what}: ${c}[${i}] ${a[c][i]} != ${b[c][i]}`);
  }
}

test('the native decoder agrees with the JS reference decoder on random batches', () => {
  const rnd = prng(42);
  const enc = new BatchEncoder();
  const w = new WireWriter();
  const viaJs = new EventBatch(65536), viaNative = new EventBatch(65536);
  for (let iter = 0; iter < 300; iter++) {
    const n = iter < 200 ? 1 + Math.floor(rnd() * 300) : 1 + Math.floor(rnd() * 65536);
    const src = randomBatch(rnd, n);
    w.reset();
    enc.encode(src, w);
    const msg = Buffer.from(w.buf.subarray(0, w.pos));
    decodeBatch(msg, 0, msg.length, 0, viaJs, 3);
    nat.decode(msg, 0, msg.length, viaNative, 3);
    sameBatch(viaJs, src, `iter ${iter} js`);
    sameBatch(viaNative, src, `iter ${iter} native`);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { lo = Math.min(lo, src.ts[i]); hi = Math.max(hi, src.ts[i]); }
    assert.equal(nat.tsMin, lo);
    assert.equal(nat.tsMax, hi);
  }
});

test('damaged batches fail in both decoders (flipped bits with a fixed-up checksum, cuts)', () => {
  const rnd = prng(7);
  const enc = new BatchEncoder();
  const w = new WireWriter();
  const a = new EventBatch(65536), b = new EventBatch(65536);
  let both = 0, agreeOk = 0;
  for (let iter = 0; iter < 400; iter++) {
    const src = randomBatch(rnd, 1 + Math.floor(rnd() * 50));
    w.reset();
    enc.encode(src, w);
    const msg = Buffer.from(w.buf.subarray(0, w.pos));
    const body = msg.subarray(0, msg.length - CRC_TRAILER);
    // Damage the body, then recompute the checksum so the structural checks are what is tested.
    const bad = Buffer.from(body);
    const at = Math.floor(rnd() * bad.length);
    bad[at] ^= 1 << Math.floor(rnd() * 8);
    const m2 = withCrc(bad);
    let jsErr = null, natErr = null;
    try { decodeBatch(m2, 0, m2.length, 0, a, 3); } catch (e) { jsErr = e; }
    try { nat.decode(m2, 0, m2.length, b, 3); } catch (e) { natErr = e; }
    assert.equal(!!jsErr, !!natErr, `iter ${iter}: js ${jsErr && jsErr.message} / native ${natErr && natErr.message}`);
    if (jsErr) both++;
    else { sameBatch(a, b, `iter ${iter}`); agreeOk++; }
    // A cut message always fails.
    const cut = msg.subarray(0, Math.floor(rnd() * msg.length));
    assert.throws(() => decodeBatch(cut, 0, cut.length, 0, a, 3));
    assert.throws(() => nat.decode(cut, 0, cut.length, b, 3));
  }
  assert.ok(both > 100 && agreeOk > 100, `${both} failed in both, ${agreeOk} decoded alike`);
});

// The replay pipeline decodes in keys mode (native/tracefile/decode.c msx_decode_keys: each event's dictionary
// index, no columns), with its own fast loops for the key and ts columns. It must accept exactly what
// the column decoder accepts, with the same ts bounds, and fail with the same code at the same byte.
test('keys mode (the pipeline) and column mode decode alike and fail at the same byte', () => {
  const { NativePipeline } = require('../dist/native/decode.js');
  const { ModelRun } = require('../dist/replay/model.js');
  const geometry = [{ tableGpa: 0xfebc0000n, pbaGpa: 0xfebc2000n, entries: 64 }, { tableGpa: 0x800000000n, pbaGpa: null, entries: 64 },
    { tableGpa: 0x1000n, pbaGpa: null, entries: 300 }];
  const run = new ModelRun('forward-all', 'cold', geometry, 0);
  const pipe = NativePipeline.create([run.handle], 3, 1);
  assert.ok(pipe, 'pipeline');
  const rnd = prng(99);
  const enc = new BatchEncoder();
  const w = new WireWriter();
  const cols = new EventBatch(65536), keys = new EventBatch(65536);
  const outcome = (dec, m, out) => {
    try {
      dec.decode(m, 0, m.length, out, 3);
      return { n: out.n, lo: dec.tsMin, hi: dec.tsMax };
    } catch (e) {
      return { error: e.message, at: e.offset };
    }
  };
  let failed = 0, ok = 0;
  try {
    for (let iter = 0; iter < 600; iter++) {
      const src = randomBatch(rnd, iter % 3 === 0 ? 1 + Math.floor(rnd() * 5000) : 1 + Math.floor(rnd() * 60));
      w.reset();
      enc.encode(src, w);
      let m = Buffer.from(w.buf.subarray(0, w.pos));
      if (iter % 4 !== 0) {
        // Damage one byte of the body (a key, a ts code, a length...) and fix up the checksum.
        const body = Buffer.from(m.subarray(0, m.length - CRC_TRAILER));
        body[Math.floor(rnd() * body.length)] ^= 1 << Math.floor(rnd() * 8);
        m = withCrc(body);
      }
      const a = outcome(nat, m, cols), b = outcome(pipe, m, keys);
      assert.deepEqual(b, a, `iter ${iter}`);
      if (a.error) failed++; else ok++;
    }
  } finally {
    pipe.destroy();
    run.close?.();
  }
  assert.ok(failed > 100 && ok > 150, `${failed} failed alike, ${ok} decoded alike`);
});

// native/common/crc32.c folds with PCLMULQDQ where the CPU has it and uses tables otherwise
// (msx_crc32_tables is that path alone): both must be zlib's CRC-32 for every length, start address
// and starting value, especially around the 16- and 64-byte steps of the folding.
test('the native CRC-32 is zlib\'s, folded and by table', () => {
  const lib = require('../dist/native/library.js').native();
  const lengths = [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 48, 63, 64, 65, 79, 80, 95, 96, 127, 128, 129, 143, 191, 192, 255, 256,
    1000, 4096, 65537, 1 << 20];
  const rnd = prng(12345);
  const big = Buffer.alloc((1 << 20) + 64);
  for (let i = 0; i < big.length; i++) big[i] = Math.floor(rnd() * 256);
  let checked = 0;
  for (const crc of [lib.msx_crc32, lib.msx_crc32_tables]) {
    for (const len of lengths) {
      for (const at of [0, 1, 3, 8, 13]) {
        const buf = big.subarray(at, at + len);
        for (const start of [0, 0xffffffff, 0x12345678]) {
          assert.equal(crc(start, buf, len) >>> 0, zlib.crc32(buf, start), `len ${len} at ${at} start ${start}`);
          checked++;
        }
      }
    }
  }
  assert.equal(checked, 2 * lengths.length * 15);
});

test('the reader gives the same events with the native and the JS decoder', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-decode-'));
  try {
    const f = path.join(tmp, 't.msixtrace');
    const devs = [device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 5, pbaGpa: 0xfebc2000n }),
      device({ index: 1, tableGpa: 0x800000000n, tableEntries: 64, pbaGpa: null }), device({ index: 2, tableGpa: 0x1000n, tableEntries: 9 })];
    const w = new TraceWriter(f, { sourceFormat: 'test', devices: devs }, 1000);
    const rnd = prng(11);
    for (let k = 0; k < 7; k++) {
      const src = randomBatch(rnd, 700);
      for (let i = 0; i < src.n; i++) w.push(src.ts[i], src.guest[i], src.vcpu[i], src.device[i], src.region[i], src.offset[i], src.size[i], src.dir[i], src.valueLo[i], src.valueHi[i]);
    }
    w.finish();
    const read = (js) => {
      const r = new TraceReader(f);
      if (js) r.useDecoder(new JsDecoder());
      const rows = [];
      for (const b of r.batches()) for (let i = 0; i < b.n; i++) rows.push(COLS.map((c) => b[c][i]).join(','));
      return rows;
    };
    const js = read(true);
    assert.equal(js.length, 4900);
    assert.deepEqual(read(false), js);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
