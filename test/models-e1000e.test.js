// The real QEMU 7.2 / Linux 6.1 e1000e recording (reference sample qemu-7.2-linux-6.1-e1000e/trace-msix.log, 269 lines):
// every model must account for every access in its field, forward-all forwards all of them, and the
// 28 flush reads of table offset 0 split as the spec predicts (walk-through in the comments below).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ModelRun } = require('../dist/replay/model');
const { EventBatch } = require('../dist/events');
const { MODELS, FIELD, C_EVENTS, ctr } = require('./models-harness.test.js');

const dir = '/work/shared/samples/qemu-7.2-linux-6.1-e1000e';
const TABLE = 0xfebc0000, PBA = 0xfebc2000;
const GEO = [{ tableGpa: BigInt(TABLE), pbaGpa: BigInt(PBA), entries: 5 }];
const LINE = /^\d+@[\d.]+:memory_region_ops_(read|write) cpu (-?\d+) mr 0x[0-9a-f]+ addr 0x([0-9a-f]+) value 0x([0-9a-f]+) size (\d+) name 'msix-(table|pba)'$/;

function load() {
  const lines = fs.readFileSync(path.join(dir, 'trace-msix.log'), 'utf8').split('\n').filter((l) => l.length);
  const b = new EventBatch(lines.length);
  for (const l of lines) {
    const m = LINE.exec(l);
    assert.ok(m, `unparsed line: ${l}`);
    const pba = m[6] === 'pba';
    const v = BigInt('0x' + m[4]);
    b.push(b.n, 1, Number(m[2]), 0, pba ? 1 : 0, parseInt(m[3], 16) - (pba ? PBA : TABLE), Number(m[5]),
      m[1] === 'write' ? 1 : 0, Number(v & 0xffffffffn), Number(v >> 32n));
  }
  return b;
}

const RECORDED = { read: { addr_lo: 28, addr_hi: 0, data: 45, vector_ctrl: 3, pba: 0, other: 0 },
  write: { addr_lo: 45, addr_hi: 45, data: 45, vector_ctrl: 58, pba: 0, other: 0 } };

// Flush reads of table offset 0 (the Linux mask flush, readl(mask_base)), [absorbed, forwarded]:
// - forward-all: nothing intercepted. xen-3.4: B serves only dword vector_ctrl reads.
// - cold xen-4.1/4.2/4.4: entry 0 is bound by the first unmask (line 29), before the first flush read
//   (line 49); from then on the page rule accepts and the cache (no valid bits) serves entry 0.
// - cold xen-4.6/4.7/4.19: that bind registers the table and clears V; entry 0's addr_lo is written
//   through Xen again only at line 57, so the flush reads at lines 49 and 55 are forwarded.
// - warm: entry 0's addr_lo is snooped at line 4, before any flush read.
// - xen-vpci: Xen emulates the whole table.
const FLUSH = {
  cold: { 'forward-all': [0, 28], 'xen-3.4': [0, 28], 'xen-4.1': [28, 0], 'xen-4.2': [28, 0], 'xen-4.4': [28, 0],
    'xen-4.6': [26, 2], 'xen-4.7': [26, 2], 'xen-4.19': [26, 2], 'xen-vpci': [28, 0] },
  warm: { 'forward-all': [0, 28], 'xen-3.4': [0, 28], 'xen-4.1': [28, 0], 'xen-4.2': [28, 0], 'xen-4.4': [28, 0],
    'xen-4.6': [28, 0], 'xen-4.7': [28, 0], 'xen-4.19': [28, 0], 'xen-vpci': [28, 0] },
};

test('e1000e recording: per-field totals for every model, cold and warm', { skip: !fs.existsSync(dir) }, () => {
  const b = load();
  assert.equal(b.n, 269);
  for (const start of ['cold', 'warm']) {
    for (const model of MODELS) {
      const r = new ModelRun(model, start, GEO);
      const dec = Buffer.alloc(b.n);
      r.feed(b, dec);
      const c = r.counters();
      r.close();
      assert.equal(c[C_EVENTS], 269n);
      for (const [d, dirName] of [[0, 'read'], [1, 'write']]) {
        for (const f of Object.keys(FIELD)) {
          const n = c[ctr(f, d, 0)] + c[ctr(f, d, 1)];
          assert.equal(n, BigInt(RECORDED[dirName][f]), `${start} ${model} ${dirName} ${f}`);
        }
      }
      if (model === 'forward-all') {
        let fwd = 0n;
        for (let f = 0; f < 6; f++) fwd += c[(f * 2) * 3 + 1] + c[(f * 2 + 1) * 3 + 1];
        assert.equal(fwd, 269n);
      }
      let abs = 0, fwd = 0;
      for (let i = 0; i < b.n; i++) {
        if (b.dir[i] !== 0 || b.offset[i] !== 0) continue;
        if ((dec[i] & 3) === 0) abs++;
        else fwd++;
      }
      assert.deepEqual([abs, fwd], FLUSH[start][model], `${start} ${model} flush reads`);
    }
  }
});
