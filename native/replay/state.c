/* Context lifetime, registration and binds (6.3), qemu's side of a forwarded access (6.2) and the
 * ioreq completion that runs a deferred unmask (0.6, 6.4c). */
#include <stdlib.h>
#include <string.h>
#include "state.h"

/* msixtbl_pt_register creating the entry: a fresh msixtbl_entry has table_flags, msi_ad and acc_valid zeroed and gtable
 * fixed from then on (0.2); gtable is the trace header's table address (6.3). */
void dev_register(struct dev_state *d)
{
    d->registered = 1;
    d->gtable = d->table_gpa;
    d->table_len = d->entries * 16;
    memset(d->table_flags, 0, d->entries < 16 ? 16 : d->entries);
    memset(d->msi_ad, 0, sizeof d->msi_ad);
    d->acc_valid = 0;
}

void dev_bind(struct msx_ctx *c, struct dev_state *d, uint32_t n, int32_t vcpu)
{
    if (!d->registered)
        dev_register(d);
    if (!d->msi_desc[n]) {
        /* pt_irq_create_bind maps the pirq: a new msi_desc, which starts guest-masked, and a
         * refcounted fixmap slot for the entry's page. */
        d->msi_desc[n] = 1;
        d->guest_masked[n] = 1;
        d->table_refcnt[((d->gtable + (uint64_t)n * 16) >> MSX_PAGE_SHIFT) - (d->gtable >> MSX_PAGE_SHIFT)]++;
    }
    /* D5 (3a6222bd57 + 9772c480a7): msixtbl_pt_register turns a matching snoop address of a vCPU
     * blocked in Xen into the unmask address. That vCPU is the current access's (6.5). */
    if (c->m->d5_snoop) {
        struct vcpu_io *io = vcpu_io(c, vcpu);
        if (io->snoop_pending && io->msix_snoop_address == d->gtable + (uint64_t)n * 16 + 12) {
            io->msix_unmask_address = io->msix_snoop_address;
            io->unmask_dev = (uint32_t)(d - c->devs);
            io->unmask_pending = 1;
        }
    }
}

/* qemu-xen pci_msix_write for one dword at table offset `off`. */
void qemu_dword(struct msx_ctx *c, struct dev_state *d, uint32_t off, uint32_t val, int32_t vcpu)
{
    uint32_t n = off / 16;
    if (n >= d->entries)
        return; /* past total_entries: ignored */
    if ((off & 15) != 12) {
        d->updated[n] = 1;
    } else if (!(val & 1) && d->updated[n]) {
        /* xen_pt_msix_update_one: map pirq + xc_domain_update_msi_irq */
        dev_bind(c, d, n, vcpu);
        d->updated[n] = 0;
    }
}

/* The rest of msix_write_completion (state.h ioreq_complete) when an unmask address is pending:
 * it is taken and written with 0 through the model's own msixtbl_write (not an access; counted
 * apart, 6.4c/6.8). */
void ioreq_complete_unmask(struct msx_ctx *c, struct vcpu_io *io, int32_t vcpu)
{
    io->unmask_pending = 0;
    struct dev_state *d = &c->devs[io->unmask_dev];
    struct access u = {
        .addr = io->msix_unmask_address, .vlo = 0, .vhi = 0, .off = (uint32_t)(io->msix_unmask_address - d->table_gpa), .vcpu = vcpu,
        .size = 4, .write = 1, .region = MSX_REGION_TABLE, .kind = K_TABLE,
    };
    c->counters[MSX_C_DEFERRED_UNMASKS]++;
    /* A qword unmask of the last entry can aim UA one word past the table; Xen's handler would
     * not accept that address, so the completion does nothing there. */
    if (c->m->write_handler && xen_in_table(d, u.addr))
        (void)c->m->write_handler(c, d, &u);
}

static void dev_free(struct dev_state *d)
{
    free(d->table_flags);
    free(d->msi_desc);
    free(d->guest_masked);
    free(d->updated);
}

MSX_API void msx_destroy(msx_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->devs)
        for (uint32_t i = 0; i < ctx->ndev; i++)
            dev_free(&ctx->devs[i]);
    free(ctx->devs);
    free(ctx->vio);
    free(ctx);
}

MSX_API msx_ctx *msx_create(int32_t model, int32_t start, const msx_device_cfg *devs, uint32_t ndev,
                            uint32_t options)
{
    if (model < 0 || model >= msx_nmodels || (start != MSX_START_COLD && start != MSX_START_WARM && start != MSX_START_PER_DEVICE) || !devs ||
        ndev < 1 || ndev > 65536)
        return NULL;
    for (uint32_t i = 0; i < ndev; i++) {
        if (devs[i].entries < 1 || devs[i].entries > MSX_MAX_ENTRIES)
            return NULL;
        if (start == MSX_START_PER_DEVICE && devs[i].start != MSX_START_COLD && devs[i].start != MSX_START_WARM)
            return NULL;
        /* PCI puts the table at an 8-aligned BAR offset (the low 3 bits are the BIR), and no table
         * wraps past 2^64: refusing both keeps every entry and page index inside its array. */
        if ((devs[i].table_gpa & 7) || devs[i].table_gpa > UINT64_MAX - ((uint64_t)devs[i].entries * 16 - 1))
            return NULL;
    }

    msx_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->m = &msx_models[model];
    c->options = options;
    c->ndev = ndev;
    c->devs = calloc(ndev, sizeof *c->devs);
    c->vio = calloc(MSX_VCPU_SLOTS + 1, sizeof *c->vio);
    if (!c->devs || !c->vio) {
        msx_destroy(c);
        return NULL;
    }
    for (uint32_t i = 0; i < ndev; i++) {
        struct dev_state *d = &c->devs[i];
        msx_device_cfg cfg;
        memcpy(&cfg, &devs[i], sizeof cfg);
        d->table_gpa = cfg.table_gpa;
        d->pba_gpa = cfg.pba_gpa;
        d->entries = cfg.entries;
        d->has_pba = cfg.has_pba ? 1 : 0;
        d->span_first = d->table_gpa >> MSX_PAGE_SHIFT;
        d->span_last = (d->table_gpa + (uint64_t)d->entries * 16 - 1) >> MSX_PAGE_SHIFT;
        /* table_flags is indexed by the in-entry offset under the 3.4.0 '%' quirk: at least 16 flags. */
        d->table_flags = calloc(d->entries < 16 ? 16 : d->entries, 1);
        d->msi_desc = calloc(d->entries, 1);
        d->guest_masked = calloc(d->entries, 1);
        d->updated = calloc(d->entries, 1);
        if (!d->table_flags || !d->msi_desc || !d->guest_masked || !d->updated) {
            msx_destroy(c);
            return NULL;
        }
        d->gtable = d->table_gpa;
        d->table_len = d->entries * 16;
        if ((start == MSX_START_PER_DEVICE ? (int32_t)cfg.start : start) == MSX_START_WARM) {
            /* 6.10: registered, every entry bound (guest-unmasked), table_flags/msi_ad/acc_valid clear, qemu not updated. */
            dev_register(d);
            for (uint32_t n = 0; n < d->entries; n++) {
                d->msi_desc[n] = 1;
                d->table_refcnt[((d->gtable + (uint64_t)n * 16) >> MSX_PAGE_SHIFT) - (d->gtable >> MSX_PAGE_SHIFT)]++;
            }
        }
    }
    return c;
}
