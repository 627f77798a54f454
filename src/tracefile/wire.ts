// Protobuf wire primitives for the hot path. EventBatch columns are encoded and decoded by hand
// (protobufjs would allocate per element); the bytes are ordinary protobuf, checked against
// protoc and protobufjs in the tests.

const TWO32 = 4294967296;

export class WireWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned varint of a non-negative integer below 2^53. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    if (v < 0x80000000) {
      while (v > 0x7f) {
        b[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[p++] = v;
    } else {
      while (v > 0x7f) {
        b[p++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      b[p++] = v;
    }
    this.pos = p;
  }

  /** Unsigned varint of a 64-bit value given as exact 32-bit halves. */
  varint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.varint(lo >>> 0);
      return;
    }
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0 || lo > 0x7f) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[p++] = lo;
    this.pos = p;
  }

  /** Zigzag varint of a signed integer with |v| < 2^52. */
  svarint(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(src: Buffer | Uint8Array, start = 0, end = src.length): void {
    this.ensure(end - start);
    (src instanceof Buffer ? src : Buffer.from(src.buffer, src.byteOffset, src.length)).copy(this.buf, this.pos, start, end);
    this.pos += end - start;
  }
}

/** Bytes a varint of v (< 2^53) takes. */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export const VARINT_PAST_END = -1;
export const VARINT_TOO_LONG = -2;
/** Where the last successful varintAt() read ended (the index after its last byte). */
export const varintEnd = { pos: 0 };

/**
 * The unsigned varint at buf[pos], read below `end`: its value (8 bytes at most, so below 2^56),
 * with varintEnd.pos just after it; VARINT_PAST_END or VARINT_TOO_LONG otherwise. Allocates nothing,
 * so the reader can call it per packet and the reference decoder per value.
 */
export function varintAt(buf: Uint8Array, pos: number, end: number): number {
  if (pos < end && buf[pos] < 0x80) {
    varintEnd.pos = pos + 1;
    return buf[pos];
  }
  let p = pos;
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (p >= end) return VARINT_PAST_END;
    const c = buf[p++];
    result += (c & 0x7f) * mul;
    if (c < 0x80) {
      varintEnd.pos = p;
      return result;
    }
    mul *= 128;
  }
  return VARINT_TOO_LONG;
}

export class WireError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Reads one protobuf message region [pos, end) of buf; offsets in errors are absolute via `base`. */
export class WireReader {
  pos: number;
  /** High half of the last varint64() read. */
  hi = 0;

  constructor(readonly buf: Buffer, pos: number, readonly end: number, readonly base = 0) {
    this.pos = pos;
  }

  fail(what: string): never {
    throw new WireError(what, this.base + this.pos);
  }

  /** Unsigned varint up to 2^53 (larger values are refused: no column needs them). */
  varint(): number {
    const v = varintAt(this.buf, this.pos, this.end);
    if (v >= 0) {
      this.pos = varintEnd.pos;
      return v;
    }
    this.fail(v === VARINT_PAST_END ? 'varint runs past the end of its message' : 'varint too large');
  }

  /** Unsigned 64-bit varint; returns the low 32 bits and leaves the high 32 bits in this.hi. */
  varint64(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= end) this.fail('varint runs past the end of its message');
      const c = b[p++];
      const bits = c & 0x7f;
      if (shift < 28) {
        lo |= bits << shift;
      } else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else {
        hi |= bits << (shift - 32);
      }
      if (c < 0x80) {
        if (i === 9 && c > 1) this.fail('varint exceeds 64 bits');
        this.pos = p;
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
      shift += 7;
    }
    this.fail('varint longer than 10 bytes');
  }

  svarint(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) this.fail('fixed32 runs past the end of its message');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Skips a field of the given wire type (unknown fields from newer writers). */
  skip(wire: number): void {
    switch (wire) {
      case 0: this.varint64(); break;
      case 1: this.pos += 8; break;
      case 2: { const len = this.varint(); this.pos += len; break; }
      case 5: this.pos += 4; break;
      default: this.fail(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) this.fail('field runs past the end of its message');
  }
}

export { TWO32 };
