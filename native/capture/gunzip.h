/* msixtrace capture: a gzipped trace log inflated into the caller's own reused buffers (zlib's
 * inflate, run on a thread of libuv's pool by src/capture/gunzip.ts), so that a gzipped log of any
 * length is read in the same fixed memory as a plain one: node's zlib stream hands out a fresh
 * Buffer per output chunk, which only a garbage collection frees, and a native scan triggers few. */
#ifndef MSIXTRACE_GUNZIP_H
#define MSIXTRACE_GUNZIP_H

#include <stdint.h>

#define MSX_GUNZIP_API __attribute__((visibility("default")))

typedef struct msx_gunzip msx_gunzip;

/* io[] slots (int32) of msx_gunzip_run */
#define MSX_GZ_IN_USED 0  /* out: input bytes consumed by this call */
#define MSX_GZ_OUT_FILL 1 /* in/out: bytes of out[] filled (the call appends after them) */
#define MSX_GZ_STATE 2    /* out: MSX_GZ_* below */
#define MSX_GZ_SLOTS 4

#define MSX_GZ_MORE 0    /* wants more input (all of this input was consumed) or room (out is full) */
#define MSX_GZ_END 1     /* the last gzip member ended; input after it is zero padding, ignored */
#define MSX_GZ_CORRUPT 2 /* not gzip data, or damaged: msx_gunzip_error says zlib's words */

/* A fresh inflater for gzip data (one or more members, as gzip -c a b > c makes); NULL without memory. */
MSX_GUNZIP_API msx_gunzip *msx_gunzip_create(void);
MSX_GUNZIP_API void msx_gunzip_destroy(msx_gunzip *g);

/* Inflates in[from, to) into out[io[MSX_GZ_OUT_FILL], cap) until the input is used up, out is full,
 * or the data ends or is found corrupt (io[MSX_GZ_STATE]). Returns the bytes of out filled so far. */
MSX_GUNZIP_API int32_t msx_gunzip_run(msx_gunzip *g, const uint8_t *in, uint32_t from, uint32_t to, uint8_t *out,
    uint32_t cap, int32_t *io);

/* 1 when the data read so far ends where a gzip member ends: an input that ends anywhere else is
 * a truncated file. */
MSX_GUNZIP_API int32_t msx_gunzip_at_end(msx_gunzip *g);

/* zlib's message for the last MSX_GZ_CORRUPT ("incorrect header check", ...). */
MSX_GUNZIP_API const char *msx_gunzip_error(msx_gunzip *g);

#endif
