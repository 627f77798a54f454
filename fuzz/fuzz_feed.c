/* libFuzzer harness for the batch entry point: built by scripts/fuzz.sh with
 *   clang -fsanitize=fuzzer,address,undefined $(node scripts/native-files.js cflags) (every native .c file) fuzz/fuzz_feed.c
 *
 * Input layout (all little-endian):
 *   byte 0        model index, modulo msx_model_count()
 *   byte 1        flags: bit 0 warm start, bit 1 decision bytes, bit 2 MSX_OPT_XEN34_MOD_QUIRK,
 *                 bit 3 twin context fed without decisions (counters must match), bits 4-5 the
 *                 batch is fed in 1..4 calls, bit 6 buffers laid out for 8 more events than they hold,
 *                 bit 7 offsets folded near the region: offset modulo (entries * 16 + 4096) of the
 *                 event's device, so most land in the table, on its last bytes or just past it
 *   byte 2        devices - 1, modulo 4 (1..4 devices)
 *   per device    19 bytes: table_gpa u64, pba_gpa u64, entries u16 (modulo 2048, plus 1), has_pba u8
 *   the rest      one batch of n = rest / 33 events in the native column layout of msixtrace.h
 *                 (ts_ns f64[n], value_lo u32[n], value_hi u32[n], offset u32[n], guest i32[n],
 *                 vcpu i32[n], device u16[n], region u8[n], size u8[n], dir u8[n]); trailing bytes
 *                 are ignored. A device index 0xffff is kept (it ends the batch with -1); any other
 *                 is taken modulo the device count so most events reach a model.
 * Each call's buffer is copied into a heap block of exactly cap * 33 bytes so that a read past the
 * columns is a heap overflow. After every msx_feed the invariants of invariants.h are checked; a
 * violation prints what failed and aborts, which libFuzzer reports as a crash.
 *
 * A device set with a table crossing 2^64 or not 8-byte aligned may be refused by msx_create.
 *
 * MSX_FUZZ_EXCLUDE=wrap,unaligned (environment) masks geometry classes as random_feed -x does:
 * wrap moves a table crossing 2^64 down to end at 2^64, unaligned clears table_gpa's low 3 bits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "invariants.h"
#include "msixtrace.h"

#define EVENT_BYTES 33u
#define DEV_BYTES 19u
#define MAX_DEV 4u

static int no_wrap, no_unaligned;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *x = getenv("MSX_FUZZ_EXCLUDE");
    if (x) {
        no_wrap = strstr(x, "wrap") != NULL;
        no_unaligned = strstr(x, "unaligned") != NULL;
    }
    return 0;
}

static uint64_t le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < bytes; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
}

static void fail(const char *model, int start, const msx_device_cfg *devs, uint32_t ndev, const char *what)
{
    fprintf(stderr, "VIOLATION (model %s, %s start): %s\n", model, start ? "warm" : "cold", what);
    for (uint32_t k = 0; k < ndev; k++)
        fprintf(stderr, "  dev %u: table_gpa 0x%016llx entries %u pba_gpa 0x%016llx has_pba %u\n", k,
                (unsigned long long)devs[k].table_gpa, devs[k].entries, (unsigned long long)devs[k].pba_gpa,
                devs[k].has_pba);
    abort();
}

/* Copies events [s, s+len) of the input's columns (n long) into a fresh buffer laid out for cap. */
static uint8_t *build(const uint8_t *cols, uint32_t n, uint32_t s, uint32_t len, uint32_t cap, uint32_t ndev,
                      const msx_device_cfg *devs, int fold)
{
    uint8_t *buf = malloc((size_t)cap * EVENT_BYTES);
    if (!buf)
        abort();
    memset(buf, 0xee, (size_t)cap * EVENT_BYTES);
    static const uint8_t width[10] = {8, 4, 4, 4, 4, 4, 2, 1, 1, 1};
    size_t in = 0, out = 0;
    for (int c = 0; c < 10; c++) {
        memcpy(buf + out, cols + in + (size_t)s * width[c], (size_t)len * width[c]);
        if (c == 6) { /* device: keep 0xffff, fold the rest into range */
            for (uint32_t i = 0; i < len; i++) {
                uint16_t dv;
                memcpy(&dv, buf + out + 2 * i, 2);
                if (dv != 0xffff)
                    dv = (uint16_t)(dv % ndev);
                memcpy(buf + out + 2 * i, &dv, 2);
            }
        }
        in += (size_t)n * width[c];
        out += (size_t)cap * width[c];
    }
    if (fold) {
        msx_batch b;
        msx_batch_view(&b, buf, cap);
        uint32_t *off = (uint32_t *)(uintptr_t)b.offset;
        for (uint32_t i = 0; i < len; i++)
            if (b.device[i] < ndev)
                off[i] %= devs[b.device[i]].entries * 16 + 4096;
    }
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const int32_t nm = msx_model_count();
    const int32_t model = data[0] % nm;
    const uint8_t flags = data[1];
    const uint32_t ndev = (data[2] & 3u) + 1;
    if (size < 3 + (size_t)ndev * DEV_BYTES)
        return 0;
    const int start = flags & 1 ? MSX_START_WARM : MSX_START_COLD;
    const int want_dec = (flags >> 1) & 1, twin = (flags >> 3) & 1;
    const uint32_t options = (flags >> 2) & 1 ? MSX_OPT_XEN34_MOD_QUIRK : 0;
    const uint32_t calls = ((flags >> 4) & 3u) + 1, extra = (flags >> 6) & 1 ? 8 : 0;
    const char *name = msx_model_name(model);

    msx_device_cfg devs[MAX_DEV];
    memset(devs, 0, sizeof devs);
    const uint8_t *p = data + 3;
    for (uint32_t k = 0; k < ndev; k++, p += DEV_BYTES) {
        devs[k].table_gpa = le(p, 8);
        devs[k].pba_gpa = le(p + 8, 8);
        devs[k].entries = (uint32_t)(le(p + 16, 2) % 2048) + 1;
        devs[k].has_pba = p[18];
        uint64_t len = (uint64_t)devs[k].entries * 16;
        if (no_unaligned)
            devs[k].table_gpa &= ~7ull;
        if (no_wrap && devs[k].table_gpa > 0 - len)
            devs[k].table_gpa = 0 - len;
    }
    const uint8_t *cols = p;
    const uint32_t n = (uint32_t)((size - (size_t)(p - data)) / EVENT_BYTES);

    msx_ctx *c = msx_create(model, start, devs, ndev, options);
    msx_ctx *t = twin ? msx_create(model, start, devs, ndev, options) : NULL;
    if (!c || (twin && !t)) {
        if (!msxck_may_refuse(devs, ndev))
            fail(name, start, devs, ndev, "msx_create refused a valid device set");
        if (c || t)
            fail(name, start, devs, ndev, "msx_create refused the same device set once only");
        return 0;
    }

    char err[512];
    uint32_t s = 0;
    for (uint32_t call = 0; call < calls; call++) {
        uint32_t len = call + 1 == calls ? n - s : (n - s) / (calls - call);
        uint32_t cap = ((len + 7) & ~7u) + extra;
        uint8_t *buf = build(cols, n, s, len, cap, ndev, devs, flags >> 7);
        uint8_t *dec = want_dec ? malloc(len ? len : 1) : NULL;
        uint8_t *scratch = malloc(len ? len : 1);
        if ((want_dec && !dec) || !scratch)
            abort();
        if (dec)
            memset(dec, 0xff, len ? len : 1);
        msx_batch b;
        msx_batch_view(&b, buf, cap);
        struct msxck_prep prep;
        msxck_prepare(&prep, devs, ndev, &b, len, scratch);

        uint64_t before[MSX_COUNTERS], after[MSX_COUNTERS];
        msx_counters(c, before, MSX_COUNTERS);
        int32_t rc = msx_feed(c, buf, cap, len, dec);
        msx_counters(c, after, MSX_COUNTERS);
        if (msxck_batch(name, &prep, rc, dec, before, after, err, sizeof err))
            fail(name, start, devs, ndev, err);
        if (t) {
            uint64_t tw[MSX_COUNTERS];
            int32_t rc2 = msx_feed(t, buf, cap, len, NULL);
            msx_counters(t, tw, MSX_COUNTERS);
            if (rc2 != rc || memcmp(tw, after, sizeof tw))
                fail(name, start, devs, ndev, "counters differ between the contexts fed with and without decisions");
        }
        free(buf);
        free(dec);
        free(scratch);
        s += len;
        if (rc != 0)
            break; /* a caller stops at a failed batch too */
    }
    msx_destroy(c);
    msx_destroy(t);
    return 0;
}
