// The reference encoder of an EventBatch packet, written for reading rather than speed:
// native/tracefile/encode.c (what TraceWriter encodes with) must write exactly these bytes
// (test/tracefile-encode.test.js compares them on random batches), and the decode tests build
// their batches with it.
'use strict';
const { WireWriter } = require('../../dist/tracefile/wire.js');
const { MAX_BATCH, TS_LIMIT, F_COUNT, F_TS_UNIT, F_TS_COARSE, F_TS_CODE, F_KEY, F_KEYS, F_K_GUEST, F_K_VCPU, F_K_DEVICE, F_K_ACCESS, F_K_OFFSET, F_K_VALUE, F_GUEST_ALL, F_VCPU_ALL, F_DEVICE_ALL, F_ACCESS_ALL, F_OFFSET_ALL, F_CRC, } = require('../../dist/tracefile/batch-codec.js');
const zlib = require('zlib');
const LOG2_SIZE = new Int8Array(256).fill(-1);
LOG2_SIZE[1] = 0;
LOG2_SIZE[2] = 1;
LOG2_SIZE[4] = 2;
LOG2_SIZE[8] = 3;
function accessCode(dir, region, size) {
  return dir | (region << 1) | (LOG2_SIZE[size] << 2);
}
/** Coarse multiples the encoder tries (0: none). */
const COARSE = [0, 10, 100, 1000, 10000, 100000];
const BIG_STEP = 2 ** 50;
function vsize(v) {
  if (v < 128)
    return 1;
  if (v < 16384)
    return 2;
  if (v < 2097152)
    return 3;
  if (v < 268435456)
    return 4;
  if (v < 34359738368)
    return 5;
  if (v < 4398046511104)
    return 6;
  if (v < 562949953421312)
    return 7;
  return 8;
}
function gcd(a, b) {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}
const zz = (q) => (q >= 0 ? q * 2 : -q * 2 - 1);
const HBITS = 17;
const HSIZE = 1 << HBITS;
class BatchEncoder {
  col = new WireWriter(1 << 20);
  steps = new Float64Array(MAX_BATCH);
  keyOf = new Int32Array(MAX_BATCH);
  // dictionary under construction (first-appearance order)
  eGuest = new Int32Array(MAX_BATCH);
  eVcpu = new Int32Array(MAX_BATCH);
  eDevice = new Uint16Array(MAX_BATCH);
  eAccess = new Uint8Array(MAX_BATCH);
  eOffset = new Uint32Array(MAX_BATCH);
  eLo = new Uint32Array(MAX_BATCH);
  eHi = new Uint32Array(MAX_BATCH);
  eCount = new Uint32Array(MAX_BATCH);
  rank = new Int32Array(MAX_BATCH); // first-appearance index -> written index
  order = new Int32Array(MAX_BATCH); // written index -> first-appearance index
  hslot = new Int32Array(HSIZE);
  hstamp = new Uint32Array(HSIZE);
  stamp = 0;
  flushColumn(w, field) {
    if (this.col.pos === 0)
      return;
    w.tag(field, 2);
    w.varint(this.col.pos);
    w.bytes(this.col.buf, 0, this.col.pos);
    this.col.reset();
  }
  timestamps(b, n, w) {
    const steps = this.steps;
    let prev = 0;
    let g = 0;
    let big = false;
    let allZero = true;
    for (let i = 0; i < n; i++) {
      const t = b.ts[i];
      if (!(Math.abs(t) <= TS_LIMIT) || !Number.isInteger(t))
        throw new Error(`internal: event ${i} has ts_ns ${t}`);
      const d = t - prev;
      prev = t;
      steps[i] = d;
      if (d !== 0) {
        allZero = false;
        const a = Math.abs(d);
        if (!(a < BIG_STEP))
          big = true;
        if (g !== 1)
          g = gcd(a, g);
      }
    }
    if (allZero)
      return;
    const unit = big ? 1 : g;
    let coarse = 0;
    let small = !big;
    if (small) {
      for (let i = 0; i < n; i++) {
        const q = steps[i] / unit;
        if (q > 0x3fffffff || q < -0x3fffffff) {
          small = false;
          break;
        }
      }
    }
    if (small) {
      // Pick the coarse multiple that minimizes the column (one pass, all candidates at once, int32 math).
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0;
      for (let i = 0; i < n; i++) {
        const q = (steps[i] / unit) | 0;
        const z = q >= 0 ? q * 2 : -q * 2 - 1;
        const vz = vsize(z);
        s0 += vz;
        if (q % 10 !== 0) {
          const vo = vsize(z * 2 + 1);
          s1 += vo;
          s2 += vo;
          s3 += vo;
          s4 += vo;
          s5 += vo;
          continue;
        }
        s1 += vsize(zz((q / 10) | 0) * 2);
        const vo = vsize(z * 2 + 1);
        if (q % 100 !== 0) {
          s2 += vo;
          s3 += vo;
          s4 += vo;
          s5 += vo;
          continue;
        }
        s2 += vsize(zz((q / 100) | 0) * 2);
        if (q % 1000 !== 0) {
          s3 += vo;
          s4 += vo;
          s5 += vo;
          continue;
        }
        s3 += vsize(zz((q / 1000) | 0) * 2);
        if (q % 10000 !== 0) {
          s4 += vo;
          s5 += vo;
          continue;
        }
        s4 += vsize(zz((q / 10000) | 0) * 2);
        s5 += q % 100000 === 0 ? vsize(zz((q / 100000) | 0) * 2) : vo;
      }
      const sizes = [s0, s1, s2, s3, s4, s5];
      let best = 0;
      for (let k = 1; k < sizes.length; k++)
        if (sizes[k] < sizes[best])
          best = k;
      coarse = COARSE[best];
    }
    if (unit !== 1) {
      w.tag(F_TS_UNIT, 0);
      w.varint(unit);
    }
    if (coarse !== 0) {
      w.tag(F_TS_COARSE, 0);
      w.varint(coarse);
    }
    const c = this.col;
    if (big) {
      for (let i = 0; i < n; i++) {
        const d = steps[i];
        if (Math.abs(d) < BIG_STEP) {
          c.varint(zz(d));
          continue;
        }
        // |step| up to 2^54: exact in BigInt (the two ts are exact doubles, their difference may not be).
        const q = BigInt(b.ts[i]) - BigInt(i === 0 ? 0 : b.ts[i - 1]);
        const z = q >= 0n ? q * 2n : -q * 2n - 1n;
        c.varint64(Number(z & 0xffffffffn), Number(z >> 32n));
      }
    }
    else if (coarse === 0) {
      for (let i = 0; i < n; i++)
        c.varint(zz(steps[i] / unit));
    }
    else if (small) {
      for (let i = 0; i < n; i++) {
        const q = (steps[i] / unit) | 0;
        c.varint(q % coarse === 0 ? zz((q / coarse) | 0) * 2 : zz(q) * 2 + 1);
      }
    }
    else {
      for (let i = 0; i < n; i++) {
        const q = steps[i] / unit;
        c.varint(q % coarse === 0 ? zz(q / coarse) * 2 : zz(q) * 2 + 1);
      }
    }
    this.flushColumn(w, F_TS_CODE);
  }
  /** Builds the dictionary; returns its size. */
  dictionary(b, n) {
    const { eGuest, eVcpu, eDevice, eAccess, eOffset, eLo, eHi, eCount, keyOf, hslot, hstamp } = this;
    let stamp = ++this.stamp;
    if (stamp === 0xffffffff) {
      hstamp.fill(0);
      stamp = this.stamp = 1;
    }
    const ts = b.guest, tv = b.vcpu, td = b.device, tr = b.region, to = b.offset, tz = b.size, tw = b.dir;
    const tl = b.valueLo, th = b.valueHi;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const guest = ts[i], vcpu = tv[i], device = td[i], offset = to[i], lo = tl[i], hi = th[i];
      const l2 = LOG2_SIZE[tz[i]];
      if (l2 < 0)
        throw new Error(`internal: event ${i} has size ${tz[i]}`);
      const access = tw[i] | (tr[i] << 1) | (l2 << 2);
      let h = Math.imul(guest ^ (vcpu << 7) ^ (device << 17) ^ (access << 26), 0x9e3779b1);
      h = Math.imul(h ^ offset ^ (h >>> 15), 0x85ebca6b);
      h = Math.imul(h ^ lo ^ (h >>> 13), 0xc2b2ae35);
      h = (h ^ hi ^ (h >>> 16)) >>> (32 - HBITS);
      let e = -1;
      for (;;) {
        if (hstamp[h] !== stamp)
          break;
        const k = hslot[h];
        if (eLo[k] === lo && eOffset[k] === offset && eAccess[k] === access && eVcpu[k] === vcpu && eHi[k] === hi &&
          eGuest[k] === guest && eDevice[k] === device) {
          e = k;
          break;
        }
        h = (h + 1) & (HSIZE - 1);
      }
      if (e < 0) {
        e = d++;
        hstamp[h] = stamp;
        hslot[h] = e;
        eGuest[e] = guest;
        eVcpu[e] = vcpu;
        eDevice[e] = device;
        eAccess[e] = access;
        eOffset[e] = offset;
        eLo[e] = lo;
        eHi[e] = hi;
        eCount[e] = 0;
      }
      eCount[e]++;
      keyOf[i] = e;
    }
    return d;
  }
  /** Appends the EventBatch message bytes of b to w. */
  encode(b, w) {
    const n = b.n;
    if (n < 1 || n > MAX_BATCH)
      throw new Error(`internal: batch of ${n} events (1..${MAX_BATCH})`);
    const start = w.pos;
    const c = this.col;
    c.reset();
    w.tag(F_COUNT, 0);
    w.varint(n);
    this.timestamps(b, n, w);
    const d = this.dictionary(b, n);
    const { rank, order, eCount, keyOf } = this;
    if (d > 128) {
      // Most frequent first (ties by first appearance) so the hot keys take one byte.
      const idx = Array.from({ length: d }, (_, k) => k);
      idx.sort((x, y) => eCount[y] - eCount[x] || x - y);
      for (let k = 0; k < d; k++) {
        order[k] = idx[k];
        rank[idx[k]] = k;
      }
    }
    else {
      for (let k = 0; k < d; k++) {
        order[k] = k;
        rank[k] = k;
      }
    }
    if (d > 1) {
      for (let i = 0; i < n; i++)
        c.varint(rank[keyOf[i]]);
      this.flushColumn(w, F_KEY);
    }
    w.tag(F_KEYS, 0);
    w.varint(d);
    const { eGuest, eVcpu, eDevice, eAccess, eOffset, eLo, eHi } = this;
    const constant = (col) => {
      const v = col[order[0]];
      for (let k = 1; k < d; k++)
        if (col[order[k]] !== v)
          return false;
      return true;
    };
    if (constant(eGuest)) {
      const g = eGuest[order[0]];
      if (g !== 0) {
        w.tag(F_GUEST_ALL, 0);
        w.svarint(g);
      }
    }
    else {
      let g = 0;
      for (let k = 0; k < d; k++) {
        const v = eGuest[order[k]];
        c.svarint(v - g);
        g = v;
      }
      this.flushColumn(w, F_K_GUEST);
    }
    if (constant(eVcpu)) {
      const v = eVcpu[order[0]];
      if (v !== 0) {
        w.tag(F_VCPU_ALL, 0);
        w.svarint(v);
      }
    }
    else {
      for (let k = 0; k < d; k++)
        c.svarint(eVcpu[order[k]]);
      this.flushColumn(w, F_K_VCPU);
    }
    if (constant(eDevice)) {
      const v = eDevice[order[0]];
      if (v !== 0) {
        w.tag(F_DEVICE_ALL, 0);
        w.varint(v);
      }
    }
    else {
      for (let k = 0; k < d; k++)
        c.varint(eDevice[order[k]]);
      this.flushColumn(w, F_K_DEVICE);
    }
    if (constant(eAccess)) {
      const v = eAccess[order[0]];
      if (v !== 0) {
        w.tag(F_ACCESS_ALL, 0);
        w.varint(v);
      }
    }
    else {
      for (let k = 0; k < d; k++)
        c.varint(eAccess[order[k]]);
      this.flushColumn(w, F_K_ACCESS);
    }
    if (constant(eOffset)) {
      const v = eOffset[order[0]];
      if (v !== 0) {
        w.tag(F_OFFSET_ALL, 0);
        w.varint(v);
      }
    }
    else {
      for (let k = 0; k < d; k++)
        c.varint(eOffset[order[k]]);
      this.flushColumn(w, F_K_OFFSET);
    }
    // Values: XOR the previous entry at the same slot.
    const lastLo = new Map();
    const lastHi = new Map();
    let anyValue = false;
    for (let k = 0; k < d; k++) {
      const e = order[k];
      const slot = eDevice[e] * 8589934592 + (eAccess[e] & 2) * 2147483648 + eOffset[e];
      const lo = eLo[e], hi = eHi[e];
      const xl = (lo ^ (lastLo.get(slot) ?? 0)) >>> 0, xh = (hi ^ (lastHi.get(slot) ?? 0)) >>> 0;
      if (xl !== 0 || xh !== 0)
        anyValue = true;
      c.varint64(xl, xh);
      lastLo.set(slot, lo);
      lastHi.set(slot, hi);
    }
    if (anyValue)
      this.flushColumn(w, F_K_VALUE);
    else
      c.reset();
    const crc = zlib.crc32(w.buf.subarray(start, w.pos));
    w.tag(F_CRC, 5);
    w.fixed32(crc);
  }
}

module.exports = { BatchEncoder, accessCode };
