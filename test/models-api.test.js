// The native API around the models: names, aliases, argument checks, reason texts, batch errors,
// and a 100,000-event random batch whose counters must add up and agree with the decisions.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { native, DEVICE_CFG_BYTES, isNull } = require('../dist/native/binding');
const { ModelRun, resolveModel, deviceConfig } = require('../dist/replay/model');
const { EventBatch } = require('../dist/events');
const { MODELS, GEO_OWN, GEO_SHARED, C_DEFERRED, C_CRASH, C_EVENTS } = require('./models-harness.test.js');

test('model names in stable index order, kvm alias, unknown names', () => {
  const lib = native();
  assert.equal(lib.msx_model_count(), 9);
  assert.deepEqual(MODELS.map((_, i) => lib.msx_model_name(i)), MODELS);
  MODELS.forEach((m, i) => assert.equal(lib.msx_model_find(m), i));
  assert.equal(lib.msx_model_find('kvm'), 0);
  assert.equal(resolveModel('kvm'), 'forward-all');
  assert.equal(lib.msx_model_find('xen-4.5'), -1);
  assert.equal(lib.msx_model_find(''), -1);
  assert.equal(lib.msx_model_name(9), null);
});

test('msx_create validates model, start, ndev and entries 1..2048', () => {
  const lib = native();
  const cfg = (entries) => deviceConfig([{ tableGpa: 0x1000n, pbaGpa: null, entries }]);
  const ok = (model, start, buf, ndev) => {
    const p = lib.msx_create(model, start, buf, ndev, 0);
    const good = !isNull(p);
    if (good) lib.msx_destroy(p);
    return good;
  };
  assert.equal(ok(0, 0, cfg(1), 1), true);
  assert.equal(ok(8, 1, cfg(2048), 1), true);
  assert.equal(ok(0, 0, cfg(0), 1), false);
  assert.equal(ok(0, 0, cfg(2049), 1), false);
  assert.equal(ok(9, 0, cfg(5), 1), false);
  assert.equal(ok(-1, 0, cfg(5), 1), false);
  assert.equal(ok(0, 3, cfg(5), 1), false);
  // 2: each device record carries its own start (replay --start auto), which must be cold or warm
  assert.equal(ok(0, 2, cfg(5), 1), true);
  const perDevice = (start) => { const b = cfg(5); b.writeUInt32LE(start, 24); return b; };
  assert.equal(ok(6, 2, perDevice(1), 1), true);
  assert.equal(ok(6, 2, perDevice(2), 1), false);
  assert.equal(ok(0, 0, cfg(5), 0), false);
  assert.throws(() => new ModelRun('xen-4.1', 'cold', [{ tableGpa: 0n, pbaGpa: null, entries: 4096 }]));
  assert.equal(DEVICE_CFG_BYTES, 32);
});

test('reason texts: 32 distinct texts in words, unknown codes named as such', () => {
  const lib = native();
  const texts = [];
  for (let i = 0; i < 32; i++) texts.push(lib.msx_reason_text(i));
  assert.equal(new Set(texts).size, 32);
  for (const t of texts) assert.match(t, /^[a-zA-Z0-9(].{10,}/);
  assert.equal(lib.msx_reason_text(32), 'unknown reason');
  assert.equal(lib.msx_reason_text(-1), 'unknown reason');
});

test('an event naming a device the header does not list fails the batch; earlier events count', () => {
  const r = new ModelRun('xen-4.7', 'cold', GEO_OWN);
  const b = new EventBatch(8);
  b.push(0, 1, 0, 0, 0, 0, 4, 0, 0, 0);
  b.push(1, 1, 0, 3, 0, 0, 4, 0, 0, 0);
  assert.throws(() => r.feed(b), /device/);
  assert.equal(r.counters()[C_EVENTS], 1n);
  r.close();
});

test('devices keep separate state', () => {
  const geo = [GEO_OWN[0], { tableGpa: 0xfe000000n, pbaGpa: 0xfe001000n, entries: 8 }];
  const r = new ModelRun('xen-4.7', 'cold', geo);
  const b = new EventBatch(8);
  // bind entry 0 of device 0 (addr write, unmask), then read vector_ctrl of entry 0 on both devices
  b.push(0, 1, 0, 0, 0, 0, 4, 1, 0xfee00000, 0);
  b.push(1, 1, 0, 0, 0, 12, 4, 1, 0, 0);
  b.push(2, 1, 0, 0, 0, 12, 4, 0, 0, 0);
  b.push(3, 1, 0, 1, 0, 12, 4, 0, 0, 0);
  const dec = Buffer.alloc(8);
  r.feed(b, dec);
  assert.deepEqual([...dec.subarray(0, 4)].map((d) => d & 3), [1, 1, 0, 1]);
  assert.equal(r.counters()[C_DEFERRED], 1n);
  r.close();
});

function randomBatch(n, seed) {
  let s = seed >>> 0;
  const rnd = (k) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % k;
  };
  const b = new EventBatch(n);
  const sizes = [1, 2, 4, 8];
  for (let i = 0; i < n; i++) {
    const pba = rnd(8) === 0;
    const dev = rnd(2);
    // mostly aligned dwords at small entries (where the state machines live), some anything
    const off = pba ? rnd(24) : rnd(4) === 0 ? rnd(6 * 16 + 8) : rnd(5) * 16 + 4 * rnd(4);
    const size = rnd(3) === 0 ? sizes[rnd(4)] : 4;
    b.push(i, 1, rnd(4) - 1, dev, pba ? 1 : 0, off, size, rnd(2), rnd(3) ? rnd(2) : 0xfee00000 + rnd(16), rnd(2));
  }
  return b;
}

for (const start of ['cold', 'warm']) {
  test(`100,000 random events (${start}): per direction counters add up and match the decisions`, () => {
    const n = 100000;
    const b = randomBatch(n, start === 'cold' ? 7 : 11);
    const geo = [GEO_OWN[0], { ...GEO_SHARED[0], tableGpa: 0xfe000000n, pbaGpa: 0xfe000800n }];
    const perDir = [0, 0];
    for (let i = 0; i < n; i++) perDir[b.dir[i]]++;
    for (const model of MODELS) {
      const r = new ModelRun(model, start, geo);
      const dec = Buffer.alloc(n);
      r.feed(b, dec);
      const c = r.counters();
      r.close();
      assert.equal(c[C_EVENTS], BigInt(n), model);
      const mine = new Array(40).fill(0n);
      let crashes = 0n;
      for (let i = 0; i < n; i++) {
        const field = b.region[i] === 1 ? 4 : [0, 5, 5, 5, 1, 5, 5, 5, 2, 5, 5, 5, 3, 5, 5, 5][b.offset[i] & 15];
        const base = (field * 2 + b.dir[i]) * 3;
        const o = dec[i] & 3;
        assert.ok(o <= 2, `${model}: outcome ${o}`);
        if (o === 0) mine[base]++;
        else mine[base + 1]++;
        if (o === 2) {
          mine[base + 2]++;
          assert.equal(b.dir[i], 1, `${model}: both only for writes`);
        }
        if (dec[i] & 4) crashes++;
      }
      for (let k = 0; k < 36; k++) assert.equal(c[k], mine[k], `${model} counter ${k}`);
      assert.equal(c[C_CRASH], crashes, model);
      for (const dir of [0, 1]) {
        let sum = 0n;
        for (let f = 0; f < 6; f++) sum += c[(f * 2 + dir) * 3] + c[(f * 2 + dir) * 3 + 1];
        assert.equal(sum, BigInt(perDir[dir]), `${model} dir ${dir}`);
      }
      if (model === 'forward-all') assert.equal(c[0] + c[6] + c[12] + c[18] + c[24] + c[30], 0n);
      if (model === 'xen-vpci') for (let k = 1; k < 36; k += 3) assert.equal(c[k], 0n);
    }
  });
}
