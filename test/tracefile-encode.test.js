// The native batch encoder (native/tracefile/encode.c via src/native/encode.ts) writes exactly the
// bytes of the JavaScript reference encoder (test/oracles/batch-encode.js) on random batches
// covering every column form: timestamp units and coarse multiples, big and negative steps, the
// dictionary above 128 tuples (sorted by frequency, ties by first appearance), constant and varying
// columns, 64-bit values, full 65536-event batches.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { EventBatch } = require('../dist/events.js');
const { BatchEncoder } = require('./oracles/batch-encode.js');
const { decodeBatch } = require('./oracles/batch-decode.js');
const { WireWriter } = require('../dist/tracefile/wire.js');
const { NativeBatchEncoder, refusal } = require('../dist/native/encode.js');

// Deterministic PRNG (mulberry32) so a failure can be replayed from its seed.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIZES = [1, 2, 4, 8];

/** A random batch; `shape` picks how timestamps and tuples vary. */
function randomBatch(seed) {
  const r = prng(seed);
  const int = (n) => Math.floor(r() * n);
  const pick = (a) => a[int(a.length)];
  const n = pick([1, 2, 3, 7, 100, 129, 500, 4096, 20000, 65536]);
  const b = new EventBatch(n);
  const tsMode = pick(['zero', 'us', 'coarse', 'ns', 'mixed', 'big', 'near-limit', 'negative', 'repeat']);
  const distinct = pick([1, 2, 5, 128, 129, 300, 5000, n]);
  const ndev = pick([1, 1, 3]);
  // A pool of tuples; events draw from it with a skew so counts differ (and tie).
  const pool = [];
  const constGuest = r() < 0.5, constVcpu = r() < 0.5, constOff = r() < 0.3, constAccess = r() < 0.3;
  for (let k = 0; k < distinct; k++) {
    const hiVal = r() < 0.2;
    pool.push([
      constGuest ? (r() < 0.5 ? 0 : 19025) : pick([0, 1, -1, 19025, 2147483647, -2147483648, int(100000)]),
      constVcpu ? -1 : pick([-1, 0, 1, 3, 32767, -2147483648, 2147483647]),
      int(ndev),
      constAccess ? 0 : int(2),
      constOff ? 12 : int(20) * 4,
      constAccess ? 4 : pick(SIZES),
      constAccess ? 1 : int(2),
      pick([0, 1, 0xfee01004, int(2 ** 32), 0xffffffff]),
      hiVal ? pick([1, 0x80000000, 0xffffffff, int(2 ** 32)]) : 0,
    ]);
  }
  let ts = tsMode === 'negative' ? int(1e9) : 0;
  for (let i = 0; i < n; i++) {
    switch (tsMode) {
      case 'zero': ts = 0; break;
      case 'us': ts += int(1000) * 1000; break;
      case 'coarse': ts += pick([10, 100, 1000, 10000, 100000, 1e6, 7, 0]) * 1000 * (1 + int(3)); break;
      case 'ns': ts += int(5000); break;
      case 'mixed': ts += r() < 0.1 ? -int(1e6) : int(1e7); break;
      case 'big': ts = i % 2 ? 2 ** 53 - int(1000) : -(2 ** 53) + int(1000); break;
      case 'near-limit': ts = 2 ** 52 + int(2 ** 30) * 1000; break;
      case 'negative': ts -= int(1e6); break;
      case 'repeat': ts += i % 3 === 0 ? 1000 : 0; break;
    }
    const k = Math.min(distinct - 1, Math.floor(distinct * r() ** 2));
    const t = pool[k];
    b.push(ts, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]);
  }
  return { b, ndev, what: `seed ${seed}: n=${n} ts=${tsMode} distinct<=${distinct} ndev=${ndev}` };
}

function jsBytes(b) {
  const w = new WireWriter(1 << 12);
  new BatchEncoder().encode(b, w);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

function nativeBytes(enc, b, ndev) {
  const w = new WireWriter(1 << 12);
  w.varint(300); // the encoder appends at w.pos
  const start = w.pos;
  const ok = enc.encode(b, w, ndev);
  return ok ? Buffer.from(w.buf.subarray(start, w.pos)) : null;
}

test('native and JavaScript encoders give the same bytes on random batches', () => {
  const enc = new NativeBatchEncoder();
  try {
    for (let seed = 1; seed <= 400; seed++) {
      const { b, ndev, what } = randomBatch(seed);
      const want = jsBytes(b);
      const got = nativeBytes(enc, b, ndev);
      assert.ok(got, `${what}: native encoder declined`);
      if (!got.equals(want)) {
        let at = 0;
        while (at < want.length && got[at] === want[at]) at++;
        assert.fail(`${what}: bytes differ at ${at} (native ${got.length} bytes, JS ${want.length})`);
      }
      // and the reference decoder gives the events back
      if (seed % 25 === 0) {
        const out = new EventBatch(65536);
        decodeBatch(got, 0, got.length, 0, out, ndev);
        assert.equal(out.n, b.n);
        for (let i = 0; i < b.n; i += 97) assert.equal(out.ts[i], b.ts[i], `${what}: ts ${i}`);
      }
    }
  } finally {
    enc.close();
  }
});

test('dictionary above 128 tuples: frequency order with ties by first appearance', () => {
  const enc = new NativeBatchEncoder();
  for (const distinct of [129, 256, 40000, 65536]) {
    const b = new EventBatch(65536);
    for (let i = 0; i < 65536; i++) {
      // tuple k appears (k % 3) + 1 times in the first part: many ties
      const k = i < distinct ? i : (i * 7) % Math.min(distinct, 997);
      b.push(i * 1000, 5, k % 7, 0, 0, (k % 512) * 4, 4, 1, k, k % 5 === 0 ? 1 : 0);
    }
    const got = nativeBytes(enc, b, 1);
    assert.ok(got && got.equals(jsBytes(b)), `distinct ${distinct}`);
  }
  enc.close();
});

test('the native encoder declines what the JavaScript encoder rejects, and refusal() names the event', () => {
  const enc = new NativeBatchEncoder();
  const cases = [
    ['fractional ts', (b) => { b.ts[1] = 1.5; }, 'event 1 has ts_ns 1.5'],
    ['ts beyond 2^53', (b) => { b.ts[2] = 2 ** 53 + 2; }, `event 2 has ts_ns ${2 ** 53 + 2}`],
    ['NaN ts', (b) => { b.ts[0] = NaN; }, 'event 0 has ts_ns NaN'],
    ['size 3', (b) => { b.size[1] = 3; }, 'event 1 has size 3'],
  ];
  for (const [what, spoil, why] of cases) {
    const b = new EventBatch(8);
    for (let i = 0; i < 4; i++) b.push(i * 1000, 1, 0, 0, 0, 0, 4, 0, i, 0);
    spoil(b);
    assert.equal(nativeBytes(enc, b, 1), null, what);
    assert.throws(() => jsBytes(b), /internal/, what);
    assert.equal(refusal(b, 1), why);
  }
  const b = new EventBatch(8);
  b.push(0, 1, 0, 2, 0, 0, 4, 0, 0, 0);
  assert.equal(nativeBytes(enc, b, 2), null, 'device beyond the header');
  assert.equal(refusal(b, 2), 'event 0 names device 2, the header has 2');
  assert.ok(nativeBytes(enc, b, 3));
  enc.close();
});
