/* Gzip inflation for capture (gunzip.h). */
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include "gunzip.h"

struct msx_gunzip {
    z_stream z;
    int ended;  /* a member ended: the next byte decides between another member and padding */
    int done;   /* MSX_GZ_END or MSX_GZ_CORRUPT reached: nothing more is inflated */
    int state;
    char error[128];
};

MSX_GUNZIP_API msx_gunzip *msx_gunzip_create(void)
{
    msx_gunzip *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    /* 16 + MAX_WBITS: a gzip wrapper (header and CRC-32/length trailer checked), not zlib's */
    if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
        free(g);
        return NULL;
    }
    return g;
}

MSX_GUNZIP_API void msx_gunzip_destroy(msx_gunzip *g)
{
    if (!g) return;
    inflateEnd(&g->z);
    free(g);
}

static void corrupt(msx_gunzip *g, const char *why)
{
    g->done = 1;
    g->state = MSX_GZ_CORRUPT;
    snprintf(g->error, sizeof g->error, "%s", why);
}

MSX_GUNZIP_API int32_t msx_gunzip_run(msx_gunzip *g, const uint8_t *in, uint32_t from, uint32_t to, uint8_t *out,
    uint32_t cap, int32_t *io)
{
    uint32_t fill = (uint32_t)io[MSX_GZ_OUT_FILL];
    uint32_t at = from;
    while (!g->done && at < to && fill < cap) {
        if (g->ended) {
            /* After a member: another one follows, or zero padding (tar, dd) ends the data, as
             * node's own gunzip reads it. */
            if (in[at] == 0) {
                g->done = 1;
                g->state = MSX_GZ_END;
                break;
            }
            inflateReset(&g->z);
            g->ended = 0;
        }
        g->z.next_in = (Bytef *)(in + at);
        g->z.avail_in = to - at;
        g->z.next_out = out + fill;
        g->z.avail_out = cap - fill;
        int rc = inflate(&g->z, Z_NO_FLUSH);
        const uint32_t was_at = at, was_fill = fill;
        at = to - g->z.avail_in;
        fill = cap - g->z.avail_out;
        /* no progress with input and room left: zlib cannot go on with these bytes */
        if (rc == Z_BUF_ERROR && at == was_at && fill == was_fill) {
            corrupt(g, "inflate made no progress");
            break;
        }
        if (rc == Z_STREAM_END) {
            g->ended = 1;
        } else if (rc == Z_NEED_DICT) {
            corrupt(g, "a preset dictionary is needed");
        } else if (rc == Z_DATA_ERROR || rc == Z_STREAM_ERROR) {
            corrupt(g, g->z.msg ? g->z.msg : "invalid data");
        } else if (rc == Z_MEM_ERROR) {
            corrupt(g, "out of memory");
        }
        /* Z_OK, Z_BUF_ERROR: more input or more room is needed, which the loop condition sees */
    }
    io[MSX_GZ_IN_USED] = (int32_t)(at - from);
    io[MSX_GZ_OUT_FILL] = (int32_t)fill;
    io[MSX_GZ_STATE] = g->done ? g->state : MSX_GZ_MORE;
    return (int32_t)fill;
}

/* Whether the data so far ends where a gzip member ends (at the end of the input, anything else is
 * a truncated file). */
MSX_GUNZIP_API int32_t msx_gunzip_at_end(msx_gunzip *g)
{
    return g->done ? g->state == MSX_GZ_END : g->ended;
}

MSX_GUNZIP_API const char *msx_gunzip_error(msx_gunzip *g)
{
    return g->error;
}
