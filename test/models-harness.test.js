// Shared harness for the model tests (also a test file itself so that it fits test/models-*.test.js).
// Events are tuples [dir, size, offset, valueLo = 0, valueHi = 0, region = 'T'|'P', vcpu = 0].
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { ModelRun } = require('../dist/replay/model');
const { EventBatch } = require('../dist/events');
const { native } = require('../dist/native/binding');

const MODELS = ['forward-all', 'xen-3.4', 'xen-4.1', 'xen-4.2', 'xen-4.4', 'xen-4.6', 'xen-4.7', 'xen-4.19', 'xen-vpci'];
// Table at a page boundary with 5 entries; the PBA either on a page of its own or on the table's page.
const TABLE = 0xfebc0000n;
const GEO_OWN = [{ tableGpa: TABLE, pbaGpa: 0xfebc2000n, entries: 5 }];
const GEO_SHARED = [{ tableGpa: TABLE, pbaGpa: 0xfebc0800n, entries: 5 }];
const GEO_2PAGES = [{ tableGpa: TABLE, pbaGpa: 0xfebc4000n, entries: 300 }]; // entries 256.. on page 2

const OUT = ['A', 'F', 'B'];
const FIELD = { addr_lo: 0, addr_hi: 1, data: 2, vector_ctrl: 3, pba: 4, other: 5 };
const C_DEFERRED = 36, C_CRASH = 37, C_EVENTS = 38;
const ctr = (field, dir, outcome) => (FIELD[field] * 2 + dir) * 3 + outcome;

function batchOf(events) {
  const b = new EventBatch(Math.max(8, events.length));
  events.forEach(([dir, size, off, lo = 0, hi = 0, region = 'T', vcpu = 0], i) => {
    b.push(i, 1, vcpu, 0, region === 'P' ? 1 : 0, off, size, dir === 'W' ? 1 : 0, lo >>> 0, hi >>> 0);
  });
  return b;
}

/** Runs events through one model; returns per-event 'A'/'F'/'B' (+'X' when the guest is crashed),
 *  reason codes and the counters. */
function run(model, events, { start = 'cold', geo = GEO_OWN, options = 0 } = {}) {
  const r = new ModelRun(model, start, geo, options);
  const b = batchOf(events);
  const dec = Buffer.alloc(b.cap);
  r.feed(b, dec);
  const c = r.counters();
  r.close();
  const out = [], reasons = [];
  for (let i = 0; i < events.length; i++) {
    out.push(OUT[dec[i] & 3] + (dec[i] & 4 ? 'X' : ''));
    reasons.push(dec[i] >> 3);
  }
  return { out, reasons, c, last: out[out.length - 1], lastReason: reasons[reasons.length - 1] };
}

const reasonText = (code) => native().msx_reason_text(code);

module.exports = { MODELS, TABLE, GEO_OWN, GEO_SHARED, GEO_2PAGES, FIELD, C_DEFERRED, C_CRASH, C_EVENTS, ctr, run,
  batchOf, reasonText };

if (require.main === module) test('harness: decision byte layout matches msixtrace.h (outcome bits 0-1, crash bit 2, reason 3-7)', () => {
  const r = run('xen-4.19', [['W', 4, 0, 0, 0, 'P']]); // PBA write on its own page: crash
  assert.equal(r.last, 'AX');
  assert.match(reasonText(r.lastReason), /read-only/);
});
