/* Capture fast path (see scan.h): QEMU log line scanning (batches are encoded by encode.c). */
#define _GNU_SOURCE
#include "scan.h"

#include "batch_out.h"
#include "chars.h"

#include <math.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* AVX2 is used only where the CPU has it (runtime check): the library is built for baseline x86-64. */
#if defined(__GNUC__) && defined(__x86_64__)
#define HAVE_AVX2_SKIP 1
#include <immintrin.h>
#endif

/* ---- Line scanning ------------------------------------------------------------------------------ */

#define F_NEEDLE 1u
#define F_NUL 2u

static const char NEEDLE[4] = { 'm', 's', 'i', 'x' };

static inline __attribute__((always_inline)) int eq8(const uint8_t *p, const char *s) {
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, s, 8);
    return a == b;
}

static inline __attribute__((always_inline)) int eq4(const uint8_t *p, const char *s) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, s, 4);
    return a == b;
}

/* p[0, n) == s[0, n) for small constant n, without a library call; a tail that is not a whole word
 * is compared as the last word, overlapping the one before, so that no byte loop remains. */
static inline __attribute__((always_inline)) int eq(const uint8_t *p, const char *s, size_t n) {
    while (n > 16) {
        if (!eq8(p, s)) return 0;
        p += 8, s += 8, n -= 8;
    }
    if (n >= 8) return eq8(p, s) & eq8(p + n - 8, s + n - 8);
    if (n >= 4) return eq4(p, s) & eq4(p + n - 4, s + n - 4);
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

/* What QemuLogParser.parse makes of one line, as far as the fast path may act on it alone: */
#define LINE_IGNORED 0   /* not an access of interest: no event, another event, no name, another region */
#define LINE_MALFORMED 1 /* parse returns a "malformed" reason: BODY does not match, or a field is out of range */
#define LINE_OTHER 2     /* an MSI-X access this scan does not take (another prefix or stamp): JavaScript decides */
#define LINE_ACCESS 3    /* an MSI-X access with a tid@sec.usec stamp: *a is filled */

/* Significant hex digits of [s, e) (all hex), after leading zeros (at least one kept). */
static size_t hex_sig(const uint8_t *s, const uint8_t *e) {
    while (e - s > 1 && *s == '0') s++;
    return (size_t)(e - s);
}

static uint64_t hex_value(const uint8_t *s, const uint8_t *e) {
    uint64_t v = 0;
    for (; s < e; s++) v = (v << 4) | (uint64_t)hex_val(*s);
    return v;
}

/* The stamp before the event name at `at`: /(\d+)@(\d+)\.(\d{1,9}):$/ as QemuLogParser reads the
 * prefix; 0 when the line has another prefix (JavaScript reads those). */
static int parse_stamp(const uint8_t *s, const uint8_t *at, double epoch, double *ts_ns) {
    if (at == s) return 0;
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
    *ts_ns = ((double)sec - epoch) * 1e9 + (double)frac * POW10[9 - nfrac];
    return 1;
}

/* Reads line [s, e) (no newline, one trailing CR already dropped) of a log that has shown region
 * names (the needle is set) as QemuLogParser.parse does, in one pass: after the first
 * "memory_region_ops_" and "read "/"write ", the BODY regex
 *   ^cpu (-?\d{1,10}) (?:mr (?:0x[0-9a-fA-F]+|\(nil\)) )?addr 0x([0-9a-fA-F]+) value 0x([0-9a-fA-F]+)
 *    size (\d+)(?: name '([^']*)')?\s*$
 * matched by hand (it never needs to backtrack: each optional part, once it fails, leaves text the
 * next part cannot match), then the range checks in parse()'s order, then the region's name, then
 * the stamp. The verdict is one of LINE_*; with LINE_ACCESS, *a holds the access. A malformed
 * line, which a flood brings by the million, costs this one pass and no second parse. */
static int read_line(const uint8_t *s, const uint8_t *e, double epoch, line_access *a) {
    /* line.indexOf(EVENT): the first occurrence */
    const uint8_t *at = s;
    for (;;) {
        at = memchr(at, 'm', (size_t)(e - at));
        if (!at || (size_t)(e - at) < EVENT_LEN) return LINE_IGNORED;
        if (eq(at, EVENT, EVENT_LEN)) break;
        at++;
    }
    const uint8_t *p = at + EVENT_LEN;
    if (LIT(&p, e, "write ")) a->write = 1;
    else if (LIT(&p, e, "read ")) a->write = 0;
    else return LINE_IGNORED;
    if (!LIT(&p, e, "cpu ")) return LINE_MALFORMED;
    int neg = 0;
    if (p < e && *p == '-') {
        neg = 1;
        p++;
    }
    const uint8_t *ds = p;
    while (p < e && is_digit(*p)) p++;
    size_t nd = (size_t)(p - ds);
    if (nd < 1 || nd > 10) return LINE_MALFORMED;
    uint64_t cpu = 0;
    for (const uint8_t *c = ds; c < p; c++) cpu = cpu * 10 + (uint64_t)(*c - '0');
    if (!LIT(&p, e, " ")) return LINE_MALFORMED;
    const uint8_t *save = p;
    if (LIT(&p, e, "mr ")) {
        int ok;
        if (LIT(&p, e, "0x")) {
            const uint8_t *h = p;
            while (p < e && hex_val(*p) >= 0) p++;
            ok = p > h;
        } else {
            ok = LIT(&p, e, "(nil)");
        }
        if (!ok || !LIT(&p, e, " ")) p = save;
    }
    if (!LIT(&p, e, "addr 0x")) return LINE_MALFORMED;
    const uint8_t *as = p;
    while (p < e && hex_val(*p) >= 0) p++;
    const uint8_t *ae = p;
    if (ae == as || !LIT(&p, e, " value 0x")) return LINE_MALFORMED;
    const uint8_t *vs = p;
    while (p < e && hex_val(*p) >= 0) p++;
    const uint8_t *ve = p;
    if (ve == vs || !LIT(&p, e, " size ")) return LINE_MALFORMED;
    const uint8_t *ss = p;
    while (p < e && is_digit(*p)) p++;
    const uint8_t *se = p;
    if (se == ss) return LINE_MALFORMED;
    const uint8_t *ns = NULL, *ne = NULL;
    const uint8_t *q = p;
    if (LIT(&q, e, " name '")) {
        const uint8_t *n0 = q;
        while (q < e && *q != '\'') q++;
        if (q < e) {
            const uint8_t *r = q + 1;
            while (r < e && js_space(*r)) r++;
            if (r == e) {
                ns = n0;
                ne = q;
            }
        }
    }
    if (!ns) {
        while (p < e && js_space(*p)) p++;
        if (p != e) return LINE_MALFORMED;
        return LINE_IGNORED; /* no name in a log that shows names: another dispatch level's line */
    }
    if (neg ? cpu > 1 : cpu > 0x7fffffffu) return LINE_MALFORMED;
    const size_t size_digits = (size_t)(se - ss);
    while (se - ss > 1 && *ss == '0') ss++;
    unsigned size = se - ss == 1 ? (unsigned)(*ss - '0') : 0;
    if (size != 1 && size != 2 && size != 4 && size != 8) return LINE_MALFORMED;
    if (hex_sig(as, ae) > 16) return LINE_MALFORMED;
    uint64_t addr = hex_value(as, ae);
    if (addr >= (1ull << 53)) return LINE_MALFORMED;
    if (hex_sig(vs, ve) > 16) return LINE_MALFORMED;
    uint64_t value = hex_value(vs, ve);
    if (size < 8 && (value >> (8 * size)) != 0) return LINE_MALFORMED;
    size_t nlen = (size_t)(ne - ns);
    uint8_t region;
    if (nlen == 10 && eq(ns, "msix-table", 10)) region = 0;
    else if (nlen == 15 && eq(ns, "xen-pci-pt-msix", 15)) region = 0;
    else if (nlen == 8 && eq(ns, "msix-pba", 8)) region = 1;
    else return LINE_IGNORED;
    /* a size the JavaScript reads through Number() of a long digit string: left to it */
    if (size_digits > 18) return LINE_OTHER;
    if (!parse_stamp(s, at, epoch, &a->ts_ns)) return LINE_OTHER;
    a->cpu = neg ? -(int32_t)cpu : (int32_t)cpu;
    a->addr = addr;
    a->value = value;
    a->size = (uint8_t)size;
    a->region = region;
    return LINE_ACCESS;
}

/* ---- The common line shape ---------------------------------------------------------------------- */

/* Bytes parse_common may read from a line start: more than its longest line, so that it needs no
 * bounds checks and can load 16 bytes at any field (the fields' lengths are capped below). */
#define COMMON_SPAN 256

/* Leading ASCII digits among p[0, 16) (16: maybe more). */
static inline __attribute__((always_inline)) unsigned digit_run(const uint8_t *p) {
#if defined(__SSE2__)
    /* signed compares: bytes >= 0x80 are negative, so below '0' */
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i d = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    return (unsigned)__builtin_ctz(~(unsigned)_mm_movemask_epi8(d));
#else
    unsigned k = 0;
    while (k < 16 && is_digit(p[k])) k++;
    return k;
#endif
}

/* Leading [0-9a-fA-F] among p[0, 16) (16: maybe more). */
static inline __attribute__((always_inline)) unsigned hex_run(const uint8_t *p) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i d = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20)); /* folds A-F onto a-f, no other byte onto them */
    __m128i x = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(l, _mm_set1_epi8('f' + 1)));
    return (unsigned)__builtin_ctz(~(unsigned)_mm_movemask_epi8(_mm_or_si128(d, x)));
#else
    unsigned k = 0;
    while (k < 16 && hex_val(p[k]) >= 0) k++;
    return k;
#endif
}

static inline __attribute__((always_inline)) uint64_t load_le64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* Value of the n (1..8) decimal digits at p, 8 at a time: the first digit is the lowest byte, so
 * shifting left by the missing digits leaves them as leading zeros; then pairs, quads, octets are
 * merged by multiply-adds. Bytes past the digits are loaded but shifted out (a borrow from
 * subtracting '0' only runs towards them). */
static inline __attribute__((always_inline)) uint64_t dec8(const uint8_t *p, unsigned n) {
    uint64_t v = (load_le64(p) - UINT64_C(0x3030303030303030)) << (8 * (8 - n));
    v = v * 10 + (v >> 8);
    return (((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
            (((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >> 32;
}

/* Value of the n (1..16) decimal digits at p. */
static inline __attribute__((always_inline)) uint64_t dec16(const uint8_t *p, unsigned n) {
    return n <= 8 ? dec8(p, n) : dec8(p, n - 8) * 100000000u + dec8(p + n - 8, 8);
}

/* Value of the n (1..8) hex digits at p: digit bytes to nibbles (letters have bit 6 set), then
 * merged pairwise as in dec8. */
static inline __attribute__((always_inline)) uint64_t hex8(const uint8_t *p, unsigned n) {
    uint64_t v = load_le64(p);
    v = (v & UINT64_C(0x0F0F0F0F0F0F0F0F)) + 9 * ((v >> 6) & UINT64_C(0x0101010101010101));
    v <<= 8 * (8 - n);
    v = ((v & UINT64_C(0x000F000F000F000F)) << 4) | ((v >> 8) & UINT64_C(0x000F000F000F000F));
    v = ((v & UINT64_C(0x000000FF000000FF)) << 8) | ((v >> 16) & UINT64_C(0x000000FF000000FF));
    return ((v & 0xFFFF) << 16) | ((v >> 32) & 0xFFFF);
}

/* Value of the n (1..16) hex digits at p. */
static inline __attribute__((always_inline)) uint64_t hex16(const uint8_t *p, unsigned n) {
    return n <= 8 ? hex8(p, n) : (hex8(p, n - 8) << 32) | hex8(p + n - 8, 8);
}

/* The whole seconds of the last stamp read: a busy log's lines mostly share them, and comparing
 * the digits costs less than converting them. */
typedef struct {
    uint8_t digits[16];
    unsigned len; /* 0: none yet */
    uint64_t sec;
} sec_memo;

/* Value of the n (1..15) decimal digits at p, the seconds of a stamp. */
static inline __attribute__((always_inline)) uint64_t stamp_sec(const uint8_t *p, unsigned n, sec_memo *m) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    unsigned same = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_loadu_si128((const __m128i *)m->digits)));
    unsigned want = (1u << n) - 1;
    if (n == m->len && (same & want) == want) return m->sec;
    _mm_storeu_si128((__m128i *)m->digits, v);
#else
    if (n == m->len && memcmp(p, m->digits, n) == 0) return m->sec;
    memcpy(m->digits, p, n);
#endif
    m->len = n;
    return m->sec = dec16(p, n);
}

/* The line QEMU 6.1+ prints for an MSI-X access, parsed at fixed places in one pass:
 *   TID@SEC.FRAC:memory_region_ops_(read|write) cpu N mr 0xP addr 0xA value 0xV size S name 'R'
 * with R a name read_line accepts, no trailing blanks, and short fields. When line s (with at
 * least COMMON_SPAN bytes before the buffer's end) has this shape, fills *a exactly as read_line
 * would and returns the line's newline; every byte up to it was matched, so the line holds no NUL
 * and is short. Otherwise NULL, and read_line decides (it takes every variant this one does not:
 * other prefixes, cpu -1, no mr or (nil), long fields, blanks, ...). */
static const uint8_t *parse_common(const uint8_t *s, double epoch, sec_memo *memo, line_access *a) {
    const uint8_t *p = s;
    unsigned k = digit_run(p);
    if (k == 0 || k == 16 || p[k] != '@') return NULL;
    p += k + 1;
    k = digit_run(p);
    if (k == 0 || k > 15 || p[k] != '.') return NULL;
    uint64_t sec = stamp_sec(p, k, memo);
    p += k + 1;
    k = digit_run(p);
    if (k == 0 || k > 9 || p[k] != ':') return NULL;
    /* the prefix holds no 'm', so the event name below is line.indexOf(EVENT) */
    uint64_t frac = dec16(p, k);
    a->ts_ns = ((double)sec - epoch) * 1e9 + (double)frac * POW10[9 - k];
    p += k + 1;
    if (!eq(p, EVENT, EVENT_LEN)) return NULL;
    p += EVENT_LEN;
    /* both tested, no branch on which: reads and writes interleave unpredictably */
    int w = eq(p, "write cpu ", 10);
    if (!(w | eq(p, "read cpu ", 9))) return NULL;
    a->write = (uint8_t)w;
    p += 9 + w;
    k = digit_run(p);
    if (k == 0 || k > 8 || p[k] != ' ') return NULL; /* 8 digits: no range check needed */
    a->cpu = k == 1 ? (int32_t)(p[0] - '0') : (int32_t)dec8(p, k); /* a guest seldom has ten vCPUs */
    p += k + 1;
    if (!eq(p, "mr 0x", 5)) return NULL;
    p += 5;
    k = hex_run(p);
    if (k == 0 || k == 16 || p[k] != ' ') return NULL;
    p += k + 1;
    if (!eq(p, "addr 0x", 7)) return NULL;
    p += 7;
    k = hex_run(p);
    if (k == 0 || k == 16 || !eq(p + k, " value 0x", 9)) return NULL;
    a->addr = hex16(p, k);
    if (a->addr >= (1ull << 53)) return NULL;
    p += k + 9;
    k = hex_run(p);
    if (k == 0 || k == 16 || !eq(p + k, " size ", 6)) return NULL;
    a->value = hex16(p, k);
    p += k + 6;
    unsigned size = (unsigned)p[0] - '0';
    if ((size != 1 && size != 2 && size != 4 && size != 8) || !eq(p + 1, " name '", 7)) return NULL;
    if (size < 8 && (a->value >> (8 * size)) != 0) return NULL;
    a->size = (uint8_t)size;
    p += 8;
    if (eq(p, "msix-table'", 11)) {
        a->region = 0;
        p += 11;
    } else if (eq(p, "msix-pba'", 9)) {
        a->region = 1;
        p += 9;
    } else if (eq(p, "xen-pci-pt-msix'", 16)) {
        a->region = 0;
        p += 16;
    } else {
        return NULL;
    }
    if (*p == '\r') p++;
    return *p == '\n' ? p : NULL;
}

/* One 64-byte block at q of skip_plain_lines, given where its newlines (mn) and its NUL bytes and
 * 'm..x' pairs (bad) are: counts the lines it ends before the first bad byte and moves *line past
 * them; nonzero when the skip must stop at *line. hw_popcnt: popcount is an instruction, not a
 * libgcc call worth a branch around it. */
static inline __attribute__((always_inline)) int skip_block(const uint8_t *q, uint64_t mn, uint64_t bad,
                                                            const uint8_t **line, unsigned *count, int hw_popcnt) {
    /* (bad & -bad) - 1: the bits below the first bad byte, all of them when there is none */
    uint64_t m = mn & ((bad & (0 - bad)) - 1);
    if (hw_popcnt) {
        /* without a branch: a block of a full QEMU log (~120-byte lines) ends a line about every
         * other time, which no predictor guesses */
        *count += (unsigned)__builtin_popcountll(m);
        const uint8_t *after = q + 64 - __builtin_clzll(m | 1);
        *line = m ? after : *line;
    } else if (m) {
        *count += (unsigned)__builtin_popcountll(m);
        *line = q + 64 - __builtin_clzll(m);
    }
    return bad != 0;
}

/* Skips whole lines from p (a line start) that hold neither a NUL byte nor an 'm..x' pair (so no
 * "msix"), 64 bytes at a time, counting their newlines into *lines: the sparse-log case, where
 * most lines are other events. Returns the start of the first line it did not skip: one holding a
 * NUL or a possible "msix", one that may be longer than MSX_SCAN_MAX_LINE, or one within 67 bytes
 * of end. The caller handles that line one by one (line_end), as before; the result is the same.
 * Loads q[0..63] and q[3..66] per block; stops before a block that could end a line of more than
 * MSX_SCAN_MAX_LINE bytes (q - line + 63 of them at most). */
static const uint8_t *skip_plain_lines(const uint8_t *p, const uint8_t *end, double *lines) {
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    const __m128i em = _mm_set1_epi8('m');
    const __m128i ex = _mm_set1_epi8('x');
    const uint8_t *line = p;
    const uint8_t *q = p;
    unsigned count = 0;
    while (q + 67 <= end && (size_t)(q - line) <= MSX_SCAN_MAX_LINE - 64) {
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
        if (skip_block(q, mn, bad, &line, &count, 0)) break;
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

#ifdef HAVE_AVX2_SKIP
/* skip_plain_lines with 32-byte vectors (and a popcnt instruction instead of a libgcc call): the
 * same result, about half the instructions per block. Only called when cpu_has_avx2(). */
__attribute__((target("avx2,popcnt,bmi"))) static const uint8_t *skip_plain_lines_avx2(const uint8_t *p,
                                                                                     const uint8_t *end,
                                                                                     double *lines) {
    const __m256i nl = _mm256_set1_epi8('\n');
    const __m256i zero = _mm256_setzero_si256();
    const __m256i em = _mm256_set1_epi8('m');
    const __m256i ex = _mm256_set1_epi8('x');
    const uint8_t *line = p;
    const uint8_t *q = p;
    unsigned count = 0;
    while (q + 67 <= end && (size_t)(q - line) <= MSX_SCAN_MAX_LINE - 64) {
        __m256i a0 = _mm256_loadu_si256((const __m256i *)q);
        __m256i a3 = _mm256_loadu_si256((const __m256i *)(q + 3));
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(q + 32));
        __m256i b3 = _mm256_loadu_si256((const __m256i *)(q + 35));
        uint64_t mn = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a0, nl)) |
                      (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b0, nl)) << 32;
        __m256i ba = _mm256_or_si256(_mm256_cmpeq_epi8(a0, zero),
                                     _mm256_and_si256(_mm256_cmpeq_epi8(a0, em), _mm256_cmpeq_epi8(a3, ex)));
        __m256i bb = _mm256_or_si256(_mm256_cmpeq_epi8(b0, zero),
                                     _mm256_and_si256(_mm256_cmpeq_epi8(b0, em), _mm256_cmpeq_epi8(b3, ex)));
        uint64_t bad = (uint64_t)(uint32_t)_mm256_movemask_epi8(ba) | (uint64_t)(uint32_t)_mm256_movemask_epi8(bb) << 32;
        if (skip_block(q, mn, bad, &line, &count, 1)) break;
        q += 64;
    }
    *lines += count;
    return line;
}

static int cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi");
}
#endif

/* Index of the range holding addr (Geometry.classify), or -1. */
static int32_t classify(const double *ranges, uint32_t nranges, double addr) {
    int32_t lo = 0, hi = (int32_t)nranges - 1;
    while (lo <= hi) {
        int32_t mid = (lo + hi) >> 1;
        const double *m = ranges + MSX_RANGE_FIELDS * mid;
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
    const uint32_t quiet = (uint32_t)io[MSX_IO_QUIET];
    const int no_events = (quiet & MSX_QUIET_NO_EVENTS) != 0;
    double lines = 0, kept = 0, malformed = 0, outside = 0;
    int32_t rc = MSX_SCAN_END;

    const batch_out out = batch_out_view(batch, cap);

    const uint8_t *end = buf + to;
    const uint8_t *p = buf + from;
#ifdef HAVE_AVX2_SKIP
    const int avx2 = cpu_has_avx2();
#endif
    int skip = 1; /* the last line had no "msix": try skipping plain lines in blocks */
    sec_memo memo = { .len = 0 };
    while (p < end) {
        if (skip) {
#ifdef HAVE_AVX2_SKIP
            p = avx2 ? skip_plain_lines_avx2(p, end, &lines) : skip_plain_lines(p, end, &lines);
#else
            p = skip_plain_lines(p, end, &lines);
#endif
            if (p >= end) break;
        }
        line_access a;
        const uint8_t *nl = (size_t)(end - p) >= COMMON_SPAN ? parse_common(p, epoch, &memo, &a) : NULL;
        if (nl) {
            skip = 0;
            if (n >= limit && !no_events) {
                rc = MSX_SCAN_FULL;
                break;
            }
        } else {
            unsigned flags;
            nl = line_end(p, end, &flags);
            skip = !(flags & F_NEEDLE);
            if ((size_t)(nl - p) > MSX_SCAN_MAX_LINE) {
                rc = MSX_SCAN_PUNT;
                break;
            }
            if (flags & F_NUL) {
                /* malformed ("NUL byte in line"): counted here once JS needs no more places */
                if (!(quiet & MSX_QUIET_MALFORMED)) {
                    rc = MSX_SCAN_PUNT;
                    break;
                }
                malformed++;
                lines++;
                p = nl + 1;
                continue;
            }
            if (skip) {
                lines++;
                p = nl + 1;
                continue;
            }
            if (n >= limit && !no_events) {
                rc = MSX_SCAN_FULL;
                break;
            }
            const uint8_t *le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
            const int kind = read_line(p, le, epoch, &a);
            if (kind != LINE_ACCESS) {
                if (kind == LINE_OTHER || (kind == LINE_MALFORMED && !(quiet & MSX_QUIET_MALFORMED))) {
                    rc = MSX_SCAN_PUNT;
                    break;
                }
                if (kind == LINE_MALFORMED) malformed++;
                lines++;
                p = nl + 1;
                continue;
            }
        }
        /* addr < 2^53: exact as a signed conversion, which is one instruction */
        int32_t r = classify(ranges, nranges, (double)(int64_t)a.addr);
        if (r < 0 || (uint8_t)ranges[MSX_RANGE_FIELDS * r + 3] != a.region) {
            /* outside the geometry: counted here once JS needs no more places */
            if (!(quiet & MSX_QUIET_OUTSIDE)) {
                rc = MSX_SCAN_PUNT;
                break;
            }
            outside++;
            lines++;
            p = nl + 1;
            continue;
        }
        if (no_events) {
            /* a first kept access: JavaScript starts the trace's clock and opens the file */
            rc = MSX_SCAN_PUNT;
            break;
        }
        const double *rg = ranges + MSX_RANGE_FIELDS * r;
        double ts = a.ts_ns + shift;
        /* more than 2^53 ns from the trace start: a malformed line (capture.ts access()) */
        if (!(fabs(ts) <= 9007199254740992.0)) {
            if (!(quiet & MSX_QUIET_MALFORMED)) {
                rc = MSX_SCAN_PUNT;
                break;
            }
            malformed++;
            lines++;
            p = nl + 1;
            continue;
        }
        last_ts = ts;
        batch_put(&out, n, ts, (uint32_t)a.value, (uint32_t)(a.value >> 32), (uint32_t)(a.addr - (uint64_t)rg[4]), guest,
                  a.cpu, (uint16_t)rg[2], a.region, a.size, a.write);
        n++;
        kept++;
        counts[2 * r + a.write] += 1;
        lines++;
        p = nl + 1;
    }
    io[MSX_IO_N] = n;
    io[MSX_IO_LAST_TS] = last_ts;
    io[MSX_IO_POS] = (double)(p - buf);
    io[MSX_IO_LINES] = lines;
    io[MSX_IO_KEPT] = kept;
    io[MSX_IO_MALFORMED] = malformed;
    io[MSX_IO_OUTSIDE] = outside;
    return rc;
}
