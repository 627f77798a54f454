// Partial copies of a real recording: one whose footer says the capture was interrupted (what a
// live capture stopped by a signal writes), and one cut in the middle (what --salvage reads).
const fs = require('fs');
const { TraceWriter } = require('../../dist/tracefile/writer.js');
const { TraceReader } = require('../../dist/tracefile/reader.js');

/** Rewrites `src` into `dst` in batches of 64 events, with footer.interrupted set when asked. */
function copyInBatches(src, dst, interrupted) {
  const r = new TraceReader(src);
  const h = r.header;
  const w = new TraceWriter(dst, { sourceFormat: h.sourceFormat, sourceFiles: h.sourceFiles, devices: h.devices, traceStartUnixNs: h.traceStartUnixNs, notes: h.notes }, { batchSize: 64 });
  for (const b of r.batches()) {
    for (let i = 0; i < b.n; i++) {
      w.push(b.ts[i], b.guest[i], b.vcpu[i], b.device[i], b.region[i], b.offset[i], b.size[i], b.dir[i], b.valueLo[i], b.valueHi[i]);
    }
  }
  w.finish({ interrupted });
}

/** What a live capture stopped by a signal writes: the events so far, footer.interrupted set. */
const interruptedCopy = (src, dst) => copyInBatches(src, dst, true);

/** The first `keep` fraction of a trace's bytes, rewritten in batches of 64 first so some stay whole. */
function truncatedCopy(src, dst, keep = 0.6) {
  copyInBatches(src, dst, false);
  const buf = fs.readFileSync(dst);
  fs.writeFileSync(dst, buf.subarray(0, Math.floor(buf.length * keep)));
}

module.exports = { interruptedCopy, truncatedCopy };
