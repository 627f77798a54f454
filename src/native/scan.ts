// Binding of the capture fast path in native/scan.c (same library as ./binding, its own
// ffi.Library so that the model binding stays untouched). Loaded only when a capture first needs
// it: ffi-napi costs ~45 ms to load. Calls take whole buffers, never one line.
import { NativeLib, nativeIfPresent } from './library';

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

let lib: ScanLib | null | undefined;

/**
 * The native scan functions, or null when they cannot be used (library missing or built without
 * scan.c, ffi unavailable, MSIXTRACE_NO_FAST=1): capture then runs the JavaScript reference path.
 */
export function scanLib(): ScanLib | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (process.env.MSIXTRACE_NO_FAST === '1') return lib;
  lib = nativeIfPresent();
  return lib;
}
