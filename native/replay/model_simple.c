/* forward-all (variant A, Xen <= 3.3; also upstream KVM): no interception at all. */
#include "feedloop.h"

uint8_t forward_all_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    (void)c, (void)d, (void)a;
    return FORWARD(MSX_R_FORWARD_ALL);
}

/* Column feed (msx_feed) and key-table feed (pipeline.c) with the decide function inlined. */
MSX_FEED_COLS(forward_all_feed_cols, forward_all_decide)
MSX_FEED_KEYS(forward_all_feed_keys, forward_all_decide)
