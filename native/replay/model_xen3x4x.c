/* xen-3.4 (B, 34097f0d30), xen-4.1 (C, 6044f6fa8d) and xen-4.2 (C', 74c213c506): docs/models.md
 * 2.B/2.C/2.C'. All three accept by the page rule (6.6) and look only at the access's first address
 * (0.4). C and C' are one handler that differs by 74c213c506's two changes (the alignment gate and
 * the discarded vector_ctrl write); xen-4.4 (model_xen44_46_47.c) reads through it too. */
#include "feedloop.h"
#include "model_c.h"

/* Before 4.1 the PBA page is not in mmio_ro_ranges (b5aadd4248), so even writes never exit. */
#define PBA_RO_RANGES_34 0
#define PBA_RO_RANGES 1

uint8_t xen34_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    int refused = page_era_refuse(d, a, PBA_RO_RANGES_34);
    if (refused >= 0)
        return (uint8_t)refused;

    uint32_t o = xen_o(a->addr);
    if (!a->write) {
        if (a->size == 4 && o == 12)
            return ABSORB(MSX_R_CTRL_READ_HW); /* readl(HW), Xen's host mask included */
        return FORWARD(a->size != 4 ? MSX_R_SIZE_GATE : MSX_R_NO_READ_EMUL);
    }
    if (a->size != 4)
        return FORWARD(MSX_R_SIZE_GATE);
    /* Until df117d7fe3 the flag index was taken with '%': the in-entry offset. Addr/data writes then
     * set flags 0/4/8 while vector_ctrl tests flag 12, so every dword vector_ctrl write is absorbed. */
    uint64_t rel = a->addr - d->gtable;
    uint32_t nr_entry = (c->options & MSX_OPT_XEN34_MOD_QUIRK) ? (uint32_t)(rel % 16) : (uint32_t)(rel / 16);
    if (o != 12) {
        d->table_flags[nr_entry] = 1; /* also misaligned dwords */
        return FORWARD(MSX_R_ADDR_WRITE);
    }
    return c_ctrl_write(d, nr_entry, 0);
}

uint8_t xen41_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    (void)c;
    int refused = page_era_refuse(d, a, PBA_RO_RANGES);
    if (refused >= 0)
        return (uint8_t)refused;
    return a->write ? c_write(d, a, C_ERA_41) : c_read(d, a, C_ERA_41);
}

uint8_t xen42_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    (void)c;
    int refused = page_era_refuse(d, a, PBA_RO_RANGES);
    if (refused >= 0)
        return (uint8_t)refused;
    return a->write ? c_write(d, a, C_ERA_42) : c_read(d, a, C_ERA_42);
}

/* Column feed (msx_feed) and key-table feed (pipeline.c) with the decide function inlined. */
MSX_FEED_COLS(xen34_feed_cols, xen34_decide)
MSX_FEED_KEYS(xen34_feed_keys, xen34_decide)
MSX_FEED_COLS(xen41_feed_cols, xen41_decide)
MSX_FEED_KEYS(xen41_feed_keys, xen41_decide)
MSX_FEED_COLS(xen42_feed_cols, xen42_decide)
MSX_FEED_KEYS(xen42_feed_keys, xen42_decide)
