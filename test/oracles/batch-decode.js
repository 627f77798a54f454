// The reference decoder of an EventBatch packet, written for reading rather than speed:
// native/tracefile/decode.c (what TraceReader decodes with) must fill the same columns and reject
// the same damage (test/tracefile-decode.test.js compares them on random and damaged batches), and
// the tests that check a path against a second reading of the file read it through this one
// (`reader.useDecoder(new JsDecoder())`).
'use strict';
const { WireReader, WireError } = require('../../dist/tracefile/wire.js');
const { DecodeError } = require('../../dist/native/decode.js');
const { MAX_BATCH, TS_LIMIT, F_COUNT, F_TS_UNIT, F_TS_COARSE, F_TS_CODE, F_KEY, F_KEYS, F_K_GUEST, F_K_VCPU, F_K_DEVICE, F_K_ACCESS, F_K_OFFSET, F_K_VALUE, F_GUEST_ALL, F_VCPU_ALL, F_DEVICE_ALL, F_ACCESS_ALL, F_OFFSET_ALL, F_CRC, } = require('../../dist/tracefile/batch-codec.js');
const zlib = require('zlib');
const BIG_STEP = 2 ** 50;
const COLUMN_NAMES = {
  [F_TS_CODE]: 'ts_code', [F_KEY]: 'key', [F_K_GUEST]: 'key_guest', [F_K_VCPU]: 'key_vcpu', [F_K_DEVICE]: 'key_device',
  [F_K_ACCESS]: 'key_access', [F_K_OFFSET]: 'key_offset', [F_K_VALUE]: 'key_value',
};
function u64(r) {
  const lo = r.varint64();
  const hi = r.hi;
  return hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}
/**
 * Decodes the EventBatch message in buf[start, end) into out (n set). Errors are WireErrors with
 * the absolute byte offset (base + position). `ndev` bounds the device indexes when given.
 * The reference for native/tracefile/decode.c.
 */
function decodeBatch(buf, start, end, base, out, ndev = 65536) {
  const r = new WireReader(buf, start, end, base);
  let count = -1;
  let keys = 0;
  let unit = 1, coarse = 0;
  const cols = {};
  let guestAll = 0, vcpuAll = 0, deviceAll = 0, accessAll = 0, offsetAll = 0;
  let crcSeen = false;
  const failAt = (at, what) => { r.pos = at; return r.fail(what); };
  while (r.pos < end) {
    const tagAt = r.pos;
    const tag = r.varint();
    const field = Math.floor(tag / 8), wire = tag & 7;
    if (field === F_CRC && wire === 5) {
      const expect = zlib.crc32(buf.subarray(start, tagAt));
      const got = r.fixed32();
      if (got !== expect)
        failAt(start, 'event batch checksum mismatch (corrupt data)');
      if (r.pos !== end)
        r.fail('data after the event batch checksum');
      crcSeen = true;
      break;
    }
    if (COLUMN_NAMES[field] !== undefined) {
      if (wire !== 2)
        r.fail(`column ${COLUMN_NAMES[field]} is not packed`);
      const len = r.varint();
      if (r.pos + len > end)
        r.fail('column runs past the end of its batch');
      if (cols[field])
        failAt(tagAt, `column ${COLUMN_NAMES[field]} appears twice`);
      cols[field] = [r.pos, r.pos + len];
      r.pos += len;
      continue;
    }
    if (wire === 0) {
      const at = r.pos;
      switch (field) {
        case F_COUNT:
          count = r.varint();
          continue;
        case F_KEYS:
          keys = r.varint();
          continue;
        case F_TS_UNIT:
          unit = u64(r);
          if (unit > TS_LIMIT)
            failAt(at, 'ts_unit out of range');
          continue;
        case F_TS_COARSE:
          coarse = u64(r);
          if (coarse > TS_LIMIT)
            failAt(at, 'ts_coarse out of range');
          continue;
        case F_GUEST_ALL:
          guestAll = r.svarint();
          if (guestAll !== (guestAll | 0))
            failAt(at, 'guest out of range');
          continue;
        case F_VCPU_ALL:
          vcpuAll = r.svarint();
          if (vcpuAll !== (vcpuAll | 0))
            failAt(at, 'vcpu out of range');
          continue;
        case F_DEVICE_ALL:
          deviceAll = r.varint();
          if (deviceAll >= ndev || deviceAll > 0xffff)
            failAt(at, `event names device ${deviceAll}; the header lists ${ndev}`);
          continue;
        case F_ACCESS_ALL:
          accessAll = r.varint();
          if (accessAll > 15)
            failAt(at, `access code ${accessAll} out of range`);
          continue;
        case F_OFFSET_ALL:
          offsetAll = r.varint();
          if (offsetAll > 0xffffffff)
            failAt(at, 'offset exceeds 32 bits');
          continue;
      }
    }
    r.skip(wire);
  }
  if (!crcSeen)
    failAt(start, 'event batch has no checksum');
  if (count < 0 || count > MAX_BATCH || count > out.cap)
    failAt(start, `event batch count ${count} out of range`);
  if (count > 0 ? keys < 1 || keys > count : keys !== 0)
    failAt(start, `event batch has ${keys} keys for ${count} events`);
  if (unit === 0)
    unit = 1;
  const n = count, d = keys;
  // Runs `each` exactly `len` times over a packed column; `absent` when the column is missing.
  const column = (field, len, each, absent) => {
    const span = cols[field];
    if (!span) {
      for (let i = 0; i < len; i++)
        absent(i);
      return;
    }
    const cr = new WireReader(buf, span[0], span[1], base);
    for (let i = 0; i < len; i++) {
      if (cr.pos >= span[1])
        cr.fail(`column ${COLUMN_NAMES[field]} holds ${i} values, expected ${len}`);
      each(cr, i);
    }
    if (cr.pos !== span[1])
      cr.fail(`column ${COLUMN_NAMES[field]} holds more than ${len} values`);
  };
  // Dictionary.
  const kGuest = new Int32Array(d), kVcpu = new Int32Array(d), kDevice = new Uint16Array(d);
  const kAccess = new Uint8Array(d), kOffset = new Uint32Array(d), kLo = new Uint32Array(d), kHi = new Uint32Array(d);
  let g = 0;
  column(F_K_GUEST, d, (cr, k) => {
    const at = cr.pos;
    g += cr.svarint();
    if (g !== (g | 0)) {
      cr.pos = at;
      cr.fail('guest out of range');
    }
    kGuest[k] = g;
  }, (k) => { kGuest[k] = guestAll; });
  column(F_K_VCPU, d, (cr, k) => {
    const at = cr.pos;
    const v = cr.svarint();
    if (v !== (v | 0)) {
      cr.pos = at;
      cr.fail('vcpu out of range');
    }
    kVcpu[k] = v;
  }, (k) => { kVcpu[k] = vcpuAll; });
  column(F_K_DEVICE, d, (cr, k) => {
    const at = cr.pos;
    const v = cr.varint();
    if (v >= ndev || v > 0xffff) {
      cr.pos = at;
      cr.fail(`event names device ${v}; the header lists ${ndev}`);
    }
    kDevice[k] = v;
  }, (k) => { kDevice[k] = deviceAll; });
  column(F_K_ACCESS, d, (cr, k) => {
    const at = cr.pos;
    const v = cr.varint();
    if (v > 15) {
      cr.pos = at;
      cr.fail(`access code ${v} out of range`);
    }
    kAccess[k] = v;
  }, (k) => { kAccess[k] = accessAll; });
  column(F_K_OFFSET, d, (cr, k) => {
    const at = cr.pos;
    const v = cr.varint();
    if (v > 0xffffffff) {
      cr.pos = at;
      cr.fail('offset exceeds 32 bits');
    }
    kOffset[k] = v;
  }, (k) => { kOffset[k] = offsetAll; });
  const lastLo = new Map();
  const lastHi = new Map();
  column(F_K_VALUE, d, (cr, k) => {
    const xl = cr.varint64(), xh = cr.hi;
    const slot = kDevice[k] * 8589934592 + (kAccess[k] & 2) * 2147483648 + kOffset[k];
    const lo = (xl ^ (lastLo.get(slot) ?? 0)) >>> 0, hi = (xh ^ (lastHi.get(slot) ?? 0)) >>> 0;
    kLo[k] = lo;
    kHi[k] = hi;
    lastLo.set(slot, lo);
    lastHi.set(slot, hi);
  }, (k) => {
    const slot = kDevice[k] * 8589934592 + (kAccess[k] & 2) * 2147483648 + kOffset[k];
    kLo[k] = lastLo.get(slot) ?? 0;
    kHi[k] = lastHi.get(slot) ?? 0;
    lastLo.set(slot, kLo[k]);
    lastHi.set(slot, kHi[k]);
  });
  // Events.
  column(F_KEY, n, (cr, i) => {
    const at = cr.pos;
    const k = cr.varint();
    if (k >= d) {
      cr.pos = at;
      cr.fail(`key ${k} out of range (${d} keys)`);
    }
    setEvent(i, k);
  }, (i) => setEvent(i, 0));
  function setEvent(i, k) {
    out.guest[i] = kGuest[k];
    out.vcpu[i] = kVcpu[k];
    out.device[i] = kDevice[k];
    const a = kAccess[k];
    out.dir[i] = a & 1;
    out.region[i] = (a >> 1) & 1;
    out.size[i] = 1 << ((a >> 2) & 3);
    out.offset[i] = kOffset[k];
    out.valueLo[i] = kLo[k];
    out.valueHi[i] = kHi[k];
  }
  let t = 0;
  const small = typeof unit === 'number' && typeof coarse === 'number';
  column(F_TS_CODE, n, (cr, i) => {
    const at = cr.pos;
    const c = u64(cr);
    if (small && typeof c === 'number' && c < BIG_STEP) {
      let q;
      if (coarse === 0)
        q = c % 2 === 0 ? c / 2 : -(c + 1) / 2;
      else if (c % 2 === 0) {
        const z = c / 2;
        q = (z % 2 === 0 ? z / 2 : -(z + 1) / 2) * coarse;
      }
      else {
        const z = (c - 1) / 2;
        q = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      }
      const step = q * unit;
      if (Number.isSafeInteger(step)) {
        t += step;
        if (Math.abs(t) > TS_LIMIT) {
          cr.pos = at;
          cr.fail('timestamp out of range');
        }
        out.ts[i] = t;
        return;
      }
    }
    // Exact slow path for large codes, units or steps.
    const cb = BigInt(c), ub = BigInt(unit), kb = BigInt(coarse);
    const unz = (z) => (z % 2n === 0n ? z / 2n : -(z + 1n) / 2n);
    let q;
    if (kb === 0n)
      q = unz(cb);
    else if (cb % 2n === 0n)
      q = unz(cb / 2n) * kb;
    else
      q = unz((cb - 1n) / 2n);
    const tb = BigInt(t) + q * ub;
    if (tb > BigInt(TS_LIMIT) || tb < -BigInt(TS_LIMIT)) {
      cr.pos = at;
      cr.fail('timestamp out of range');
    }
    t = Number(tb);
    out.ts[i] = t;
  }, (i) => { out.ts[i] = 0; });
  out.n = n;
}

/** decodeBatch as a TraceReader decoder: errors as the native decoder's (offsets within buf), and the
 * batch's smallest and largest ts_ns. */
class JsDecoder {
  constructor() {
    this.tsMin = 0;
    this.tsMax = 0;
  }

  decode(buf, start, end, out, ndev) {
    try {
      decodeBatch(buf, start, end, 0, out, ndev);
    } catch (e) {
      if (e instanceof WireError) throw new DecodeError(e.message, e.offset, 0);
      throw e;
    }
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < out.n; i++) {
      const t = out.ts[i];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    this.tsMin = lo;
    this.tsMax = hi;
  }
}

module.exports = { decodeBatch, JsDecoder };
