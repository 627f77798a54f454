// The device side of one MSI-X table as the guest sees it: every write lands, every read returns
// what the device holds (the last value written; reset state = all zero, every vector masked).
// The access helpers use the notation of docs/guest-patterns.md.
import { DIR_READ, DIR_WRITE } from '../events';

export interface Msg { lo: number; hi: number; data: number }
export const ZERO_MSG: Msg = { lo: 0, hi: 0, data: 0 };

/** Receives each access: direction, byte offset in the table, 32-bit value. */
export type AccessSink = (dir: number, offset: number, value: number) => void;

export const ADDR_LO = 0;
export const ADDR_HI = 4;
export const DATA = 8;
export const VECTOR_CTRL = 12;

export class MsixTable {
  readonly lo: Uint32Array;
  readonly hi: Uint32Array;
  readonly data: Uint32Array;
  readonly ctrl: Uint32Array;

  constructor(readonly entries: number, public sink: AccessSink) {
    this.lo = new Uint32Array(entries);
    this.hi = new Uint32Array(entries);
    this.data = new Uint32Array(entries);
    this.ctrl = new Uint32Array(entries).fill(1);
  }

  private w(n: number, field: number, v: number): void {
    const col = [this.lo, this.hi, this.data, this.ctrl][field >> 2];
    col[n] = v >>> 0;
    this.sink(DIR_WRITE, 16 * n + field, v >>> 0);
  }

  private r(n: number, field: number): number {
    const v = [this.lo, this.hi, this.data, this.ctrl][field >> 2][n];
    this.sink(DIR_READ, 16 * n + field, v);
    return v;
  }

  /** Wm(n): Msg Addr Lo, Msg Addr Hi, Msg Data, in this order. */
  Wm(n: number, m: Msg): void {
    this.w(n, ADDR_LO, m.lo);
    this.w(n, ADDR_HI, m.hi);
    this.w(n, DATA, m.data);
  }

  /** Rm(n): reads of the same three words. */
  Rm(n: number): void {
    this.r(n, ADDR_LO);
    this.r(n, ADDR_HI);
    this.r(n, DATA);
  }

  /** Wc(n)=v: Vector Control write (bit 0 = mask). */
  Wc(n: number, v: number): void {
    this.w(n, VECTOR_CTRL, v);
  }

  /** Rc(n): Vector Control read; returns what the device holds. */
  Rc(n: number): number {
    return this.r(n, VECTOR_CTRL);
  }

  /** Rd(n): flush read of Msg Data after a message write. */
  Rd(n: number): void {
    this.r(n, DATA);
  }

  /** R0: read of the table base = entry 0 Msg Addr Lo (the >= 2.6.30 flush read, for every vector). */
  R0(): void {
    this.r(0, ADDR_LO);
  }
}
