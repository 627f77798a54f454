// Binding of the capture fast path in native/capture/scan.c. Loaded only when a capture first needs
// it: ffi-napi costs ~45 ms to load. Calls take whole buffers, never one line.
import { abiValue, native, NativeLib } from './library';

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

export type ScanLib = Pick<NativeLib, 'msx_scan_qemu' | 'msx_scan_kvm'>;

// msx_scan_kvm's io slots (native/capture/scan_kvm.h)
export const KIO_SHIFT = 0;
export const KIO_LIMIT = 1;
export const KIO_N = 2;
export const KIO_LAST_TS = 3;
export const KIO_POS = 4;
export const KIO_LINES = 5;
export const KIO_KEPT = 6;
export const KIO_QUIET = 7;
export const KIO_MALFORMED = 8;
export const KIO_MISSES = 9;
export const KIO_OPEN_N = 10;
export const KIO_OPEN_CAP = 11;
export const KIO_SLOTS = abiValue('kvm scan io slots');
/** Doubles per range record: guest, start, end, header device (-1: none yet), region, base. */
export const KRANGE_FIELDS = abiValue('kvm scan range fields');
/** Doubles per open read: thread, guest, vcpu, ts_ns, address, size, value low and high halves. */
export const KOPEN_FIELDS = abiValue('kvm scan open fields');

/** The native scan functions (the library is loaded on the first call). */
export function scanLib(): ScanLib {
  return native();
}
