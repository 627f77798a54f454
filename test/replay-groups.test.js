// --by entry|guest|vcpu and --interval (native/replay/pipeline.c: group and bucket ids per batch,
// tallied natively per model) against a plain reference built here from per-event decisions
// (test/helpers/decisions.js: the column feed, not the pipeline):
// string keys, one Map, the README's counting rules (anything not absorbed is forwarded; a write
// both absorbed and forwarded also counts in `both`). The random trace has what the fast paths
// treat specially: entries past the direct tables, PBA accesses, negative and huge vCPUs and
// guests, many devices, runs of one group and scattered ones, batches of several sizes.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { replayTrace } = require('../dist/replay/engine.js');
const { modelNames } = require('../dist/replay/model.js');
const { TraceWriter } = require('../dist/tracefile/writer.js');
const { device } = require('../dist/tracefile/schema.js');
const { eachDecision } = require('./helpers/decisions');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-groups-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function writeTrace(file, seed, events) {
  let s = seed >>> 0;
  const rnd = (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor(((s >>> 8) / (1 << 24)) * n);
  };
  const devs = [
    device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 9, pbaGpa: 0xfebc0800n }),
    device({ index: 1, tableGpa: 0xfe000000n, tableEntries: 2048, pbaGpa: 0xfe010000n }),
    device({ index: 2, tableGpa: 0x800000000n, tableEntries: 3, pbaGpa: null }),
  ];
  const guests = [0, 7, -5, 2147483647, 19025];
  const vcpus = [0, 1, 3, -1, 2047, 2048, 70000, 2147483647];
  const w = new TraceWriter(file, { sourceFormat: 'test', devices: devs }, 1000 + rnd(5000));
  let ts = 0;
  let run = 0;
  let last = null;
  for (let i = 0; i < events; i++) {
    if (run-- <= 0 || !last) {
      const dev = rnd(3);
      const region = dev !== 2 && rnd(8) === 0 ? 1 : 0;
      // entry 0..2100 on device 1: both sides of the 2048-entry direct table, and past the table
      const entry = dev === 1 ? rnd(2101) : rnd(12);
      last = { dev, region, entry, guest: guests[rnd(guests.length)], vcpu: vcpus[rnd(vcpus.length)] };
      run = rnd(4) === 0 ? rnd(20) : 0;
    }
    const offset = last.region ? 8 * rnd(4) : last.entry * 16 + 4 * rnd(4);
    const dir = rnd(2);
    ts += rnd(4) === 0 ? rnd(5e7) : rnd(3000);
    w.push(ts, last.guest, last.vcpu, last.dev, last.region, offset, 4, dir, rnd(2), 0);
  }
  w.finish();
}

function referenceKey(by, b, i) {
  if (by === 'entry') return b.region[i] === 1 ? `${b.device[i]}:pba` : `${b.device[i]}:${Math.floor(b.offset[i] / 16)}`;
  if (by === 'guest') return String(b.guest[i]);
  return `${b.guest[i]}:${b.vcpu[i]}`;
}

function reference(file, models, by, intervalNs) {
  const groups = new Map(models.map((m) => [m, new Map()]));
  const buckets = new Map(models.map((m) => [m, new Map()]));
  eachDecision(file, models, 'cold', (model, b, i, d) => {
      const outcome = d & 3;
      const g = groups.get(model);
      const key = referenceKey(by, b, i);
      if (!g.has(key)) g.set(key, { read: { absorbed: 0, forwarded: 0 }, write: { absorbed: 0, forwarded: 0, both: 0 } });
      const c = g.get(key);
      if (b.dir[i] === 0) c.read[outcome === 0 ? 'absorbed' : 'forwarded']++;
      else {
        c.write[outcome === 0 ? 'absorbed' : 'forwarded']++;
        if (outcome === 2) c.write.both++;
      }
      const bk = buckets.get(model);
      const start = Math.floor(b.ts[i] / intervalNs) * intervalNs;
      if (!bk.has(start)) bk.set(start, { start_ns: start, absorbed: 0, forwarded: 0 });
      bk.get(start)[outcome === 0 ? 'absorbed' : 'forwarded']++;
  });
  return { groups, buckets };
}

for (const seed of [5, 6]) {
  test(`--by and --interval equal the per-event reference (seed ${seed})`, { timeout: 120_000 }, () => {
    const file = path.join(tmp, `t${seed}.msixtrace`);
    writeTrace(file, seed, 60000);
    const models = modelNames();
    const intervalNs = 1e8;
    for (const by of ['entry', 'guest', 'vcpu']) {
      const ref = reference(file, models, by, intervalNs);
      const got = replayTrace(file, { models, start: 'cold', by, intervalNs });
      for (const r of got.results) {
        const want = ref.groups.get(r.model);
        assert.equal(r.by.groups.length, want.size, `${by} ${r.model}: group count`);
        for (const g of r.by.groups) {
          const { key, ...counts } = g;
          assert.deepEqual(counts, want.get(key), `${by} ${r.model} ${key}`);
        }
        const keys = r.by.groups.map((g) => g.key);
        assert.deepEqual(keys, [...keys].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })), 'natural order');
        const seen = r.intervals.buckets.filter((x) => x.absorbed + x.forwarded > 0);
        const wantB = [...ref.buckets.get(r.model).values()].sort((a, b) => a.start_ns - b.start_ns);
        assert.deepEqual(seen, wantB, `${r.model}: buckets`);
      }
      if (by === 'entry') {
        // Past the direct table (entries >= 2048) and the PBA went through the Map path.
        const keys = new Set(got.results[0].by.groups.map((g) => g.key));
        assert.ok(keys.has('1:2100') && keys.has('1:2047') && keys.has('0:pba'), [...keys].slice(0, 5).join(' '));
      }
      if (by === 'vcpu') {
        const keys = new Set(got.results[0].by.groups.map((g) => g.key));
        assert.ok(keys.has('-5:-1') && keys.has('2147483647:2147483647') && keys.has('7:2048'));
      }
    }
  });
}
