/* The per-model event loop of the key-table feed (pipeline.c), expanded once per model in the
 * model's own file so that its decide function is inlined: no call through a function pointer per
 * event, and counting is one increment of a per-batch tally instead of branches on the outcome. */
#ifndef MSX_FEEDLOOP_H
#define MSX_FEEDLOOP_H

#include "models.h"

/* 6.9: the counter field of a table access is its offset modulo 16; PBA accesses are 'pba'. */
static inline uint32_t msx_field_of_o(uint32_t o)
{
    static const uint8_t field[16] = {
        MSX_F_ADDR_LO, MSX_F_OTHER, MSX_F_OTHER, MSX_F_OTHER, MSX_F_ADDR_HI, MSX_F_OTHER, MSX_F_OTHER, MSX_F_OTHER,
        MSX_F_DATA,    MSX_F_OTHER, MSX_F_OTHER, MSX_F_OTHER, MSX_F_VECTOR_CTRL, MSX_F_OTHER, MSX_F_OTHER, MSX_F_OTHER,
    };
    return field[o & 15];
}

/* The column feed of msx_feed (feed.c): builds each access from the batch columns, decides it,
 * gives a forwarded access to qemu and completes its ioreq (6.4), tallies it, and stores the
 * decision byte when `decisions` is not NULL. Returns the events fed: n, or the index of the first
 * event naming a device >= ndev (nothing from it on is fed). */
#define MSX_FEED_COLS(fname, DECIDE)                                                                        \
    __attribute__((flatten)) uint32_t fname(struct msx_ctx *c, const msx_batch *b, uint32_t n,              \
                                            uint8_t *decisions, uint32_t *tally)                            \
    {                                                                                                       \
        struct dev_state *const devs = c->devs;                                                             \
        const uint32_t ndev = c->ndev;                                                                      \
        const int has_qemu = c->m->has_qemu;                                                                \
        uint32_t i;                                                                                         \
        for (i = 0; i < n; i++) {                                                                           \
            uint32_t dev = b->device[i];                                                                    \
            if (dev >= ndev)                                                                                \
                break;                                                                                      \
            struct dev_state *d = &devs[dev];                                                               \
            struct access a;                                                                                \
            a.off = b->offset[i];                                                                           \
            a.vlo = b->value_lo[i];                                                                         \
            a.vhi = b->value_hi[i];                                                                         \
            a.vcpu = b->vcpu[i];                                                                            \
            a.size = b->size[i];                                                                            \
            a.write = b->dir[i] == MSX_DIR_WRITE;                                                           \
            a.region = b->region[i];                                                                        \
            a.dev = (uint16_t)dev;                                                                          \
            uint32_t field;                                                                                 \
            if (a.region == MSX_REGION_PBA) {                                                               \
                a.addr = d->pba_gpa + a.off;                                                                \
                uint64_t page = a.addr >> MSX_PAGE_SHIFT;                                                   \
                a.kind = page >= d->span_first && page <= d->span_last ? K_PBA_NEAR : K_PBA_OWN;            \
                field = MSX_F_PBA;                                                                          \
            } else {                                                                                        \
                a.addr = d->table_gpa + a.off;                                                              \
                a.kind = a.off < d->entries * 16 ? K_TABLE : K_TABLE_BEYOND;                                \
                field = msx_field_of_o(a.off);                                                              \
            }                                                                                               \
            a.fw = (uint8_t)(field * 2 + a.write);                                                          \
            uint8_t dec = DECIDE(c, d, &a);                                                                 \
            tally[a.fw * 8u + (dec & 7u)]++;                                                                \
            if (has_qemu && MSX_OUTCOME(dec) != MSX_ABSORB) {                                               \
                qemu_forwarded(c, d, &a);                                                                   \
                ioreq_complete(c, a.vcpu);                                                                  \
            }                                                                                               \
            if (decisions)                                                                                  \
                decisions[i] = dec;                                                                         \
        }                                                                                                   \
        return i;                                                                                           \
    }

#define MSX_FEED_KEYS(fname, DECIDE)                                                              \
    __attribute__((flatten)) void fname(struct msx_ctx *c, const struct access *acc, const uint16_t *keys,     \
                                        uint32_t n, uint32_t *tally, uint8_t *decisions)                    \
    {                                                                                                       \
        struct dev_state *const devs = c->devs;                                                             \
        const int has_qemu = c->m->has_qemu;                                                                \
        for (uint32_t i = 0; i < n; i++) {                                                                  \
            const struct access *a = &acc[keys[i]];                                                         \
            struct dev_state *d = &devs[a->dev];                                                            \
            uint8_t dec = DECIDE(c, d, a);                                                                  \
            tally[a->fw * 8u + (dec & 7u)]++;                                                               \
            if (has_qemu && MSX_OUTCOME(dec) != MSX_ABSORB) {                                               \
                qemu_forwarded(c, d, a);                                                                    \
                ioreq_complete(c, a->vcpu);                                                                 \
            }                                                                                               \
            if (decisions)                                                                                  \
                decisions[i] = dec;                                                                         \
        }                                                                                                   \
    }

#endif
