/* The bounded id map (ids.h). The table holds at least twice `max` slots, so probes stay short
 * and a free slot always exists. */
#include <stdlib.h>
#include <string.h>
#include "ids.h"

int msx_ids_init(struct msx_ids *m, uint32_t max)
{
    memset(m, 0, sizeof *m);
    uint32_t bits = 4;
    while (((uint64_t)1 << bits) < 2 * (uint64_t)max + 2)
        bits++;
    const size_t cap = (size_t)1 << bits;
    m->slot_key = malloc(cap * sizeof *m->slot_key);
    m->slot_id = calloc(cap, sizeof *m->slot_id);
    m->keys = malloc(((size_t)max + 1) * sizeof *m->keys);
    if (!m->slot_key || !m->slot_id || !m->keys) {
        msx_ids_free(m);
        return -1;
    }
    m->max = max;
    m->mask = (uint32_t)(cap - 1);
    m->shift = 64 - bits;
    return 0;
}

void msx_ids_free(struct msx_ids *m)
{
    free(m->slot_key);
    free(m->slot_id);
    free(m->keys);
    memset(m, 0, sizeof *m);
}
