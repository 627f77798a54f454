/* Policy engine microbenchmark and cross-check: each built-in model and its policy file
 * (policies/NAME.json, compiled by bench/policy.js into KNOBDIR/NAME.bin) fed the same trace,
 * alternating, on one thread: through msx_feed on batches decoded up front (the column feed of
 * --explain and --by entry), and through the replay pipeline with no worker threads (decode and
 * the key-table feed of plain replay, on this thread). Time is this thread's CPU time, so the
 * figures hold on a loaded machine; prints decisions per CPU-second of each and their ratio, and
 * exits 1 when a policy's counters differ from its model's.
 *
 *   gcc -std=c11 -O2 -pthread $(node scripts/native-files.js cflags) $(node scripts/native-files.js sources) bench/policy_micro.c -o /tmp/policy_micro
 *   /tmp/policy_micro FILE KNOBDIR REPEAT TABLE_GPA PBA_GPA|- ENTRIES [TABLE_GPA PBA_GPA|- ENTRIES ...] */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "decode.h"
#include "pipeline.h"
#include "policy.h"

#define EVENT_BYTES 33u

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
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

static void *slurp(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc((size_t)*size);
    if (fread(buf, 1, (size_t)*size, f) != (size_t)*size) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 7 || (argc - 4) % 3) {
        fprintf(stderr, "usage: %s FILE KNOBDIR REPEAT TABLE_GPA PBA_GPA|- ENTRIES ...\n", argv[0]);
        return 2;
    }
    long size;
    uint8_t *file = slurp(argv[1], &size);
    if (!file)
        return 2;
    int repeat = atoi(argv[3]);
    uint32_t ndev = (uint32_t)(argc - 4) / 3;
    msx_device_cfg *devs = calloc(ndev, sizeof *devs);
    for (uint32_t i = 0; i < ndev; i++) {
        devs[i].table_gpa = strtoull(argv[4 + 3 * i], NULL, 0);
        devs[i].has_pba = strcmp(argv[5 + 3 * i], "-") != 0;
        devs[i].pba_gpa = devs[i].has_pba ? strtoull(argv[5 + 3 * i], NULL, 0) : 0;
        devs[i].entries = (uint32_t)strtoul(argv[6 + 3 * i], NULL, 0);
    }

    /* every EventBatch decoded to columns up front, so only the feeds are timed */
    uint32_t cap = MAXB, nb = 0, nbcap = 64;
    uint8_t **batches = malloc(nbcap * sizeof *batches);
    uint32_t *counts = malloc(nbcap * 4);
    uint32_t *pk_start = malloc(nbcap * 4), *pk_end = malloc(nbcap * 4);
    uint8_t *scratch = malloc(msx_decode_scratch_size());
    double info[3];
    uint64_t events = 0;
    const uint8_t *p = file, *e = file + size;
    while (p < e) {
        if (*p++ != 0x0a)
            return fprintf(stderr, "bad packet tag\n"), 2;
        uint64_t len = varint(&p);
        const uint8_t *bend = p + len;
        uint64_t tag = varint(&p);
        uint64_t mlen = varint(&p);
        if ((tag >> 3) == 2) {
            if (nb == nbcap) {
                nbcap *= 2;
                batches = realloc(batches, nbcap * sizeof *batches);
                counts = realloc(counts, nbcap * 4);
                pk_start = realloc(pk_start, nbcap * 4);
                pk_end = realloc(pk_end, nbcap * 4);
            }
            pk_start[nb] = (uint32_t)(p - file);
            pk_end[nb] = (uint32_t)(p - file + mlen);
            batches[nb] = malloc((size_t)cap * EVENT_BYTES);
            int32_t n = msx_decode_batch(file, (uint32_t)(p - file), (uint32_t)(p - file + mlen), batches[nb], cap, ndev,
                                         scratch, msx_decode_scratch_size(), info);
            if (n < 0)
                return fprintf(stderr, "decode error %d\n", n), 1;
            counts[nb++] = (uint32_t)n;
            events += (uint64_t)n;
        }
        p = bend;
    }
    printf("%" PRIu64 " events in %u batches, %u devices, best of %d, CPU time of this thread\n", events, nb, ndev, repeat);

    int32_t nm = msx_model_count();
    int bad = 0;
    double all_native = 0, all_policy = 0, all_pnative = 0, all_ppolicy = 0;
    size_t psize = ((size_t)msx_policy_size() + 7) & ~(size_t)7;
    uint8_t *pols = aligned_alloc(8, psize * (size_t)nm);
    const char *only = getenv("MICRO_MODEL"); /* one model only (profiling) */
    for (int32_t m = 0; m < nm; m++) {
        uint8_t *pol = pols + psize * (size_t)m;
        if (only && strcmp(only, msx_model_name(m)) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.bin", argv[2], msx_model_name(m));
        long ks;
        int32_t *k = slurp(path, &ks);
        if (!k || ks != MSX_POLICY_KNOBS * 4)
            return fprintf(stderr, "%s: missing or wrong size\n", path), 2;
        if (msx_policy_compile(pol, k, MSX_POLICY_KNOBS, msx_model_name(m)) != 0)
            return fprintf(stderr, "%s: does not compile\n", path), 2;
        free(k);
        double best[2] = { 1e30, 1e30 }, bestp[2] = { 1e30, 1e30 };
        uint64_t cnt[2][MSX_COUNTERS], cntp[2][MSX_COUNTERS];
        for (int r = 0; r < repeat; r++) {
            for (int which = 0; which < 2; which++) { /* alternating: native, policy */
                msx_ctx *c = which ? msx_create_policy(pol, MSX_START_COLD, devs, ndev, 0)
                                   : msx_create(m, MSX_START_COLD, devs, ndev, 0);
                double t = now();
                for (uint32_t b = 0; b < nb; b++)
                    msx_feed(c, batches[b], cap, counts[b], NULL);
                t = now() - t;
                if (t < best[which])
                    best[which] = t;
                msx_counters(c, cnt[which], MSX_COUNTERS);
                msx_destroy(c);
            }
            for (int which = 0; which < 2; which++) {
                msx_ctx *c = which ? msx_create_policy(pol, MSX_START_COLD, devs, ndev, 0)
                                   : msx_create(m, MSX_START_COLD, devs, ndev, 0);
                double t = now();
                msx_pipe *pp = msx_pipe_create(&c, 1, ndev, 1);
                for (uint32_t b = 0; b < nb; b++)
                    if (msx_pipe_submit(pp, file, pk_start[b], pk_end[b], info) < 0)
                        return 1;
                msx_pipe_destroy(pp);
                t = now() - t;
                if (t < bestp[which])
                    bestp[which] = t;
                msx_counters(c, cntp[which], MSX_COUNTERS);
                msx_destroy(c);
            }
        }
        int same = memcmp(cnt[0], cnt[1], sizeof cnt[0]) == 0 && memcmp(cntp[0], cntp[1], sizeof cnt[0]) == 0 &&
                   memcmp(cnt[0], cntp[0], sizeof cnt[0]) == 0;
        bad |= !same;
        all_native += best[0];
        all_policy += best[1];
        all_pnative += bestp[0];
        all_ppolicy += bestp[1];
        printf("model %-12s native %8.1f M/s  policy %8.1f M/s  ratio %.2f  pipeline native %8.1f M/s  policy %8.1f M/s  ratio %.2f%s\n",
               msx_model_name(m), events / best[0] / 1e6, events / best[1] / 1e6, best[0] / best[1],
               events / bestp[0] / 1e6, events / bestp[1] / 1e6, bestp[0] / bestp[1], same ? "" : "  COUNTERS DIFFER");
    }
    /* every model (every policy) in one pipeline with one thread: the decode is shared, as in
     * `replay -m all`, so this is mostly the nine feeds */
    double bestall[2] = { 1e30, 1e30 };
    for (int r = 0; r < (only ? 0 : repeat); r++) {
        for (int which = 0; which < 2; which++) {
            msx_ctx *cs[16];
            for (int32_t m = 0; m < nm; m++)
                cs[m] = which ? msx_create_policy(pols + psize * (size_t)m, MSX_START_COLD, devs, ndev, 0)
                              : msx_create(m, MSX_START_COLD, devs, ndev, 0);
            double t = now();
            msx_pipe *pp = msx_pipe_create(cs, (uint32_t)nm, ndev, 1);
            for (uint32_t b = 0; b < nb; b++)
                if (msx_pipe_submit(pp, file, pk_start[b], pk_end[b], info) < 0)
                    return 1;
            msx_pipe_destroy(pp);
            t = now() - t;
            if (t < bestall[which])
                bestall[which] = t;
            for (int32_t m = 0; m < nm; m++)
                msx_destroy(cs[m]);
        }
    }
    printf("one pipeline, all %d: native %8.1f M decisions/s  policy %8.1f M decisions/s  ratio %.2f\n", nm,
           (double)events * nm / bestall[0] / 1e6, (double)events * nm / bestall[1] / 1e6, bestall[0] / bestall[1]);
    for (uint32_t b = 0; b < nb; b++)
        free(batches[b]);
    free(batches), free(counts), free(pk_start), free(pk_end), free(scratch), free(pols), free(devs), free(file);
    printf("all %d native %8.1f M/s  policy %8.1f M/s  ratio %.2f  pipeline native %8.1f M/s  policy %8.1f M/s  ratio %.2f\n",
           nm, (double)events * nm / all_native / 1e6, (double)events * nm / all_policy / 1e6, all_native / all_policy,
           (double)events * nm / all_pnative / 1e6, (double)events * nm / all_ppolicy / 1e6, all_pnative / all_ppolicy);
    return bad;
}
