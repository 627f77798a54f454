/* The policy engine: one decide function for every point of the design space policy.h spans, its
 * write path doubling as the handler the ioreq completion runs (state.c), and the feed loops of
 * feedloop.h expanded around it. Comments name the releases whose behaviour a branch reproduces,
 * so the files in policies/ can be read against the models they stand for. */
#include <stdint.h>
#include <string.h>
#include "feedloop.h"
#include "model_d4.h"
#include "policy.h"

#define POLICY_MAGIC 0x706f6c31u /* "pol1": a buffer msx_policy_compile filled */
/* Bits 4..7 of table_flags[n]: fields k = 0..3 of entry n were written through Xen since
 * registration (the valid bits, for any number of cached entries). Bit 0 stays the address-change
 * flag, so dev_register's reset clears both, as a fresh msixtbl_entry has neither. */
#define VALID_SHIFT 4

/* Knobs derived at compile time, after the PK_COUNT given ones in struct policy's k. */
enum {
    PD_TRACK_VALID = PK_COUNT, /* 1: some read rule consults valid bits: writes must record them */
    PD_TRACK_CTRL_VALID,       /* the same for the vector_ctrl bit */
    PD_TABLE_SLOW,             /* 1: a table access needs decide_outside (accept none, register at enable) */
    PD_KNOBS,
};

struct policy {
    struct model m; /* first: a context's c->m points here */
    uint32_t magic;
    uint8_t k[PD_KNOBS];
    uint8_t cached[MSX_MAX_ENTRIES];
    /* The size and alignment gates of a table access, by gate_index: 0 when it passes, else the
     * decision (never 0: every gate reason is > 0). The table is 8-aligned (msx_create), so an
     * access's alignment is its in-entry offset's. */
    uint8_t gate[128];
    char name[64];
};

_Static_assert(MSX_MAX_ENTRIES == 2048, "the knob array's cache map is 2048 bytes");

static inline const struct policy *pol(const struct msx_ctx *c) { return (const struct policy *)(const void *)c->m; }

static inline uint8_t gate_fail(const uint8_t *k)
{
    return k[PK_GATE_FAIL] == PG_ABSORB ? ABSORB(MSX_R_VPCI_NOOP) : FORWARD(MSX_R_SIZE_GATE);
}

static inline uint32_t gate_index(const struct access *a, uint32_t o)
{
    return (uint32_t)a->write << 6 | (uint32_t)__builtin_ctz(a->size) << 4 | o;
}

/* The gates of policy_read / policy_write for an address outside the table (adjacent registers),
 * whose alignment is the address's own. */
static inline uint8_t gate_of(const uint8_t *k, int write, uint32_t size, uint64_t addr)
{
    if (addr & (size - 1)) {
        if (write && k[PK_UNALIGNED_WRITE])
            return ABSORB(MSX_R_E_UNALIGNED_DROP);
        if (k[PK_ALIGNED])
            return gate_fail(k);
    }
    if (!(k[write ? PK_WRITE_SIZES : PK_READ_SIZES] & size))
        return gate_fail(k);
    return 0;
}

static inline uint8_t out(uint8_t how, uint8_t reason) { return MSX_DECISION(how, 0, reason); }

/* Why Xen's accept check refuses addr; -1 when it accepts. PA_PAGE is the page rule of 3.4-4.4
 * (a bound entry on the page, i.e. a fixmap slot), PA_ENTRY the msi_desc rule from 4.6 on. */
static inline int pol_reject(const uint8_t *k, const struct dev_state *d, uint64_t addr)
{
    if (!d->registered)
        return MSX_R_NOT_REGISTERED;
    if (!xen_in_table(d, addr))
        return MSX_R_OUTSIDE_TABLE;
    if (k[PK_ACCEPT] == PA_PAGE && !xen_page_has_slot(d, addr))
        return MSX_R_PAGE_UNBOUND;
    if (k[PK_ACCEPT] == PA_ENTRY && !d->msi_desc[xen_n(d, addr)])
        return MSX_R_NO_MSI_DESC;
    return -1;
}

/* A read of field `f` (0 addr_lo, 1 addr_hi, 2 data, 3 vector_ctrl) of entry n: served by Xen
 * (absorbed) or by the device model (forwarded). */
static inline uint8_t read_field(const uint8_t *k, const uint8_t *cached, const struct dev_state *d, uint32_t n,
                                 uint32_t f)
{
    switch (k[PK_READ_ADDR_LO + f]) {
    case PRD_DEVICE:
        return ABSORB(MSX_R_CTRL_READ_HW); /* Xen reads the hardware entry */
    case PRD_GUEST_MASK:
        return ABSORB(MSX_R_CTRL_READ_GM);
    case PRD_CACHE:
        if (!cached[n])
            return FORWARD(MSX_R_CACHE_ENTRY_GE3);
        switch (k[PK_CACHE_VALID]) {
        case PV_AFTER_WRITE:
            if (!(d->table_flags[n] >> VALID_SHIFT))
                return FORWARD(MSX_R_CACHE_INVALID);
            break;
        case PV_PER_FIELD:
            if (!((d->table_flags[n] >> (VALID_SHIFT + f)) & 1))
                return FORWARD(MSX_R_CACHE_INVALID);
            break;
        }
        return ABSORB(MSX_R_CACHE_READ);
    default:
        return FORWARD(MSX_R_NO_READ_EMUL);
    }
}

/* A read Xen claimed: `adjacent` past the table (4.19's adjacent registers), else in it. */
static inline uint8_t policy_read(const uint8_t *k, const uint8_t *cached, const uint8_t *gate,
                                  const struct dev_state *d, const struct access *a, int adjacent)
{
    if (adjacent) {
        if ((a->addr & (a->size - 1)) && k[PK_ALIGNED])
            return gate_fail(k);
        return ABSORB(MSX_R_E_ADJ_READ); /* an adjacent register Xen reads through its mapping (4.19) */
    }
    uint32_t o = xen_o(a->addr), n = xen_n(d, a->addr);
    uint8_t g = gate[gate_index(a, o)];
    if (g)
        return g;
    if (o == 12)
        return read_field(k, cached, d, n, 3);
    /* Misaligned dwords (only past a gate without the alignment check) read the field of o / 4,
     * o 13..15 data's rule: the aliasing of 4.1's msi_ad[o / 4]. */
    uint32_t f = o / 4 < 3 ? o / 4 : 2;
    uint8_t dec = read_field(k, cached, d, n, f);
    /* A qword covers two fields (addr_lo + addr_hi, or data + vector_ctrl): both must be served. */
    if (a->size == 8 && MSX_OUTCOME(dec) == MSX_ABSORB && (o == 0 || o == 8))
    {
        uint8_t second = read_field(k, cached, d, n, o == 0 ? 1 : 3);
        if (MSX_OUTCOME(second) != MSX_ABSORB)
            dec = second;
    }
    return dec;
}

/* The write path after the accept check: also what the ioreq completion runs for a deferred
 * unmask (model.write_handler). */
static uint8_t policy_write(struct msx_ctx *c, struct dev_state *d, const struct access *a);

static inline __attribute__((always_inline)) uint8_t policy_write_inline(struct msx_ctx *c, const uint8_t *k,
                                                                         const uint8_t *cached, const uint8_t *gate,
                                                                         struct dev_state *d, const struct access *a,
                                                                         int adjacent)
{
    const uint32_t sz = a->size;
    if (adjacent) {
        if ((a->addr & (sz - 1)) && (k[PK_UNALIGNED_WRITE] || k[PK_ALIGNED]))
            return k[PK_UNALIGNED_WRITE] ? ABSORB(MSX_R_E_UNALIGNED_DROP) : gate_fail(k);
        return BOTH(MSX_R_E_ADJ_WRITE); /* Xen writes the hardware, then forwards (4.19) */
    }
    const uint32_t o = xen_o(a->addr), n = xen_n(d, a->addr);
    uint8_t g = gate[gate_index(a, o)];
    if (g)
        return g;
    /* The 3.4.0 '%' quirk indexes the address-change flag by the in-entry offset. */
    const uint32_t fi = k[PK_ADDRESS_FLAG] ? (uint32_t)((a->addr - d->gtable) % 16) : n;
    uint32_t val = a->vlo;
    uint64_t address = a->addr;
    if (o != 12) {
        uint32_t f = o / 4;
        if (k[PD_TRACK_VALID] && cached[n])
            d->table_flags[n] |= (uint8_t)(((sz == 8 && f == 0) ? 3u : 1u) << (VALID_SHIFT + f));
        d->table_flags[fi] |= 1;
        if (sz != 8 || f != 2)
            return out(k[PK_WRITE_ADDR_DATA], MSX_R_ADDR_WRITE);
        /* A qword at data: its high dword is vector_ctrl (from 4.6). */
        val = a->vhi;
        if (!k[PK_QWORD_UNMASK_AT])
            address += 4;
    }
    const uint8_t ctrl = k[PK_WRITE_CTRL];
    if (ctrl == PC_ABSORB)
        return ABSORB(MSX_R_VPCI);
    if (ctrl == PC_FORWARD)
        return FORWARD(MSX_R_FORWARD_ALL);
    if (k[PD_TRACK_CTRL_VALID] && cached[n])
        d->table_flags[n] |= (uint8_t)(1u << (VALID_SHIFT + 3));
    const int both = ctrl == PC_BOTH;
    if (d->table_flags[fi] & 1) {
        if (!(val & 1)) {
            d->table_flags[fi] &= (uint8_t)~1u;
            uint8_t r = MSX_R_CTRL_AFTER_ADDR;
            if (k[PK_CHANGED_UNMASK]) {
                set_unmask_address(c, d, a->vcpu, address); /* 74fd0036de: redone at completion */
                r = sz == 8 && k[PK_QWORD_UNMASK_AT] ? MSX_R_QWORD_UNMASK_BUG : MSX_R_UNMASK_DEFERRED;
            }
            return both ? BOTH(r) : FORWARD(r);
        }
        if (!k[PK_CHANGED_MASK]) {
            d->table_flags[fi] &= (uint8_t)~1u; /* masks after a change go to the DM until D3 */
            return both ? BOTH(MSX_R_CTRL_AFTER_ADDR) : FORWARD(MSX_R_CTRL_AFTER_ADDR);
        }
    }
    if (!d->msi_desc[n] && k[PK_UNBOUND_CTRL] != PW_ABSORB)
        return both ? BOTH(MSX_R_NO_MSI_DESC) : out(k[PK_UNBOUND_CTRL], MSX_R_NO_MSI_DESC);
    uint8_t r;
    switch (k[PK_MASK_BIT]) {
    case PM_GUEST_MASK:
        d->guest_masked[n] = (uint8_t)(val & 1);
        r = (val & 1) && (d->table_flags[n] & 1) ? MSX_R_MASK_KEEPS_F : MSX_R_CTRL_WRITE_GM;
        break;
    case PM_DISCARD:
        r = MSX_R_CTRL_WRITE_DROP;
        break;
    default:
        r = MSX_R_CTRL_WRITE_HW;
    }
    if (sz == 8)
        return BOTH(MSX_R_QWORD_MASK_BOTH); /* handled, but only a dword completes in Xen */
    return both ? BOTH(MSX_R_E_TABLE_WRITE) : ABSORB(r);
}

static uint8_t policy_write(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    const struct policy *p = pol(c);
    return policy_write_inline(c, p->k, p->cached, p->gate, d, a, !xen_in_table(d, a->addr));
}

/* The handlers after the accept check: adjacent is a constant where the caller knows it, so the
 * table-access copy carries no adjacency tests. The last-byte check (49801a4f79, 4.6): accepted
 * first byte with a refused last byte crashes the domain, and the access goes on as usual. */
static inline __attribute__((always_inline)) uint8_t handle(struct msx_ctx *c, const uint8_t *k, const uint8_t *cached,
                                                            const uint8_t *gate, struct dev_state *d,
                                                            const struct access *a, int adjacent)
{
    uint8_t crash = 0;
    if (k[PK_LAST_BYTE] && a->size > 1 && !adjacent && pol_reject(k, d, a->addr + a->size - 1) >= 0)
        crash = 4;
    uint8_t dec = a->write ? policy_write_inline(c, k, cached, gate, d, a, adjacent)
                           : policy_read(k, cached, gate, d, a, adjacent);
    return dec | crash;
}

/* Everything but a table access: the PBA, registers past the table. */
static inline uint8_t decide_outside(struct msx_ctx *c, const uint8_t *k, const uint8_t *cached, const uint8_t *gate,
                                     struct dev_state *d, const struct access *a)
{
    if (a->kind == K_PBA_OWN) {
        switch (k[PK_PBA_OWN]) {
        case PO_DIRECT:
            return ABSORB(MSX_R_PBA_OWN_PAGE); /* direct-mapped, writable (3.4) */
        case PO_READ_ONLY:
            return pba_own_page(a, 1); /* read-only page: a write crashes the guest (4.1 on) */
        case PO_FORWARD:
            return FORWARD(MSX_R_FORWARD_ALL); /* trapped like the table (KVM) */
        default:
            return ABSORB(MSX_R_VPCI_PBA);
        }
    }
    if (k[PK_ACCEPT] == PA_NONE)
        return FORWARD(MSX_R_FORWARD_ALL);
    if (k[PK_REGISTER] == PR_ENABLE && !d->registered && a->region == MSX_REGION_TABLE)
        dev_register(d); /* the trace has no config space: the first table access stands for enable */
    if (a->kind == K_PBA_NEAR) {
        if (k[PK_PBA_TABLE_PAGE] == PN_FORWARD)
            return FORWARD(MSX_R_PBA_TABLE_PAGE);
        if (k[PK_PBA_TABLE_PAGE] == PN_EMULATE)
            return ABSORB(MSX_R_VPCI_PBA);
    }
    if (k[PK_ADJACENT] == PJ_EMULATE)
        return ABSORB(MSX_R_VPCI_PBA);
    int adjacent = k[PK_ADJACENT] == PJ_TABLE_PAGES && xen_on_table_pages(d, a->addr) && !xen_in_table(d, a->addr);
    if (adjacent)
        return handle(c, k, cached, gate, d, a, 1);
    int r = pol_reject(k, d, a->addr);
    if (r >= 0) {
        if (k[PK_FIRST_UNMASK] && d5_snoop(c, a))
            return FORWARD(MSX_R_D5_SNOOP);
        return FORWARD(a->region == MSX_REGION_PBA && r == MSX_R_NOT_REGISTERED ? MSX_R_PBA_TABLE_PAGE : r);
    }
    return handle(c, k, cached, gate, d, a, 0);
}

static inline __attribute__((always_inline)) uint8_t policy_decide_inline(struct msx_ctx *c, const uint8_t *k,
                                                                          const uint8_t *cached, const uint8_t *gate,
                                                                          struct dev_state *d, const struct access *a)
{
    if (__builtin_expect(a->kind != K_TABLE || k[PD_TABLE_SLOW], 0))
        return decide_outside(c, k, cached, gate, d, a);
    /* A table access of a policy that intercepts and registers at a bind or from the start. In the
     * table by the trace's geometry, which is Xen's once registered (gtable = the header's table
     * address, table_len = entries * 16): the accept check without the range compares. */
    int r = -1;
    if (!d->registered)
        r = MSX_R_NOT_REGISTERED;
    else if (k[PK_ACCEPT] == PA_PAGE && !xen_page_has_slot(d, a->addr))
        r = MSX_R_PAGE_UNBOUND;
    else if (k[PK_ACCEPT] == PA_ENTRY && !d->msi_desc[a->off >> 4])
        r = MSX_R_NO_MSI_DESC;
    if (r >= 0)
        return k[PK_FIRST_UNMASK] && d5_snoop(c, a) ? FORWARD(MSX_R_D5_SNOOP) : FORWARD(r);
    return handle(c, k, cached, gate, d, a, 0);
}

static uint8_t policy_decide(struct msx_ctx *c, struct dev_state *d, const struct access *a)
{
    const struct policy *p = pol(c);
    return policy_decide_inline(c, p->k, p->cached, p->gate, d, a);
}

/* The feed loops of feedloop.h with the knobs copied to the stack once per batch: a local array
 * nothing else can point to, so the compiler need not reload a knob after every store the loop
 * makes (a byte store may alias any knob in the policy itself), which costs ~1/3 of the speed. */
#define KNOBS_LOCAL                                     \
    uint8_t k[PD_KNOBS];                                 \
    memcpy(k, pol(c)->k, sizeof k);                     \
    const uint8_t *const cached = pol(c)->cached;       \
    const uint8_t *const gate = pol(c)->gate;
#define POLICY_DECIDE(c, d, a) policy_decide_inline((c), k, cached, gate, (d), (a))

static __attribute__((flatten)) uint32_t policy_feed_cols(struct msx_ctx *c, const msx_batch *b, uint32_t n,
                                                          uint8_t *decisions, uint32_t *tally)
{
    KNOBS_LOCAL
    struct dev_state *const devs = c->devs;
    const uint32_t ndev = c->ndev;
    const int has_qemu = c->m->has_qemu;
    uint32_t i;
    for (i = 0; i < n; i++) {
        uint32_t dev = b->device[i];
        if (dev >= ndev)
            break;
        struct dev_state *d = &devs[dev];
        struct access a;
        a.off = b->offset[i];
        a.vlo = b->value_lo[i];
        a.vhi = b->value_hi[i];
        a.vcpu = b->vcpu[i];
        a.size = b->size[i];
        a.write = b->dir[i] == MSX_DIR_WRITE;
        a.region = b->region[i];
        a.dev = (uint16_t)dev;
        uint32_t field;
        if (a.region == MSX_REGION_PBA) {
            a.addr = d->pba_gpa + a.off;
            uint64_t page = a.addr >> MSX_PAGE_SHIFT;
            a.kind = page >= d->span_first && page <= d->span_last ? K_PBA_NEAR : K_PBA_OWN;
            field = MSX_F_PBA;
        } else {
            a.addr = d->table_gpa + a.off;
            a.kind = a.off < d->entries * 16 ? K_TABLE : K_TABLE_BEYOND;
            field = msx_field_of_o(a.off);
        }
        a.fw = (uint8_t)(field * 2 + a.write);
        uint8_t dec = POLICY_DECIDE(c, d, &a);
        tally[a.fw * 8u + (dec & 7u)]++;
        if (has_qemu && MSX_OUTCOME(dec) != MSX_ABSORB) {
            qemu_forwarded(c, d, &a);
            ioreq_complete(c, a.vcpu);
        }
        if (decisions)
            decisions[i] = dec;
    }
    return i;
}

static __attribute__((flatten)) void policy_feed_keys(struct msx_ctx *c, const struct access *acc,
                                                      const uint16_t *keys, uint32_t n, uint32_t *tally,
                                                      uint8_t *decisions)
{
    KNOBS_LOCAL
    struct dev_state *const devs = c->devs;
    const int has_qemu = c->m->has_qemu;
    for (uint32_t i = 0; i < n; i++) {
        const struct access *a = &acc[keys[i]];
        struct dev_state *d = &devs[a->dev];
        uint8_t dec = POLICY_DECIDE(c, d, a);
        tally[a->fw * 8u + (dec & 7u)]++;
        if (has_qemu && MSX_OUTCOME(dec) != MSX_ABSORB) {
            qemu_forwarded(c, d, a);
            ioreq_complete(c, a->vcpu);
        }
        if (decisions) /* --explain, --by and --interval read each decision */
            decisions[i] = dec;
    }
}

MSX_API int32_t msx_policy_size(void) { return (int32_t)sizeof(struct policy); }

static const uint8_t knob_max[PK_COUNT] = {
    [PK_ACCEPT] = PA_TABLE,         [PK_REGISTER] = PR_ALWAYS,       [PK_LAST_BYTE] = 1,
    [PK_FIRST_UNMASK] = 1,          [PK_PBA_OWN] = PO_EMULATE,       [PK_PBA_TABLE_PAGE] = PN_EMULATE,
    [PK_ADJACENT] = PJ_EMULATE,     [PK_READ_SIZES] = 15,            [PK_WRITE_SIZES] = 15,
    [PK_ALIGNED] = 1,               [PK_GATE_FAIL] = PG_ABSORB,      [PK_UNALIGNED_WRITE] = 1,
    [PK_READ_ADDR_LO] = PRD_DEVICE, [PK_READ_ADDR_HI] = PRD_DEVICE,  [PK_READ_DATA] = PRD_DEVICE,
    [PK_READ_VECTOR_CTRL] = PRD_GUEST_MASK,                          [PK_CACHE_VALID] = PV_PER_FIELD,
    [PK_WRITE_ADDR_DATA] = PW_BOTH, [PK_WRITE_CTRL] = PC_UNLESS_CHANGED,
    [PK_CHANGED_MASK] = 1,          [PK_CHANGED_UNMASK] = 1,         [PK_UNBOUND_CTRL] = PW_FORWARD,
    [PK_MASK_BIT] = PM_GUEST_MASK,  [PK_QWORD_UNMASK_AT] = 1,        [PK_ADDRESS_FLAG] = 1,
};

/* A policy whose decisions read no state (and so need no qemu either) is decided once per
 * distinct access by the pipeline, like forward-all and xen-vpci. */
static int stateless(const uint8_t *k)
{
    if (k[PK_ACCEPT] == PA_NONE)
        return 1;
    if (k[PK_REGISTER] != PR_ALWAYS || k[PK_ACCEPT] != PA_TABLE || k[PK_FIRST_UNMASK])
        return 0;
    if (k[PK_WRITE_CTRL] != PC_ABSORB && k[PK_WRITE_CTRL] != PC_FORWARD)
        return 0;
    for (int f = PK_READ_ADDR_LO; f <= PK_READ_VECTOR_CTRL; f++)
        if (k[f] == PRD_CACHE && k[PK_CACHE_VALID] != PV_ALWAYS)
            return 0;
    return 1;
}

MSX_API int32_t msx_policy_compile(uint8_t *outbuf, const int32_t *knobs, uint32_t nknobs, const char *name)
{
    if (!outbuf || !knobs || nknobs != MSX_POLICY_KNOBS || ((uintptr_t)outbuf & 7))
        return -1 - PK_COUNT;
    for (int i = 0; i < PK_COUNT; i++)
        if (knobs[i] < 0 || knobs[i] > knob_max[i])
            return -1 - i;
    struct policy *p = (struct policy *)(void *)outbuf;
    memset(p, 0, sizeof *p);
    for (int i = 0; i < PK_COUNT; i++)
        p->k[i] = (uint8_t)knobs[i];
    for (int n = 0; n < MSX_MAX_ENTRIES; n++)
        p->cached[n] = knobs[PK_COUNT + n] != 0;
    if (name)
        strncpy(p->name, name, sizeof p->name - 1);
    int valid_reads = p->k[PK_CACHE_VALID] != PV_ALWAYS;
    p->k[PD_TRACK_VALID] = (uint8_t)(valid_reads && (p->k[PK_READ_ADDR_LO] == PRD_CACHE || p->k[PK_READ_ADDR_HI] == PRD_CACHE ||
                                                     p->k[PK_READ_DATA] == PRD_CACHE || p->k[PK_READ_VECTOR_CTRL] == PRD_CACHE));
    p->k[PD_TRACK_CTRL_VALID] = (uint8_t)(valid_reads && p->k[PK_CACHE_VALID] == PV_AFTER_WRITE ? p->k[PD_TRACK_VALID]
                                                                                              : p->k[PK_READ_VECTOR_CTRL] == PRD_CACHE && valid_reads);
    p->k[PD_TABLE_SLOW] = (uint8_t)(p->k[PK_ACCEPT] == PA_NONE || p->k[PK_REGISTER] == PR_ENABLE);
    for (uint32_t i = 0; i < sizeof p->gate; i++)
        p->gate[i] = gate_of(p->k, (int)(i >> 6), 1u << ((i >> 4) & 3), i & 15);
    int sl = stateless(p->k);
    p->m = (struct model){
        .name = p->name, .decide = policy_decide, .write_handler = policy_write, .has_qemu = (uint8_t)!sl,
        .d5_snoop = p->k[PK_FIRST_UNMASK], .stateless = (uint8_t)sl, .feed_keys = policy_feed_keys,
        .feed_cols = policy_feed_cols,
    };
    p->magic = POLICY_MAGIC;
    return 0;
}

MSX_API msx_ctx *msx_create_policy(const uint8_t *policy, int32_t start, const msx_device_cfg *devs, uint32_t ndev,
                                   uint32_t options)
{
    const struct policy *p = (const struct policy *)(const void *)policy;
    if (!p || ((uintptr_t)policy & 7) || p->magic != POLICY_MAGIC)
        return NULL;
    msx_ctx *c = msx_create(0, start, devs, ndev, options); /* model 0 only for the allocation */
    if (!c)
        return NULL;
    c->m = &p->m;
    if (p->k[PK_REGISTER] == PR_ALWAYS)
        for (uint32_t i = 0; i < ndev; i++)
            if (!c->devs[i].registered)
                dev_register(&c->devs[i]);
    return c;
}
