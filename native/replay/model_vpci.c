/* xen-vpci (variant V, xen/drivers/vpci/msix.c): there is no ioreq server, so nothing is ever
 * forwarded; the reason only says which vPCI path took the access. */
#include "feedloop.h"

uint8_t vpci_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    (void)c;
    if (a->region == MSX_REGION_PBA || a->off >= d->entries * 16)
        return ABSORB(MSX_R_VPCI_PBA); /* PBA, or an adjacent address passed through (b177892d2d) */
    if ((a->size != 4 && a->size != 8) || (a->addr & (a->size - 1)))
        return ABSORB(MSX_R_VPCI_NOOP); /* msix_read/msix_write: reads return ~0, writes ignored */
    return ABSORB(MSX_R_VPCI);
}

/* Column feed (msx_feed) and key-table feed (pipeline.c) with the decide function inlined. */
MSX_FEED_COLS(vpci_feed_cols, vpci_decide)
MSX_FEED_KEYS(vpci_feed_keys, vpci_decide)
