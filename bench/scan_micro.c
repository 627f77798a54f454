/* Native microbenchmark of the capture fast path's line scan (msx_scan_qemu), without Node: the
 * whole log is read into memory first and only the msx_scan_qemu calls are timed. They are made
 * the way src/capture/lines.ts and src/capture/fastpath.ts make them: on the complete lines of each
 * 4 MiB chunk (copied into one reused buffer, as the capture's reads fill theirs), flushing the
 * batch when FULL; a punted line is stepped over here (JavaScript would parse it).
 * The checksum covers every flushed batch's columns, the per-range counts, the punt offsets and
 * the line count, so two builds of scan.c that print the same checksum wrote the same batches.
 *
 *   gcc -std=c11 -O2 -Inative/common -Inative/capture native/capture/scan.c bench/scan_micro.c -o /tmp/scan_micro
 *   /tmp/scan_micro FILE EPOCH_SEC RUNS START END DEVICE REGION [START END DEVICE REGION ...]
 *
 * e.g. for the logs bench/capture.js makes from traces/qemu-7.2-linux-6.1-e1000e-rebind:
 *   /tmp/scan_micro dense.log 1795672713 5 0xfebc0000 0xfebc0050 0 0 0xfebc2000 0xfebc2008 0 1
 * (EPOCH_SEC: the whole seconds of the log's first stamp; ranges as Geometry.rangeTable gives them). */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "scan.h"

#define CHUNK (4u << 20)
#define BATCH_LIMIT 65536u /* MAX_BATCH in src/tracefile/batch-codec.ts */
#define EVENT_BYTES 33u

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* The flushed batch's columns, n events of each (what the encoder reads). */
static uint64_t mix_batch(uint64_t h, const uint8_t *batch, uint32_t cap, uint32_t n) {
    static const uint32_t col[] = { 0, 8, 12, 16, 20, 24, 28, 30, 31, 32 };
    static const uint32_t width[] = { 8, 4, 4, 4, 4, 4, 2, 1, 1, 1 };
    for (int c = 0; c < 10; c++) h = mix(h, batch + col[c] * cap, (size_t)width[c] * n);
    return h;
}

int main(int argc, char **argv) {
    if (argc < 8 || (argc - 4) % 4) {
        fprintf(stderr, "usage: %s FILE EPOCH_SEC RUNS START END DEVICE REGION ...\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) return 2;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *file = malloc((size_t)size);
    if (!file || fread(file, 1, (size_t)size, f) != (size_t)size) return 2;
    fclose(f);
    double epoch = strtod(argv[2], NULL);
    int runs = atoi(argv[3]);
    uint32_t nranges = (uint32_t)(argc - 4) / 4;
    double *ranges = calloc(MSX_RANGE_FIELDS * nranges, sizeof *ranges);
    for (uint32_t r = 0; r < nranges; r++) {
        for (uint32_t k = 0; k < 4; k++) ranges[MSX_RANGE_FIELDS * r + k] = (double)strtoull(argv[4 + 4 * r + k], NULL, 0);
        ranges[MSX_RANGE_FIELDS * r + 4] = ranges[MSX_RANGE_FIELDS * r]; /* base: the start */
    }
    double *counts = calloc(2 * nranges, sizeof *counts);
    uint8_t *batch = malloc((size_t)EVENT_BYTES * BATCH_LIMIT);
    uint8_t *chunk = malloc(CHUNK);

    double *times = calloc((size_t)runs, sizeof *times);
    uint64_t sum = 0;
    double lines = 0, kept = 0, punts = 0;
    for (int run = 0; run < runs; run++) {
        double io[MSX_IO_SLOTS] = { 0 };
        io[MSX_IO_EPOCH] = epoch;
        io[MSX_IO_LIMIT] = BATCH_LIMIT;
        memset(counts, 0, 2 * nranges * sizeof *counts);
        uint64_t h = 0xcbf29ce484222325ull;
        uint32_t n = 0;
        lines = kept = punts = 0;
        double spent = 0;
        uint64_t start = 0; /* first line start not yet scanned */
        while (start < (uint64_t)size) {
            /* what read() leaves in the reused chunk buffer (a line cut by the previous chunk
             * copied in front), so the scan reads cache-warm memory as in a capture */
            uint64_t ce = start + CHUNK < (uint64_t)size ? start + CHUNK : (uint64_t)size;
            uint32_t to = (uint32_t)(ce - start);
            while (to > 0 && file[start + to - 1] != '\n') to--;
            if (to == 0) return 2; /* a line over CHUNK bytes, or no final newline */
            memcpy(chunk, file + start, to);
            uint32_t pos = 0;
            while (pos < to) {
                io[MSX_IO_N] = n;
                double t0 = now();
                int32_t rc = msx_scan_qemu(chunk, pos, to, io, ranges, nranges, batch, BATCH_LIMIT, counts);
                spent += now() - t0;
                n = (uint32_t)io[MSX_IO_N];
                pos = (uint32_t)io[MSX_IO_POS];
                lines += io[MSX_IO_LINES];
                kept += io[MSX_IO_KEPT];
                if (n >= BATCH_LIMIT) {
                    h = mix_batch(h, batch, BATCH_LIMIT, n);
                    n = 0;
                }
                if (rc == MSX_SCAN_PUNT) {
                    uint64_t at = start + pos;
                    h = mix(h, &at, sizeof at);
                    punts++;
                    const uint8_t *nl = memchr(chunk + pos, '\n', to - pos);
                    pos = (uint32_t)(nl - chunk) + 1;
                    lines++;
                }
            }
            start += to;
        }
        h = mix_batch(h, batch, BATCH_LIMIT, n);
        times[run] = spent;
        h = mix(h, counts, 2 * nranges * sizeof *counts);
        h = mix(h, &lines, sizeof lines);
        h = mix(h, &kept, sizeof kept);
        if (run && h != sum) {
            fprintf(stderr, "checksum differs between runs\n");
            return 1;
        }
        sum = h;
    }
    for (int i = 1; i < runs; i++)
        for (int j = i; j > 0 && times[j] < times[j - 1]; j--) {
            double t = times[j];
            times[j] = times[j - 1];
            times[j - 1] = t;
        }
    double med = times[runs / 2];
    printf("%s: %.0f lines, %.0f kept, %.0f punted, %.2f ns/line, median %.4f s (min %.4f) of %d, checksum %016" PRIx64 "\n",
           argv[1], lines, kept, punts, med * 1e9 / lines, med, times[0], runs, sum);
    return 0;
}
