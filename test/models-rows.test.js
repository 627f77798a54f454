// One probe access per row, after a prefix that puts the device in the state the row names. Every
// expectation is written from docs/models.md (section 2 tables, section 6 rules), one outcome per
// model in the order
//   forward-all xen-3.4 xen-4.1 xen-4.2 xen-4.4 xen-4.6 xen-4.7 xen-4.19 xen-vpci
// A absorbed, F forwarded, B both (forwarded after a Xen side effect), X suffix: guest crashed.
// Geometry: table at 0xfebc0000 with 5 entries (entries 3, 4 are >= MAX_MSIX_ACC_ENTRIES); the PBA on
// its own page (0xfebc2000) unless the row says 'shared' (0xfebc0800, on the table's page).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { MODELS, GEO_OWN, GEO_SHARED, GEO_2PAGES, run } = require('./models-harness.test.js');

const e = (n, o) => n * 16 + o;
// cold + this prefix = registered with entry 0 bound only (qemu binds on the forwarded unmask after an
// addr write, 6.2/6.3); entries 1..4 share entry 0's page.
const BIND0 = [['W', 4, e(0, 0), 0xfee00000], ['W', 4, e(0, 12), 0]];

const ROWS = [
  // ---- not registered (cold): every msixtbl variant forwards (0.2); vPCI emulates everything ----
  ['unreg: read 4 addr_lo e0', 'cold', [], ['R', 4, e(0, 0)], 'F F F F F F F F A'],
  ['unreg: read 4 vector_ctrl e0', 'cold', [], ['R', 4, e(0, 12)], 'F F F F F F F F A'],
  ['unreg: write 4 mask e0', 'cold', [], ['W', 4, e(0, 12), 1], 'F F F F F F F F A'],
  ['unreg: write 4 unmask e0 (D5 snoop in 4.7/4.19, still forwarded)', 'cold', [], ['W', 4, e(0, 12), 0], 'F F F F F F F F A'],
  ['unreg: write 8 data+unmask e0', 'cold', [], ['W', 8, e(0, 8), 0x23, 0], 'F F F F F F F F A'],
  ['unreg: read 2 e3', 'cold', [], ['R', 2, e(3, 2)], 'F F F F F F F F A'],
  ['unreg: write 1 e4 other', 'cold', [], ['W', 1, e(4, 13), 1], 'F F F F F F F F A'],

  // ---- registered, every entry bound (warm: F, S, V clear, GM clear) ----
  // reads, dword aligned
  ['warm: read 4 addr_lo e0 (cache: 4.1-4.4 serve 0, V clear from 4.6)', 'warm', [], ['R', 4, e(0, 0)], 'F F A A A F F F A'],
  ['warm: read 4 addr_hi e1', 'warm', [], ['R', 4, e(1, 4)], 'F F A A A F F F A'],
  ['warm: read 4 data e2', 'warm', [], ['R', 4, e(2, 8)], 'F F A A A F F F A'],
  ['warm: read 4 addr_lo e3 (entry >= 3)', 'warm', [], ['R', 4, e(3, 0)], 'F F F F F F F F A'],
  ['warm: read 4 data e4 (entry >= 3)', 'warm', [], ['R', 4, e(4, 8)], 'F F F F F F F F A'],
  ['warm: read 4 vector_ctrl e0', 'warm', [], ['R', 4, e(0, 12)], 'F A A A A A A A A'],
  ['warm: read 4 vector_ctrl e4', 'warm', [], ['R', 4, e(4, 12)], 'F A A A A A A A A'],
  // reads, other sizes / misaligned
  ['warm: read 4 misaligned o2 e0 (4.1 aliases to o/4)', 'warm', [], ['R', 4, e(0, 2)], 'F F A F F F F F A'],
  ['warm: read 4 misaligned o13 e1 (4.1 reads msi_ad[3])', 'warm', [], ['R', 4, e(1, 13)], 'F F A F F F F F A'],
  ['warm: read 4 misaligned o13 e3', 'warm', [], ['R', 4, e(3, 13)], 'F F F F F F F F A'],
  ['warm: read 4 misaligned o14 e0 (vPCI no-op)', 'warm', [], ['R', 4, e(0, 14)], 'F F A F F F F F A'],
  ['warm: read 2 vector_ctrl e0', 'warm', [], ['R', 2, e(0, 12)], 'F F F F F F F F A'],
  ['warm: read 2 misaligned o1 e0', 'warm', [], ['R', 2, e(0, 1)], 'F F F F F F F F A'],
  ['warm: read 1 addr_lo e0', 'warm', [], ['R', 1, e(0, 0)], 'F F F F F F F F A'],
  ['warm: read 1 o13 e4', 'warm', [], ['R', 1, e(4, 13)], 'F F F F F F F F A'],
  ['warm: read 8 addr e0, V clear', 'warm', [], ['R', 8, e(0, 0)], 'F F F F F F F F A'],
  ['warm: read 8 data+ctrl e0, V clear', 'warm', [], ['R', 8, e(0, 8)], 'F F F F F F F F A'],
  ['warm: read 8 misaligned o4 e0', 'warm', [], ['R', 8, e(0, 4)], 'F F F F F F F F A'],
  ['warm: read 8 misaligned o12 e1', 'warm', [], ['R', 8, e(1, 12)], 'F F F F F F F F A'],
  // reads after snooped writes (V set from 4.6)
  ['warm: read 4 addr_lo e0 after its write', 'warm', [['W', 4, e(0, 0), 0xfee00000]], ['R', 4, e(0, 0)], 'F F A A A A A A A'],
  ['warm: read 4 addr_hi e0 after an addr_lo write only', 'warm', [['W', 4, e(0, 0), 0xfee00000]], ['R', 4, e(0, 4)], 'F F A A A F F F A'],
  ['warm: read 8 addr e0 after addr_lo only', 'warm', [['W', 4, e(0, 0), 1]], ['R', 8, e(0, 0)], 'F F F F F F F F A'],
  ['warm: read 8 addr e2 after lo+hi writes', 'warm', [['W', 4, e(2, 0), 1], ['W', 4, e(2, 4), 0]], ['R', 8, e(2, 0)], 'F F F F F A A A A'],
  ['warm: read 8 addr e1 after a qword addr write', 'warm', [['W', 8, e(1, 0), 1, 2]], ['R', 8, e(1, 0)], 'F F F F F A A A A'],
  ['warm: read 8 data+ctrl e0 after data write', 'warm', [['W', 4, e(0, 8), 0x23]], ['R', 8, e(0, 8)], 'F F F F F A A A A'],
  ['warm: read 4 data e3 after its write (no cache for entry >= 3)', 'warm', [['W', 4, e(3, 8), 0x23]], ['R', 4, e(3, 8)], 'F F F F F F F F A'],

  // writes, warm (F clear unless the prefix wrote addr/data)
  ['warm: write 4 addr_lo e0', 'warm', [], ['W', 4, e(0, 0), 1], 'F F F F F F F B A'],
  ['warm: write 4 addr_hi e3', 'warm', [], ['W', 4, e(3, 4), 0], 'F F F F F F F B A'],
  ['warm: write 4 data e4', 'warm', [], ['W', 4, e(4, 8), 0x23], 'F F F F F F F B A'],
  ['warm: write 4 mask e0, F clear', 'warm', [], ['W', 4, e(0, 12), 1], 'F A A A A A A B A'],
  ['warm: write 4 unmask e4, F clear', 'warm', [], ['W', 4, e(4, 12), 0], 'F A A A A A A B A'],
  ['warm: write 4 mask e0 after addr write (F set; D3 absorbs masks)', 'warm', [['W', 4, e(0, 0), 1]], ['W', 4, e(0, 12), 1], 'F F F F F A A B A'],
  ['warm: write 4 unmask e0 after addr write (F set)', 'warm', [['W', 4, e(0, 8), 0x23]], ['W', 4, e(0, 12), 0], 'F F F F F F F B A'],
  ['warm: write 4 unmask e3 after addr write (F set)', 'warm', [['W', 4, e(3, 0), 1]], ['W', 4, e(3, 12), 0], 'F F F F F F F B A'],
  ['warm: write 4 misaligned o2 e0 (4.19 drops)', 'warm', [], ['W', 4, e(0, 2), 1], 'F F F F F F F A A'],
  ['warm: write 4 misaligned o13 e2', 'warm', [], ['W', 4, e(2, 13), 1], 'F F F F F F F A A'],
  ['warm: write 2 vector_ctrl e0 (in-table len 2 forwarded)', 'warm', [], ['W', 2, e(0, 12), 0], 'F F F F F F F F A'],
  ['warm: write 2 misaligned o1 e0', 'warm', [], ['W', 2, e(0, 1), 0], 'F F F F F F F A A'],
  ['warm: write 1 addr_lo e1', 'warm', [], ['W', 1, e(1, 0), 0], 'F F F F F F F F A'],
  ['warm: write 8 addr e0', 'warm', [], ['W', 8, e(0, 0), 1, 0], 'F F F F F F F B A'],
  ['warm: write 8 data + masking ctrl e0 (both from 4.6)', 'warm', [], ['W', 8, e(0, 8), 0x23, 1], 'F F F F F B B B A'],
  ['warm: write 8 data + unmasking ctrl e0', 'warm', [], ['W', 8, e(0, 8), 0x23, 0], 'F F F F F F F B A'],
  ['warm: write 8 data + masking ctrl e4', 'warm', [], ['W', 8, e(4, 8), 0x23, 1], 'F F F F F B B B A'],
  ['warm: write 8 misaligned o4 e0', 'warm', [], ['W', 8, e(0, 4), 1, 1], 'F F F F F F F A A'],
  ['warm: write 8 misaligned o12 e1', 'warm', [], ['W', 8, e(1, 12), 1, 1], 'F F F F F F F A A'],

  // ---- registered, probe entry not bound (cold + entry 0 bound; entries 1..4 on the same page) ----
  ['bound e0: read 4 vector_ctrl e1 (page rule vs msi_desc)', 'cold', BIND0, ['R', 4, e(1, 12)], 'F A A A A F F F A'],
  ['bound e0: read 4 addr_lo e1', 'cold', BIND0, ['R', 4, e(1, 0)], 'F F A A A F F F A'],
  ['bound e0: read 4 data e3', 'cold', BIND0, ['R', 4, e(3, 8)], 'F F F F F F F F A'],
  ['bound e0: write 4 mask e1 (4.4: no msi_desc)', 'cold', BIND0, ['W', 4, e(1, 12), 1], 'F A A A F F F F A'],
  ['bound e0: write 4 unmask e1, qemu not updated', 'cold', BIND0, ['W', 4, e(1, 12), 0], 'F A A A F F F F A'],
  ['bound e0: write 4 addr_lo e1', 'cold', BIND0, ['W', 4, e(1, 0), 1], 'F F F F F F F F A'],
  ['bound e0: write 4 misaligned e1 (not accepted in 4.19)', 'cold', BIND0, ['W', 4, e(1, 2), 1], 'F F F F F F F F A'],
  ['bound e0: read 4 vector_ctrl e0', 'cold', BIND0, ['R', 4, e(0, 12)], 'F A A A A A A A A'],
  ['bound e0: read 4 addr_lo e0 (registration cleared the cache)', 'cold', BIND0, ['R', 4, e(0, 0)], 'F F A A A F F F A'],
  // page rule across pages: 300 entries, entry 0 bound, entry 256 on the next page
  ['2 pages, bound e0: read 4 vector_ctrl e256 (no fixmap slot)', 'cold:2pages', BIND0, ['R', 4, e(256, 12)], 'F F F F F F F F A'],
  ['2 pages, bound e0: write 4 mask e256', 'cold:2pages', BIND0, ['W', 4, e(256, 12), 1], 'F F F F F F F F A'],
  ['2 pages, warm: read 4 vector_ctrl e256', 'warm:2pages', [], ['R', 4, e(256, 12)], 'F A A A A A A A A'],

  // ---- outside the table, inside qemu's region ----
  ['warm: read 4 past the last entry (4.19 adjacent)', 'warm', [], ['R', 4, e(5, 0)], 'F F F F F F F A A'],
  ['warm: write 4 past the last entry', 'warm', [], ['W', 4, e(5, 12), 0], 'F F F F F F F B A'],
  ['warm: read 4 misaligned past the last entry', 'warm', [], ['R', 4, e(5, 2)], 'F F F F F F F F A'],
  ['warm: write 4 misaligned past the last entry', 'warm', [], ['W', 4, e(5, 2), 0], 'F F F F F F F A A'],
  ['cold: read 4 past the last entry', 'cold', [], ['R', 4, e(5, 0)], 'F F F F F F F F A'],
  ['2 pages, warm: read 2 past the table on its last page', 'warm:2pages', [], ['R', 2, 300 * 16 + 64], 'F F F F F F F A A'],

  // ---- PBA on the table's page (6.7) ----
  ['shared PBA, cold: read 4', 'cold:shared', [], ['R', 4, 0, 0, 0, 'P'], 'F F F F F F F F A'],
  ['shared PBA, cold: write 4', 'cold:shared', [], ['W', 4, 0, 0, 0, 'P'], 'F F F F F F F F A'],
  ['shared PBA, warm: read 4', 'warm:shared', [], ['R', 4, 0, 0, 0, 'P'], 'F F F F F F F A A'],
  ['shared PBA, warm: read 8', 'warm:shared', [], ['R', 8, 0, 0, 0, 'P'], 'F F F F F F F A A'],
  ['shared PBA, warm: read 1', 'warm:shared', [], ['R', 1, 3, 0, 0, 'P'], 'F F F F F F F A A'],
  ['shared PBA, warm: read 4 unaligned', 'warm:shared', [], ['R', 4, 2, 0, 0, 'P'], 'F F F F F F F F A'],
  ['shared PBA, warm: write 4', 'warm:shared', [], ['W', 4, 4, 0, 0, 'P'], 'F F F F F F F B A'],
  ['shared PBA, warm: write 4 unaligned', 'warm:shared', [], ['W', 4, 1, 0, 0, 'P'], 'F F F F F F F A A'],
  // ---- PBA on its own page: direct-mapped (never exits); a write hits mmio_ro_ranges from 4.1 ----
  ['own PBA, cold: read 4', 'cold', [], ['R', 4, 0, 0, 0, 'P'], 'F A A A A A A A A'],
  ['own PBA, warm: read 8', 'warm', [], ['R', 8, 0, 0, 0, 'P'], 'F A A A A A A A A'],
  ['own PBA, warm: read 1 unaligned', 'warm', [], ['R', 2, 1, 0, 0, 'P'], 'F A A A A A A A A'],
  ['own PBA, cold: write 4', 'cold', [], ['W', 4, 0, 0, 0, 'P'], 'F A AX AX AX AX AX AX A'],
  ['own PBA, warm: write 1', 'warm', [], ['W', 1, 5, 0, 0, 'P'], 'F A AX AX AX AX AX AX A'],

  // ---- xen-4.6's last-byte accept check (first byte accepted, last refused: guest crashed) ----
  ['bound e0: read 4 at o13 of e0 ends in unbound e1', 'cold', BIND0, ['R', 4, e(0, 13)], 'F F A F F FX F F A'],
  ['bound e0: write 8 at o12 of e0 ends in unbound e1', 'cold', BIND0, ['W', 8, e(0, 12), 0, 0], 'F F F F F FX F A A'],
  ['warm: read 2 at o15 of e4 ends past the table', 'warm', [], ['R', 2, e(4, 15)], 'F F F F F FX F F A'],
  ['warm: write 4 at o14 of e4 ends past the table', 'warm', [], ['W', 4, e(4, 14), 0], 'F F F F F FX F A A'],
  ['warm: read 4 at o13 of e1 ends in bound e2 (no crash)', 'warm', [], ['R', 4, e(1, 13)], 'F F A F F F F F A'],
];

const GEOS = { '': GEO_OWN, shared: GEO_SHARED, '2pages': GEO_2PAGES };

for (const [label, where, prefix, probe, expected] of ROWS) {
  test(`row: ${label}`, () => {
    const [start, g = ''] = where.split(':');
    const want = expected.split(/\s+/);
    assert.equal(want.length, MODELS.length, 'row must name 9 outcomes');
    const got = MODELS.map((m) => run(m, [...prefix, probe], { start, geo: GEOS[g] }).last);
    assert.deepEqual(Object.fromEntries(MODELS.map((m, i) => [m, got[i]])),
      Object.fromEntries(MODELS.map((m, i) => [m, want[i]])));
  });
}

test('row: xen-3.4 % quirk (3.4.0): every dword vector_ctrl write is absorbed, even after an addr write', () => {
  const seq = [['W', 4, e(0, 0), 1], ['W', 4, e(0, 12), 0], ['W', 4, e(1, 0), 1], ['W', 4, e(0, 12), 1],
    ['W', 4, e(1, 12), 0]];
  assert.deepEqual(run('xen-3.4', seq, { start: 'warm', options: 1 }).out, ['F', 'A', 'F', 'A', 'A']);
  // fixed '/' index: F[n] set by the addr write forwards the next vector_ctrl write of n only
  assert.deepEqual(run('xen-3.4', seq, { start: 'warm' }).out, ['F', 'F', 'F', 'A', 'F']);
});

test('row: cold start with the quirk: qemu never sees an unmask once registered... but registration needs one', () => {
  // Unregistered, the unmask is forwarded anyway: qemu binds entry 0 (same as without the quirk).
  const seq = [['W', 4, e(0, 0), 1], ['W', 4, e(0, 12), 0], ['R', 4, e(0, 12)]];
  assert.deepEqual(run('xen-3.4', seq, { options: 1 }).out, ['F', 'F', 'A']);
});
