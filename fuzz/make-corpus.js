#!/usr/bin/env node
// Writes the hand-made seed inputs of fuzz/fuzz_feed.c (layout in its header comment) into
// fuzz/corpus/, and the reproducers of native bugs the fuzzers found into fuzz/repro/.
// The files are checked in; run this again only to change them: node fuzz/make-corpus.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const MODELS = ['forward-all', 'xen-3.4', 'xen-4.1', 'xen-4.2', 'xen-4.4', 'xen-4.6', 'xen-4.7', 'xen-4.19', 'xen-vpci'];
const WARM = 1, DEC = 2, QUIRK = 4, TWIN = 8;
const calls = (k) => (k - 1) << 4;

// ev: { off, size = 4, dir = 1 (write), region = 0 (table), lo = 0, hi = 0, vcpu = 0, dev = 0 }
function input(model, flags, devices, events) {
  const head = Buffer.alloc(3 + 19 * devices.length);
  head[0] = MODELS.indexOf(model);
  if (head[0] === 255) throw new Error(model);
  head[1] = flags;
  head[2] = devices.length - 1;
  devices.forEach((d, k) => {
    const o = 3 + 19 * k;
    head.writeBigUInt64LE(BigInt.asUintN(64, d.table), o);
    head.writeBigUInt64LE(BigInt.asUintN(64, d.pba ?? 0n), o + 8);
    head.writeUInt16LE(d.entries - 1, o + 16);
    head[o + 18] = d.pba === undefined ? 0 : 1;
  });
  const n = events.length;
  const cols = Buffer.alloc(33 * n);
  let o = 0;
  const col = (w, f) => {
    events.forEach((e, i) => f(e, o + w * i, i));
    o += w * n;
  };
  col(8, (e, at, i) => cols.writeDoubleLE(1000 * (i + 1), at));
  col(4, (e, at) => cols.writeUInt32LE((e.lo ?? 0) >>> 0, at));
  col(4, (e, at) => cols.writeUInt32LE((e.hi ?? 0) >>> 0, at));
  col(4, (e, at) => cols.writeUInt32LE(e.off >>> 0, at));
  col(4, (e, at) => cols.writeInt32LE(7, at));
  col(4, (e, at) => cols.writeInt32LE(e.vcpu ?? 0, at));
  col(2, (e, at) => cols.writeUInt16LE(e.dev ?? 0, at));
  col(1, (e, at) => cols.writeUInt8(e.region ?? 0, at));
  col(1, (e, at) => cols.writeUInt8(e.size ?? 4, at));
  col(1, (e, at) => cols.writeUInt8(e.dir ?? 1, at));
  return Buffer.concat([head, cols]);
}

// Guest programming entry n: address, data, then unmask; read it back.
const program = (n, extra = {}) => [
  { off: n * 16, lo: 0xfee00000, ...extra },
  { off: n * 16 + 4, lo: 0, ...extra },
  { off: n * 16 + 8, lo: 0x4021, ...extra },
  { off: n * 16 + 12, lo: 0, ...extra },
  { off: n * 16, dir: 0, ...extra },
  { off: n * 16 + 12, dir: 0, ...extra },
];

const seeds = {
  // xen-4.7 cold: bind entries 0 and 1 through qemu, read back, mask, PBA on the table's page.
  'xen47-cold-program': input('xen-4.7', DEC | TWIN, [{ table: 0xfebc0000n, entries: 4, pba: 0xfebc0800n }], [
    ...program(0), ...program(1, { vcpu: 1 }),
    { off: 12, lo: 1 }, { off: 0, region: 1, size: 8, dir: 0 }, { off: 0, region: 1, size: 4 },
  ]),
  // xen-4.19 warm, two devices, PBA on its own page for the second: qwords, adjacent accesses.
  'xen419-warm-qword-adjacent': input('xen-4.19', WARM | DEC | calls(2), [
    { table: 0xfebc0000n, entries: 8, pba: 0xfebc2000n },
    { table: 0xfebd0ff0n, entries: 2 },
  ], [
    { off: 0, size: 8, lo: 0xfee00000 }, { off: 8, size: 8, lo: 0x30, hi: 0 }, { off: 8, size: 8, dir: 0 },
    { off: 128, size: 4 }, { off: 132, size: 2, dir: 0 }, { off: 0, region: 1, size: 8 },
    { off: 16, size: 8, dev: 1, hi: 1 }, { off: 24, size: 8, dev: 1 }, { off: 12, size: 1, dev: 1, vcpu: -1 },
  ]),
  // xen-3.4 cold with the '%' quirk: odd sizes and misaligned words.
  'xen34-quirk-odd-sizes': input('xen-3.4', DEC | QUIRK, [{ table: 0xf0000000n, entries: 3, pba: 0xf0001000n }], [
    ...program(2), { off: 13, size: 4, lo: 0 }, { off: 3, size: 2 }, { off: 5, size: 3 }, { off: 12, size: 0 },
    { off: 44, size: 16, dir: 0 }, { off: 0, region: 1, size: 4 }, { off: 0, region: 1, size: 4, dir: 0 },
  ]),
  // xen-4.6 warm: the 4.6.0 qword unmask at the data word, an access straddling into an unbound
  // entry (crash bit), and vCPUs past the per-vCPU slots.
  'xen46-warm-qword-straddle': input('xen-4.6', WARM | DEC | TWIN | calls(3), [{ table: 0xfe000ff0n, entries: 1 }], [
    { off: 0, size: 8 }, { off: 8, size: 8, hi: 0, vcpu: 5000 }, { off: 12, size: 8, vcpu: 2147483647 },
    { off: 14, size: 4, dir: 0, vcpu: -2 }, { off: 16, size: 4 }, { off: 12, size: 4, lo: 1 },
  ]),
  // xen-vpci, then a device index the header does not list (the batch stops there).
  'vpci-bad-device': input('xen-vpci', DEC, [{ table: 0xfffffffffffff000n, entries: 2048, pba: 0xffffffffffffff00n }], [
    { off: 0, size: 8 }, { off: 2, size: 4 }, { off: 32768, size: 4 }, { off: 0, region: 1, size: 8, dir: 0 },
    { off: 4, dev: 0xffff }, { off: 8 },
  ]),
  // xen-4.2 / xen-4.4 / xen-4.1 cold: three devices, entries on several pages, page rule.
  'xen44-three-devices': input('xen-4.4', DEC | calls(4), [
    { table: 0xfe100000n, entries: 512 }, { table: 0xfe200008n, entries: 300, pba: 0xfe201000n },
    { table: 0xfe300000n, entries: 1, pba: 0xfe300010n },
  ], [
    ...program(300), ...program(0, { dev: 1 }), ...program(0, { dev: 2 }),
    { off: 4800, dir: 0 }, { off: 256 * 16 + 12, lo: 0 }, { off: 0, region: 1, dev: 2, dir: 0 },
  ]),
  'xen41-cold-program': input('xen-4.1', DEC, [{ table: 0xfebc0000n, entries: 16, pba: 0xfebc0100n }], [
    ...program(0), ...program(2), { off: 13, lo: 5 }, { off: 40, dir: 0 }, { off: 64, size: 2 },
  ]),
};

// Native bugs found by random_feed/fuzz_feed (see the report); inputs that crash until fixed.
const repro = {
  // A table crossing 2^64: state.c's warm start indexes page_bound[] with a wrapped page number.
  'wrap-table-warm': input('xen-4.1', WARM | DEC, [{ table: 0xfffffffffffffff0n, entries: 2 }], [{ off: 0 }]),
  // table_gpa = 12 mod 16: xen-4.7's qword unmask at o 8 of the last entry moves the unmask address
  // past the table; the completion's d4_write indexes F/bound/GM with n == entries.
  'xen47-qword-unmask-past-table': input('xen-4.7', WARM | DEC, [{ table: 0xfebc000cn, entries: 16 }], [
    { off: 252, size: 8, lo: 0x1234, hi: 0 },
  ]),
};

for (const [dir, set] of [['corpus', seeds], ['repro', repro]]) {
  const d = path.join(__dirname, dir);
  fs.mkdirSync(d, { recursive: true });
  for (const [name, buf] of Object.entries(set)) fs.writeFileSync(path.join(d, name), buf);
}
console.log(`${Object.keys(seeds).length} seeds in fuzz/corpus, ${Object.keys(repro).length} reproducers in fuzz/repro`);
