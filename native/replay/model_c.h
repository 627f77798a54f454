/* The msixtbl handlers of the page-rule eras: the accept check of B, C, C' and D1/D2 (6.6, 6.7),
 * and C's read/write handlers (vmsi.c at 6044f6fa8d), which C' (74c213c506) changes in two places
 * only: len != 4 *or a misaligned address* is refused, and an absorbed vector_ctrl write no longer
 * reaches the hardware. xen-4.4 keeps C''s reads. Inline so each model's feed loop inlines them and
 * the era constant folds away. */
#ifndef MSX_MODEL_C_H
#define MSX_MODEL_C_H

#include "models.h"

enum c_era {
    C_ERA_41, /* 6044f6fa8d as released in 4.1.0: no alignment checks */
    C_ERA_42, /* 74c213c506: alignment gate; the vector_ctrl writel under #if 0 */
};

/* msixtbl_range for B/C/C'/D1: a PBA on its own page never reaches it (6.7), one on a table page is
 * outside the table, and then the page rule. -1 when the handler takes the access, else the
 * decision. */
static inline int page_era_refuse(const struct dev_state *d, const struct access *a, int pba_ro_ranges)
{
    if (a->kind == K_PBA_OWN)
        return pba_own_page(a, pba_ro_ranges);
    if (a->kind == K_PBA_NEAR)
        return FORWARD(MSX_R_PBA_TABLE_PAGE);
    int r = page_rule_reject(d, a->addr);
    return r >= 0 ? FORWARD(r) : -1;
}

/* The dword size gate of msixtbl_read/msixtbl_write; C' adds the alignment check. */
static inline int c_size_refused(const struct access *a, enum c_era era)
{
    return a->size != 4 || (era == C_ERA_42 && (a->addr & 3));
}

/* msixtbl_read: vector_ctrl from hardware, addr/data of entries 0..2 from the snoop cache. C has no
 * acc_valid: a never-written slot reads 0 and is still absorbed; misaligned dwords alias to o/4
 * (the hazard 74c213c506 closed). C also reads the hardware word and throws it away; C' does not. */
static inline uint8_t c_read(const struct dev_state *d, const struct access *a, enum c_era era)
{
    if (c_size_refused(a, era))
        return FORWARD(MSX_R_SIZE_GATE);
    uint32_t o = xen_o(a->addr), nr_entry = xen_n(d, a->addr);
    if (o == 12)
        return ABSORB(MSX_R_CTRL_READ_HW);
    if (nr_entry >= MAX_MSIX_ACC_ENTRIES)
        return FORWARD(MSX_R_CACHE_ENTRY_GE3);
    return ABSORB(MSX_R_CACHE_READ);
}

/* The vector_ctrl half of msixtbl_write in B, C and C': after an address/data write the flag sends
 * the next vector_ctrl write (mask or unmask alike) to the DM; otherwise Xen keeps it. */
static inline uint8_t c_ctrl_write(struct dev_state *d, uint32_t nr_entry, int writel_disabled)
{
    if (d->table_flags[nr_entry]) {
        d->table_flags[nr_entry] = 0;
        return FORWARD(MSX_R_CTRL_AFTER_ADDR);
    }
    /* C': the writel went under #if 0: the guest can no longer change the mask bit (fixed by D1). */
    return writel_disabled ? ABSORB(MSX_R_CTRL_WRITE_DROP) : ABSORB(MSX_R_CTRL_WRITE_HW);
}

/* Snoop of a dword write into gentries[nr_entry].msi_ad[o / 4]. C does no alignment check, so
 * o = 13..15 writes msi_ad[3]: the next entry's addr_lo for n < 2, the spare slot for n = 2 (6.11),
 * which is what the flat msi_ad array gives. */
static inline void c_snoop(struct dev_state *d, uint32_t nr_entry, uint32_t o, uint32_t val)
{
    if (nr_entry < MAX_MSIX_ACC_ENTRIES)
        d->msi_ad[MSI_AD(nr_entry, o / 4)] = val;
}

/* msixtbl_write of C and C'. */
static inline uint8_t c_write(struct dev_state *d, const struct access *a, enum c_era era)
{
    if (c_size_refused(a, era))
        return FORWARD(MSX_R_SIZE_GATE); /* no snoop */
    uint32_t o = xen_o(a->addr), nr_entry = xen_n(d, a->addr);
    if (o != 12) {
        c_snoop(d, nr_entry, o, a->vlo);
        d->table_flags[nr_entry] = 1;
        return FORWARD(MSX_R_ADDR_WRITE);
    }
    return c_ctrl_write(d, nr_entry, era == C_ERA_42);
}

#endif
