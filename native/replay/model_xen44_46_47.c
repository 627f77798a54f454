/* xen-4.4 (D1+D2: a35137373a, 74fd0036de), xen-4.6 (RELEASE-4.6.0: D3+D4, 70a3cbb8c9 df9f5676b3
 * 284ffb4f9b ad28e42bd1 43147e03e8) and xen-4.7 (D4+D5+D6, valid through 4.18): spec 2.D*. The
 * D4 read/write handlers are shared with xen-4.19, which runs them for accepted table accesses. */
#include "feedloop.h"
#include "model_c.h"
#include "model_d4.h"

/* ---- xen-4.4: reads, accept and address/data writes as C' (model_c.h); vector_ctrl writes per
 * the D1/D2 table ---- */

uint8_t xen44_write(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    if (c_size_refused(a, C_ERA_42))
        return FORWARD(MSX_R_SIZE_GATE);
    uint32_t o = xen_o(a->addr), n = xen_n(d, a->addr);
    if (o != 12) {
        c_snoop(d, n, o, a->vlo);
        d->table_flags[n] = 1;
        return FORWARD(MSX_R_ADDR_WRITE);
    }
    if (d->table_flags[n]) {
        d->table_flags[n] = 0;
        if (!(a->vlo & 1)) {
            /* 74fd0036de: qemu rebinds, then the completion unmasks via the "table_flags clear" row. */
            set_unmask_address(c, d, a->vcpu, a->addr);
            return FORWARD(MSX_R_UNMASK_DEFERRED);
        }
        return FORWARD(MSX_R_CTRL_AFTER_ADDR); /* masks with table_flags set still go to qemu until D3 */
    }
    if (!d->msi_desc[n])
        return FORWARD(MSX_R_NO_MSI_DESC); /* no msi_desc whose mask_base matches */
    /* Never Xen-masked (6.5): hardware mask bit = val & 1 (a35137373a). */
    return ABSORB(MSX_R_CTRL_WRITE_HW);
}

uint8_t xen44_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    int refused = page_era_refuse(d, a, 1);
    if (refused >= 0)
        return (uint8_t)refused;
    /* Reads as C': no acc_valid before 4.6, so zeros are served too. */
    return a->write ? xen44_write(c, d, a) : c_read(d, a, C_ERA_42);
}

/* ---- D4 handlers: model_d4.h (inline here and in model_xen419.c) ---- */

/* ---- xen-4.6 (RELEASE-4.6.0): D3 + D4 without D5 ---- */

uint8_t xen46_write(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    return d4_write(c, d, a, 0);
}

uint8_t xen46_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    if (a->kind == K_PBA_OWN)
        return pba_own_page(a, 1);
    if (a->kind == K_PBA_NEAR)
        return FORWARD(MSX_R_PBA_TABLE_PAGE);
    int r = desc_reject(d, a->addr);
    if (r >= 0)
        return FORWARD(r);
    /* 49801a4f79: hvm_mmio_accept also checks the last byte; accepted first byte with a refused
     * last byte crashes the domain, and the access goes on as usual (6.1). */
    uint8_t crash = a->size > 1 && !xen_has_desc(d, a->addr + a->size - 1) ? 4 : 0;
    uint8_t dec = a->write ? xen46_write(c, d, a) : d4_read(d, a);
    return dec | crash;
}

/* ---- xen-4.7 .. 4.18: D4 + D5 + D6 ---- */

uint8_t xen47_write(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    return d4_write(c, d, a, 1);
}

uint8_t xen47_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    if (a->kind == K_PBA_OWN)
        return pba_own_page(a, 1);
    if (a->kind == K_PBA_NEAR)
        return FORWARD(MSX_R_PBA_TABLE_PAGE); /* a snoop here could never match a bind */
    int r = desc_reject(d, a->addr); /* c3a52bc631: the access's own address only */
    if (r >= 0)
        return FORWARD(d5_snoop(c, a) ? MSX_R_D5_SNOOP : r);
    return a->write ? xen47_write(c, d, a) : d4_read(d, a);
}

/* Column feed (msx_feed) and key-table feed (pipeline.c) with the decide function inlined. */
MSX_FEED_COLS(xen44_feed_cols, xen44_decide)
MSX_FEED_KEYS(xen44_feed_keys, xen44_decide)
MSX_FEED_COLS(xen46_feed_cols, xen46_decide)
MSX_FEED_KEYS(xen46_feed_keys, xen46_decide)
MSX_FEED_COLS(xen47_feed_cols, xen47_decide)
MSX_FEED_KEYS(xen47_feed_keys, xen47_decide)
