#!/usr/bin/env node
// The library API in one page: capture a QEMU log, read the trace back, replay it through two models.
// Run from the repository root (after `npm install`):
//   node examples/api.js traces/qemu-7.2-linux-6.1-virtio-net-affinity
// Outside this checkout, `npm install msixtrace` and the same require('msixtrace') works.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const msixtrace = require('msixtrace');

async function main(dir) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'msixtrace-api-')), 't.msixtrace');
  try {
    // 1. Capture: the recording's MSI-X accesses, with the guest's lspci -vv for the geometry.
    const cap = await msixtrace.capture({
      inputs: [path.join(dir, 'trace-msix.log')],
      lspci: path.join(dir, 'lspci-vv.txt'),
      output: out,
    });
    console.log(`captured ${cap.footer.events} accesses`);

    // 2. Read: the header, then the events (streaming, one batch in memory at a time).
    const trace = msixtrace.openTrace(out);
    for (const d of trace.header.devices) {
      console.log(`device ${d.index} ${d.bdf}: ${d.tableEntries} entries at 0x${d.tableGpa.toString(16)}`);
    }
    const perField = {};
    for (const e of trace.events()) perField[e.field] = (perField[e.field] || 0) + 1;
    console.log('accesses per field:', JSON.stringify(perField));

    // 3. Replay: what KVM and Xen 4.1 would do with them.
    const r = msixtrace.replay(out, { models: ['kvm', 'xen-4.1'] });
    for (const m of r.results) {
      const t = m.totals;
      console.log(`${m.model}: reads ${t.read.absorbed} absorbed / ${t.read.forwarded} forwarded, `
        + `writes ${t.write.absorbed} absorbed / ${t.write.forwarded} forwarded`);
    }
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

main(process.argv[2] || 'traces/qemu-7.2-linux-6.1-virtio-net-affinity').catch((e) => {
  // Bad input is a UserError: one line naming the file.
  console.error(e instanceof msixtrace.UserError ? e.message : e);
  process.exit(2);
});
