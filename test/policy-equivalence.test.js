// Every built-in model, written as a policy file (policies/*.json), must give the native model's
// counters exactly: all 40 of them (per field, direction and outcome, deferred unmasks, guest
// crashes, events), cold and warm, through the pipeline (one call per packet) and through the
// column feed (--by entry), on every recording in traces/ and on every synth scenario. A random
// batch of odd sizes, misaligned offsets, PBA and past-the-table accesses over three geometries
// then compares the decisions event by event (outcome and crash bit).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { NODE_FLAGS } = require('./helpers/cli');

const ROOT = path.resolve(__dirname, '..');
const LIB = process.env.MSIXTRACE_NATIVE_LIB ?? path.join(ROOT, 'build', 'Release', 'libmsixmodels.so');
const skip = !fs.existsSync(LIB) && 'native library not built';
const MODELS = ['forward-all', 'xen-3.4', 'xen-4.1', 'xen-4.2', 'xen-4.4', 'xen-4.6', 'xen-4.7', 'xen-4.19', 'xen-vpci'];
const policy = (m) => `policy:${path.join(ROOT, 'policies', `${m}.json`)}`;

const recordings = fs.readdirSync(path.join(ROOT, 'traces'))
  .map((d) => path.join(ROOT, 'traces', d, 'trace.msixtrace'))
  .filter((f) => fs.existsSync(f));

function compare(file, start, by) {
  const { replayTrace } = require('../dist/replay/engine');
  const models = MODELS.flatMap((m) => [m, policy(m)]);
  const r = replayTrace(file, { models, start, by });
  for (let i = 0; i < MODELS.length; i++) {
    const [nat, pol] = [r.results[2 * i], r.results[2 * i + 1]];
    const what = `${path.basename(path.dirname(file))}/${path.basename(file)} ${start} ${by ?? 'pipeline'} ${MODELS[i]}`;
    assert.equal(pol.events, nat.events, what);
    assert.deepEqual(pol.fields, nat.fields, what);
    assert.deepEqual(pol.xen_side, nat.xen_side, what);
    if (by) assert.deepEqual(pol.by, nat.by, what);
  }
  return r.results[0].events;
}

test('every recording in traces/: policy files equal the native models (all counters)', { skip }, () => {
  assert.ok(recordings.length >= 5, 'the bundled recordings');
  for (const file of recordings) {
    for (const start of ['cold', 'warm']) {
      assert.ok(compare(file, start) > 0);
      compare(file, start, 'entry');
    }
  }
});

test('every synth scenario: policy files equal the native models (all counters)', { skip }, () => {
  const list = spawnSync(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin', 'msixtrace.js'), 'synth', '--list-scenarios'], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  const scenarios = list.stdout.split('\n').filter((l) => /^[a-z0-9][a-z0-9.-]*$/.test(l));
  assert.ok(scenarios.length >= 5, scenarios.join(','));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-policy-eq-'));
  try {
    for (const s of scenarios) {
      const file = path.join(tmp, `${s}.msixtrace`);
      const r = spawnSync(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin', 'msixtrace.js'), 'synth', '--scenario', s, '-o', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      for (const start of ['cold', 'warm']) assert.ok(compare(file, start) > 0, s);
      compare(file, 'cold', 'entry');
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

function randomBatch(n, seed, geo) {
  const { EventBatch } = require('../dist/events');
  let s = seed >>> 0;
  const rnd = (k) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % k;
  };
  const b = new EventBatch(n);
  const sizes = [1, 2, 4, 8];
  for (let i = 0; i < n; i++) {
    const dev = rnd(geo.length);
    const entries = geo[dev].entries;
    const pba = geo[dev].pbaGpa !== null && rnd(10) === 0;
    // mostly aligned dwords and qwords of the first entries, where the state machines live
    const off = pba ? rnd(24) : rnd(4) === 0 ? rnd(entries * 16 + 64) : rnd(Math.min(entries, 6)) * 16 + 4 * rnd(4);
    const size = rnd(3) === 0 ? sizes[rnd(4)] : rnd(4) === 0 ? 8 : 4;
    const lo = rnd(3) ? rnd(2) : 0xfee00000 + rnd(16);
    b.push(i, 1, rnd(4) - 1, dev, pba ? 1 : 0, off, size, rnd(2), lo, rnd(2));
  }
  return b;
}

test('random accesses over three geometries: the same decision for every event', { skip }, () => {
  const { ModelRun } = require('../dist/replay/model');
  const geos = [
    [{ tableGpa: 0xfebc0000n, pbaGpa: 0xfebc2000n, entries: 5 }, { tableGpa: 0xfe000000n, pbaGpa: 0xfe000800n, entries: 9 }],
    [{ tableGpa: 0xfebc0000n, pbaGpa: 0xfebc4000n, entries: 300 }],
    [{ tableGpa: 0xfd000f80n, pbaGpa: null, entries: 12 }], // a table crossing a page boundary
  ];
  const n = 60000;
  geos.forEach((geo, g) => {
    for (const start of ['cold', 'warm']) {
      const b = randomBatch(n, 17 + g, geo);
      for (const m of MODELS) {
        const decided = [m, policy(m)].map((model) => {
          const run = new ModelRun(model, start, geo);
          const dec = Buffer.alloc(b.cap);
          run.feed(b, dec);
          const c = run.counters();
          run.close();
          return { dec, c };
        });
        const what = `${m} geometry ${g} ${start}`;
        assert.deepEqual(decided[1].c, decided[0].c, what);
        for (let i = 0; i < n; i++) {
          if ((decided[0].dec[i] & 7) !== (decided[1].dec[i] & 7)) {
            assert.fail(`${what}: event ${i} (off ${b.offset[i]} size ${b.size[i]} dir ${b.dir[i]} region ${b.region[i]}): native ${decided[0].dec[i] & 7}, policy ${decided[1].dec[i] & 7}`);
          }
        }
      }
    }
  });
});

test('the 3.4.0 flag quirk: --xen34-mod-quirk on xen-3.4 is writes.address_flag=offset', { skip }, () => {
  const { ModelRun } = require('../dist/replay/model');
  const { registerPolicy } = require('../dist/policy/context');
  const { loadPolicy, setKnob } = require('../dist/policy/load');
  const p = loadPolicy(path.join(ROOT, 'policies', 'xen-3.4.json'));
  setKnob(p.values, 'writes.address_flag', 'offset');
  const model = registerPolicy('test-34-quirk', p);
  const geo = [{ tableGpa: 0xfebc0000n, pbaGpa: 0xfebc2000n, entries: 5 }];
  const b = randomBatch(60000, 99, geo);
  const counters = (name, options) => {
    const run = new ModelRun(name, 'cold', geo, options);
    run.feed(b);
    const c = run.counters();
    run.close();
    return c;
  };
  const quirk = counters('xen-3.4', 1);
  assert.deepEqual(counters(model, 0), quirk);
  assert.notDeepEqual(counters('xen-3.4', 0), quirk, 'the quirk changes the counts of this batch');
});
