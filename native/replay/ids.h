/* Dense ids for what replay counts per group: the --by groups, the --interval buckets and the
 * report's heat-map rows. A map from a 64-bit key to ids 0..max-1 in order of first appearance,
 * with its memory fixed when it is made: past `max` distinct keys every new key gets the one
 * overflow id `max` (counted, never stored), so a trace with millions of guests or buckets cannot
 * grow it. */
#ifndef MSX_IDS_H
#define MSX_IDS_H

#include <stdint.h>

struct msx_ids {
    uint64_t *slot_key; /* open addressing, linear probing */
    uint32_t *slot_id;  /* id + 1; 0: empty */
    uint64_t *keys;     /* key of each id */
    uint32_t n, max, mask, shift;
    uint32_t overflow;  /* some key got the overflow id */
};

/* 0, or -1 when out of memory (m is then empty and msx_ids_free is still safe). */
int msx_ids_init(struct msx_ids *m, uint32_t max);
void msx_ids_free(struct msx_ids *m);

static inline uint32_t msx_ids_get(struct msx_ids *m, uint64_t key)
{
    uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> m->shift);
    for (;;) {
        uint32_t id = m->slot_id[h];
        if (!id)
            break;
        if (m->slot_key[h] == key)
            return id - 1;
        h = (h + 1) & m->mask;
    }
    if (m->n >= m->max) {
        m->overflow = 1;
        return m->max;
    }
    m->slot_key[h] = key;
    m->slot_id[h] = m->n + 1;
    m->keys[m->n] = key;
    return m->n++;
}

#endif
