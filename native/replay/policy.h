/* What-if interception policies: one generic decide function driven by a compiled policy (a flat
 * array of knob values, see enum msx_knob), run through the same feed loops and pipeline as the
 * built-in models. src/policy/compile.ts writes the knob array from a policy file; docs/policies.md
 * says what each knob means. The built-in models are points in this space (the files in policies/). */
#ifndef MSX_POLICY_H
#define MSX_POLICY_H

#include <stdint.h>
#include "msixtrace.h"

/* Knob indexes of the array msx_policy_compile reads. The order is part of the interface with
 * src/policy/compile.ts: append, do not renumber. Values are the enums below. */
enum msx_knob {
    PK_ACCEPT,          /* enum pol_accept: which table accesses Xen claims */
    PK_REGISTER,        /* enum pol_register: when the table becomes known to Xen */
    PK_LAST_BYTE,       /* 0 ignore, 1 crash the guest when the last byte is not accepted */
    PK_FIRST_UNMASK,    /* 0 forward, 1 snoop an unmask Xen refuses and redo it when qemu binds */
    PK_PBA_OWN,         /* enum pol_pba_own */
    PK_PBA_TABLE_PAGE,  /* enum pol_pba_near */
    PK_ADJACENT,        /* enum pol_adjacent */
    PK_READ_SIZES,      /* sizes 1, 2, 4, 8 Xen handles for reads, OR-ed together (4 | 8 = 12) */
    PK_WRITE_SIZES,     /* the same for writes */
    PK_ALIGNED,         /* 1: misaligned accesses fail the gate */
    PK_GATE_FAIL,       /* enum pol_gate_fail: outcome of an access that fails a gate */
    PK_UNALIGNED_WRITE, /* 0 as the gate says, 1 dropped (absorbed) */
    PK_READ_ADDR_LO,    /* enum pol_read, per field; addr_lo, addr_hi, data, vector_ctrl */
    PK_READ_ADDR_HI,
    PK_READ_DATA,
    PK_READ_VECTOR_CTRL,
    PK_CACHE_VALID,      /* enum pol_valid */
    PK_WRITE_ADDR_DATA,  /* enum pol_out */
    PK_WRITE_CTRL,       /* enum pol_ctrl */
    PK_CHANGED_MASK,     /* 0 forward (flag cleared), 1 handled like any masking write (flag kept) */
    PK_CHANGED_UNMASK,   /* 0 forward, 1 forward and Xen unmasks again at ioreq completion */
    PK_UNBOUND_CTRL,     /* vector_ctrl write to an entry without msi_desc: enum pol_out (absorb/forward) */
    PK_MASK_BIT,         /* enum pol_mask_bit: what an absorbed vector_ctrl write does */
    PK_QWORD_UNMASK_AT,  /* 0 the vector_ctrl word, 1 the data word (the 4.6.0 bug) */
    PK_ADDRESS_FLAG,     /* 0 per entry, 1 per in-entry offset (the 3.4.0 '%' quirk) */
    PK_COUNT,
};
/* After the PK_COUNT knobs: MSX_MAX_ENTRIES bytes, 1 where entry n's addr/data are cached. */
#define MSX_POLICY_KNOBS (PK_COUNT + 2048)

enum pol_accept { PA_NONE, PA_PAGE, PA_ENTRY, PA_TABLE };
enum pol_register { PR_FIRST_BIND, PR_ENABLE, PR_ALWAYS };
enum pol_pba_own { PO_DIRECT, PO_READ_ONLY, PO_FORWARD, PO_EMULATE };
enum pol_pba_near { PN_FORWARD, PN_ADJACENT, PN_EMULATE };
enum pol_adjacent { PJ_FORWARD, PJ_TABLE_PAGES, PJ_EMULATE };
enum pol_gate_fail { PG_FORWARD, PG_ABSORB };
enum pol_read { PRD_NEVER, PRD_CACHE, PRD_DEVICE, PRD_GUEST_MASK };
enum pol_valid { PV_ALWAYS, PV_AFTER_WRITE, PV_PER_FIELD };
enum pol_out { PW_ABSORB, PW_FORWARD, PW_BOTH };
enum pol_ctrl { PC_ABSORB, PC_FORWARD, PC_BOTH, PC_UNLESS_CHANGED };
enum pol_mask_bit { PM_HARDWARE, PM_DISCARD, PM_GUEST_MASK };

/* Bytes of a compiled policy (the caller allocates them, 8-byte aligned, and keeps them alive and
 * unchanged while any context made from them exists). */
MSX_API int32_t msx_policy_size(void);
/* Compiles MSX_POLICY_KNOBS knob values into `out`; 0, or -1 - k for the first knob k out of range. */
MSX_API int32_t msx_policy_compile(uint8_t *out, const int32_t *knobs, uint32_t nknobs, const char *name);
/* A replay context deciding by the compiled policy: as msx_create otherwise. */
MSX_API msx_ctx *msx_create_policy(const uint8_t *policy, int32_t start, const msx_device_cfg *devs, uint32_t ndev,
                                   uint32_t options);

#endif
