/* The ABI record (abi.h). The batch layout is measured through msx_batch_view itself, so the record
 * says what the code does rather than what a comment claims. */
#include <stddef.h>
#include "abi.h"
#include "decode.h"
#include "encode.h"
#include "format.h"
#include "gunzip.h"
#include "pipe.h"
#include "scan.h"
#include "scan_kvm.h"

/* A batch of this many events lays the columns out at multiples of it: offset / ABI_CAP is the
 * column's byte position per event. */
#define ABI_CAP 8u

static int32_t column(const void *col, const uint8_t *base) { return (int32_t)(((const uint8_t *)col - base) / ABI_CAP); }

MSX_API int32_t msx_abi(int32_t *out, uint32_t cap)
{
    static uint64_t space[(ABI_CAP * 64) / 8]; /* 8-aligned, larger than one batch of ABI_CAP events */
    const uint8_t *base = (const uint8_t *)space;
    msx_batch b;
    msx_batch_view(&b, base, ABI_CAP);
    const int32_t rec[] = {
        MSX_ABI_VERSION,
        /* batch layout: column byte offsets per event of capacity, in column order, then the total */
        column(b.ts_ns, base), column(b.value_lo, base), column(b.value_hi, base), column(b.offset, base),
        column(b.guest, base), column(b.vcpu, base), column(b.device, base), column(b.region, base),
        column(b.size, base), column(b.dir, base), column(b.dir + ABI_CAP, base),
        /* device records */
        (int32_t)sizeof(msx_device_cfg),
        /* counters */
        MSX_COUNTERS, MSX_FIELDS, MSX_C_DEFERRED_UNMASKS, MSX_C_GUEST_CRASH, MSX_C_EVENTS,
        /* decisions, start states, options */
        MSX_ABSORB, MSX_FORWARD, MSX_BOTH, MSX_START_COLD, MSX_START_WARM, MSX_OPT_XEN34_MOD_QUIRK,
        /* decoder error codes, first and last */
        MSX_DEC_TRUNCATED, MSX_DEC_SCRATCH,
        /* encoder: batch limit, output bound per event and fixed, error codes */
        (int32_t)MSX_ENC_MAX_BATCH, (int32_t)MSX_ENCODE_BOUND(1) - (int32_t)MSX_ENCODE_BOUND(0),
        (int32_t)MSX_ENCODE_BOUND(0), MSX_ENC_REFUSED, MSX_ENC_SPACE, MSX_ENC_BUSY, MSX_ENC_NO_THREAD,
        /* dump formatter: output bound per event */
        (int32_t)MSX_FORMAT_EVENT_BOUND,
        /* capture scan: io slots and the indexes used, return codes, longest line */
        MSX_IO_SLOTS, MSX_IO_EPOCH, MSX_IO_SHIFT, MSX_IO_GUEST, MSX_IO_LIMIT, MSX_IO_N, MSX_IO_LAST_TS,
        MSX_IO_POS, MSX_IO_LINES, MSX_IO_KEPT, MSX_SCAN_END, MSX_SCAN_FULL, MSX_SCAN_PUNT, (int32_t)MSX_SCAN_MAX_LINE,
        /* capture scan of kvm_mmio lines: io slots, doubles per range and per open read */
        MSX_KIO_SLOTS, MSX_KRANGE_FIELDS, MSX_KOPEN_FIELDS,
        /* capture pipe reader: state slots */
        MSX_FILL_EOF, MSX_FILL_SLOTS,
        /* capture gunzip: io slots, states */
        MSX_GZ_IN_USED, MSX_GZ_OUT_FILL, MSX_GZ_STATE, MSX_GZ_SLOTS, MSX_GZ_MORE, MSX_GZ_END, MSX_GZ_CORRUPT,
        /* pointers (context tables) */
        (int32_t)sizeof(void *),
    };
    const uint32_t n = (uint32_t)(sizeof rec / sizeof rec[0]);
    for (uint32_t i = 0; out && i < n && i < cap; i++)
        out[i] = rec[i];
    return (int32_t)n;
}
