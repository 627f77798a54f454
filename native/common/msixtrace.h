/* msixtrace native core: interception models fed whole batches of guest MSI-X accesses.
 *
 * One FFI call costs ~15 us from Node, so nothing here is called per event: the caller hands over
 * a batch buffer of up to `cap` events and gets counters (and optionally one decision byte per
 * event) back.
 */
#ifndef MSIXTRACE_H
#define MSIXTRACE_H

#include <stdint.h>

#define MSX_API __attribute__((visibility("default")))

/* ---- Event batch layout (shared with src/events.ts; keep both in step) -------------------------
 * One buffer holds the columns back to back, each `cap` elements long, in this order:
 *   double   ts_ns[cap]      nanoseconds from trace start (integral)
 *   uint32_t value_lo[cap]   value bits 0..31
 *   uint32_t value_hi[cap]   value bits 32..63
 *   uint32_t offset[cap]     bytes from the region start (table or PBA)
 *   int32_t  guest[cap]      VM id (QEMU pid, Xen domain, tgid)
 *   int32_t  vcpu[cap]       vCPU index, -1 when unknown
 *   uint16_t device[cap]     index into the header's device list
 *   uint8_t  region[cap]     MSX_REGION_TABLE or MSX_REGION_PBA
 *   uint8_t  size[cap]       1, 2, 4 or 8
 *   uint8_t  dir[cap]        MSX_DIR_READ or MSX_DIR_WRITE
 * `cap` is a multiple of 8 so every column stays naturally aligned.
 */
#define MSX_REGION_TABLE 0
#define MSX_REGION_PBA 1
#define MSX_DIR_READ 0
#define MSX_DIR_WRITE 1

typedef struct msx_batch {
    const double *ts_ns;
    const uint32_t *value_lo;
    const uint32_t *value_hi;
    const uint32_t *offset;
    const int32_t *guest;
    const int32_t *vcpu;
    const uint16_t *device;
    const uint8_t *region;
    const uint8_t *size;
    const uint8_t *dir;
} msx_batch;

/* Column pointers for a buffer laid out as above. */
void msx_batch_view(msx_batch *b, const uint8_t *buf, uint32_t cap);

/* ---- Device geometry (one record per header device, packed little-endian, 32 bytes) ----------- */
typedef struct msx_device_cfg {
    uint64_t table_gpa;   /* guest-physical address of table entry 0 */
    uint64_t pba_gpa;     /* guest-physical address of the PBA (valid when has_pba) */
    uint32_t entries;     /* table entries (1..2048) */
    uint32_t has_pba;     /* 0 or 1 */
    uint32_t start;       /* MSX_START_COLD/WARM of this device, read when msx_create's start is MSX_START_PER_DEVICE */
    uint32_t reserved;
} msx_device_cfg;

/* ---- Decisions ----------------------------------------------------------------------------------
 * One byte per event: bits 0-1 outcome, bit 2 guest crashed, bits 3-7 reason code (msx_reason).
 */
#define MSX_ABSORB 0
#define MSX_FORWARD 1
#define MSX_BOTH 2 /* Xen applied a side effect, then forwarded: counted as forwarded and as both */
#define MSX_DECISION(outcome, crash, reason) ((uint8_t)((outcome) | ((crash) ? 4 : 0) | ((reason) << 3)))
#define MSX_OUTCOME(d) ((d) & 3)
#define MSX_CRASHED(d) (((d) >> 2) & 1)
#define MSX_REASON(d) ((d) >> 3)

/* ---- Counters -----------------------------------------------------------------------------------
 * uint64_t counters[MSX_COUNTERS]:
 *   [((field * 2 + dir) * 3) + outcome]  for field in msx_field, dir 0 read / 1 write,
 *                                        outcome 0 absorbed, 1 forwarded (includes both), 2 both
 *   [MSX_C_DEFERRED_UNMASKS]  Xen-side unmasks run at ioreq completion (not accesses)
 *   [MSX_C_GUEST_CRASH]       accesses after which Xen would crash the guest
 *   [MSX_C_EVENTS]            events fed
 */
enum msx_field { MSX_F_ADDR_LO, MSX_F_ADDR_HI, MSX_F_DATA, MSX_F_VECTOR_CTRL, MSX_F_PBA, MSX_F_OTHER, MSX_FIELDS };
#define MSX_COUNTER(field, dir, outcome) ((((field) * 2 + (dir)) * 3) + (outcome))
#define MSX_C_DEFERRED_UNMASKS (MSX_FIELDS * 2 * 3)
#define MSX_C_GUEST_CRASH (MSX_C_DEFERRED_UNMASKS + 1)
#define MSX_C_EVENTS (MSX_C_DEFERRED_UNMASKS + 2)
#define MSX_COUNTERS 40

/* ---- Model contexts ------------------------------------------------------------------------------ */
#define MSX_START_COLD 0
#define MSX_START_WARM 1
/* Each device's own start (msx_device_cfg.start): a trace can begin mid-run for some devices only. */
#define MSX_START_PER_DEVICE 2
/* options bits */
#define MSX_OPT_XEN34_MOD_QUIRK 1 /* xen-3.4: the 3.4.0 '%' entry-index quirk (spec 2.B) */

typedef struct msx_ctx msx_ctx;

/* Number of models and their names (e.g. "xen-4.1"); index order is stable. */
MSX_API int32_t msx_model_count(void);
MSX_API const char *msx_model_name(int32_t model);
/* Model index for a name or alias ("kvm" -> forward-all), -1 when unknown. */
MSX_API int32_t msx_model_find(const char *name);

/* NULL on bad arguments (unknown model, ndev 0, an entry count outside 1..2048, a table address that is
 * not 8-aligned or a table that wraps past 2^64). */
MSX_API msx_ctx *msx_create(int32_t model, int32_t start, const msx_device_cfg *devs, uint32_t ndev,
                            uint32_t options);
MSX_API void msx_destroy(msx_ctx *ctx);

/* Decide `n` events of a batch laid out for `cap`; writes n decision bytes when `decisions` is not
 * NULL. Returns 0, or -1 when an event names a device index >= ndev (nothing after it is fed). */
MSX_API int32_t msx_feed(msx_ctx *ctx, const uint8_t *buf, uint32_t cap, uint32_t n, uint8_t *decisions);

/* Copies min(n, MSX_COUNTERS) counters. */
MSX_API void msx_counters(const msx_ctx *ctx, uint64_t *out, uint32_t n);

/* Text of a reason code, for --explain. */
MSX_API const char *msx_reason_text(int32_t reason);

#endif
