// Per-event decisions, the reference for what replay counts natively (--by, --interval, --explain,
// the heat map): the trace decoded into columns by the JS reference decoder (test/oracles/
// batch-decode.js), each batch fed to each model with msx_feed (the column feed, not the
// pipeline), and visit(model, batch, i, decision, index)
// called for every event of every model, batch by batch, models in the given order.
const path = require('path');

const DIST = path.resolve(__dirname, '..', '..', 'dist');

function eachDecision(file, models, start, visit, options = 0) {
  const { TraceReader } = require(path.join(DIST, 'tracefile', 'reader.js'));
  const { ModelRun } = require(path.join(DIST, 'replay', 'model.js'));
  const { MAX_BATCH } = require(path.join(DIST, 'tracefile', 'batch-codec.js'));
  const { JsDecoder } = require('../oracles/batch-decode.js');
  const reader = new TraceReader(file);
  reader.useDecoder(new JsDecoder());
  const geometry = reader.header.devices.map((d) => ({ tableGpa: d.tableGpa, pbaGpa: d.pbaGpa, entries: d.tableEntries }));
  const runs = models.map((m) => new ModelRun(m, start, geometry, options));
  const decisions = Buffer.alloc(MAX_BATCH);
  let index = 0;
  try {
    for (const b of reader.batches()) {
      for (const run of runs) {
        run.feed(b, decisions);
        for (let i = 0; i < b.n; i++) visit(run.model, b, i, decisions[i], index + i);
      }
      index += b.n;
    }
  } finally {
    for (const r of runs) r.close();
    reader.close();
  }
  return index;
}

module.exports = { eachDecision };
