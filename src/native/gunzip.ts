// Binding of capture's gunzip (native/capture/gunzip.c): gzip data inflated by zlib into the
// caller's reused buffers, on a thread of libuv's pool.
import { abiValue, isNull, native, nativeAsync, NativePointer } from './library';

const IN_USED = abiValue('gunzip io in_used');
const OUT_FILL = abiValue('gunzip io out_fill');
const STATE = abiValue('gunzip io state');
const SLOTS = abiValue('gunzip io slots');
const END = abiValue('gunzip end');
const CORRUPT = abiValue('gunzip corrupt');

/** What one run did: input consumed, output filled so far, and whether the data ended. */
export interface InflateStep {
  used: number;
  filled: number;
  end: boolean;
}

/** Thrown for data zlib refuses; the message is zlib's words, `used` the input it took before. */
export class CorruptGzip extends Error {
  constructor(message: string, readonly used: number) {
    super(message);
  }
}

export class NativeGunzip {
  private g: NativePointer | null;
  private running: Promise<unknown> = Promise.resolve();
  private closing = false;
  // One io record: two runs of one inflater never overlap (each awaits the last).
  private readonly io = Buffer.alloc(SLOTS * 4);

  constructor() {
    const g = native().msx_gunzip_create();
    this.g = isNull(g) ? null : g;
    if (!this.g) throw new Error('out of memory for a gzip inflater');
  }

  /** Inflates input[from, to) into out after its first `filled` bytes. */
  async run(input: Buffer, from: number, to: number, out: Buffer, filled: number): Promise<InflateStep> {
    if (!this.g || this.closing) throw new Error('internal: gunzip used after close');
    this.io.writeInt32LE(filled, OUT_FILL * 4);
    const r = nativeAsync('msx_gunzip_run', this.g, input, from, to, out, out.length, this.io);
    this.running = r.catch(() => undefined);
    await r;
    const state = this.io.readInt32LE(STATE * 4);
    const used = this.io.readInt32LE(IN_USED * 4);
    if (state === CORRUPT) throw new CorruptGzip(native().msx_gunzip_error(this.g), used);
    return { used, filled: this.io.readInt32LE(OUT_FILL * 4), end: state === END };
  }

  /** Whether the data so far ends where a gzip member ends (else an input that ends here is cut short). */
  atEnd(): boolean {
    return this.g !== null && native().msx_gunzip_at_end(this.g) === 1;
  }

  /** Frees the inflater, once a run still on a pool thread has returned. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    void this.running.then(() => {
      if (this.g) native().msx_gunzip_destroy(this.g);
      this.g = null;
    });
  }
}
