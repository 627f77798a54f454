// Binding of the capture fast path in native/capture/scan.c. Loaded only when a capture first needs
// it: ffi-napi costs ~45 ms to load. Calls take whole buffers, never one line.
import { native, NativeLib } from './library';

export const IO_EPOCH = 0;
export const IO_SHIFT = 1;
export const IO_GUEST = 2;
export const IO_LIMIT = 3;
export const IO_N = 4;
export const IO_LAST_TS = 5;
export const IO_POS = 6;
export const IO_LINES = 7;
export const IO_KEPT = 8;
export const IO_QUIET = 9;
export const IO_MALFORMED = 10;
export const IO_OUTSIDE = 11;
export const IO_SLOTS = 16;

/** IO_QUIET bits: what the scan counts itself instead of handing lines back (scan.h). */
export const QUIET_MALFORMED = 1;
export const QUIET_OUTSIDE = 2;
export const QUIET_NO_EVENTS = 4;

export const SCAN_END = 0;
export const SCAN_FULL = 1;
export const SCAN_PUNT = 2;

export type ScanLib = Pick<NativeLib, 'msx_scan_qemu'>;

/** The native scan functions (the library is loaded on the first call). */
export function scanLib(): ScanLib {
  return native();
}
