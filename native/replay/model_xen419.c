/* xen-4.19 (E: 64b21662b1 + b2cd07a044): every accepted table write is also forwarded, and the
 * rest of the table's first/last page ("adjacent", a PBA there included) is handled. Spec 2.E. */
#include "feedloop.h"
#include "model_d4.h"

/* msixtbl_write: unaligned writes are dropped; everything else runs _msixtbl_write and is then
 * forwarded so the DM stays in sync. This is also the completion's write path. */
uint8_t xen419_write(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    if (a->addr & (a->size - 1))
        return ABSORB(MSX_R_E_UNALIGNED_DROP);
    if (!xen_in_table(d, a->addr))
        return BOTH(MSX_R_E_ADJ_WRITE); /* hardware write (discarded if the PBA shares the page) */
    if (a->size != 4 && a->size != 8)
        return FORWARD(MSX_R_SIZE_GATE); /* no snoop (b2cd07a044 forwards instead of dropping) */
    (void)d4_write(c, d, a, 1);
    return BOTH(MSX_R_E_TABLE_WRITE);
}

uint8_t xen419_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    if (a->kind == K_PBA_OWN)
        return pba_own_page(a, 1);
    /* msixtbl_range: a table spanning addr's page, and either adjacent or an msi_desc for n. */
    int adjacent = xen_on_table_pages(d, a->addr) && !xen_in_table(d, a->addr);
    if (!adjacent) {
        int r = desc_reject(d, a->addr);
        if (r >= 0) {
            if (d5_snoop(c, a))
                return FORWARD(MSX_R_D5_SNOOP);
            return FORWARD(a->region == MSX_REGION_PBA && r == MSX_R_NOT_REGISTERED ? MSX_R_PBA_TABLE_PAGE : r);
        }
    }
    if (a->write)
        return xen419_write(c, d, a);
    if (a->addr & (a->size - 1))
        return FORWARD(MSX_R_SIZE_GATE);
    if (adjacent)
        return ABSORB(MSX_R_E_ADJ_READ); /* read_mmio through the first/last page's fixmap slot */
    if (a->size != 4 && a->size != 8)
        return FORWARD(MSX_R_SIZE_GATE);
    return d4_read(d, a);
}

/* Column feed (msx_feed) and key-table feed (pipeline.c) with the decide function inlined. */
MSX_FEED_COLS(xen419_feed_cols, xen419_decide)
MSX_FEED_KEYS(xen419_feed_keys, xen419_decide)
