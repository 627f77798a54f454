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
uint8_t d4_read(const struct dev_state *d, const struct access *a);
uint8_t d4_write(struct msx_ctx *c, struct dev_state *d, const struct access *a, int qword_fixed);
int d5_snoop(struct msx_ctx *c, const struct access *a);
/* model_xen419.c: E */
uint8_t xen419_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a);
uint8_t xen419_write(struct msx_ctx *c, struct dev_state *d, const struct access *a);

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
    if (!d->bound[xen_n(d, addr)])
        return MSX_R_NO_MSI_DESC;
    return -1;
}

#endif
