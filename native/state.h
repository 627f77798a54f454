/* Per-device Xen + qemu state shared by the models, the per-vCPU ioreq state, and the access record
 * a model decides on. Rules cited as "6.N" are spec/xen-msixtbl.md section 6, rule N. */
#ifndef MSX_STATE_H
#define MSX_STATE_H

#include <stdint.h>
#include "msixtrace.h"
#include "reasons.h"

#define MSX_MAX_ENTRIES 2048
#define MAX_MSIX_ACC_ENTRIES 3 /* vmsi.c since 6044f6fa8d: snoop cache for entries 0..2 only */
#define MSX_PAGE_SHIFT 12
#define MSX_MAX_TABLE_PAGES 10 /* 2048 * 16 bytes = 8 pages, 9 when not page-aligned */
#define MSX_VCPU_SLOTS 4096    /* vCPU -1..4094 get their own slot; others share the last one */

/* Where an access lands as qemu lays out the BAR (decided once per event from the config). */
enum msx_kind {
    K_TABLE,        /* a table entry */
    K_TABLE_BEYOND, /* table region offset >= entries*16 */
    K_PBA_NEAR,     /* PBA on a page the table spans: inside qemu's trapped region */
    K_PBA_OWN,      /* PBA on a page of its own: qemu direct-maps it, it never exits (0.1, 6.7) */
};

struct access {
    uint64_t addr; /* absolute guest-physical address */
    uint32_t vlo, vhi;
    uint32_t off; /* bytes from the region start */
    int32_t vcpu;
    uint8_t size, write, region, kind;
};

struct dev_state {
    /* config */
    uint64_t table_gpa, pba_gpa;
    uint32_t entries, has_pba;
    uint64_t span_first, span_last; /* 4 KiB pages the table spans */

    /* Xen: struct msixtbl_entry (exists once registered) */
    uint8_t registered;
    uint64_t gtable;
    uint32_t table_len;
    uint8_t *F;     /* table_flags: address/data written since the last forwarded vector_ctrl write */
    uint32_t S[MAX_MSIX_ACC_ENTRIES * 3 + 1]; /* gentries[n].msi_ad[k] at n*3+k; last slot: 4.1's msi_ad[3] of n=2 (6.11) */
    uint16_t V;     /* acc_valid, bit n*3+k (from 4.6) */
    /* Xen: msi_desc per entry and the fixmap slots they hold */
    uint8_t *bound;
    uint8_t *GM; /* msi_attrib.guest_masked */
    uint16_t page_bound[MSX_MAX_TABLE_PAGES];
    /* qemu: per-entry "updated" */
    uint8_t *updated;
};

/* hvm_vcpu_io: msix_unmask_address and msix_snoop_address */
struct vcpu_io {
    uint64_t ua;
    uint64_t snoop;
    uint32_t ua_dev;
    uint8_t ua_set, snoop_set;
};

struct model;

struct msx_ctx {
    const struct model *m;
    uint32_t options;
    uint32_t ndev;
    struct dev_state *devs;
    struct vcpu_io *vio; /* MSX_VCPU_SLOTS + 1 */
    uint64_t counters[MSX_COUNTERS];
};

typedef uint8_t (*msx_decide_fn)(struct msx_ctx *c, struct dev_state *d, const struct access *a);

struct model {
    const char *name;
    msx_decide_fn decide;         /* accept check, then the handler */
    msx_decide_fn write_handler;  /* msixtbl_write without the accept check: run by the ioreq completion */
    uint8_t has_qemu;             /* forwarded accesses change qemu's and thereby Xen's state */
    uint8_t d5_snoop;             /* every bind runs the first-unmask snoop check (D5) */
};

extern const struct model msx_models[];
extern const int32_t msx_nmodels;

#define ABSORB(r) MSX_DECISION(MSX_ABSORB, 0, (r))
#define FORWARD(r) MSX_DECISION(MSX_FORWARD, 0, (r))
#define BOTH(r) MSX_DECISION(MSX_BOTH, 0, (r))
#define CRASH(r) MSX_DECISION(MSX_ABSORB, 1, (r))

static inline struct vcpu_io *vcpu_io(struct msx_ctx *c, int32_t vcpu)
{
    uint32_t i = (uint32_t)vcpu + 1u; /* -1 -> 0 */
    return &c->vio[i < MSX_VCPU_SLOTS ? i : MSX_VCPU_SLOTS];
}

/* ---- Xen's view: o, n and the lookups of msixtbl_find_entry / msixtbl_addr_to_desc (0.3) ---- */
static inline uint32_t xen_o(uint64_t addr) { return (uint32_t)(addr & 15); }
static inline uint32_t xen_n(const struct dev_state *d, uint64_t addr) { return (uint32_t)((addr - d->gtable) / 16); }

static inline int xen_in_table(const struct dev_state *d, uint64_t addr)
{
    return d->registered && addr >= d->gtable && addr - d->gtable < d->table_len;
}

/* Page rule (6.6): a fixmap slot exists for the page, i.e. a bound entry lives on it. */
static inline int xen_page_has_slot(const struct dev_state *d, uint64_t addr)
{
    return d->page_bound[(addr >> MSX_PAGE_SHIFT) - (d->gtable >> MSX_PAGE_SHIFT)] != 0;
}

/* 4.19: msixtbl_find_entry matches any page from the table's first to its last. */
static inline int xen_on_table_pages(const struct dev_state *d, uint64_t addr)
{
    uint64_t p = addr >> MSX_PAGE_SHIFT;
    return d->registered && p >= (d->gtable >> MSX_PAGE_SHIFT) &&
           p <= ((d->gtable + d->table_len - 1) >> MSX_PAGE_SHIFT);
}

static inline int xen_has_desc(const struct dev_state *d, uint64_t addr)
{
    return xen_in_table(d, addr) && d->bound[xen_n(d, addr)];
}

static inline int acc_valid(const struct dev_state *d, uint32_t n, uint32_t k) { return (d->V >> (n * 3 + k)) & 1; }

/* Records the per-vCPU deferred unmask (msix_unmask_address). */
static inline void set_unmask_address(struct msx_ctx *c, const struct dev_state *d, int32_t vcpu, uint64_t addr)
{
    struct vcpu_io *io = vcpu_io(c, vcpu);
    io->ua = addr;
    io->ua_dev = (uint32_t)(d - c->devs);
    io->ua_set = 1;
}

/* state.c */
void dev_register(struct dev_state *d);
void dev_bind(struct msx_ctx *c, struct dev_state *d, uint32_t n, int32_t vcpu);
void qemu_forwarded(struct msx_ctx *c, struct dev_state *d, const struct access *a);
void ioreq_complete(struct msx_ctx *c, int32_t vcpu);

#endif
