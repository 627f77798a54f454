// The EventBatch packet's field numbers and bounds (proto/msixtrace.proto documents the encoding
// exactly). Each event is a timestamp code plus a key into a per-batch dictionary of distinct
// (guest, vcpu, device, access, offset, value) tuples, most frequent first, so a repeated access
// costs one key byte beside its timestamp. Timestamps are steps in a per-batch unit (the GCD of the
// steps: 1000 for QEMU's microsecond logs) with an optional coarse multiple that halves the common
// round steps. native/tracefile/encode.c and decode.c are the codec; their JavaScript references,
// which the tests compare them with, are test/oracles/batch-encode.js and batch-decode.js.

export const MAX_BATCH = 65536;

export const F_COUNT = 1, F_TS_UNIT = 2, F_TS_COARSE = 3, F_TS_CODE = 4, F_KEY = 5, F_KEYS = 6;
export const F_K_GUEST = 7, F_K_VCPU = 8, F_K_DEVICE = 9, F_K_ACCESS = 10, F_K_OFFSET = 11, F_K_VALUE = 12;
export const F_GUEST_ALL = 13, F_VCPU_ALL = 14, F_DEVICE_ALL = 15, F_ACCESS_ALL = 16, F_OFFSET_ALL = 17;
export const F_CRC = 31;

/** Largest |ts_ns| a file may hold (doubles are exact up to here). */
export const TS_LIMIT = 2 ** 53;
