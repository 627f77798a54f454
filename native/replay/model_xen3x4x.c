/* xen-3.4 (B, 34097f0d30), xen-4.1 (C, 6044f6fa8d) and xen-4.2 (C', 74c213c506): spec 2.B/2.C/2.C'.
 * All three accept by the page rule (6.6) and look only at the access's first address (0.4). */
#include "feedloop.h"

/* Before 4.1 the PBA page is not in mmio_ro_ranges (b5aadd4248), so even writes never exit. */
#define PBA_RO_RANGES_34 0
#define PBA_RO_RANGES 1

/* Snoop of a dword write into gentries[n].msi_ad[o/4]. C does no alignment check, so o = 13..15
 * writes msi_ad[3]: the next entry's addr_lo for n < 2, nothing for n = 2 (6.11). The flat S
 * array gives exactly that layout; its last slot is the one dropped. */
static inline void snoop(struct dev_state *d, uint32_t n, uint32_t o, uint32_t val)
{
    if (n < MAX_MSIX_ACC_ENTRIES)
        d->S[n * 3 + o / 4] = val;
}

uint8_t xen34_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    if (a->kind == K_PBA_OWN)
        return pba_own_page(a, PBA_RO_RANGES_34);
    if (a->kind == K_PBA_NEAR)
        return FORWARD(MSX_R_PBA_TABLE_PAGE);
    int r = page_rule_reject(d, a->addr);
    if (r >= 0)
        return FORWARD(r);

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
    uint32_t fi = (c->options & MSX_OPT_XEN34_MOD_QUIRK) ? (uint32_t)(rel % 16) : (uint32_t)(rel / 16);
    if (o != 12) {
        d->F[fi] = 1; /* also misaligned dwords */
        return FORWARD(MSX_R_ADDR_WRITE);
    }
    if (d->F[fi]) {
        d->F[fi] = 0; /* mask or unmask alike */
        return FORWARD(MSX_R_CTRL_AFTER_ADDR);
    }
    return ABSORB(MSX_R_CTRL_WRITE_HW); /* writel(val, HW) */
}

uint8_t xen41_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    (void)c;
    if (a->kind == K_PBA_OWN)
        return pba_own_page(a, PBA_RO_RANGES);
    if (a->kind == K_PBA_NEAR)
        return FORWARD(MSX_R_PBA_TABLE_PAGE);
    int r = page_rule_reject(d, a->addr);
    if (r >= 0)
        return FORWARD(r);

    uint32_t o = xen_o(a->addr), n = xen_n(d, a->addr);
    if (a->size != 4)
        return FORWARD(MSX_R_SIZE_GATE); /* reads and writes; no snoop */
    if (!a->write) {
        if (o == 12)
            return ABSORB(MSX_R_CTRL_READ_HW);
        if (n >= MAX_MSIX_ACC_ENTRIES)
            return FORWARD(MSX_R_CACHE_ENTRY_GE3);
        /* No valid bits yet: a never-written slot reads 0 and is still absorbed. Misaligned
         * dwords alias to o/4 (the hazard 74c213c506 closed). */
        return ABSORB(MSX_R_CACHE_READ);
    }
    if (o != 12) {
        snoop(d, n, o, a->vlo);
        d->F[n] = 1;
        return FORWARD(MSX_R_ADDR_WRITE);
    }
    if (d->F[n]) {
        d->F[n] = 0;
        return FORWARD(MSX_R_CTRL_AFTER_ADDR);
    }
    return ABSORB(MSX_R_CTRL_WRITE_HW);
}

uint8_t xen42_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    (void)c;
    if (a->kind == K_PBA_OWN)
        return pba_own_page(a, PBA_RO_RANGES);
    if (a->kind == K_PBA_NEAR)
        return FORWARD(MSX_R_PBA_TABLE_PAGE);
    int r = page_rule_reject(d, a->addr);
    if (r >= 0)
        return FORWARD(r);

    uint32_t o = xen_o(a->addr), n = xen_n(d, a->addr);
    if (a->size != 4 || (a->addr & 3))
        return FORWARD(MSX_R_SIZE_GATE); /* 74c213c506's alignment check */
    if (!a->write) {
        if (o == 12)
            return ABSORB(MSX_R_CTRL_READ_HW);
        if (n >= MAX_MSIX_ACC_ENTRIES)
            return FORWARD(MSX_R_CACHE_ENTRY_GE3);
        return ABSORB(MSX_R_CACHE_READ); /* no hardware read any more */
    }
    if (o != 12) {
        snoop(d, n, o, a->vlo);
        d->F[n] = 1;
        return FORWARD(MSX_R_ADDR_WRITE);
    }
    if (d->F[n]) {
        d->F[n] = 0;
        return FORWARD(MSX_R_CTRL_AFTER_ADDR);
    }
    /* The writel went under #if 0: the guest can no longer change the mask bit (fixed by D1). */
    return ABSORB(MSX_R_CTRL_WRITE_DROP);
}

/* Column feed (msx_feed) and key-table feed (pipeline.c) with the decide function inlined. */
MSX_FEED_COLS(xen34_feed_cols, xen34_decide)
MSX_FEED_KEYS(xen34_feed_keys, xen34_decide)
MSX_FEED_COLS(xen41_feed_cols, xen41_decide)
MSX_FEED_KEYS(xen41_feed_keys, xen41_decide)
MSX_FEED_COLS(xen42_feed_cols, xen42_decide)
MSX_FEED_KEYS(xen42_feed_keys, xen42_decide)
