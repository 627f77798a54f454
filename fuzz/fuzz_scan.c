/* libFuzzer harness for the capture fast path's line scan (msx_scan_qemu, native/capture/scan.h): built by
 * scripts/fuzz.sh with
 *   clang -fsanitize=fuzzer,address,undefined -Inative/common -Inative/capture native/capture/scan.c fuzz/fuzz_scan.c
 * (plus a -D that lets flag bit 6 below turn the AVX2 skip loop off at run time; without it the
 * bit does nothing).
 *
 * Input layout (all little-endian), HDR = 49 bytes of parameters, then the log text:
 *   byte 0        flags: bits 0-1 ranges (value % 3, plus 1), bits 2-3 the scan starts at that line
 *                 (0..3) of the text, bit 4 the first line is inflated to about MSX_SCAN_MAX_LINE
 *                 bytes (see byte 48), bit 5 every punted line adds an event to the batch as the
 *                 JavaScript reference path may, bit 6 no AVX2 (the SSE2 skip loop runs), bit 7 the
 *                 bytes after the text's last newline stay in the buffer past `to` (else a newline is
 *                 appended when the text does not end with one)
 *   bytes 1-2     batch limit - 1 (1..65536)
 *   byte 3        events already in the batch at the start, modulo the limit
 *   bytes 4-7     io[MSX_IO_EPOCH] (u32)    bytes 8-11  io[MSX_IO_SHIFT] (i32)
 *   bytes 12-15   io[MSX_IO_GUEST] (i32)    bytes 16-23 base address (u64, low 52 bits)
 *   bytes 24-47   3 ranges of 8 bytes: gap u32 (from the previous range's end, the first's from the
 *                 base), length u16 (plus 1), device u8 (its low 2 bits replaced by the range's index,
 *                 so (device, region) names one range), region u8 (bit 0)
 *   byte 48       inflated first line: MSX_SCAN_MAX_LINE - 192 + 2 * byte 48 filler bytes in front
 * so the ranges are sorted and disjoint and end below 2^53, as Geometry.rangeTable gives them.
 *
 * The text goes into a heap block of exactly its size (a read past it is a heap overflow; an inflated
 * text goes at the end of a block kept across inputs, see place_at_end) and the
 * scan is driven as src/capture/fastpath.ts (with src/capture/lines.ts) drives it: from a line start
 * to just past a newline; on MSX_SCAN_FULL the batch is flushed (its count reset) and the scan called
 * again from io[MSX_IO_POS]; on MSX_SCAN_PUNT the punted line is stepped over (JavaScript would
 * parse it) and the scan called again after it; MSX_SCAN_END ends. The batch is a block of exactly
 * cap * 33 bytes, cap the smallest multiple of 8 that can hold every event the text can give, and is
 * compared with an image of what it must hold (events kept, untouched sentinel bytes elsewhere) at
 * every flush and at the end. After every call it checks the contract:
 *   - rc is END, FULL or PUNT; io's input slots and the spare slots are untouched;
 *   - pos is a line start in [from, to], not before where the call started; END stops at to, FULL
 *     and PUNT before it; io[MSX_IO_LINES] is exactly the newlines in [from, pos), and none of
 *     those lines is longer than MSX_SCAN_MAX_LINE;
 *   - n grows by io[MSX_IO_KEPT], never past the limit; FULL only with n == limit, and at a line the
 *     scan would parse (holds "msix", no NUL, not too long); PUNT only at a line with "msix", a NUL
 *     or more than MSX_SCAN_MAX_LINE bytes;
 *   - every kept event: its (device, region) names a range and its offset falls in it, guest as
 *     given, vcpu >= -1, size 1/2/4/8 with a value that fits, dir 0/1, a finite ts; io's last ts is
 *     the last kept event's; counts[] grew by the kept events per range and direction.
 * Then a differential check: every line of the scanned range is scanned again alone, copied into a
 * block of its own exact size (so ASan sees reads past a short buffer's end, and the line goes
 * through the general parser: it leaves fewer than COMMON_SPAN bytes, or is too long for the fixed
 * shape); the events kept and the lines punted must be the same as the whole-buffer scan's, in order.
 * -DFUZZ_SCAN_VERBOSE prints what each input did (lines, kept, punted), to judge seeds.
 * The seeds in fuzz/corpus-scan/ are real lines of traces/ (and variants) behind such headers.
 * A violation prints what failed and aborts, which libFuzzer reports as a crash.
 */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "msixtrace.h"
#include "scan.h"

#define HDR 49u
#define EVENT_BYTES 33u
#define MAX_RANGES 3u
#define SENTINEL 0xee
#define MARKER 0x5a

/* Read by scan.c's cpu_has_avx2() when scripts/fuzz.sh builds it with its -D. */
int msx_fuzz_no_avx2;

static const uint32_t COL[10] = { 0, 8, 12, 16, 20, 24, 28, 30, 31, 32 }; /* column offsets, times cap */
static const uint32_t WIDTH[10] = { 8, 4, 4, 4, 4, 4, 2, 1, 1, 1 };

typedef struct {
    double ts;
    uint32_t lo, hi, off;
    int32_t guest, vcpu;
    uint16_t dev;
    uint8_t region, size, dir;
} event;

typedef struct {
    uint8_t flags;
    uint32_t limit, n0;
    double epoch, shift;
    int32_t guest;
    double ranges[MSX_RANGE_FIELDS * MAX_RANGES];
    uint32_t nranges;
} params;

static const params *cur; /* for fail() */

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "VIOLATION (msx_scan_qemu): ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (cur) {
        fprintf(stderr, "  flags 0x%02x limit %u n0 %u epoch %.0f shift %.0f guest %d avx2 %s\n", cur->flags,
                cur->limit, cur->n0, cur->epoch, cur->shift, cur->guest, msx_fuzz_no_avx2 ? "off" : "on");
        for (uint32_t r = 0; r < cur->nranges; r++)
            fprintf(stderr, "  range %u: [0x%llx, 0x%llx) device %.0f region %.0f\n", r,
                    (unsigned long long)cur->ranges[MSX_RANGE_FIELDS * r], (unsigned long long)cur->ranges[MSX_RANGE_FIELDS * r + 1],
                    cur->ranges[MSX_RANGE_FIELDS * r + 2], cur->ranges[MSX_RANGE_FIELDS * r + 3]);
    }
    abort();
}

static uint64_t le(const uint8_t *p, unsigned bytes) {
    uint64_t v = 0;
    for (unsigned k = 0; k < bytes; k++) v |= (uint64_t)p[k] << (8 * k);
    return v;
}

static void get_event(const uint8_t *b, uint32_t cap, uint32_t i, event *e) {
    memcpy(&e->ts, b + 8 * i, 8);
    memcpy(&e->lo, b + 8u * cap + 4 * i, 4);
    memcpy(&e->hi, b + 12u * cap + 4 * i, 4);
    memcpy(&e->off, b + 16u * cap + 4 * i, 4);
    memcpy(&e->guest, b + 20u * cap + 4 * i, 4);
    memcpy(&e->vcpu, b + 24u * cap + 4 * i, 4);
    memcpy(&e->dev, b + 28u * cap + 2 * i, 2);
    e->region = b[30u * cap + i];
    e->size = b[31u * cap + i];
    e->dir = b[32u * cap + i];
}

static int event_eq(const event *a, const event *b) {
    return memcmp(&a->ts, &b->ts, 8) == 0 && a->lo == b->lo && a->hi == b->hi && a->off == b->off &&
           a->guest == b->guest && a->vcpu == b->vcpu && a->dev == b->dev && a->region == b->region &&
           a->size == b->size && a->dir == b->dir;
}

static void print_event(const char *what, const event *e) {
    fprintf(stderr, "  %s: ts %.17g lo 0x%x hi 0x%x off %u guest %d vcpu %d dev %u region %u size %u dir %u\n", what,
            e->ts, e->lo, e->hi, e->off, e->guest, e->vcpu, e->dev, e->region, e->size, e->dir);
}

/* Copies slot i of every column from src to dst (both laid out for cap). */
static void copy_slot(uint8_t *dst, const uint8_t *src, uint32_t cap, uint32_t i) {
    for (int c = 0; c < 10; c++)
        memcpy(dst + COL[c] * cap + WIDTH[c] * i, src + COL[c] * cap + WIDTH[c] * i, WIDTH[c]);
}

static void fill_slot(uint8_t *dst, uint32_t cap, uint32_t i, uint8_t v) {
    for (int c = 0; c < 10; c++) memset(dst + COL[c] * cap + WIDTH[c] * i, v, WIDTH[c]);
}

/* Newlines in [p, e) (e at a line start); *longest: the longest of those lines, newline excluded. */
static uint32_t count_nl(const uint8_t *p, const uint8_t *e, size_t *longest) {
    uint32_t k = 0;
    size_t m = 0;
    const uint8_t *nl;
    while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        if ((size_t)(nl - p) > m) m = (size_t)(nl - p);
        k++, p = nl + 1;
    }
    if (longest) *longest = m;
    return k;
}

/* What a line [s, nl) may be handed back for (or stop a full batch at). */
static int has_needle(const uint8_t *s, const uint8_t *nl) { return memmem(s, (size_t)(nl - s), "msix", 4) != NULL; }
static int has_nul(const uint8_t *s, const uint8_t *nl) { return memchr(s, 0, (size_t)(nl - s)) != NULL; }

/* A double the scan wrote that must be an integer in [lo, hi]. */
static uint32_t io_int(double v, double lo, double hi, const char *what) {
    if (!(v >= lo && v <= hi) || v != floor(v)) fail("io %s = %.17g, expected an integer in [%.0f, %.0f]", what, v, lo, hi);
    return (uint32_t)v;
}

static int find_range(const params *P, const event *e) {
    for (uint32_t r = 0; r < P->nranges; r++)
        if (P->ranges[MSX_RANGE_FIELDS * r + 2] == e->dev && P->ranges[MSX_RANGE_FIELDS * r + 3] == e->region) return (int)r;
    return -1;
}

/* The checks one kept event must pass on its own. */
static void check_event(const params *P, const event *e, int32_t guest, int *range) {
    int r = find_range(P, e);
    if (r < 0) {
        print_event("event", e);
        fail("kept event names no range (device %u region %u)", e->dev, e->region);
    }
    if ((double)e->off >= P->ranges[MSX_RANGE_FIELDS * r + 1] - P->ranges[MSX_RANGE_FIELDS * r]) {
        print_event("event", e);
        fail("kept event's offset %u is past range %d", e->off, r);
    }
    if (e->guest != guest || e->vcpu < -1 || e->dir > 1 ||
        (e->size != 1 && e->size != 2 && e->size != 4 && e->size != 8) || (e->size < 8 && e->hi != 0) ||
        (e->size < 4 && (e->lo >> (8 * e->size)) != 0) || !isfinite(e->ts)) {
        print_event("event", e);
        fail("kept event has a bad field");
    }
    *range = r;
}

/* ---- The whole-buffer scan, driven as the capture drives it --------------------------------------- */

typedef struct {
    event *ev;
    uint32_t nev, cap_ev;
    uint32_t *punt;
    uint32_t npunt, cap_punt;
} result;

static void push_event(result *R, const event *e) {
    if (R->nev == R->cap_ev) {
        R->cap_ev = R->cap_ev ? 2 * R->cap_ev : 64;
        R->ev = realloc(R->ev, R->cap_ev * sizeof *R->ev);
        if (!R->ev) abort();
    }
    R->ev[R->nev++] = *e;
}

static void push_punt(result *R, uint32_t at) {
    if (R->npunt == R->cap_punt) {
        R->cap_punt = R->cap_punt ? 2 * R->cap_punt : 64;
        R->punt = realloc(R->punt, R->cap_punt * sizeof *R->punt);
        if (!R->punt) abort();
    }
    R->punt[R->npunt++] = at;
}

#define IO_SPARE 12345.25 /* in the slots past MSX_IO_OUTSIDE: the scan must leave them alone */

static void io_init(double *io, const params *P, uint32_t limit) {
    for (int k = 0; k < MSX_IO_SLOTS; k++) io[k] = IO_SPARE;
    /* no MSX_QUIET_* bit: every malformed or outside line is punted, the contract checked here */
    io[MSX_IO_QUIET] = 0;
    io[MSX_IO_EPOCH] = P->epoch;
    io[MSX_IO_SHIFT] = P->shift;
    io[MSX_IO_GUEST] = P->guest;
    io[MSX_IO_LIMIT] = limit;
}

static void io_check_inputs(const double *io, const params *P, uint32_t limit) {
    if (io[MSX_IO_EPOCH] != P->epoch || io[MSX_IO_SHIFT] != P->shift || io[MSX_IO_GUEST] != P->guest ||
        io[MSX_IO_LIMIT] != limit || io[MSX_IO_QUIET] != 0)
        fail("an input slot of io changed");
    if (io[MSX_IO_MALFORMED] != 0 || io[MSX_IO_OUTSIDE] != 0) fail("lines counted natively without a MSX_QUIET_* bit");
    for (int k = MSX_IO_OUTSIDE + 1; k < MSX_IO_SLOTS; k++)
        if (io[k] != IO_SPARE) fail("spare io slot %d changed to %.17g", k, io[k]);
}

static void scan_whole(const params *P, const uint8_t *buf, uint32_t from, uint32_t to, uint32_t lines_total,
                       result *R) {
    const uint32_t limit = P->limit;
    /* n never passes n0 + lines (each line gives one event at most, kept or added at a punt) */
    uint64_t need = (uint64_t)P->n0 + lines_total;
    uint32_t cap = (uint32_t)(need < limit ? need : limit);
    cap = cap < 8 ? 8 : (cap + 7) & ~7u;
    size_t bytes = (size_t)cap * EVENT_BYTES;
    uint8_t *batch = malloc(bytes), *image = malloc(bytes);
    double *counts = calloc(2 * MAX_RANGES, sizeof *counts), *want_counts = calloc(2 * MAX_RANGES, sizeof *counts);
    if (!batch || !image || !counts || !want_counts) abort();
    memset(batch, SENTINEL, bytes);
    memset(image, SENTINEL, bytes);
    uint32_t n = P->n0;
    for (uint32_t i = 0; i < n; i++) {
        fill_slot(batch, cap, i, MARKER);
        fill_slot(image, cap, i, MARKER);
    }

    double io[MSX_IO_SLOTS];
    io_init(io, P, limit);
    double last_ts = -7.5;
    uint32_t pos = from, calls = 0;
    const int punt_adds = (P->flags >> 5) & 1;
    for (;;) {
        if (++calls > 2 * lines_total + 2) fail("no progress after %u calls (pos %u of [%u, %u))", calls, pos, from, to);
        io[MSX_IO_N] = n;
        io[MSX_IO_LAST_TS] = last_ts;
        io[MSX_IO_POS] = io[MSX_IO_LINES] = io[MSX_IO_KEPT] = NAN;
        int32_t rc = msx_scan_qemu(buf, pos, to, io, P->ranges, P->nranges, batch, cap, counts);
        if (rc != MSX_SCAN_END && rc != MSX_SCAN_FULL && rc != MSX_SCAN_PUNT) fail("rc %d", rc);
        io_check_inputs(io, P, limit);
        uint32_t npos = io_int(io[MSX_IO_POS], pos, to, "pos");
        if (npos != pos && buf[npos - 1] != '\n') fail("pos %u (call from %u) is not a line start", npos, pos);
        uint32_t lines = io_int(io[MSX_IO_LINES], 0, to, "lines");
        size_t longest;
        uint32_t nl = count_nl(buf + pos, buf + npos, &longest);
        if (lines != nl) fail("lines %u, but [%u, %u) holds %u newlines", lines, pos, npos, nl);
        if (longest > MSX_SCAN_MAX_LINE) fail("consumed a line of %zu bytes (longer than MSX_SCAN_MAX_LINE)", longest);
        uint32_t nout = io_int(io[MSX_IO_N], n, limit, "n");
        uint32_t kept = io_int(io[MSX_IO_KEPT], 0, limit, "kept");
        if (nout - n != kept) fail("n %u -> %u but kept %u", n, nout, kept);
        if (kept > lines) fail("kept %u events from %u lines", kept, lines);
        for (uint32_t i = n; i < nout; i++) {
            event e;
            int r;
            get_event(batch, cap, i, &e);
            check_event(P, &e, P->guest, &r);
            want_counts[2 * r + e.dir] += 1;
            copy_slot(image, batch, cap, i);
            push_event(R, &e);
            last_ts = e.ts;
        }
        if (memcmp(counts, want_counts, 2 * MAX_RANGES * sizeof *counts))
            fail("counts[] do not tally with the kept events");
        if (memcmp(&io[MSX_IO_LAST_TS], &last_ts, 8))
            fail("last ts %.17g, expected %.17g (kept %u)", io[MSX_IO_LAST_TS], last_ts, kept);

        const uint8_t *ls = buf + npos, *le = npos < to ? memchr(ls, '\n', to - npos) : NULL;
        if (rc == MSX_SCAN_END && npos != to) fail("END at %u, before to %u", npos, to);
        if (rc != MSX_SCAN_END && !le) fail("rc %d at %u: no line there (to %u)", rc, npos, to);
        if (rc == MSX_SCAN_FULL) {
            if (nout != limit) fail("FULL with n %u, limit %u", nout, limit);
            if (!has_needle(ls, le) || has_nul(ls, le) || (size_t)(le - ls) > MSX_SCAN_MAX_LINE)
                fail("FULL at line %u, which the scan would not parse", npos);
        }
        if (rc == MSX_SCAN_PUNT && !has_needle(ls, le) && !has_nul(ls, le) && (size_t)(le - ls) <= MSX_SCAN_MAX_LINE)
            fail("PUNT at line %u (%zu bytes), which has no \"msix\", no NUL and is not too long", npos,
                 (size_t)(le - ls));
        n = nout;
        pos = npos;
        if (n >= limit) { /* the flush: the batch must hold exactly what was put in */
            if (memcmp(batch, image, bytes)) fail("the batch differs from the events kept (written out of place?)");
            memset(batch, SENTINEL, bytes);
            memset(image, SENTINEL, bytes);
            n = 0;
        }
        if (rc == MSX_SCAN_END) break;
        if (rc == MSX_SCAN_PUNT) {
            push_punt(R, pos);
            if (punt_adds) { /* the reference path keeps an event of its own */
                fill_slot(batch, cap, n, MARKER);
                fill_slot(image, cap, n, MARKER);
                last_ts = (double)pos + 0.5;
                if (++n >= limit) {
                    memset(batch, SENTINEL, bytes);
                    memset(image, SENTINEL, bytes);
                    n = 0;
                }
            }
            pos = (uint32_t)(le - buf) + 1;
        }
    }
    if (memcmp(batch, image, bytes)) fail("the batch differs from the events kept (written out of place?)");
    free(batch);
    free(image);
    free(counts);
    free(want_counts);
}

/* ---- Buffers ending exactly where their heap block ends -------------------------------------------
 * Up to SMALL bytes: a fresh malloc of exactly that size. Longer (an inflated line): the end of a
 * block kept across inputs, since mapping and filling a megabyte per input would cost most of the
 * fuzzing time; a read past the end is still a heap overflow (a read before the start is not
 * caught there, but the scan never reads before `from`). */
#define SMALL 65536u
typedef struct {
    uint8_t *block;
    size_t size;
    size_t dirty; /* spare_text: bytes below this offset are all 'a' */
} spare;
static spare spare_text, spare_line;

static uint8_t *place_at_end(spare *sp, size_t len) {
    if (len <= SMALL || len > MSX_SCAN_MAX_LINE + 2 * SMALL) {
        uint8_t *b = malloc(len ? len : 1);
        if (!b) abort();
        return b;
    }
    if (!sp->block) {
        sp->size = MSX_SCAN_MAX_LINE + 2 * SMALL;
        sp->block = malloc(sp->size);
        if (!sp->block) abort();
        memset(sp->block, 'a', sp->size);
        sp->dirty = sp->size;
    }
    return sp->block + sp->size - len;
}

static void release(spare *sp, uint8_t *b) {
    if (!(sp->block && b >= sp->block && b < sp->block + sp->size)) free(b);
}

/* ---- Each line alone ------------------------------------------------------------------------------- */

static void scan_lines(const params *P, const uint8_t *buf, uint32_t from, uint32_t to, const result *R) {
    uint32_t ei = 0, pi = 0;
    uint8_t *batch = malloc(8 * EVENT_BYTES);
    if (!batch) abort();
    for (uint32_t s = from; s < to;) {
        const uint8_t *nlp = memchr(buf + s, '\n', to - s);
        uint32_t len = (uint32_t)(nlp - buf) + 1 - s;
        uint8_t *line = place_at_end(&spare_line, len);
        memcpy(line, buf + s, len);
        double io[MSX_IO_SLOTS], counts[2 * MAX_RANGES] = { 0 };
        io_init(io, P, 1);
        io[MSX_IO_N] = 0;
        io[MSX_IO_LAST_TS] = -7.5;
        memset(batch, SENTINEL, 8 * EVENT_BYTES);
        int32_t rc = msx_scan_qemu(line, 0, len, io, P->ranges, P->nranges, batch, 8, counts);
        io_check_inputs(io, P, 1);
        uint32_t pos = io_int(io[MSX_IO_POS], 0, len, "pos (one line)");
        uint32_t lines = io_int(io[MSX_IO_LINES], 0, 1, "lines (one line)");
        uint32_t n = io_int(io[MSX_IO_N], 0, 1, "n (one line)");
        uint32_t kept = io_int(io[MSX_IO_KEPT], 0, 1, "kept (one line)");
        if (!kept && io[MSX_IO_LAST_TS] != -7.5) fail("line %u alone: last ts changed with no event kept", s);
        if (rc == MSX_SCAN_END) {
            if (pos != len || lines != 1 || n != kept) fail("line %u alone: END with pos %u lines %u n %u kept %u", s, pos, lines, n, kept);
            if (pi < R->npunt && R->punt[pi] == s) fail("line %u: punted in the whole buffer, not alone", s);
            if (kept) {
                event e;
                int r;
                get_event(batch, 8, 0, &e);
                check_event(P, &e, P->guest, &r);
                if (counts[2 * r + e.dir] != 1 || memcmp(&io[MSX_IO_LAST_TS], &e.ts, 8))
                    fail("line %u alone: counts[] or the last ts do not match the kept event", s);
                if (ei >= R->nev) {
                    print_event("alone", &e);
                    fail("line %u: kept alone, but the whole-buffer scan kept only %u events", s, R->nev);
                }
                if (!event_eq(&e, &R->ev[ei])) {
                    print_event("alone", &e);
                    print_event("whole buffer", &R->ev[ei]);
                    fail("line %u: event %u differs between the whole-buffer scan and the line alone", s, ei);
                }
                ei++;
            }
        } else if (rc == MSX_SCAN_PUNT) {
            if (pos != 0 || lines != 0 || n != 0 || kept != 0) fail("line %u alone: PUNT with pos %u lines %u n %u", s, pos, lines, n);
            if (pi >= R->npunt || R->punt[pi] != s)
                fail("line %u: punted alone, not in the whole buffer (next punt there: %d)", s,
                     pi < R->npunt ? (int)R->punt[pi] : -1);
            pi++;
        } else {
            fail("line %u alone: rc %d with limit 1 and an empty batch", s, rc);
        }
        release(&spare_line, line);
        s += len;
    }
    if (ei != R->nev) fail("whole-buffer scan kept %u events, the lines alone %u", R->nev, ei);
    if (pi != R->npunt) fail("whole-buffer scan punted %u lines, the lines alone %u", R->npunt, pi);
    free(batch);
}

/* ---- Entry ------------------------------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < HDR) return 0;
    params P;
    memset(&P, 0, sizeof P);
    P.flags = data[0];
    P.limit = (uint32_t)le(data + 1, 2) + 1;
    P.n0 = data[3] % P.limit;
    P.epoch = (double)le(data + 4, 4);
    P.shift = (double)(int32_t)(uint32_t)le(data + 8, 4);
    P.guest = (int32_t)(uint32_t)le(data + 12, 4);
    P.nranges = (P.flags & 3u) % 3 + 1;
    uint64_t at = le(data + 16, 8) & ((1ull << 52) - 1);
    for (uint32_t r = 0; r < P.nranges; r++) {
        const uint8_t *g = data + 24 + 8 * r;
        uint64_t start = at + le(g, 4), end = start + le(g + 4, 2) + 1; /* < 2^53 */
        P.ranges[MSX_RANGE_FIELDS * r] = (double)start;
        P.ranges[MSX_RANGE_FIELDS * r + 1] = (double)end;
        P.ranges[MSX_RANGE_FIELDS * r + 2] = (double)((g[6] & ~3u) | r);
        P.ranges[MSX_RANGE_FIELDS * r + 3] = g[7] & 1;
        P.ranges[MSX_RANGE_FIELDS * r + 4] = (double)start;
        at = end;
    }
    const unsigned from_line = (P.flags >> 2) & 3u;
    const int inflate = (P.flags >> 4) & 1, tail = (P.flags >> 7) & 1;
    msx_fuzz_no_avx2 = (P.flags >> 6) & 1;
    const size_t pad = inflate ? MSX_SCAN_MAX_LINE - 192 + 2u * data[48] : 0;
    const uint8_t *text = data + HDR;
    const size_t tlen = size - HDR;
    const int add_nl = !tail && (tlen == 0 || text[tlen - 1] != '\n');
    const size_t total = pad + tlen + (size_t)add_nl;
    uint8_t *buf = place_at_end(&spare_text, total);
    if (spare_text.block && buf >= spare_text.block && buf < spare_text.block + spare_text.size) {
        /* the spare block's filler bytes stay 'a': refill only where text was put before */
        size_t off = (size_t)(buf - spare_text.block), lo = spare_text.dirty > off ? spare_text.dirty : off;
        if (lo < off + pad) memset(spare_text.block + lo, 'a', off + pad - lo);
        if (off + pad < spare_text.dirty) spare_text.dirty = off + pad;
    } else {
        memset(buf, 'a', pad);
    }
    memcpy(buf + pad, text, tlen);
    if (add_nl) buf[total - 1] = '\n';
    cur = &P;

    /* [from, to): complete lines only; from the start of line from_line */
    uint32_t to = (uint32_t)total;
    while (to > 0 && buf[to - 1] != '\n') to--;
    uint32_t from = 0;
    for (unsigned k = 0; k < from_line && from < to; k++) from = (uint32_t)((const uint8_t *)memchr(buf + from, '\n', to - from) - buf) + 1;
    const uint32_t lines_total = count_nl(buf + from, buf + to, NULL);

    result R;
    memset(&R, 0, sizeof R);
    scan_whole(&P, buf, from, to, lines_total, &R);
    scan_lines(&P, buf, from, to, &R);
#ifdef FUZZ_SCAN_VERBOSE /* -DFUZZ_SCAN_VERBOSE: what each input did, to judge the seeds */
    fprintf(stderr, "[%u, %u): %u lines, %u kept, %u punted\n", from, to, lines_total, R.nev, R.npunt);
#endif
    free(R.ev);
    free(R.punt);
    release(&spare_text, buf);
    cur = NULL;
    return 0;
}
