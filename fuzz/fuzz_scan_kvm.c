/* libFuzzer harness for the capture scan of ftrace kvm_mmio lines (msx_scan_kvm,
 * native/capture/scan_kvm.h): built by scripts/fuzz.sh with
 *   clang -fsanitize=fuzzer,address,undefined -Inative/capture native/capture/scan_kvm.c fuzz/fuzz_scan_kvm.c
 *
 * Input: byte 0 flags (bit 0: malformed lines are counted here (quiet); bits 1-2: open reads already
 * held at the start, 0..3; bits 3-7: batch limit - 2, 2..33), byte 1 room for open reads - 1 (1..8),
 * then the log text (a newline is appended when it does not end with one). The text sits in a heap
 * block of its exact size, so a read past it is caught. Two guests have ranges: 100 a table at
 * 0xfebc0000 (5 entries, header device 0) and its PBA (device 0), 200 the same table (device 1) and
 * a PBA whose device is not one yet (-1: such lines must come back). The scan is driven as
 * src/capture/fastpath-kvm.ts drives it (FULL: the batch is flushed, PUNT: the line is stepped over
 * as JavaScript would take it), and after every call:
 *   - rc is END, FULL or PUNT; pos is a line start in [from, to]; END stops at to; io's lines are
 *     exactly the newlines in [from, pos); FULL and PUNT leave pos before to;
 *   - events stay within the limit; FULL comes with room for fewer than two more events, so a
 *     flush always lets the next call go on; the open reads never pass their room;
 *   - every kept event names a range of its guest (device and region as the record says, offset
 *     inside it), has size 1/2/4/8, a value that fits it, dir 0/1, a ts within 2^53 ns; counts[]
 *     grew by exactly the kept events. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scan.h"
#include "scan_kvm.h"
#include "check.h"

static const double RANGES[] = {
    /* guest, start, end, device, region, base */
    100, 0xfebc0000, 0xfebc0050, 0, 0, 0xfebc0000,
    100, 0xfebc2000, 0xfebc2008, 0, 1, 0xfebc2000,
    200, 0xfebc0000, 0xfebc0050, 1, 0, 0xfebc0000,
    200, 0xfebc2000, 0xfebc2008, -1, 1, 0xfebc2000,
};
#define NRANGES 4u

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (n < 2) return 0;
    const int quiet = d[0] & 1;
    const uint32_t preload = (d[0] >> 1) & 3;
    const uint32_t limit = 2u + (d[0] >> 3); /* a line may give two events: the caller's limit is never below */
    const uint32_t open_cap = 1u + (d[1] & 7);
    size_t len = n - 2;
    const int add_nl = len == 0 || d[n - 1] != '\n';
    uint8_t *text = malloc(len + add_nl);
    memcpy(text, d + 2, len);
    if (add_nl) text[len++] = '\n';

    const uint32_t cap = 40; /* more than any limit: the scan must respect the limit, not cap */
    uint8_t *batch = calloc(cap, 33);
    double counts[2 * NRANGES] = { 0 };
    double open[8 * MSX_KOPEN_FIELDS];
    uint32_t nopen = preload < open_cap ? preload : open_cap;
    for (uint32_t k = 0; k < nopen; k++) {
        double *w = open + k * MSX_KOPEN_FIELDS;
        w[0] = 101 + 100 * (k & 1) + k, w[1] = 100 + 100 * (k & 1), w[2] = k, w[3] = 1e9 * k;
        w[4] = 0xfebc000c, w[5] = 4, w[6] = 0, w[7] = 0;
    }
    double io[MSX_KIO_SLOTS] = { 0 };
    uint32_t pos = 0, nev = 0;
    double total_kept = 0;
    int stalls = 0;
    while (pos < len) {
        io[MSX_KIO_SHIFT] = -1e12;
        io[MSX_KIO_LIMIT] = limit;
        io[MSX_KIO_N] = nev;
        io[MSX_KIO_LAST_TS] = 0;
        io[MSX_KIO_QUIET] = quiet;
        io[MSX_KIO_OPEN_N] = nopen;
        io[MSX_KIO_OPEN_CAP] = open_cap;
        io[MSX_KIO_SLOTS - 1] = 12345;
        const uint32_t from = pos;
        const int32_t rc = msx_scan_kvm(text, from, (uint32_t)len, io, RANGES, NRANGES, batch, cap, counts, open);
        CHECK(io[MSX_KIO_SLOTS - 1] == 12345);
        CHECK(rc == MSX_SCAN_END || rc == MSX_SCAN_FULL || rc == MSX_SCAN_PUNT);
        const double p = io[MSX_KIO_POS];
        CHECK(p >= from && p <= len && p == floor(p));
        pos = (uint32_t)p;
        CHECK(pos == from || text[pos - 1] == '\n');
        uint32_t newlines = 0;
        for (uint32_t i = from; i < pos; i++) newlines += text[i] == '\n';
        CHECK(io[MSX_KIO_LINES] == newlines);
        CHECK(rc == MSX_SCAN_END ? pos == len : pos < len);
        const uint32_t n_after = (uint32_t)io[MSX_KIO_N];
        CHECK(n_after >= nev && n_after <= limit);
        CHECK(io[MSX_KIO_KEPT] == n_after - nev);
        nopen = (uint32_t)io[MSX_KIO_OPEN_N];
        CHECK(nopen <= open_cap);
        for (uint32_t i = nev; i < n_after; i++) {
            double ts;
            uint32_t lo, hi, off;
            int32_t guest, vcpu;
            uint16_t dev;
            memcpy(&ts, batch + 8 * i, 8);
            memcpy(&lo, batch + 8u * cap + 4 * i, 4);
            memcpy(&hi, batch + 12u * cap + 4 * i, 4);
            memcpy(&off, batch + 16u * cap + 4 * i, 4);
            memcpy(&guest, batch + 20u * cap + 4 * i, 4);
            memcpy(&vcpu, batch + 24u * cap + 4 * i, 4);
            memcpy(&dev, batch + 28u * cap + 2 * i, 2);
            const uint8_t region = batch[30u * cap + i], size = batch[31u * cap + i], dir = batch[32u * cap + i];
            int found = 0;
            for (uint32_t r = 0; r < NRANGES; r++) {
                const double *m = RANGES + r * MSX_KRANGE_FIELDS;
                if (m[0] == guest && m[3] >= 0 && m[3] == dev && m[4] == region && off < m[2] - m[5]) found = 1;
            }
            CHECK(found);
            CHECK(size == 1 || size == 2 || size == 4 || size == 8);
            CHECK(size == 8 || (size == 4 ? hi == 0 : hi == 0 && lo < (1u << (8 * size))));
            CHECK(dir <= 1 && vcpu >= -1);
            CHECK(isfinite(ts) && fabs(ts) <= 9007199254740992.0);
        }
        total_kept += n_after - nev;
        nev = n_after;
        if (rc == MSX_SCAN_FULL) {
            /* no room for the next line's events (at most two): a flush lets it through */
            CHECK(nev + 2 > limit);
            CHECK(nev > 0 || ++stalls < 2);
            nev = 0;
        } else if (rc == MSX_SCAN_PUNT) {
            /* JavaScript takes the line: step over it (and it may take the open reads; keep them) */
            const uint8_t *nl = memchr(text + pos, '\n', len - pos);
            CHECK(nl != NULL);
            pos = (uint32_t)(nl - text) + 1;
            stalls = 0;
        } else {
            stalls = 0;
        }
    }
    double sum = 0;
    for (uint32_t r = 0; r < 2 * NRANGES; r++) sum += counts[r];
    CHECK(sum == total_kept);
    free(batch);
    free(text);
    return 0;
}
