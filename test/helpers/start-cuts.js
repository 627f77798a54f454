// Cut recordings: a real trace with its first k events removed, as if tracing had started there.
// The truth for such a cut is what the whole trace's replay decided for events k.. (the models then
// hold the state the guest really built before k); a start is right for the cut when the cut's
// replay decides exactly those outcomes per field and direction.
const fs = require('fs');
const path = require('path');
const ROOT = path.resolve(__dirname, '..', '..');
const { replayTrace } = require(path.join(ROOT, 'dist', 'replay', 'engine.js'));
const { modelNames } = require(path.join(ROOT, 'dist', 'replay', 'model.js'));
const { TraceReader } = require(path.join(ROOT, 'dist', 'tracefile', 'reader.js'));
const { TraceWriter } = require(path.join(ROOT, 'dist', 'tracefile', 'writer.js'));

/** Every event of a trace as plain arrays, with the header. */
function readAll(file) {
  const r = new TraceReader(file);
  const ev = [];
  for (const b of r.batches()) {
    for (let i = 0; i < b.n; i++) {
      ev.push([b.ts[i], b.guest[i], b.vcpu[i], b.device[i], b.region[i], b.offset[i], b.size[i], b.dir[i], b.valueLo[i], b.valueHi[i]]);
    }
  }
  const header = r.header;
  r.close();
  return { header, ev };
}

function writeCut(file, header, ev, k) {
  const w = new TraceWriter(file, { sourceFormat: header.sourceFormat, devices: header.devices });
  for (let i = k; i < ev.length; i++) w.push(...ev[i]);
  w.finish();
}

/** Per model: the key (field, dir, outcome) of each event's decision, in event order (from --explain). */
function decisionKeys(file, start) {
  const out = `${file}.explain.ndjson`;
  const fd = fs.openSync(out, 'w');
  let r;
  try {
    r = replayTrace(file, { models: modelNames(), start, explain: { trace: file, fd } });
  } finally {
    fs.closeSync(fd);
  }
  const keys = {};
  for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    (keys[e.model] ??= [])[e.index] = `${e.field}:${e.dir}:${e.outcome}:${e.guest_crash}`;
  }
  fs.rmSync(out, { force: true });
  return { keys, note: r.startNote, starts: r.results[0].device_starts };
}

function tally(list) {
  const m = {};
  for (const k of list) m[k] = (m[k] ?? 0) + 1;
  return JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k]]));
}

/**
 * For each cut k: which starts replay the cut exactly like the whole trace replays its events k..,
 * what auto chose, and whether the mid-run note fired. Returns one record per (k, model).
 */
function evaluateCuts(trace, cuts, tmp) {
  const { header, ev } = readAll(trace);
  const whole = decisionKeys(trace, 'cold').keys;
  const out = [];
  for (const k of cuts) {
    const file = path.join(tmp, `cut-${path.basename(path.dirname(trace))}-${k}.msixtrace`);
    writeCut(file, header, ev, k);
    const cold = decisionKeys(file, 'cold');
    const warm = decisionKeys(file, 'warm');
    const auto = decisionKeys(file, 'auto');
    for (const model of Object.keys(whole)) {
      const truth = tally(whole[model].slice(k));
      out.push({
        k, model, events: ev.length - k,
        cold: tally(cold.keys[model] ?? []) === truth,
        warm: tally(warm.keys[model] ?? []) === truth,
        auto: tally(auto.keys[model] ?? []) === truth,
        picked: auto.starts, note: cold.note,
      });
    }
    fs.rmSync(file, { force: true });
  }
  return out;
}

module.exports = { readAll, writeCut, decisionKeys, evaluateCuts };
