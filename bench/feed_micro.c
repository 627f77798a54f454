/* Native replay microbenchmark and cross-check: the decoder, msx_feed per model, and the pipeline
 * (pipeline.h) on one .msixtrace file, without Node. Also checks that the pipeline's counters equal
 * msx_feed's for every model, cold and warm (exit 1 when they differ).
 *
 *   gcc -std=c11 -O2 -pthread $(node scripts/native-files.js cflags) $(node scripts/native-files.js sources) bench/feed_micro.c -o /tmp/feed_micro
 *   /tmp/feed_micro FILE THREADS TABLE_GPA PBA_GPA|- ENTRIES [TABLE_GPA PBA_GPA|- ENTRIES ...]
 *
 * The device list must be the trace header's (node -e to print it: see bench/replay.js). */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "decode.h"
#include "pipeline.h"

#define EVENT_BYTES 33u

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t varint(const uint8_t **p)
{
    uint64_t r = 0;
    for (int s = 0;; s += 7) {
        uint8_t c = *(*p)++;
        r |= (uint64_t)(c & 0x7f) << s;
        if (c < 0x80)
            return r;
    }
}

int main(int argc, char **argv)
{
    if (argc < 6 || (argc - 3) % 3) {
        fprintf(stderr, "usage: %s FILE THREADS TABLE_GPA PBA_GPA|- ENTRIES ...\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *file = malloc((size_t)size);
    if (fread(file, 1, (size_t)size, f) != (size_t)size)
        return 2;
    fclose(f);
    uint32_t threads = (uint32_t)atoi(argv[2]);
    uint32_t ndev = (uint32_t)(argc - 3) / 3;
    msx_device_cfg *devs = calloc(ndev, sizeof *devs);
    for (uint32_t i = 0; i < ndev; i++) {
        devs[i].table_gpa = strtoull(argv[3 + 3 * i], NULL, 0);
        devs[i].has_pba = strcmp(argv[4 + 3 * i], "-") != 0;
        devs[i].pba_gpa = devs[i].has_pba ? strtoull(argv[4 + 3 * i], NULL, 0) : 0;
        devs[i].entries = (uint32_t)strtoul(argv[5 + 3 * i], NULL, 0);
    }

    /* packets: Trace{ 1: bytes packet } where packet = { kind: message } */
    uint32_t cap_pk = 1024, npk = 0;
    uint32_t *pk_start = malloc(cap_pk * 4), *pk_end = malloc(cap_pk * 4);
    const uint8_t *p = file, *e = file + size;
    while (p < e) {
        if (*p++ != 0x0a)
            return fprintf(stderr, "bad packet tag\n"), 2;
        uint64_t len = varint(&p);
        const uint8_t *body = p, *bend = p + len;
        uint64_t tag = varint(&p);
        uint64_t mlen = varint(&p);
        if ((tag >> 3) == 2) {
            if (npk == cap_pk) {
                cap_pk *= 2;
                pk_start = realloc(pk_start, cap_pk * 4);
                pk_end = realloc(pk_end, cap_pk * 4);
            }
            pk_start[npk] = (uint32_t)(p - file);
            pk_end[npk] = (uint32_t)(p - file + mlen);
            npk++;
        }
        (void)body;
        p = bend;
    }

    if (getenv("MICRO_BATCHES") && (uint32_t)atoi(getenv("MICRO_BATCHES")) < npk)
        npk = (uint32_t)atoi(getenv("MICRO_BATCHES")); /* a shorter run (valgrind) */
    uint32_t cap = MAXB;
    uint8_t *batch = malloc((size_t)cap * EVENT_BYTES);
    uint8_t *scratch = malloc(msx_decode_scratch_size());
    uint16_t *keys = malloc(MAXB * 2);
    double info[3];
    uint64_t events = 0;

    double t0 = now();
    for (uint32_t k = 0; k < npk; k++) {
        int32_t n = msx_decode_batch(file, pk_start[k], pk_end[k], batch, cap, ndev, scratch, msx_decode_scratch_size(), info);
        if (n < 0)
            return fprintf(stderr, "decode error %d\n", n), 1;
        events += (uint64_t)n;
    }
    double t_dec = now() - t0;
    t0 = now();
    for (uint32_t k = 0; k < npk; k++) {
        struct msx_dict *dc;
        uint32_t nk;
        if (msx_decode_keys(file, pk_start[k], pk_end[k], ndev, scratch, msx_decode_scratch_size(), info, keys, &dc, &nk, NULL) < 0)
            return 1;
    }
    double t_keys = now() - t0;
    printf("%" PRIu64 " events in %u batches, %u devices, %u threads\n", events, npk, ndev, threads);
    printf("  decode (columns)          %7.1f M events/s\n", events / t_dec / 1e6);
    printf("  decode (keys)             %7.1f M events/s\n", events / t_keys / 1e6);

    int32_t nm = msx_model_count();
    int bad = 0;
    double sum_feed = 0, t_pipe_all = 0;
    for (int start = 0; start < 2; start++) {
        msx_ctx *a[16], *b[16];
        double feed_s[16] = { 0 }, pipe_s[16] = { 0 };
        for (int32_t m = 0; m < nm; m++) {
            a[m] = msx_create(m, start, devs, ndev, 0);
            b[m] = msx_create(m, start, devs, ndev, 0);
        }
        /* msx_feed per model, timed per model (decoding not counted) */
        for (uint32_t k = 0; k < npk; k++) {
            int32_t n = msx_decode_batch(file, pk_start[k], pk_end[k], batch, cap, ndev, scratch, msx_decode_scratch_size(), info);
            for (int32_t m = 0; m < nm; m++) {
                double t = now();
                msx_feed(a[m], batch, cap, (uint32_t)n, NULL);
                feed_s[m] += now() - t;
            }
        }
        /* the pipeline, one model at a time (decode included) */
        for (int32_t m = 0; m < nm; m++) {
            double t = now();
            msx_pipe *pp = msx_pipe_create(&b[m], 1, ndev, threads);
            for (uint32_t k = 0; k < npk; k++)
                if (msx_pipe_submit(pp, file, pk_start[k], pk_end[k], info) < 0)
                    return 1;
            msx_pipe_destroy(pp);
            pipe_s[m] = now() - t;
        }
        for (int32_t m = 0; m < nm; m++) {
            uint64_t ca[MSX_COUNTERS], cb[MSX_COUNTERS];
            msx_counters(a[m], ca, MSX_COUNTERS);
            msx_counters(b[m], cb, MSX_COUNTERS);
            if (memcmp(ca, cb, sizeof ca)) {
                printf("MISMATCH %s %s\n", msx_model_name(m), start ? "warm" : "cold");
                for (int i = 0; i < MSX_COUNTERS; i++)
                    if (ca[i] != cb[i])
                        printf("   [%d] feed %" PRIu64 " pipe %" PRIu64 "\n", i, ca[i], cb[i]);
                bad = 1;
            }
            if (start == 0)
                printf("  %-10s msx_feed %7.1f M ev/s   pipeline (decode+feed) %7.1f M ev/s\n", msx_model_name(m),
                       events / feed_s[m] / 1e6, events / pipe_s[m] / 1e6);
            if (start == 0)
                sum_feed += feed_s[m];
            msx_destroy(b[m]);
            b[m] = msx_create(m, start, devs, ndev, 0);
        }
        /* the pipeline, all models */
        double t = now();
        msx_pipe *pp = msx_pipe_create(b, (uint32_t)nm, ndev, threads);
        for (uint32_t k = 0; k < npk; k++)
            msx_pipe_submit(pp, file, pk_start[k], pk_end[k], info);
        msx_pipe_destroy(pp);
        if (start == 0)
            t_pipe_all = now() - t;
        for (int32_t m = 0; m < nm; m++) {
            uint64_t ca[MSX_COUNTERS], cb[MSX_COUNTERS];
            msx_counters(a[m], ca, MSX_COUNTERS);
            msx_counters(b[m], cb, MSX_COUNTERS);
            if (memcmp(ca, cb, sizeof ca)) {
                printf("MISMATCH (all) %s %s\n", msx_model_name(m), start ? "warm" : "cold");
                bad = 1;
            }
            msx_destroy(a[m]);
            msx_destroy(b[m]);
        }
    }
    printf("  all models: msx_feed one thread %7.1f M decisions/s; pipeline %7.1f M decisions/s (%.1f M events/s)\n",
           events * nm / sum_feed / 1e6, events * nm / t_pipe_all / 1e6, events / t_pipe_all / 1e6);
    printf(bad ? "counters DIFFER\n" : "counters equal (pipeline vs msx_feed, every model, cold and warm)\n");
    free(file);
    free(devs);
    free(pk_start);
    free(pk_end);
    free(batch);
    free(scratch);
    free(keys);
    return bad;
}
