/* Native EventBatch decoder (proto/msixtrace.proto documents the encoding).
 * test/oracles/batch-decode.js holds the reference decoder; the tests cross-check the two. */
#ifndef MSX_DECODE_H
#define MSX_DECODE_H

#include <stdint.h>
#include "msixtrace.h"

/* Error codes (negative returns of msx_decode_batch). */
#define MSX_DEC_TRUNCATED -1     /* a field or varint runs past the end of the message */
#define MSX_DEC_VARINT -2        /* varint longer than 10 bytes */
#define MSX_DEC_CRC_MISSING -3
#define MSX_DEC_CRC_MISMATCH -4
#define MSX_DEC_AFTER_CRC -5     /* bytes after the checksum */
#define MSX_DEC_COUNT -6         /* count out of range, or above cap */
#define MSX_DEC_KEYS -7          /* keys not in 1..count */
#define MSX_DEC_NOT_PACKED -8
#define MSX_DEC_TWICE -9         /* a column appears twice */
#define MSX_DEC_FEW -10          /* a column holds fewer values than it must */
#define MSX_DEC_MANY -11         /* a column holds more values than it must */
#define MSX_DEC_GUEST -12
#define MSX_DEC_VCPU -13
#define MSX_DEC_DEVICE -14       /* device index >= ndev */
#define MSX_DEC_ACCESS -15
#define MSX_DEC_OFFSET -16
#define MSX_DEC_KEY -17          /* key >= keys */
#define MSX_DEC_TS -18           /* |ts_ns| > 2^53, or ts_unit / ts_coarse > 2^53 */
#define MSX_DEC_WIRETYPE -19     /* unsupported wire type */
#define MSX_DEC_SCRATCH -20      /* scratch buffer too small */

/* Scratch bytes msx_decode_batch needs (for a 65536-entry dictionary). */
MSX_API uint32_t msx_decode_scratch_size(void);

/* Decodes the EventBatch message buf[start, end) into the batch buffer `out` laid out for `cap`
 * (msixtrace.h). Device indexes must be < ndev. Returns the event count, or a negative MSX_DEC_*
 * code with info[0] = the byte offset (in buf) of the damage. On success info[1] and info[2] are
 * the smallest and largest ts_ns of the batch. */
MSX_API int32_t msx_decode_batch(const uint8_t *buf, uint32_t start, uint32_t end, uint8_t *out, uint32_t cap,
                                 uint32_t ndev, uint8_t *scratch, uint32_t scratch_len, double *info);


/* ---- internal (native/pipeline.c) ---------------------------------------------------------------- */
#define MAXB 65536u
#define HSLOTS (2 * MAXB)

/* The dictionary of one decoded batch: entry k of each column (the scratch of msx_decode_batch). */
struct msx_dict {
    int32_t guest[MAXB];
    int32_t vcpu[MAXB];
    uint32_t offset[MAXB];
    uint32_t lo[MAXB];
    uint32_t hi[MAXB];
    uint16_t device[MAXB];
    uint8_t access[MAXB];
    uint32_t hslot[HSLOTS]; /* slot hash: entry index + 1, 0 empty */
    uint16_t keys[MAXB];    /* column mode: each event's entry, before it is expanded */
};

/* msx_decode_batch without the columns: keys[i] = event i's dictionary entry (keys holds 65536);
 * *dict is the dictionary (inside scratch) and *nkeys its size; ts[i] = event i's ts_ns unless ts
 * is NULL (it holds 65536 then). Same checks, codes and info. */
int32_t msx_decode_keys(const uint8_t *buf, uint32_t start, uint32_t end, uint32_t ndev, uint8_t *scratch,
                        uint32_t scratch_len, double *info, uint16_t *keys, struct msx_dict **dict, uint32_t *nkeys,
                        double *ts);

#endif
