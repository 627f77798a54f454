/* The batch entry point: msx_feed runs the model's column loop (feedloop.h) and folds its tally into
 * the counters. */
#include <string.h>
#include "feedloop.h"

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

void msx_fold_tally(struct msx_ctx *c, const uint32_t *tally, uint32_t n)
{
    uint64_t *cnt = c->counters;
    for (uint32_t fw = 0; fw < MSX_FIELDS * 2; fw++) {
        for (uint32_t o = 0; o < 8; o++) {
            uint64_t v = tally[fw * 8 + o];
            if (!v)
                continue;
            uint32_t outcome = o & 3;
            if (outcome == MSX_ABSORB) {
                cnt[fw * 3] += v;
            } else {
                cnt[fw * 3 + 1] += v;
                if (outcome == MSX_BOTH)
                    cnt[fw * 3 + 2] += v;
            }
            if (o & 4)
                cnt[MSX_C_GUEST_CRASH] += v;
        }
    }
    cnt[MSX_C_EVENTS] += n;
}

/* The loop itself is the model's feed_cols (MSX_FEED_COLS in feedloop.h, expanded beside its decide
 * function): one call per batch, the decide function inlined, outcomes tallied per batch. */
MSX_API int32_t msx_feed(msx_ctx *c, const uint8_t *buf, uint32_t cap, uint32_t n, uint8_t *decisions)
{
    if (!c || !buf || n > cap)
        return -1;
    msx_batch b;
    msx_batch_view(&b, buf, cap);
    uint32_t tally[MSX_TALLY];
    memset(tally, 0, sizeof tally);
    uint32_t fed = c->m->feed_cols(c, &b, n, decisions, tally);
    msx_fold_tally(c, tally, fed); /* the events before a bad device index were fed */
    return fed < n ? -1 : 0;
}

MSX_API void msx_counters(const msx_ctx *c, uint64_t *out, uint32_t n)
{
    if (!c || !out)
        return;
    memcpy(out, c->counters, (n < MSX_COUNTERS ? n : MSX_COUNTERS) * sizeof *out);
}
