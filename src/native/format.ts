// Binding of native/format.c: the NDJSON/CSV lines of `dump`, one call per batch. The JavaScript
// formatter in src/cli/dump.ts stays the reference (and the fallback without the library, or with
// MSIXTRACE_JS_FORMAT=1); test/cli-dump-format.test.js compares the two byte for byte.
import { EventBatch } from '../events';
import { NativeLib, nativeIfPresent } from './library';

export const FORMAT_NDJSON = 0;
export const FORMAT_CSV = 1;
/** MSX_FORMAT_EVENT_BOUND in native/format.h. */
const EVENT_BOUND = 256;

type FormatLib = Pick<NativeLib, 'msx_format_events'>;

let lib: FormatLib | null | undefined;

function load(): FormatLib | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (process.env.MSIXTRACE_JS_FORMAT === '1') return lib;
  lib = nativeIfPresent();
  return lib;
}

/** Formats whole batches natively into one reused buffer. */
export class NativeFormatter {
  private out = Buffer.alloc(0);

  private constructor(private readonly l: FormatLib, private readonly format: number) {}

  /** A formatter for `format`, or null when the library cannot format. */
  static create(format: number): NativeFormatter | null {
    const l = load();
    return l ? new NativeFormatter(l, format) : null;
  }

  /** The batch's lines (a view of a buffer reused by the next call), or null: format it in JS. */
  lines(b: EventBatch): Buffer | null {
    if (b.n === 0) return Buffer.alloc(0);
    const need = b.n * EVENT_BOUND;
    if (this.out.length < need) this.out = Buffer.allocUnsafe(Math.max(need, 1 << 16));
    const len = this.l.msx_format_events(b.buf, b.cap, b.n, this.format, this.out, this.out.length);
    return len < 0 ? null : this.out.subarray(0, len);
  }
}
