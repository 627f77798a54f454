// Property-based tests (fast-check) of the lspci -vv reader (src/capture/lspci.ts parseLspci):
// generated listings of several device blocks, in the grammar of docs/log-formats.md 6.1 (header with
// or without domain and ids, Region lines of every shape, modern or pre-3.1.3 MSI-X wording, other
// capabilities around it, CRLF or LF, tabs or spaces), give back exactly the geometry they were
// generated from; arbitrary text never throws anything but a UserError naming lspci:LINE.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { parseLspci } = require('../dist/capture/lspci.js');

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 0x15bc1;
const RUNS = (n) => ({ seed: SEED, numRuns: n, endOnFailure: true });

const hex = (v, w) => v.toString(16).padStart(w, '0');

const regionArb = fc.record({
  memory: fc.boolean(),
  wide: fc.boolean(), // 64-bit BAR (address above 4 GiB possible)
  base: fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
  high: fc.bigInt({ min: 1n, max: 2n ** 20n }),
  prefetch: fc.boolean(),
  size: fc.constantFrom('4K', '16K', '128K', '1M', '16M'),
  virtualTag: fc.constantFrom('', '[virtual] '),
  disabled: fc.boolean(),
});

// onRegion: the BIR names one of the device's memory BARs (the usual case); else any BAR number.
const bir = fc.record({ bar: fc.nat({ max: 5 }), onRegion: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), offset: fc.nat({ max: 0x1fffffff }).map((o) => o * 8) });

const deviceArb = fc.record({
  domain: fc.oneof(fc.constant(null), fc.nat({ max: 0xffff })),
  bus: fc.nat({ max: 255 }), dev: fc.nat({ max: 31 }), fn: fc.nat({ max: 7 }),
  ids: fc.oneof(fc.constant(null), fc.tuple(fc.nat({ max: 0xffff }), fc.nat({ max: 0xffff }))),
  name: fc.constantFrom('Ethernet controller', 'Non-Volatile memory controller', 'Mass storage controller', 'Unclassified device'),
  regions: fc.uniqueArray(fc.tuple(fc.nat({ max: 5 }), regionArb), { selector: (r) => r[0], minLength: 1, maxLength: 4 }),
  msix: fc.oneof(fc.constant(null), fc.record({
    enabled: fc.boolean(),
    entries: fc.oneof(fc.integer({ min: 1, max: 2048 }), fc.constantFrom(1, 64, 2048)),
    old: fc.boolean(),
    table: bir, pba: bir,
    capAt: fc.integer({ min: 0x40, max: 0xfc }),
    otherCapsBefore: fc.nat({ max: 2 }),
  })),
  driver: fc.boolean(),
});

const listingArb = fc.record({
  devices: fc.uniqueArray(deviceArb, { selector: (d) => `${d.domain ?? 0}:${d.bus}:${d.dev}.${d.fn}`, minLength: 1, maxLength: 4 }),
  crlf: fc.boolean(),
  spaces: fc.boolean(), // some tools turn tabs into 8 spaces
  domainAlways: fc.boolean(),
});

/** Renders the listing and the geometry parseLspci must find in it. */
function render(l) {
  const lines = [];
  const expect = [];
  const ind = (n) => (l.spaces ? ' '.repeat(8 * n) : '\t'.repeat(n));
  for (const d of l.devices) {
    if (lines.length) lines.push('');
    const domain = d.domain ?? 0;
    const showDomain = l.domainAlways || domain !== 0;
    const bdf = `${hex(d.bus, 2)}:${hex(d.dev, 2)}.${d.fn}`;
    const ids = d.ids ? ` [${hex(d.ids[0], 4)}:${hex(d.ids[1], 4)}]` : '';
    lines.push(`${showDomain ? hex(domain, 4) + ':' : ''}${bdf} ${d.name}: Example Corp Device${ids} (rev 01)`);
    lines.push(`${ind(1)}Control: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR+ FastB2B- DisINTx+`);
    const bases = new Map();
    for (const [idx, r] of [...d.regions].sort((a, b) => a[0] - b[0])) {
      if (!r.memory) {
        lines.push(`${ind(1)}Region ${idx}: I/O ports at ${hex(Number(r.base & 0xffffn), 4)} [size=32]`);
        continue;
      }
      const base = (r.wide ? (r.high << 32n) | r.base : r.base) & ~0xfn;
      bases.set(idx, { base, disabled: r.disabled });
      lines.push(`${ind(1)}Region ${idx}: ${r.virtualTag}Memory at ${hex(base, 8)} (${r.wide ? '64-bit' : '32-bit'}, ${r.prefetch ? '' : 'non-'}prefetchable)${r.disabled ? ' [disabled]' : ''} [size=${r.size}]`);
    }
    const m = d.msix && { ...d.msix };
    if (m) {
      const memory = [...bases.keys()];
      const place = (b) => (b.onRegion && memory.length ? { ...b, bar: memory[b.bar % memory.length] } : b);
      m.table = place(m.table);
      m.pba = place(m.pba);
      for (let k = 0; k < m.otherCapsBefore; k++) {
        lines.push(`${ind(1)}Capabilities: [${hex(0x40 + 0x10 * k, 2)}] MSI: Enable- Count=1/32 Maskable+ 64bit+`);
        lines.push(`${ind(2)}Address: 0000000000000000  Data: 0000`);
      }
      const sign = m.enabled ? '+' : '-';
      lines.push(`${ind(1)}Capabilities: [${hex(m.capAt, 2)}] MSI-X: Enable${sign} ` + (m.old ? `Mask- TabSize=${m.entries}` : `Count=${m.entries} Masked-`));
      const capLine = lines.length;
      lines.push(`${ind(2)}Vector table: BAR=${m.table.bar} offset=${hex(m.table.offset, 8)}`);
      lines.push(`${ind(2)}PBA: BAR=${m.pba.bar} offset=${hex(m.pba.offset, 8)}`);
      lines.push(`${ind(1)}Capabilities: [100 v2] Advanced Error Reporting`);
      lines.push(`${ind(2)}UESta:  DLP- SDES- TLP- FCP- CmpltTO- CmpltAbrt- UnxCmplt- RxOF- MalfTLP- ECRC- UnsupReq- ACSViol-`);
      const t = bases.get(m.table.bar);
      const p = bases.get(m.pba.bar);
      expect.push({
        bdf: `${hex(domain, 4)}:${bdf}`,
        vendor: d.ids ? d.ids[0] : null, deviceId: d.ids ? d.ids[1] : null,
        msixEnabled: m.enabled, entries: m.entries,
        tableBar: m.table.bar, tableOffset: BigInt(m.table.offset), pbaBar: m.pba.bar, pbaOffset: BigInt(m.pba.offset),
        tableGpa: t ? t.base + BigInt(m.table.offset) : null,
        pbaGpa: p ? p.base + BigInt(m.pba.offset) : null,
        barDisabled: t ? t.disabled : false,
        line: capLine,
      });
    }
    if (d.driver) lines.push(`${ind(1)}Kernel driver in use: example`);
  }
  return { text: lines.join(l.crlf ? '\r\n' : '\n') + (l.crlf ? '\r\n' : '\n'), expect };
}

const KEYS = ['bdf', 'vendor', 'deviceId', 'msixEnabled', 'entries', 'tableBar', 'tableOffset', 'pbaBar', 'pbaOffset', 'tableGpa', 'pbaGpa', 'barDisabled', 'line'];

test('property: generated lspci -vv listings round-trip their MSI-X geometry', () => {
  fc.assert(fc.property(listingArb, (l) => {
    const { text, expect } = render(l);
    const got = parseLspci(text).map((d) => Object.fromEntries(KEYS.map((k) => [k, d[k]])));
    assert.deepEqual(got, expect, text);
  }), RUNS(400));
});

test('property: arbitrary or damaged lspci text returns devices or throws one UserError naming lspci:LINE', () => {
  const damaged = fc.tuple(listingArb, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('', 'x', '=', ' ', '\t', ':', 'BAR=9', 'Count=0', 'Count=4096', 'offset=zz', '\0')), { maxLength: 5 }))
    .map(([l, edits]) => {
      const lines = render(l).text.split('\n');
      for (const [i, j, s] of edits) {
        const k = i % lines.length;
        const c = lines[k].length ? j % lines[k].length : 0;
        lines[k] = lines[k].slice(0, c) + s + lines[k].slice(c + 1);
      }
      return lines.join('\n');
    });
  fc.assert(fc.property(fc.oneof(damaged, fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
    try {
      const devs = parseLspci(text);
      for (const d of devs) {
        assert.ok(d.entries >= 1 && d.entries <= 2048, `entries ${d.entries}`);
        assert.ok(Number.isInteger(d.line) && d.line >= 1);
      }
    } catch (e) {
      assert.equal(e.name, 'UserError', e.stack);
      assert.match(e.message, /^lspci:\d+: /);
      assert.doesNotMatch(e.message, /\n/);
    }
  }), RUNS(400));
});
