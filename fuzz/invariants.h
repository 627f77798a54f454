/* Invariants of one msx_feed call, shared by the random driver (random_feed.c) and the libFuzzer
 * harness (fuzz_feed.c). Everything here is derived from the public API in native/msixtrace.h and
 * the reason list in native/reasons.h (whose order is part of the decision-byte format), never from
 * the models' internals, so a model change that keeps the API contract keeps these checks green.
 *
 * msxck_prepare() digests a batch once; msxck_batch() then checks one msx_feed call on it:
 *   - return code and fed count: -1 and stop at the first device index >= ndev, else 0 and all n;
 *   - MSX_C_EVENTS grew by the number fed; per direction, absorbed + forwarded == events of that
 *     direction; per field and direction the same, the field taken from region/offset (6.9);
 *     "both" never exceeds forwarded;
 *   - with decisions: every byte has a valid outcome and reason, the reason's outcome agrees with
 *     the byte, the crash bit is only set where it can be, and the decisions tally to exactly the
 *     counter deltas (all 36 field counters and the crash counter);
 *   - model rules that hold in any state: forward-all forwards everything, xen-vpci absorbs
 *     everything, neither runs a deferred unmask, a Xen model never runs more deferred unmasks than
 *     it forwarded accesses, and a PBA access on a page of its own never exits (6.7).
 */
#ifndef MSX_FUZZ_INVARIANTS_H
#define MSX_FUZZ_INVARIANTS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "msixtrace.h"
#include "reasons.h"

/* Outcome each reason code stands for: 'A' absorbed, 'F' forwarded, 'B' both. */
static const char msxck_reason_outcome[MSX_REASONS] = {
    [MSX_R_FORWARD_ALL] = 'F',      [MSX_R_NOT_REGISTERED] = 'F', [MSX_R_OUTSIDE_TABLE] = 'F',
    [MSX_R_PAGE_UNBOUND] = 'F',     [MSX_R_NO_MSI_DESC] = 'F',    [MSX_R_SIZE_GATE] = 'F',
    [MSX_R_NO_READ_EMUL] = 'F',     [MSX_R_CTRL_READ_HW] = 'A',   [MSX_R_CTRL_READ_GM] = 'A',
    [MSX_R_CACHE_READ] = 'A',       [MSX_R_CACHE_ENTRY_GE3] = 'F', [MSX_R_CACHE_INVALID] = 'F',
    [MSX_R_ADDR_WRITE] = 'F',       [MSX_R_CTRL_WRITE_HW] = 'A',  [MSX_R_CTRL_WRITE_DROP] = 'A',
    [MSX_R_CTRL_AFTER_ADDR] = 'F',  [MSX_R_UNMASK_DEFERRED] = 'F', [MSX_R_MASK_KEEPS_F] = 'A',
    [MSX_R_CTRL_WRITE_GM] = 'A',    [MSX_R_QWORD_MASK_BOTH] = 'B', [MSX_R_QWORD_UNMASK_BUG] = 'F',
    [MSX_R_D5_SNOOP] = 'F',         [MSX_R_E_TABLE_WRITE] = 'B',  [MSX_R_E_ADJ_READ] = 'A',
    [MSX_R_E_ADJ_WRITE] = 'B',      [MSX_R_E_UNALIGNED_DROP] = 'A', [MSX_R_PBA_TABLE_PAGE] = 'F',
    [MSX_R_PBA_OWN_PAGE] = 'A',     [MSX_R_PBA_RO_CRASH] = 'A',   [MSX_R_VPCI] = 'A',
    [MSX_R_VPCI_NOOP] = 'A',        [MSX_R_VPCI_PBA] = 'A',
};

enum msxck_family { MSXCK_OTHER, MSXCK_FORWARD_ALL, MSXCK_VPCI, MSXCK_XEN34, MSXCK_XEN46, MSXCK_XEN };

static inline int msxck_family(const char *name)
{
    if (!name)
        return MSXCK_OTHER;
    if (!strcmp(name, "forward-all"))
        return MSXCK_FORWARD_ALL;
    if (!strcmp(name, "xen-vpci"))
        return MSXCK_VPCI;
    if (!strcmp(name, "xen-3.4"))
        return MSXCK_XEN34;
    if (!strcmp(name, "xen-4.6"))
        return MSXCK_XEN46;
    if (!strncmp(name, "xen-", 4))
        return MSXCK_XEN;
    return MSXCK_OTHER;
}

/* Field of an access (6.9): PBA accesses are 'pba', table accesses go by offset modulo 16. */
static inline uint32_t msxck_field(uint8_t region, uint32_t off)
{
    if (region == MSX_REGION_PBA)
        return MSX_F_PBA;
    switch (off & 15) {
    case 0: return MSX_F_ADDR_LO;
    case 4: return MSX_F_ADDR_HI;
    case 8: return MSX_F_DATA;
    case 12: return MSX_F_VECTOR_CTRL;
    default: return MSX_F_OTHER;
    }
}

/* A PBA access whose page the table does not span: qemu direct-maps it (6.7). Same arithmetic
 * (mod 2^64) as the header promises for "bytes from the region start". */
static inline int msxck_pba_own_page(const msx_device_cfg *d, uint32_t off)
{
    uint64_t page = (d->pba_gpa + off) >> 12;
    uint64_t first = d->table_gpa >> 12;
    uint64_t last = (d->table_gpa + (uint64_t)d->entries * 16 - 1) >> 12;
    return !(page >= first && page <= last);
}

/* A device set msx_create may refuse though the header does not say so today: a table crossing
 * 2^64, or a table address not 8-byte aligned (the MSI-X table offset is 8-byte aligned in a BAR
 * that is at least 16-byte aligned, so no real device has either). */
static inline int msxck_may_refuse(const msx_device_cfg *devs, uint32_t ndev)
{
    for (uint32_t k = 0; k < ndev; k++) {
        uint64_t len = (uint64_t)devs[k].entries * 16;
        if ((devs[k].table_gpa & 7) || devs[k].table_gpa > 0 - len)
            return 1;
    }
    return 0;
}

static inline int msxck_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* What the checks need from a batch, computed once and shared by every model fed the batch. */
struct msxck_prep {
    uint32_t n, fed;         /* events asked for; events before the first bad device index */
    uint8_t *ev;             /* per fed event: field * 2 + write, | 0x80 for a PBA access on its own page */
    uint64_t want_fd[MSX_FIELDS][2], want_dir[2];
};
#define MSXCK_OWN 0x80

/* scratch: n bytes, kept by the caller while p is in use. */
static inline void msxck_prepare(struct msxck_prep *p, const msx_device_cfg *devs, uint32_t ndev, const msx_batch *b,
                                 uint32_t n, uint8_t *scratch)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    p->fed = n;
    p->ev = scratch;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t dev = b->device[i];
        if (dev >= ndev) {
            p->fed = i;
            break;
        }
        int w = b->dir[i] == MSX_DIR_WRITE;
        uint32_t f = msxck_field(b->region[i], b->offset[i]);
        uint8_t e = (uint8_t)(f * 2 + (uint32_t)w);
        if (b->region[i] == MSX_REGION_PBA && msxck_pba_own_page(&devs[dev], b->offset[i]))
            e |= MSXCK_OWN;
        scratch[i] = e;
        p->want_fd[f][w]++;
        p->want_dir[w]++;
    }
}

/* p: the prepared batch; rc: msx_feed's return; dec: the decision bytes or NULL; before/after:
 * counters around the call. 0 when every invariant holds, else -1 with err set. */
static inline int msxck_batch(const char *model, const struct msxck_prep *p, int32_t rc, const uint8_t *dec,
                              const uint64_t *before, const uint64_t *after, char *err, size_t errlen)
{
    const int fam = msxck_family(model);
    const uint32_t n = p->n, fed = p->fed;
    uint64_t d[MSX_COUNTERS];
    for (int k = 0; k < MSX_COUNTERS; k++) {
        if (after[k] < before[k])
            return msxck_fail(err, errlen, "counter %d went down: %llu -> %llu", k, (unsigned long long)before[k],
                              (unsigned long long)after[k]);
        d[k] = after[k] - before[k];
    }

    int32_t want_rc = fed < n ? -1 : 0;
    if (rc != want_rc)
        return msxck_fail(err, errlen, "msx_feed returned %d, expected %d (first bad device at %u of %u)", rc, want_rc,
                          fed, n);
    if (d[MSX_C_EVENTS] != fed)
        return msxck_fail(err, errlen, "events counter grew by %llu, %u events were fed",
                          (unsigned long long)d[MSX_C_EVENTS], fed);

    uint64_t got_dir[2] = {0, 0}, fwd_total = 0, abs_total = 0;
    for (int f = 0; f < MSX_FIELDS; f++)
        for (int w = 0; w < 2; w++) {
            uint64_t a = d[MSX_COUNTER(f, w, 0)], fw = d[MSX_COUNTER(f, w, 1)], bo = d[MSX_COUNTER(f, w, 2)];
            got_dir[w] += a + fw;
            fwd_total += fw;
            abs_total += a;
            if (a + fw != p->want_fd[f][w])
                return msxck_fail(err, errlen, "field %d dir %d: absorbed %llu + forwarded %llu != %llu events", f, w,
                                  (unsigned long long)a, (unsigned long long)fw, (unsigned long long)p->want_fd[f][w]);
            if (bo > fw)
                return msxck_fail(err, errlen, "field %d dir %d: both %llu > forwarded %llu", f, w,
                                  (unsigned long long)bo, (unsigned long long)fw);
        }
    for (int w = 0; w < 2; w++)
        if (got_dir[w] != p->want_dir[w])
            return msxck_fail(err, errlen, "dir %d: counters sum to %llu, %llu events fed", w,
                              (unsigned long long)got_dir[w], (unsigned long long)p->want_dir[w]);
    if (d[MSX_C_GUEST_CRASH] > fed)
        return msxck_fail(err, errlen, "crash counter grew by %llu for %u events", (unsigned long long)d[MSX_C_GUEST_CRASH],
                          fed);

    /* Model rules visible in the counters alone. */
    if (fam == MSXCK_FORWARD_ALL && (abs_total || d[MSX_C_GUEST_CRASH]))
        return msxck_fail(err, errlen, "forward-all absorbed %llu / crashed %llu", (unsigned long long)abs_total,
                          (unsigned long long)d[MSX_C_GUEST_CRASH]);
    if (fam == MSXCK_VPCI && (fwd_total || d[MSX_C_GUEST_CRASH]))
        return msxck_fail(err, errlen, "xen-vpci forwarded %llu / crashed %llu", (unsigned long long)fwd_total,
                          (unsigned long long)d[MSX_C_GUEST_CRASH]);
    if ((fam == MSXCK_FORWARD_ALL || fam == MSXCK_VPCI) && d[MSX_C_DEFERRED_UNMASKS])
        return msxck_fail(err, errlen, "%s ran %llu deferred unmasks", model,
                          (unsigned long long)d[MSX_C_DEFERRED_UNMASKS]);
    /* A deferred unmask runs at the completion of a forwarded access: at most one per forward. */
    if (d[MSX_C_DEFERRED_UNMASKS] > fwd_total)
        return msxck_fail(err, errlen, "%llu deferred unmasks for %llu forwarded accesses",
                          (unsigned long long)d[MSX_C_DEFERRED_UNMASKS], (unsigned long long)fwd_total);
    if (fam == MSXCK_XEN34 && d[MSX_C_GUEST_CRASH])
        return msxck_fail(err, errlen, "xen-3.4 crashed the guest (no ro PBA, no last-byte check)");

    if (!dec)
        return 0;

    /* Decisions: each byte valid, consistent with its reason, and tallying to the counters. */
    uint64_t tally[MSX_COUNTERS];
    memset(tally, 0, sizeof tally);
    for (uint32_t i = 0; i < fed; i++) {
        uint8_t x = dec[i];
        uint32_t out = MSX_OUTCOME(x), crash = MSX_CRASHED(x), reason = MSX_REASON(x);
        uint32_t e = p->ev[i], w = e & 1, f = (e & 0x7f) >> 1;
        if (out > MSX_BOTH)
            return msxck_fail(err, errlen, "event %u: decision 0x%02x has outcome 3", i, x);
        if (reason >= MSX_REASONS)
            return msxck_fail(err, errlen, "event %u: decision 0x%02x has reason %u >= %d", i, x, reason, MSX_REASONS);
        char want = msxck_reason_outcome[reason];
        char got = out == MSX_ABSORB ? 'A' : out == MSX_FORWARD ? 'F' : 'B';
        if (want != got)
            return msxck_fail(err, errlen, "event %u: reason %u (%s) with outcome %c, expected %c", i, reason,
                              msx_reason_text((int32_t)reason), got, want);
        if (crash && reason != MSX_R_PBA_RO_CRASH && fam != MSXCK_XEN46)
            return msxck_fail(err, errlen, "event %u: crash bit with reason %u (%s) in %s", i, reason,
                              msx_reason_text((int32_t)reason), model);
        if (reason == MSX_R_PBA_RO_CRASH && !crash)
            return msxck_fail(err, errlen, "event %u: reason pba-ro-crash without the crash bit", i);
        if (fam == MSXCK_FORWARD_ALL && x != MSX_DECISION(MSX_FORWARD, 0, MSX_R_FORWARD_ALL))
            return msxck_fail(err, errlen, "event %u: forward-all decided 0x%02x", i, x);
        if (fam == MSXCK_VPCI && reason != MSX_R_VPCI && reason != MSX_R_VPCI_NOOP && reason != MSX_R_VPCI_PBA)
            return msxck_fail(err, errlen, "event %u: xen-vpci gave reason %u (%s)", i, reason,
                              msx_reason_text((int32_t)reason));
        if (e & MSXCK_OWN) {
            uint8_t want_dec;
            if (fam == MSXCK_VPCI)
                want_dec = MSX_DECISION(MSX_ABSORB, 0, MSX_R_VPCI_PBA);
            else if (fam == MSXCK_XEN34 || ((fam == MSXCK_XEN || fam == MSXCK_XEN46) && !w))
                want_dec = MSX_DECISION(MSX_ABSORB, 0, MSX_R_PBA_OWN_PAGE);
            else if (fam == MSXCK_XEN || fam == MSXCK_XEN46)
                want_dec = MSX_DECISION(MSX_ABSORB, 1, MSX_R_PBA_RO_CRASH);
            else
                want_dec = x;
            if (x != want_dec)
                return msxck_fail(err, errlen, "event %u: PBA %s on its own page decided 0x%02x, expected 0x%02x", i,
                                  w ? "write" : "read", x, want_dec);
        }
        tally[MSX_COUNTER(f, w, 0)] += out == MSX_ABSORB;
        tally[MSX_COUNTER(f, w, 1)] += out != MSX_ABSORB;
        tally[MSX_COUNTER(f, w, 2)] += out == MSX_BOTH;
        tally[MSX_C_GUEST_CRASH] += crash;
    }
    for (int k = 0; k < MSX_FIELDS * 2 * 3; k++)
        if (tally[k] != d[k])
            return msxck_fail(err, errlen, "counter %d (field %d dir %d outcome %d) grew by %llu, decisions say %llu", k,
                              k / 6, (k / 3) % 2, k % 3, (unsigned long long)d[k], (unsigned long long)tally[k]);
    if (tally[MSX_C_GUEST_CRASH] != d[MSX_C_GUEST_CRASH])
        return msxck_fail(err, errlen, "crash counter grew by %llu, decisions say %llu",
                          (unsigned long long)d[MSX_C_GUEST_CRASH], (unsigned long long)tally[MSX_C_GUEST_CRASH]);
    return 0;
}

#endif
