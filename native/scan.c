/* Capture fast path (see scan.h): QEMU log line scanning (batches are encoded by encode.c). */
#define _GNU_SOURCE
#include "scan.h"

#include <math.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- Line scanning ------------------------------------------------------------------------------ */

#define F_NEEDLE 1u
#define F_NUL 2u

static const char NEEDLE[4] = { 'm', 's', 'i', 'x' };

/* p[0, n) == s[0, n) for small constant n, without a library call. */
static inline __attribute__((always_inline)) int eq(const uint8_t *p, const char *s, size_t n) {
    while (n >= 8) {
        uint64_t a, b;
        memcpy(&a, p, 8);
        memcpy(&b, s, 8);
        if (a != b) return 0;
        p += 8, s += 8, n -= 8;
    }
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, s, 4);
        if (a != b) return 0;
        p += 4, s += 4, n -= 4;
    }
    while (n--) if (*p++ != (uint8_t)*s++) return 0;
    return 1;
}

/* Finds the newline ending the line that starts at p (there is one before end) and notes in *flags
 * whether the line holds "msix" and whether it holds a NUL byte. */
static const uint8_t *line_end(const uint8_t *p, const uint8_t *end, unsigned *flags) {
    unsigned f = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    const __m128i em = _mm_set1_epi8('m');
    const __m128i ex = _mm_set1_epi8('x');
    /* Loads p[0..15] and p[3..18]: stay below end. */
    while (p + 19 <= end) {
        __m128i v0 = _mm_loadu_si128((const __m128i *)p);
        __m128i v3 = _mm_loadu_si128((const __m128i *)(p + 3));
        unsigned mn = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, nl));
        unsigned mz = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, zero));
        unsigned mc = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(v0, em), _mm_cmpeq_epi8(v3, ex)));
        unsigned before = mn ? ((mn & -mn) - 1) : 0xffffu;
        if (mz & before) f |= F_NUL;
        mc &= before;
        while (mc && !(f & F_NEEDLE)) {
            unsigned b = (unsigned)__builtin_ctz(mc);
            if (eq(p + b, NEEDLE, 4)) f |= F_NEEDLE;
            mc &= mc - 1;
        }
        if (mn) {
            *flags = f;
            return p + __builtin_ctz(mn);
        }
        p += 16;
    }
#endif
    for (; *p != '\n'; p++) {
        if (*p == 0) f |= F_NUL;
        else if (*p == 'm' && !(f & F_NEEDLE) && p + 4 <= end && eq(p, NEEDLE, 4)) f |= F_NEEDLE;
    }
    *flags = f;
    return p;
}

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Hex digit values; -1 for every other byte. */
static const int8_t HEX[256] = {
    ['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1, ['4'] = 4 + 1, ['5'] = 5 + 1, ['6'] = 6 + 1,
    ['7'] = 7 + 1, ['8'] = 8 + 1, ['9'] = 9 + 1, ['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1, ['d'] = 13 + 1,
    ['e'] = 14 + 1, ['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1,
    ['F'] = 15 + 1,
};
/* (the table holds value + 1 so that the zero-filled rest means "not a digit") */
static inline __attribute__((always_inline)) int hex_val(uint8_t c) { return HEX[c] - 1; }

/* [0-9a-fA-F]+ at *pp as hexToHalves reads it: at most 16 digits after the leading zeros. */
static inline __attribute__((always_inline)) int parse_hex(const uint8_t **pp, const uint8_t *e, uint64_t *out) {
    const uint8_t *p = *pp;
    const uint8_t *s = p;
    uint64_t v = 0;
    unsigned sig = 0;
    int d;
    while (p < e && (d = hex_val(*p)) >= 0) {
        if (sig || d) {
            if (++sig > 16) return 0;
            v = (v << 4) | (uint64_t)d;
        }
        p++;
    }
    if (p == s) return 0;
    *out = v;
    *pp = p;
    return 1;
}

/* \d+ with at most max digits (a value the JS Number() reads exactly). */
static inline __attribute__((always_inline)) int parse_dec(const uint8_t **pp, const uint8_t *e, unsigned max, uint64_t *out) {
    const uint8_t *p = *pp;
    const uint8_t *s = p;
    uint64_t v = 0;
    while (p < e && is_digit(*p)) {
        if ((unsigned)(p - s) >= max) return 0;
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
    }
    if (p == s) return 0;
    *out = v;
    *pp = p;
    return 1;
}

static inline __attribute__((always_inline)) int lit(const uint8_t **pp, const uint8_t *e, const char *s, size_t n) {
    if ((size_t)(e - *pp) < n || !eq(*pp, s, n)) return 0;
    *pp += n;
    return 1;
}
#define LIT(pp, e, s) lit(pp, e, s, sizeof(s) - 1)

/* \s as a JS regex sees a latin1-decoded character. */
static inline int js_space(uint8_t c) { return c == ' ' || (c >= 9 && c <= 13) || c == 0xa0; }

static const char EVENT[] = "memory_region_ops_";
#define EVENT_LEN (sizeof(EVENT) - 1)

typedef struct {
    double ts_ns;
    uint64_t addr, value;
    int32_t cpu;
    uint8_t size, write, region; /* region: 0 table, 1 PBA */
} line_access;

static const double POW10[10] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };

/* Parses one line [s, e) (no newline, one trailing CR already dropped) the way QemuLogParser.parse
 * does when it returns ACCESS with a named MSI-X region and a tid@sec.usec stamp; 0 for every
 * other line (the caller punts it). */
static int parse_line(const uint8_t *s, const uint8_t *e, double epoch, line_access *a) {
    /* line.indexOf(EVENT): the first occurrence */
    const uint8_t *at = s;
    for (;;) {
        at = memchr(at, 'm', (size_t)(e - at));
        if (!at || (size_t)(e - at) < EVENT_LEN) return 0;
        if (eq(at, EVENT, EVENT_LEN)) break;
        at++;
    }
    if (at == s) return 0;

    /* Prefix: /(\d+)@(\d+)\.(\d{1,9}):$/ */
    const uint8_t *q = at - 1;
    if (*q != ':') return 0;
    const uint8_t *fe = q;
    while (q > s && is_digit(q[-1])) q--;
    unsigned nfrac = (unsigned)(fe - q);
    if (nfrac < 1 || nfrac > 9 || q == s || q[-1] != '.') return 0;
    const uint8_t *fs = q;
    q--; /* at '.' */
    const uint8_t *se = q;
    while (q > s && is_digit(q[-1])) q--;
    unsigned nsec = (unsigned)(se - q);
    if (nsec < 1 || nsec > 15 || q == s || q[-1] != '@') return 0;
    if (q - 1 == s || !is_digit(q[-2])) return 0;
    uint64_t sec = 0, frac = 0;
    for (const uint8_t *c = q; c < se; c++) sec = sec * 10 + (uint64_t)(*c - '0');
    for (const uint8_t *c = fs; c < fe; c++) frac = frac * 10 + (uint64_t)(*c - '0');
    double ns = (double)frac * POW10[9 - nfrac];
    a->ts_ns = ((double)sec - epoch) * 1e9 + ns;

    const uint8_t *p = at + EVENT_LEN;
    if (LIT(&p, e, "write ")) a->write = 1;
    else if (LIT(&p, e, "read ")) a->write = 0;
    else return 0;

    /* ^cpu (-?\d{1,10}) */
    if (!LIT(&p, e, "cpu ")) return 0;
    int neg = 0;
    if (p < e && *p == '-') {
        neg = 1;
        p++;
    }
    uint64_t cpu;
    if (!parse_dec(&p, e, 10, &cpu)) return 0;
    if (neg ? cpu > 1 : cpu > 0x7fffffffu) return 0;
    a->cpu = neg ? -(int32_t)cpu : (int32_t)cpu;
    if (!LIT(&p, e, " ")) return 0;
    /* (?:mr (?:0x[0-9a-fA-F]+|\(nil\)) )? */
    if (LIT(&p, e, "mr ")) {
        if (LIT(&p, e, "0x")) {
            const uint8_t *h = p;
            while (p < e && hex_val(*p) >= 0) p++;
            if (p == h) return 0;
        } else if (!LIT(&p, e, "(nil)")) {
            return 0;
        }
        if (!LIT(&p, e, " ")) return 0;
    }
    if (!LIT(&p, e, "addr 0x") || !parse_hex(&p, e, &a->addr)) return 0;
    if (a->addr >= (1ull << 53)) return 0;
    if (!LIT(&p, e, " value 0x") || !parse_hex(&p, e, &a->value)) return 0;
    uint64_t size;
    if (!LIT(&p, e, " size ") || !parse_dec(&p, e, 18, &size)) return 0;
    if (size != 1 && size != 2 && size != 4 && size != 8) return 0;
    a->size = (uint8_t)size;
    if (size < 8 && (a->value >> (8 * size)) != 0) return 0;
    /* (?: name '([^']*)')?\s*$ with the name present */
    if (!LIT(&p, e, " name '")) return 0;
    const uint8_t *ns0 = p;
    while (p < e && *p != '\'') p++;
    if (p == e) return 0;
    size_t nlen = (size_t)(p - ns0);
    if (nlen == 10 && eq(ns0, "msix-table", 10)) a->region = 0;
    else if (nlen == 15 && eq(ns0, "xen-pci-pt-msix", 15)) a->region = 0;
    else if (nlen == 8 && eq(ns0, "msix-pba", 8)) a->region = 1;
    else return 0;
    for (p++; p < e; p++) if (!js_space(*p)) return 0;
    return 1;
}

/* Skips whole lines from p (a line start) that hold neither a NUL byte nor an 'm..x' pair (so no
 * "msix"), 64 bytes at a time, counting their newlines into *lines: the sparse-log case, where
 * most lines are other events. Returns the start of the first line it did not skip: one holding a
 * NUL or a possible "msix", one longer than MSX_SCAN_MAX_LINE, or one within 67 bytes of end. The
 * caller handles that line one by one (line_end), as before; the result is the same. */
static const uint8_t *skip_plain_lines(const uint8_t *p, const uint8_t *end, double *lines) {
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    const __m128i em = _mm_set1_epi8('m');
    const __m128i ex = _mm_set1_epi8('x');
    const uint8_t *line = p;
    const uint8_t *q = p;
    unsigned count = 0;
    while (q + 67 <= end) { /* loads q[0..63] and q[3..66] */
        uint64_t mn = 0, bad = 0;
        for (int k = 0; k < 4; k++) {
            __m128i v0 = _mm_loadu_si128((const __m128i *)(q + 16 * k));
            __m128i v3 = _mm_loadu_si128((const __m128i *)(q + 16 * k + 3));
            uint64_t n = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v0, nl));
            uint64_t b = (uint64_t)(unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(v0, zero), _mm_and_si128(_mm_cmpeq_epi8(v0, em), _mm_cmpeq_epi8(v3, ex))));
            mn |= n << (16 * k);
            bad |= b << (16 * k);
        }
        /* newlines before the first suspicious byte end lines that can be skipped */
        uint64_t m = bad ? mn & ((UINT64_C(1) << __builtin_ctzll(bad)) - 1) : mn;
        if (m) {
            if ((size_t)(q + __builtin_ctzll(m) - line) > MSX_SCAN_MAX_LINE) break;
            count += (unsigned)__builtin_popcountll(m);
            line = q + 63 - __builtin_clzll(m) + 1;
        }
        if (bad) break;
        q += 64;
    }
    *lines += count;
    return line;
#else
    (void)end;
    (void)lines;
    return p;
#endif
}

/* Index of the range holding addr (Geometry.classify), or -1. */
static int32_t classify(const double *ranges, uint32_t nranges, double addr) {
    int32_t lo = 0, hi = (int32_t)nranges - 1;
    while (lo <= hi) {
        int32_t mid = (lo + hi) >> 1;
        const double *m = ranges + 4 * mid;
        if (addr < m[0]) hi = mid - 1;
        else if (addr >= m[1]) lo = mid + 1;
        else return mid;
    }
    return -1;
}

int32_t msx_scan_qemu(const uint8_t *buf, uint32_t from, uint32_t to, double *io, const double *ranges,
                      uint32_t nranges, uint8_t *batch, uint32_t cap, double *counts) {
    const double epoch = io[MSX_IO_EPOCH];
    const double shift = io[MSX_IO_SHIFT];
    const int32_t guest = (int32_t)io[MSX_IO_GUEST];
    const uint32_t limit = (uint32_t)io[MSX_IO_LIMIT];
    uint32_t n = (uint32_t)io[MSX_IO_N];
    double last_ts = io[MSX_IO_LAST_TS];
    double lines = 0, kept = 0;
    int32_t rc = MSX_SCAN_END;

    double *c_ts = (double *)batch;
    uint32_t *c_lo = (uint32_t *)(batch + 8u * cap);
    uint32_t *c_hi = (uint32_t *)(batch + 12u * cap);
    uint32_t *c_off = (uint32_t *)(batch + 16u * cap);
    int32_t *c_guest = (int32_t *)(batch + 20u * cap);
    int32_t *c_vcpu = (int32_t *)(batch + 24u * cap);
    uint16_t *c_dev = (uint16_t *)(batch + 28u * cap);
    uint8_t *c_region = batch + 30u * cap;
    uint8_t *c_size = batch + 31u * cap;
    uint8_t *c_dir = batch + 32u * cap;

    const uint8_t *end = buf + to;
    const uint8_t *p = buf + from;
    int skip = 1; /* the last line had no "msix": try skipping plain lines in blocks */
    while (p < end) {
        if (skip) {
            p = skip_plain_lines(p, end, &lines);
            if (p >= end) break;
        }
        unsigned flags;
        const uint8_t *nl = line_end(p, end, &flags);
        skip = !(flags & F_NEEDLE);
        if ((flags & F_NUL) || (size_t)(nl - p) > MSX_SCAN_MAX_LINE) {
            rc = MSX_SCAN_PUNT;
            break;
        }
        if (flags & F_NEEDLE) {
            if (n >= limit) {
                rc = MSX_SCAN_FULL;
                break;
            }
            const uint8_t *le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
            line_access a;
            if (!parse_line(p, le, epoch, &a)) {
                rc = MSX_SCAN_PUNT;
                break;
            }
            int32_t r = classify(ranges, nranges, (double)a.addr);
            if (r < 0 || (uint8_t)ranges[4 * r + 3] != a.region) {
                rc = MSX_SCAN_PUNT;
                break;
            }
            const double *rg = ranges + 4 * r;
            double ts = a.ts_ns + shift;
            last_ts = ts;
            c_ts[n] = ts;
            c_lo[n] = (uint32_t)a.value;
            c_hi[n] = (uint32_t)(a.value >> 32);
            c_off[n] = (uint32_t)(a.addr - (uint64_t)rg[0]);
            c_guest[n] = guest;
            c_vcpu[n] = a.cpu;
            c_dev[n] = (uint16_t)rg[2];
            c_region[n] = a.region;
            c_size[n] = a.size;
            c_dir[n] = a.write;
            n++;
            kept++;
            counts[2 * r + a.write] += 1;
        }
        lines++;
        p = nl + 1;
    }
    io[MSX_IO_N] = n;
    io[MSX_IO_LAST_TS] = last_ts;
    io[MSX_IO_POS] = (double)(p - buf);
    io[MSX_IO_LINES] = lines;
    io[MSX_IO_KEPT] = kept;
    return rc;
}
