// Binding of native/dump/format.c: the NDJSON/CSV lines of `dump`, one call per batch. Its
// JavaScript reference lives in test/oracles/dump-format.js; test/cli-dump-format.test.js compares
// the two byte for byte.
import { EventBatch } from '../events';
import { native, NativeLib } from './library';

export const FORMAT_NDJSON = 0;
export const FORMAT_CSV = 1;
/** MSX_FORMAT_EVENT_BOUND in native/format.h. */
const EVENT_BOUND = 256;

type FormatLib = Pick<NativeLib, 'msx_format_events'>;


/** Formats whole batches natively into one reused buffer. */
export class NativeFormatter {
  private out = Buffer.alloc(0);

  private constructor(private readonly l: FormatLib, private readonly format: number) {}

  /** A formatter for `format` (UserError when the native library is missing). */
  static create(format: number): NativeFormatter {
    return new NativeFormatter(native(), format);
  }

  /** The batch's lines (a view of a buffer reused by the next call), or null when a timestamp is not
   * an integer below 2^53 (never in a decoded trace). */
  lines(b: EventBatch): Buffer | null {
    if (b.n === 0) return Buffer.alloc(0);
    const need = b.n * EVENT_BOUND;
    if (this.out.length < need) this.out = Buffer.allocUnsafe(Math.max(need, 1 << 16));
    const len = this.l.msx_format_events(b.buf, b.cap, b.n, this.format, this.out, this.out.length);
    return len < 0 ? null : this.out.subarray(0, len);
  }
}
