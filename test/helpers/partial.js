// Partial copies of a real recording: one whose footer says the capture was interrupted (what a
// live capture stopped by a signal writes), and one cut in the middle (what --salvage reads).
const fs = require('fs');
const { TraceWriter } = require('../../dist/tracefile/writer.js');
const { TraceReader } = require('../../dist/tracefile/reader.js');

/** Rewrites `src` into `dst` batch by batch with footer.interrupted set. */
function interruptedCopy(src, dst) {
  const r = new TraceReader(src);
  const h = r.header;
  const w = new TraceWriter(dst, { sourceFormat: h.sourceFormat, sourceFiles: h.sourceFiles, devices: h.devices, traceStartUnixNs: h.traceStartUnixNs, notes: h.notes }, { batchSize: 64 });
  for (const b of r.batches()) {
    for (let i = 0; i < b.n; i++) {
      w.push(b.ts[i], b.guest[i], b.vcpu[i], b.device[i], b.region[i], b.offset[i], b.size[i], b.dir[i], b.valueLo[i], b.valueHi[i]);
    }
  }
  w.finish({ interrupted: true });
}

/** The first `keep` fraction of a trace's bytes. */
function truncatedCopy(src, dst, keep = 0.6) {
  const buf = fs.readFileSync(src);
  fs.writeFileSync(dst, buf.subarray(0, Math.floor(buf.length * keep)));
}

module.exports = { interruptedCopy, truncatedCopy };
