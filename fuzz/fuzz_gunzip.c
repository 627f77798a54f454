/* libFuzzer harness for capture's gunzip (msx_gunzip_*, native/capture/gunzip.h): built by
 * scripts/fuzz.sh with
 *   clang -fsanitize=fuzzer,address,undefined -Inative/capture native/capture/gunzip.c fuzz/fuzz_gunzip.c -lz
 *
 * Input layout: byte 0 input chunk size - 1 (x 16: 1..4081 bytes), byte 1 output room - 1 (x 8:
 * 1..2041 bytes), byte 2 mode, then the payload.
 *   mode bit 0 clear: the payload itself is the gzip data (mostly garbage: headers, flags, cut
 *                     streams are the fuzzer's to find);
 *   mode bit 0 set:   the payload is compressed here as one member (bit 1: two, the second of the
 *                     payload's second half), followed by bits 2-3: nothing, 16 zero bytes of
 *                     padding, or two bytes of garbage; bit 4 cuts the data at byte 3 of the payload's
 *                     length instead; bit 5 flips a bit at byte 4's offset.
 * The data is fed the way src/capture/gunzip.ts feeds it: input chunk by chunk, each used up by as
 * many runs as it takes, the output handed over whenever it is full. Checked after every run:
 *   - the input used and the output filled stay within what was given, and the return value is the fill;
 *   - a run with input and room left either makes progress or ends (MSX_GZ_END / MSX_GZ_CORRUPT),
 *     so the caller can never loop without end;
 *   - once ended it stays ended;
 * and at the end, for data compressed here and left whole: the output is exactly the payload (or its
 * two halves), msx_gunzip_at_end says 1, padding ends it cleanly and garbage is corrupt; for data
 * cut short, it is not at a member's end (the caller's "truncated gzip data"). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "gunzip.h"
#include "check.h"

/* Appends one gzip member of src[0, n) to dst at *len (dst has room: deflateBound + 32). */
static void gzip_member(const uint8_t *src, size_t n, uint8_t *dst, size_t *len, size_t room)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    z.next_out = dst + *len;
    z.avail_out = (uInt)(room - *len);
    CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
    *len = room - z.avail_out;
    deflateEnd(&z);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 3) return 0;
    const uint32_t chunk = 1u + 16u * d[0];
    const uint32_t cap = 1u + 8u * d[1];
    const uint8_t mode = d[2];
    const uint8_t *payload = d + 3;
    const size_t plen = n - 3;

    /* the gzip data, and what inflating it must give when it is whole */
    size_t room = 2 * (compressBound(plen) + 64) + 64;
    uint8_t *gz = malloc(room);
    size_t glen = 0;
    size_t member_end[2] = { 0, 0 }; /* where each member compressed here ends */
    int compressed = mode & 1, whole = 0, tail = 0;
    if (compressed) {
        if (mode & 2) {
            gzip_member(payload, plen / 2, gz, &glen, room);
            member_end[0] = glen;
            gzip_member(payload + plen / 2, plen - plen / 2, gz, &glen, room);
            member_end[1] = glen;
        } else {
            gzip_member(payload, plen, gz, &glen, room);
            member_end[0] = member_end[1] = glen;
        }
        tail = (mode >> 2) & 3;
        if (tail == 1) {
            memset(gz + glen, 0, 16);
            glen += 16;
        } else if (tail == 2) {
            /* two bytes: zlib needs both to see that no gzip magic follows */
            gz[glen++] = 'x';
            gz[glen++] = 'y';
        }
        whole = 1;
        if ((mode & 16) && plen > 3 && (size_t)payload[3] < glen) {
            glen = payload[3];
            whole = 0;
        }
        if ((mode & 32) && plen > 4 && glen > 0) {
            gz[payload[4] % glen] ^= (uint8_t)(1u << (payload[0 % plen] & 7));
            whole = 0;
        }
    } else {
        memcpy(gz, payload, plen);
        glen = plen;
    }
    /* the input chunk sits at the end of a block of its exact size: a read past it is caught */
    msx_gunzip *g = msx_gunzip_create();
    CHECK(g != NULL);
    uint8_t *out = malloc(cap);
    uint8_t *got = malloc(plen + 1);
    size_t ngot = 0;
    int state = MSX_GZ_MORE, overflow = 0;
    int32_t io[MSX_GZ_SLOTS] = { 0 };
    uint32_t fill = 0;
    for (size_t off = 0; off < glen && state == MSX_GZ_MORE; off += chunk) {
        const uint32_t len = (uint32_t)(glen - off < chunk ? glen - off : chunk);
        uint8_t *in = malloc(len);
        memcpy(in, gz + off, len);
        uint32_t from = 0;
        while (state == MSX_GZ_MORE && from < len) {
            io[MSX_GZ_OUT_FILL] = (int32_t)fill;
            io[MSX_GZ_SLOTS - 1] = 12345;
            const int32_t r = msx_gunzip_run(g, in, from, len, out, cap, io);
            CHECK(io[MSX_GZ_SLOTS - 1] == 12345);
            CHECK(r == io[MSX_GZ_OUT_FILL]);
            CHECK(io[MSX_GZ_IN_USED] >= 0 && (uint32_t)io[MSX_GZ_IN_USED] <= len - from);
            CHECK((uint32_t)r >= fill && (uint32_t)r <= cap);
            state = io[MSX_GZ_STATE];
            CHECK(state == MSX_GZ_MORE || state == MSX_GZ_END || state == MSX_GZ_CORRUPT);
            /* progress, or an end: the caller's loop always terminates */
            CHECK(state != MSX_GZ_MORE || io[MSX_GZ_IN_USED] > 0 || (uint32_t)r > fill);
            /* MORE with input left means out is full: hand it over */
            if (state == MSX_GZ_MORE && from + (uint32_t)io[MSX_GZ_IN_USED] < len) CHECK((uint32_t)r == cap);
            if (compressed) {
                for (uint32_t i = fill; i < (uint32_t)r; i++) {
                    if (ngot < plen) got[ngot] = out[i];
                    else overflow = 1;
                    ngot++;
                }
            }
            fill = (uint32_t)r == cap ? 0 : (uint32_t)r;
            from += (uint32_t)io[MSX_GZ_IN_USED];
        }
        free(in);
    }
    if (state != MSX_GZ_MORE) {
        /* ended stays ended: a further run takes nothing and changes nothing */
        uint8_t more[4] = { 0x1f, 0x8b, 8, 0 };
        io[MSX_GZ_OUT_FILL] = 0;
        msx_gunzip_run(g, more, 0, sizeof more, out, cap, io);
        CHECK(io[MSX_GZ_IN_USED] == 0 && io[MSX_GZ_OUT_FILL] == 0 && io[MSX_GZ_STATE] == state);
    }
    if (compressed && whole) {
        CHECK(!overflow && ngot == plen && memcmp(got, payload, plen) == 0);
        if (tail == 2) {
            CHECK(state == MSX_GZ_CORRUPT);
        } else {
            CHECK(state != MSX_GZ_CORRUPT);
            CHECK(msx_gunzip_at_end(g) == 1);
        }
    }
    /* cut short (not flipped): at a member's end only where the cut fell on one */
    if (compressed && !whole && !(mode & 32) && state == MSX_GZ_MORE)
        CHECK(msx_gunzip_at_end(g) == (glen == member_end[0] || glen == member_end[1]));
    msx_gunzip_destroy(g);
    free(out);
    free(got);
    free(gz);
    return 0;
}
