// The normalized event (DESIGN.md) held column by column in one ArrayBuffer whose layout is the
// native batch layout of native/common/msixtrace.h, so a batch crosses FFI with no per-event copy.

export const REGION_TABLE = 0;
export const REGION_PBA = 1;
export const DIR_READ = 0;
export const DIR_WRITE = 1;

export const DEFAULT_BATCH = 65536;

/** Bytes one event takes in a batch buffer. */
export const EVENT_BYTES = 8 + 4 + 4 + 4 + 4 + 4 + 2 + 1 + 1 + 1;

export class EventBatch {
  readonly cap: number;
  n = 0;
  readonly buf: Buffer;
  readonly ts: Float64Array;
  readonly valueLo: Uint32Array;
  readonly valueHi: Uint32Array;
  readonly offset: Uint32Array;
  readonly guest: Int32Array;
  readonly vcpu: Int32Array;
  readonly device: Uint16Array;
  readonly region: Uint8Array;
  readonly size: Uint8Array;
  readonly dir: Uint8Array;

  constructor(cap = DEFAULT_BATCH) {
    // Columns stay naturally aligned only when cap is a multiple of 8.
    this.cap = Math.max(8, Math.ceil(cap / 8) * 8);
    const c = this.cap;
    this.buf = Buffer.alloc(c * EVENT_BYTES);
    const ab = this.buf.buffer;
    let at = this.buf.byteOffset;
    if (at % 8 !== 0) throw new Error('internal: batch buffer not 8-aligned');
    const take = <T>(ctor: new (b: ArrayBufferLike, o: number, l: number) => T, width: number): T => {
      const view = new ctor(ab, at, c);
      at += width * c;
      return view;
    };
    this.ts = take(Float64Array, 8);
    this.valueLo = take(Uint32Array, 4);
    this.valueHi = take(Uint32Array, 4);
    this.offset = take(Uint32Array, 4);
    this.guest = take(Int32Array, 4);
    this.vcpu = take(Int32Array, 4);
    this.device = take(Uint16Array, 2);
    this.region = take(Uint8Array, 1);
    this.size = take(Uint8Array, 1);
    this.dir = take(Uint8Array, 1);
  }

  get full(): boolean {
    return this.n >= this.cap;
  }

  clear(): void {
    this.n = 0;
  }

  /** Appends one event; value is given as its two 32-bit halves so 64-bit values stay exact. */
  push(ts: number, guest: number, vcpu: number, device: number, region: number, offset: number, size: number,
       dir: number, valueLo: number, valueHi: number): void {
    const i = this.n++;
    this.ts[i] = ts;
    this.guest[i] = guest;
    this.vcpu[i] = vcpu;
    this.device[i] = device;
    this.region[i] = region;
    this.offset[i] = offset;
    this.size[i] = size;
    this.dir[i] = dir;
    this.valueLo[i] = valueLo;
    this.valueHi[i] = valueHi;
  }

  /** Copies event i of another batch to the end of this one. */
  copyFrom(src: EventBatch, i: number): void {
    this.push(src.ts[i], src.guest[i], src.vcpu[i], src.device[i], src.region[i], src.offset[i], src.size[i],
      src.dir[i], src.valueLo[i], src.valueHi[i]);
  }

  value(i: number): bigint {
    return (BigInt(this.valueHi[i]) << 32n) | BigInt(this.valueLo[i]);
  }

  valueHex(i: number): string {
    const hi = this.valueHi[i];
    const lo = this.valueLo[i];
    if (hi === 0) return '0x' + lo.toString(16);
    return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
  }
}

/** Splits a hex string (with or without 0x) into exact 32-bit halves; null when it exceeds 64 bits. */
export function hexToHalves(hex: string): [number, number] | null {
  let s = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  while (s.length > 1 && s[0] === '0') s = s.slice(1);
  if (s.length === 0 || s.length > 16 || !/^[0-9a-fA-F]+$/.test(s)) return null;
  const lo = parseInt(s.slice(-8), 16);
  const hi = s.length > 8 ? parseInt(s.slice(0, -8), 16) : 0;
  return [lo >>> 0, hi >>> 0];
}

export const FIELD_NAMES = ['addr_lo', 'addr_hi', 'data', 'vector_ctrl', 'pba', 'other'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** Field index of an access (spec 6.9): PBA accesses are 'pba'; otherwise offset % 16 names it. */
export function fieldOf(region: number, offset: number): number {
  if (region === REGION_PBA) return 4;
  switch (offset & 15) {
    case 0: return 0;
    case 4: return 1;
    case 8: return 2;
    case 12: return 3;
    default: return 5;
  }
}
