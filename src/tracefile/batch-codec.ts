// EventBatch <-> protobuf columns (proto/msixtrace.proto). Constant columns collapse into their
// *_all scalar; ts and guest are delta coded; value is XORed with the previous value at the same
// (device, region, offset) so repeated writes of one message cost a byte.
import * as zlib from 'zlib';
import { EventBatch } from '../events';
import { WireReader, WireWriter } from './wire';

export const MAX_BATCH = 65536;

const F_COUNT = 1, F_TS = 2, F_GUEST = 3, F_VCPU = 4, F_DEVICE = 5, F_ACCESS = 6, F_OFFSET = 7, F_VALUE = 8;
const F_GUEST_ALL = 13, F_VCPU_ALL = 14, F_DEVICE_ALL = 15, F_ACCESS_ALL = 16, F_CRC = 31;

const LOG2_SIZE: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };

export function accessCode(dir: number, region: number, size: number): number {
  return dir | (region << 1) | (LOG2_SIZE[size] << 2);
}

function slotKey(device: number, region: number, offset: number): number {
  return device * 8589934592 + region * 4294967296 + offset;
}

function constant(col: ArrayLike<number>, n: number): boolean {
  const v = col[0];
  for (let i = 1; i < n; i++) if (col[i] !== v) return false;
  return true;
}

export class BatchEncoder {
  private readonly col = new WireWriter(1 << 20);
  private readonly lastLo = new Map<number, number>();
  private readonly lastHi = new Map<number, number>();

  private flushColumn(w: WireWriter, field: number): void {
    if (this.col.pos === 0) return;
    w.tag(field, 2);
    w.varint(this.col.pos);
    w.bytes(this.col.buf, 0, this.col.pos);
    this.col.reset();
  }

  /** Appends the EventBatch message bytes of b to w. */
  encode(b: EventBatch, w: WireWriter): void {
    const n = b.n;
    if (n > MAX_BATCH) throw new Error(`internal: batch of ${n} events exceeds ${MAX_BATCH}`);
    const start = w.pos;
    const c = this.col;
    w.tag(F_COUNT, 0);
    w.varint(n);

    let prev = 0;
    for (let i = 0; i < n; i++) {
      const t = b.ts[i];
      c.svarint(t - prev);
      prev = t;
    }
    this.flushColumn(w, F_TS);

    if (constant(b.guest, n)) {
      if (b.guest[0] !== 0) { w.tag(F_GUEST_ALL, 0); w.svarint(b.guest[0]); }
    } else {
      let g = 0;
      for (let i = 0; i < n; i++) { c.svarint(b.guest[i] - g); g = b.guest[i]; }
      this.flushColumn(w, F_GUEST);
    }

    if (constant(b.vcpu, n)) {
      if (b.vcpu[0] !== 0) { w.tag(F_VCPU_ALL, 0); w.svarint(b.vcpu[0]); }
    } else {
      for (let i = 0; i < n; i++) c.svarint(b.vcpu[i]);
      this.flushColumn(w, F_VCPU);
    }

    if (constant(b.device, n)) {
      if (b.device[0] !== 0) { w.tag(F_DEVICE_ALL, 0); w.varint(b.device[0]); }
    } else {
      for (let i = 0; i < n; i++) c.varint(b.device[i]);
      this.flushColumn(w, F_DEVICE);
    }

    let accessConst = true;
    const a0 = accessCode(b.dir[0], b.region[0], b.size[0]);
    for (let i = 0; i < n; i++) {
      const a = accessCode(b.dir[i], b.region[i], b.size[i]);
      if (Number.isNaN(a)) throw new Error(`internal: event ${i} has size ${b.size[i]}`);
      if (a !== a0) accessConst = false;
      c.varint(a);
    }
    if (accessConst) {
      c.reset();
      if (a0 !== 0) { w.tag(F_ACCESS_ALL, 0); w.varint(a0); }
    } else {
      this.flushColumn(w, F_ACCESS);
    }

    for (let i = 0; i < n; i++) c.varint(b.offset[i]);
    this.flushColumn(w, F_OFFSET);

    const lastLo = this.lastLo, lastHi = this.lastHi;
    lastLo.clear();
    lastHi.clear();
    let anyValue = false;
    for (let i = 0; i < n; i++) {
      const key = slotKey(b.device[i], b.region[i], b.offset[i]);
      const lo = b.valueLo[i], hi = b.valueHi[i];
      const pl = lastLo.get(key) ?? 0, ph = lastHi.get(key) ?? 0;
      const xl = (lo ^ pl) >>> 0, xh = (hi ^ ph) >>> 0;
      if (xl !== 0 || xh !== 0) anyValue = true;
      c.varint64(xl, xh);
      lastLo.set(key, lo);
      lastHi.set(key, hi);
    }
    if (anyValue) this.flushColumn(w, F_VALUE);
    else c.reset();

    const crc = zlib.crc32(w.buf.subarray(start, w.pos));
    w.tag(F_CRC, 5);
    w.fixed32(crc);
  }
}

/**
 * Decodes the EventBatch message in buf[start, end) into out (cleared first). Errors carry the
 * absolute byte offset (base + position).
 */
export function decodeBatch(buf: Buffer, start: number, end: number, base: number, out: EventBatch): void {
  const r = new WireReader(buf, start, end, base);
  let count = -1;
  const cols: Record<number, [number, number]> = {};
  let guestAll = 0, vcpuAll = 0, deviceAll = 0, accessAll = 0;
  let crcSeen = false;
  while (r.pos < end) {
    const tagAt = r.pos;
    const tag = r.varint();
    const field = Math.floor(tag / 8), wire = tag & 7;
    if (field === F_CRC && wire === 5) {
      const expect = zlib.crc32(buf.subarray(start, tagAt));
      const got = r.fixed32();
      if (got !== expect) {
        r.pos = start;
        r.fail('event batch checksum mismatch (corrupt data)');
      }
      crcSeen = true;
      continue;
    }
    if (field >= F_TS && field <= F_VALUE) {
      if (wire !== 2) r.fail(`column ${field} is not packed`);
      const len = r.varint();
      if (r.pos + len > end) r.fail('column runs past the end of its batch');
      cols[field] = [r.pos, r.pos + len];
      r.pos += len;
      continue;
    }
    if (wire === 0) {
      switch (field) {
        case F_COUNT: count = r.varint(); continue;
        case F_GUEST_ALL: guestAll = r.svarint(); continue;
        case F_VCPU_ALL: vcpuAll = r.svarint(); continue;
        case F_DEVICE_ALL: deviceAll = r.varint(); continue;
        case F_ACCESS_ALL: accessAll = r.varint(); continue;
      }
    }
    r.skip(wire);
  }
  if (!crcSeen) {
    r.pos = start;
    r.fail('event batch has no checksum');
  }
  if (count < 0 || count > MAX_BATCH || count > out.cap) {
    r.pos = start;
    r.fail(`event batch count ${count} out of range`);
  }
  out.n = count;
  const n = count;

  const column = (field: number, each: (cr: WireReader, i: number) => void, absent: (i: number) => void): void => {
    const span = cols[field];
    if (!span) {
      for (let i = 0; i < n; i++) absent(i);
      return;
    }
    const cr = new WireReader(buf, span[0], span[1], base);
    for (let i = 0; i < n; i++) {
      if (cr.pos >= span[1]) cr.fail(`column ${field} holds ${i} values, batch count is ${n}`);
      each(cr, i);
    }
    if (cr.pos !== span[1]) cr.fail(`column ${field} holds more values than the batch count ${n}`);
  };

  let t = 0;
  column(F_TS, (cr, i) => { t += cr.svarint(); out.ts[i] = t; }, (i) => { out.ts[i] = 0; });
  let g = 0;
  column(F_GUEST, (cr, i) => { g += cr.svarint(); out.guest[i] = g; }, (i) => { out.guest[i] = guestAll; });
  column(F_VCPU, (cr, i) => { out.vcpu[i] = cr.svarint(); }, (i) => { out.vcpu[i] = vcpuAll; });
  column(F_DEVICE, (cr, i) => { out.device[i] = cr.varint(); }, (i) => { out.device[i] = deviceAll; });
  const setAccess = (i: number, a: number): void => {
    out.dir[i] = a & 1;
    out.region[i] = (a >> 1) & 1;
    out.size[i] = 1 << ((a >> 2) & 3);
  };
  column(F_ACCESS, (cr, i) => {
    const a = cr.varint();
    if (a > 15) cr.fail(`access code ${a} out of range`);
    setAccess(i, a);
  }, (i) => setAccess(i, accessAll));
  if (accessAll > 15) { r.pos = start; r.fail(`access code ${accessAll} out of range`); }
  column(F_OFFSET, (cr, i) => {
    const o = cr.varint();
    if (o > 0xffffffff) cr.fail('offset exceeds 32 bits');
    out.offset[i] = o;
  }, (i) => { out.offset[i] = 0; });

  const lastLo = new Map<number, number>();
  const lastHi = new Map<number, number>();
  column(F_VALUE, (cr, i) => {
    const xl = cr.varint64(), xh = cr.hi;
    const key = slotKey(out.device[i], out.region[i], out.offset[i]);
    const lo = (xl ^ (lastLo.get(key) ?? 0)) >>> 0, hi = (xh ^ (lastHi.get(key) ?? 0)) >>> 0;
    out.valueLo[i] = lo;
    out.valueHi[i] = hi;
    lastLo.set(key, lo);
    lastHi.set(key, hi);
  }, (i) => {
    const key = slotKey(out.device[i], out.region[i], out.offset[i]);
    out.valueLo[i] = lastLo.get(key) ?? 0;
    out.valueHi[i] = lastHi.get(key) ?? 0;
    lastLo.set(key, out.valueLo[i]);
    lastHi.set(key, out.valueHi[i]);
  });
}
