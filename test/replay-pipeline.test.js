// The native replay pipeline (native/replay/pipeline.h: decode + feed of every model in one call per
// packet, on worker threads) against the column path (decode to columns, msx_feed per model): on
// random traces with several devices (PBA on the table's page, on its own page, none), every size,
// direction and odd offset, values that repeat and values that do not, the counters of every model,
// cold and warm, must be equal. The column path is the reference: the file decoded by the JS
// reference decoder (test/oracles/batch-decode.js), each batch fed to each model with msx_feed.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'msx-pipeline-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

// Child: replays FILE with every model, both starts, and prints the counters as JSON.
const CHILD = `
const { replayTrace } = require(${JSON.stringify(path.join(ROOT, 'dist', 'replay', 'engine.js'))});
const { modelNames } = require(${JSON.stringify(path.join(ROOT, 'dist', 'replay', 'model.js'))});
const out = {};
for (const start of ['cold', 'warm']) {
  for (const options of [0, 1]) {
    const r = replayTrace(process.argv[1], { models: modelNames(), start, options });
    out[start + options] = r.results.map((m) => ({ model: m.model, events: m.events, fields: m.fields, xen: m.xen_side }));
  }
}
process.stdout.write(JSON.stringify(out));
`;

// Child: the same counters by the column path.
const COLUMNS = `
const { TraceReader } = require(${JSON.stringify(path.join(ROOT, 'dist', 'tracefile', 'reader.js'))});
const { ModelRun, modelNames } = require(${JSON.stringify(path.join(ROOT, 'dist', 'replay', 'model.js'))});
const { eventsFrom, fieldsFrom, xenSideFrom } = require(${JSON.stringify(path.join(ROOT, 'dist', 'replay', 'counts.js'))});
const { JsDecoder } = require(${JSON.stringify(path.join(__dirname, 'oracles', 'batch-decode.js'))});
const out = {};
for (const start of ['cold', 'warm']) {
  for (const options of [0, 1]) {
    const reader = new TraceReader(process.argv[1]);
    reader.useDecoder(new JsDecoder());
    const geometry = reader.header.devices.map((d) => ({ tableGpa: d.tableGpa, pbaGpa: d.pbaGpa, entries: d.tableEntries }));
    const runs = modelNames().map((m) => new ModelRun(m, start, geometry, options));
    for (const b of reader.batches()) for (const run of runs) run.feed(b);
    out[start + options] = runs.map((run) => {
      const c = run.counters();
      run.close();
      return { model: run.model, events: eventsFrom(c), fields: fieldsFrom(c), xen: xenSideFrom(c) };
    });
  }
}
process.stdout.write(JSON.stringify(out));
`;

function replay(file, child) {
  const r = spawnSync(process.execPath, ['-e', child, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function writeRandomTrace(file, seed, events) {
  const { TraceWriter } = require(path.join(ROOT, 'dist', 'tracefile', 'writer.js'));
  const { device } = require(path.join(ROOT, 'dist', 'tracefile', 'schema.js'));
  let s = seed >>> 0;
  const rnd = (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor(((s >>> 8) / (1 << 24)) * n);
  };
  const devs = [
    device({ index: 0, tableGpa: 0xfebc0000n, tableEntries: 9, pbaGpa: 0xfebc0800n }), // PBA on the table's page
    device({ index: 1, tableGpa: 0xfe000ff0n, tableEntries: 300, pbaGpa: 0xfe010000n }), // table across pages, PBA own page
    device({ index: 2, tableGpa: 0x800000000n, tableEntries: 3, pbaGpa: null }),
  ];
  const entries = [9, 300, 3];
  const w = new TraceWriter(file, { sourceFormat: 'test', devices: devs }, 4096 + rnd(4096));
  let ts = 0;
  for (let i = 0; i < events; i++) {
    const dev = rnd(3);
    const region = rnd(10) === 0 ? 1 : 0;
    const hot = rnd(4) !== 0; // mostly entry-aligned fields, as guests do
    const offset = region ? rnd(64) : hot ? rnd(entries[dev] + 1) * 16 + 4 * rnd(4) : rnd(entries[dev] * 16 + 64);
    const size = hot ? (rnd(8) === 0 ? 8 : 4) : [1, 2, 4, 8][rnd(4)];
    const dir = rnd(2);
    const lo = rnd(3) === 0 ? rnd(2) : (rnd(4) === 0 ? 0xfee00000 + rnd(1 << 20) : rnd(2 ** 32)) >>> 0;
    const hi = rnd(4) === 0 ? rnd(2) : 0;
    ts += rnd(3000);
    w.push(ts, 1000 + rnd(2), rnd(6) - 1, dev, region, offset, size, dir, lo, hi);
  }
  w.finish();
}

for (const seed of [1, 2, 3]) {
  test(`pipeline counters equal the column path's, every model, cold and warm (seed ${seed})`, { timeout: 120_000 }, () => {
    const file = path.join(tmp, `random-${seed}.msixtrace`);
    writeRandomTrace(file, seed, 200_000);
    const pipe = replay(file, CHILD);
    const cols = replay(file, COLUMNS);
    assert.deepEqual(pipe, cols);
  });
}

test('a damaged batch fails alike on both paths, and salvage keeps the batches before it', () => {
  const file = path.join(tmp, 'damaged.msixtrace');
  writeRandomTrace(file, 7, 50_000);
  const buf = fs.readFileSync(file);
  buf[Math.floor(buf.length * 0.6)] ^= 0x55;
  fs.writeFileSync(file, buf);
  const { replayTrace } = require(path.join(ROOT, 'dist', 'replay', 'engine.js'));
  let pipeErr = null;
  let colErr = null;
  try { replayTrace(file, { models: ['xen-4.7', 'xen-4.19'], start: 'cold' }); } catch (e) { pipeErr = e.message; }
  try { replayTrace(file, { models: ['xen-4.7', 'xen-4.19'], start: 'cold', by: 'entry' }); } catch (e) { colErr = e.message; }
  assert.ok(pipeErr, 'the pipeline path did not fail');
  assert.equal(pipeErr, colErr);
  const a = replayTrace(file, { models: ['xen-4.7', 'xen-4.19'], start: 'cold', salvage: true });
  const b = replayTrace(file, { models: ['xen-4.7', 'xen-4.19'], start: 'cold', salvage: true, by: 'entry' });
  assert.ok(a.results[0].events > 0);
  for (let i = 0; i < 2; i++) {
    assert.equal(a.results[i].events, b.results[i].events);
    assert.deepEqual(a.results[i].fields, b.results[i].fields);
    assert.deepEqual(a.results[i].xen_side, b.results[i].xen_side);
  }
});
