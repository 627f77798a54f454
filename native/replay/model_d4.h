/* The D4 read/write handlers (msixtbl_read / msixtbl_write at RELEASE-4.7.0, minus the accept
 * check) and the D5 snoop, shared by xen-4.6/4.7 (model_xen44_46_47.c) and xen-4.19
 * (model_xen419.c). Inline in both so each model's key-table loop (feedloop.h) inlines them. */
#ifndef MSX_MODEL_D4_H
#define MSX_MODEL_D4_H

#include "models.h"

static inline uint8_t d4_read(const struct dev_state *d, const struct access *a)
{
    if ((a->size != 4 && a->size != 8) || (a->addr & (a->size - 1)))
        return FORWARD(MSX_R_SIZE_GATE);
    uint32_t o = xen_o(a->addr), n = xen_n(d, a->addr);
    if (o == 12)
        return ABSORB(MSX_R_CTRL_READ_GM); /* only guest_masked, in bit 0 (43147e03e8) */
    uint32_t k = o / 4;
    if (n >= MAX_MSIX_ACC_ENTRIES)
        return FORWARD(MSX_R_CACHE_ENTRY_GE3);
    if (!test_acc_valid(d, n, k))
        return FORWARD(MSX_R_CACHE_INVALID); /* df9f5676b3 */
    if (a->size == 8 && k == 0 && !test_acc_valid(d, n, 1))
        return FORWARD(MSX_R_CACHE_INVALID);
    /* qword at o 8: data | guest_masked << 32; the msi_desc exists since the access was accepted. */
    return ABSORB(MSX_R_CACHE_READ);
}

/* qword_fixed: 7d8519f63a (4.7, 4.6.3) moves the unmask address to the vector_ctrl word; 4.6.0
 * leaves it on the data word. */
static inline uint8_t d4_write(struct msx_ctx *c, struct dev_state *d, const struct access *a, int qword_fixed)
{
    if ((a->size != 4 && a->size != 8) || (a->addr & (a->size - 1)))
        return FORWARD(MSX_R_SIZE_GATE);
    uint32_t o = xen_o(a->addr), n = xen_n(d, a->addr);
    uint32_t val = a->vlo;
    uint64_t address = a->addr;
    if (o != 12) {
        uint32_t k = o / 4;
        if (n < MAX_MSIX_ACC_ENTRIES) {
            d->msi_ad[MSI_AD(n, k)] = a->vlo;
            d->acc_valid |= (uint16_t)(1u << MSI_AD(n, k));
            if (a->size == 8 && k == 0) {
                d->msi_ad[MSI_AD(n, 1)] = a->vhi;
                d->acc_valid |= (uint16_t)(1u << MSI_AD(n, 1));
            }
        }
        d->table_flags[n] = 1;
        if (a->size != 8 || k == 0)
            return FORWARD(MSX_R_ADDR_WRITE);
        /* qword at o 8: its high dword is vector_ctrl (284ffb4f9b) */
        val = a->vhi;
        if (qword_fixed)
            address += 4;
    }
    /* D3: exit to the DM only when unmasking and address/data got modified. */
    if (!(val & 1) && d->table_flags[n]) {
        d->table_flags[n] = 0;
        set_unmask_address(c, d, a->vcpu, address);
        if (a->size == 8 && !qword_fixed)
            return FORWARD(MSX_R_QWORD_UNMASK_BUG);
        return FORWARD(MSX_R_UNMASK_DEFERRED);
    }
    if (!d->msi_desc[n])
        return FORWARD(MSX_R_NO_MSI_DESC);
    d->guest_masked[n] = (uint8_t)(val & 1); /* guest_mask_msi_irq(desc, val & 1) */
    if (a->size == 8)
        return BOTH(MSX_R_QWORD_MASK_BOTH); /* handled, but only len 4 returns X86EMUL_OKAY */
    return ABSORB((val & 1) && d->table_flags[n] ? MSX_R_MASK_KEEPS_F : MSX_R_CTRL_WRITE_GM);
}

/* D5 (3a6222bd57, 9772c480a7): msixtbl_range, refusing a write ioreq, remembers an unmask of a
 * vector_ctrl word (dword at o 12, or the high half of a qword at o 8). 1 when it did. */
static inline int d5_snoop(struct msx_ctx *c, const struct access *a)
{
    if (!a->write)
        return 0;
    uint64_t addr = a->addr;
    uint32_t data = a->vlo;
    if (a->size == 8) {
        data = a->vhi;
        addr += 4;
    } else if (a->size != 4) {
        return 0;
    }
    if ((addr & 15) != 12 || (data & 1))
        return 0;
    struct vcpu_io *io = vcpu_io(c, a->vcpu);
    io->msix_snoop_address = addr;
    io->snoop_pending = 1;
    return 1;
}

#endif
