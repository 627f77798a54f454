/* Decision functions of the models (one per spec variant) and the pieces they share. */
#ifndef MSX_MODELS_H
#define MSX_MODELS_H

#include "state.h"

/* model_simple.c */
uint8_t forward_all_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
/* model_vpci.c */
uint8_t vpci_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
/* model_xen3x4x.c: B, C, C' */
uint8_t xen34_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen41_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen42_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
/* model_xen44_46_47.c: D1+D2, D3+D4, D4+D5+D6 */
uint8_t xen44_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen44_write(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen46_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen46_write(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen47_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen47_write(struct msx_ctx *c, struct dev_state *d, const struct access *a);
/* d4_read, d4_write, d5_snoop: model_d4.h */
/* model_xen419.c: E */
uint8_t xen419_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen419_write(struct msx_ctx *c, struct dev_state *d, const struct access *a);

/* The column and key-table feeds of each model (feedloop.h). */
#define MSX_FEED_KEYS_DECL(fname) \
    void fname(struct msx_ctx *c, const struct access *acc, const uint16_t *keys, uint32_t n, uint32_t *tally, \
               uint8_t *decisions);
#define MSX_FEED_COLS_DECL(fname) \
    uint32_t fname(struct msx_ctx *c, const msx_batch *b, uint32_t n, uint8_t *decisions, uint32_t *tally);
MSX_FEED_COLS_DECL(forward_all_feed_cols)
MSX_FEED_COLS_DECL(vpci_feed_cols)
MSX_FEED_COLS_DECL(xen34_feed_cols)
MSX_FEED_COLS_DECL(xen41_feed_cols)
MSX_FEED_COLS_DECL(xen42_feed_cols)
MSX_FEED_COLS_DECL(xen44_feed_cols)
MSX_FEED_COLS_DECL(xen46_feed_cols)
MSX_FEED_COLS_DECL(xen47_feed_cols)
MSX_FEED_COLS_DECL(xen419_feed_cols)
MSX_FEED_KEYS_DECL(forward_all_feed_keys)
MSX_FEED_KEYS_DECL(vpci_feed_keys)
MSX_FEED_KEYS_DECL(xen34_feed_keys)
MSX_FEED_KEYS_DECL(xen41_feed_keys)
MSX_FEED_KEYS_DECL(xen42_feed_keys)
MSX_FEED_KEYS_DECL(xen44_feed_keys)
MSX_FEED_KEYS_DECL(xen46_feed_keys)
MSX_FEED_KEYS_DECL(xen47_feed_keys)
MSX_FEED_KEYS_DECL(xen419_feed_keys)

/* 6.7: a PBA on a page of its own is direct-mapped by qemu and never exits. Before b5aadd4248
 * (4.1) the page is writable too; from 4.1 it is in mmio_ro_ranges, so a write traps and the
 * guest is crashed. */
static inline uint8_t pba_own_page(const struct access *a, int ro_ranges)
{
    if (a->write && ro_ranges)
        return CRASH(MSX_R_PBA_RO_CRASH);
    return ABSORB(MSX_R_PBA_OWN_PAGE);
}

/* Why msixtbl_range (B/C/C'/D1: page rule, 6.6) refuses addr; -1 when it accepts. */
static inline int page_rule_reject(const struct dev_state *d, uint64_t addr)
{
    if (!d->registered)
        return MSX_R_NOT_REGISTERED;
    if (!xen_in_table(d, addr))
        return MSX_R_OUTSIDE_TABLE;
    if (!xen_page_has_slot(d, addr))
        return MSX_R_PAGE_UNBOUND;
    return -1;
}

/* Why msixtbl_range from D4 on (an msi_desc for n) refuses addr; -1 when it accepts. */
static inline int desc_reject(const struct dev_state *d, uint64_t addr)
{
    if (!d->registered)
        return MSX_R_NOT_REGISTERED;
    if (!xen_in_table(d, addr))
        return MSX_R_OUTSIDE_TABLE;
    if (!d->msi_desc[xen_n(d, addr)])
        return MSX_R_NO_MSI_DESC;
    return -1;
}

#endif
