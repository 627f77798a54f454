/* The batch loop: build each access, let the model decide, give forwarded accesses to qemu and
 * complete their ioreq (6.4), and count. */
#include <string.h>
#include "models.h"

MSX_API void msx_batch_view(msx_batch *b, const uint8_t *buf, uint32_t cap)
{
    const uint8_t *p = buf;
    b->ts_ns = (const double *)(const void *)p;
    p += 8u * cap;
    b->value_lo = (const uint32_t *)(const void *)p;
    p += 4u * cap;
    b->value_hi = (const uint32_t *)(const void *)p;
    p += 4u * cap;
    b->offset = (const uint32_t *)(const void *)p;
    p += 4u * cap;
    b->guest = (const int32_t *)(const void *)p;
    p += 4u * cap;
    b->vcpu = (const int32_t *)(const void *)p;
    p += 4u * cap;
    b->device = (const uint16_t *)(const void *)p;
    p += 2u * cap;
    b->region = p;
    p += cap;
    b->size = p;
    p += cap;
    b->dir = p;
}

/* 6.9: the field is the region offset modulo 16; PBA accesses are 'pba'. */
static const uint8_t field_of_o[16] = {
    MSX_F_ADDR_LO, MSX_F_OTHER, MSX_F_OTHER, MSX_F_OTHER, MSX_F_ADDR_HI, MSX_F_OTHER, MSX_F_OTHER, MSX_F_OTHER,
    MSX_F_DATA,    MSX_F_OTHER, MSX_F_OTHER, MSX_F_OTHER, MSX_F_VECTOR_CTRL, MSX_F_OTHER, MSX_F_OTHER, MSX_F_OTHER,
};

MSX_API int32_t msx_feed(msx_ctx *c, const uint8_t *buf, uint32_t cap, uint32_t n, uint8_t *decisions)
{
    if (!c || !buf || n > cap)
        return -1;
    msx_batch b;
    msx_batch_view(&b, buf, cap);
    const msx_decide_fn decide = c->m->decide;
    const int after_forward = c->m->has_qemu;
    uint64_t *cnt = c->counters;
    int32_t rc = 0;
    uint32_t i;

    for (i = 0; i < n; i++) {
        uint32_t dev = b.device[i];
        if (dev >= c->ndev) {
            rc = -1;
            break;
        }
        struct dev_state *d = &c->devs[dev];
        struct access a;
        a.off = b.offset[i];
        a.vlo = b.value_lo[i];
        a.vhi = b.value_hi[i];
        a.vcpu = b.vcpu[i];
        a.size = b.size[i];
        a.write = b.dir[i] == MSX_DIR_WRITE;
        a.region = b.region[i];
        uint32_t field;
        if (a.region == MSX_REGION_PBA) {
            a.addr = d->pba_gpa + a.off;
            uint64_t page = a.addr >> MSX_PAGE_SHIFT;
            a.kind = page >= d->span_first && page <= d->span_last ? K_PBA_NEAR : K_PBA_OWN;
            field = MSX_F_PBA;
        } else {
            a.addr = d->table_gpa + a.off;
            a.kind = a.off < d->entries * 16 ? K_TABLE : K_TABLE_BEYOND;
            field = field_of_o[a.off & 15];
        }

        uint8_t dec = decide(c, d, &a);
        uint32_t outcome = MSX_OUTCOME(dec);
        uint64_t *fc = &cnt[MSX_COUNTER(field, a.write, 0)];
        if (outcome == MSX_ABSORB) {
            fc[0]++;
        } else {
            fc[1]++;
            if (outcome == MSX_BOTH)
                fc[2]++;
            if (after_forward) {
                qemu_forwarded(c, d, &a);
                ioreq_complete(c, a.vcpu);
            }
        }
        cnt[MSX_C_GUEST_CRASH] += MSX_CRASHED(dec);
        if (decisions)
            decisions[i] = dec;
    }
    cnt[MSX_C_EVENTS] += i; /* the events before a bad device index were fed */
    return rc;
}

MSX_API void msx_counters(const msx_ctx *c, uint64_t *out, uint32_t n)
{
    if (!c || !out)
        return;
    memcpy(out, c->counters, (n < MSX_COUNTERS ? n : MSX_COUNTERS) * sizeof *out);
}
