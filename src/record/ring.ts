// Binding of the raw ring-buffer reader (native/record/ring.c): one call drains what the per-CPU
// buffers hold into a batch of 32-byte records read here through typed-array views.
import { UserError } from '../errors';
import { isNull, native, NativeLib } from '../native/library';

export const REC_BYTES = 32;
export const MMIO_UNSATISFIED_READ = 0;
export const MMIO_READ = 1;
export const MMIO_WRITE = 2;

type RingLib = Pick<NativeLib, 'msx_ring_open' | 'msx_ring_read' | 'msx_ring_close'>;

function ringLib(): RingLib {
  return native();
}

/** A batch of decoded kvm_mmio records, column views over one buffer. */
export class MmioRecords {
  readonly buf: Buffer;
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  n = 0;

  constructor(readonly cap: number) {
    this.buf = Buffer.alloc(cap * REC_BYTES);
    const ab = this.buf.buffer;
    this.f64 = new Float64Array(ab, this.buf.byteOffset, cap * 4);
    this.u32 = new Uint32Array(ab, this.buf.byteOffset, cap * 8);
    this.i32 = new Int32Array(ab, this.buf.byteOffset, cap * 8);
    this.u8 = new Uint8Array(ab, this.buf.byteOffset, cap * REC_BYTES);
  }

  ts(i: number): number { return this.f64[i * 4]; }
  gpa(i: number): number { return this.f64[i * 4 + 1]; }
  valLo(i: number): number { return this.u32[i * 8 + 4]; }
  valHi(i: number): number { return this.u32[i * 8 + 5]; }
  tid(i: number): number { return this.i32[i * 8 + 6]; }
  type(i: number): number { return this.u8[i * REC_BYTES + 28]; }
  len(i: number): number { return this.u8[i * REC_BYTES + 29]; }
}

export class RingReader {
  private ctx: Buffer | null;
  private readonly io = Buffer.alloc(4 * 8);
  private readonly io64 = new Float64Array(this.io.buffer, this.io.byteOffset, 4);

  constructor(instanceDir: string, ncpu: number, subbuf: number, eventId: number, commitSize: number) {
    const ctx = ringLib().msx_ring_open(instanceDir, ncpu, subbuf, eventId, commitSize);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    if (isNull(ctx)) {
      throw new UserError(`record: cannot open the per-CPU buffers of ${instanceDir}`);
    }
    this.ctx = ctx;
  }

  /** Fills recs with what is there now (up to its capacity); returns the count. */
  read(recs: MmioRecords): number {
    if (!this.ctx) return 0;
    const n = ringLib().msx_ring_read(this.ctx, recs.buf, recs.cap, this.io);
    if (n < 0) throw new UserError(`record: reading the ring buffer failed (errno ${this.io64[3]})`);
    recs.n = n;
    return n;
  }

  /** Events the kernel flagged as missed in the pages read so far. */
  get missed(): number {
    return this.io64[0];
  }

  close(): void {
    if (this.ctx) ringLib().msx_ring_close(this.ctx);
    this.ctx = null;
  }
}
