/* Capture fast path for ftrace kvm_mmio lines (see scan_kvm.h). Each step names the JavaScript it
 * mirrors (src/capture/formats/kvm-ftrace.ts, kvm-mmio.ts, capture.ts); numbers are computed in the
 * same double arithmetic, so stamps and values come out bit for bit as there. */
#define _GNU_SOURCE
#include "scan_kvm.h"

#include <math.h>
#include <string.h>

#include "batch_out.h"
#include "chars.h"
#include "scan.h"

#define ID_MAX 2147483647.0
#define TS_LIMIT 9007199254740992.0 /* 2^53 */

/* line[i] as charCodeAt would compare it: -1 outside the line (NaN there matches nothing). */
#define AT(i) ((i) >= 0 && (i) < n ? (int)s[i] : -1)

static int starts(const uint8_t *s, long n, long i, const char *lit)
{
    size_t k = strlen(lit);
    return i >= 0 && i + (long)k <= n && memcmp(s + i, lit, k) == 0;
}

/* decimal(): digits [a, b) as a double, exactly as JavaScript accumulates them; 0 when more than 15
 * digits (the caller punts: only short numbers are taken here). */
static int dec(const uint8_t *s, long a, long b, double *out)
{
    if (b - a > 15) return 0;
    double v = 0;
    for (long i = a; i < b; i++) v = v * 10 + (s[i] - '0');
    *out = v;
    return 1;
}

static long back_spaces(const uint8_t *s, long i)
{
    while (i >= 0 && s[i] == ' ') i--;
    return i;
}

typedef struct {
    double thread, guest, vcpu, ts;
    int has_tgid;
} kctx;

/* vcpuFromComm: the index of a QEMU vCPU thread named `CPU <n>/KVM` ending at `end`; -1 otherwise. */
static int vcpu_from_comm(const uint8_t *s, long n, long end, double *vcpu)
{
    *vcpu = -1;
    if (end < 9 || !starts(s, n, end - 4, "/KVM")) return 1;
    long j = end - 5;
    while (j >= 0 && is_digit(s[j])) j--;
    if (j == end - 5 || j < 3 || !starts(s, n, j - 3, "CPU ")) return 1;
    return dec(s, j + 1, end - 4, vcpu);
}

/* scanFtraceContext: the context before the event name at ev. 1 read, 0 not a context, -1 a shape
 * this scan leaves to JavaScript (raw clock counts, long numbers). */
static int context(const uint8_t *s, long n, long ev, kctx *c)
{
    if (ev < 2 || s[ev - 1] != ' ' || s[ev - 2] != ':') return 0;
    /* timestampBefore */
    long colon = ev - 2;
    long j = colon - 1;
    while (j >= 0 && is_digit(s[j])) j--;
    if (j == colon - 1) return 0;
    if (AT(j) != '.') return -1; /* a raw trace-clock count: untimed, JavaScript's */
    long dot = j;
    long frac_len = colon - dot - 1;
    j--;
    while (j >= 0 && is_digit(s[j])) j--;
    if (j == dot - 1 || frac_len > 9) return 0;
    double sec, frac;
    if (!dec(s, j + 1, dot, &sec) || !dec(s, dot + 1, colon, &frac)) return -1;
    c->ts = sec * 1e9 + frac * POW10[9 - frac_len];
    long i = j;
    if (i < 0 || s[i] != ' ') return 0;
    i = back_spaces(s, i);
    if (AT(i) != ']') {
        /* lat flags: 4 or 5 characters */
        long k = i;
        while (k >= 0 && s[k] != ' ') k--;
        if (i - k < 4 || i - k > 5) return 0;
        i = back_spaces(s, k);
        if (AT(i) != ']') return 0;
    }
    j = i - 1;
    while (j >= 0 && is_digit(s[j])) j--;
    if (j == i - 1 || AT(j) != '[' || AT(j - 1) != ' ') return 0;
    i = back_spaces(s, j - 1);
    c->has_tgid = 0;
    double tgid = -1;
    if (AT(i) == ')') {
        j = i - 1;
        while (j >= 0 && s[j] != '(') j--;
        if (j < 1 || s[j - 1] != ' ') return 0;
        long d = j + 1;
        while (AT(d) == ' ') d++;
        long e = d;
        while (is_digit((uint8_t)AT(e))) e++;
        if (e > d && e == i) {
            if (!dec(s, d, e, &tgid)) return -1;
            c->has_tgid = 1;
        } else if (AT(d) != '-') {
            return 0;
        }
        i = back_spaces(s, j - 1);
    }
    j = i;
    while (j >= 0 && is_digit(s[j])) j--;
    if (j == i || j < 0 || s[j] != '-') return 0;
    if (!dec(s, j + 1, i + 1, &c->thread)) return -1;
    c->guest = c->has_tgid ? tgid : c->thread;
    if (!vcpu_from_comm(s, n, j, &c->vcpu)) return -1;
    return 1;
}

enum { MMIO_UNSATISFIED_READ = 0, MMIO_READ = 1, MMIO_WRITE = 2, PAYLOAD_MALFORMED = -1, PAYLOAD_PUNT = -2 };

typedef struct {
    double addr, lo, hi;
    unsigned size;
} payload;

/* parseKvmMmio from `at`: the type, PAYLOAD_MALFORMED for what JavaScript reports as malformed, or
 * PAYLOAD_PUNT where this scan would need more digits than it reads exactly. */
static int parse_payload(const uint8_t *s, long n, long at, payload *p)
{
    if (!starts(s, n, at, "mmio ")) return PAYLOAD_MALFORMED;
    long i = at + 5;
    int type;
    if (starts(s, n, i, "write ")) { type = MMIO_WRITE; i += 6; }
    else if (starts(s, n, i, "read ")) { type = MMIO_READ; i += 5; }
    else if (starts(s, n, i, "unsatisfied-read ")) { type = MMIO_UNSATISFIED_READ; i += 17; }
    else return PAYLOAD_MALFORMED;
    if (!starts(s, n, i, "len ")) return PAYLOAD_MALFORMED;
    i += 4;
    long j = i;
    while (j < n && is_digit(s[j])) j++;
    if (j == i) return PAYLOAD_MALFORMED;
    double len;
    if (!dec(s, i, j, &len)) return PAYLOAD_PUNT;
    if (!starts(s, n, j, " gpa 0x")) return PAYLOAD_MALFORMED;
    long ga = j + 7, ge = ga;
    double addr = 0;
    while (ge < n && hex_val(s[ge]) >= 0) addr = addr * 16 + hex_val(s[ge++]);
    if (ge == ga) return PAYLOAD_MALFORMED;
    if (ge - ga > 13) return PAYLOAD_PUNT; /* addrProblem's ground: JavaScript words it */
    if (!starts(s, n, ge, " val 0x")) return PAYLOAD_MALFORMED;
    /* hexHalves */
    long vs = ge + 7;
    while (vs + 1 < n && s[vs] == '0' && hex_val(s[vs + 1]) >= 0) vs++;
    long ve = vs;
    while (ve < n && hex_val(s[ve]) >= 0) ve++;
    if (ve == vs) return PAYLOAD_MALFORMED;
    if (!(len == 1 || len == 2 || len == 4 || len == 8)) return PAYLOAD_MALFORMED;
    if (ve - vs > 16) return PAYLOAD_MALFORMED;
    long mid = ve - vs > 8 ? ve - 8 : vs;
    double hi = 0, lo = 0;
    for (long k = vs; k < mid; k++) hi = hi * 16 + hex_val(s[k]);
    for (long k = mid; k < ve; k++) lo = lo * 16 + hex_val(s[k]);
    /* valueProblem */
    int wide = len == 8 ? 0 : len == 4 ? hi != 0 : (hi != 0 || lo >= ldexp(1.0, 8 * (int)len));
    if (wide) return PAYLOAD_MALFORMED;
    p->addr = addr;
    p->lo = lo;
    p->hi = hi;
    p->size = (unsigned)len;
    return type;
}

/* The range record of (guest, addr): its index, -1 outside the guest's geometry, -2 guest unknown. */
static long find_range(const double *r, uint32_t nr, double guest, double addr)
{
    long lo = 0, hi = (long)nr;
    while (lo < hi) { /* first record of the guest */
        long mid = (lo + hi) / 2;
        if (r[mid * MSX_KRANGE_FIELDS] < guest) lo = mid + 1;
        else hi = mid;
    }
    if (lo >= (long)nr || r[lo * MSX_KRANGE_FIELDS] != guest) return -2;
    long first = lo;
    hi = (long)nr;
    while (lo < hi) { /* past the guest's last record whose start <= addr */
        long mid = (lo + hi) / 2;
        const double *m = r + mid * MSX_KRANGE_FIELDS;
        if (m[0] == guest && m[1] <= addr) lo = mid + 1;
        else hi = mid;
    }
    if (lo == first) return -1;
    const double *m = r + (lo - 1) * MSX_KRANGE_FIELDS;
    return addr < m[2] ? lo - 1 : -1;
}

/* One access as capture.ts access() would take it, decided before anything changes. */
typedef struct {
    double guest, vcpu, ts, addr, lo, hi;
    unsigned size, write;
    long range; /* -1: outside its guest's geometry (skipped) */
    double ts_ns; /* ts after the source's shift, rounded as Math.round */
} access;

/* The open read of a thread (its record's index), or -1: one at most per thread, as the parser's map. */
static long find_open(const double *open, uint32_t nopen, double thread)
{
    for (uint32_t k = 0; k < nopen; k++)
        if (open[k * MSX_KOPEN_FIELDS] == thread) return (long)k;
    return -1;
}

/* An open read that will not be completed (its thread moved on): one access, with the value and
 * stamp its unsatisfied-read line had. */
static access abandoned(const double *w)
{
    return (access){ .guest = w[1], .vcpu = w[2], .ts = w[3], .addr = w[4], .size = (unsigned)w[5], .lo = w[6], .hi = w[7],
                     .write = 0 };
}

/* 1 when the access can be taken here; 0 when it is JavaScript's (unknown guest or device, an id or
 * stamp it would refuse). */
static int plan(access *a, const double *ranges, uint32_t nranges, double shift)
{
    if (a->guest > ID_MAX || a->vcpu > ID_MAX) return 0;
    a->range = find_range(ranges, nranges, a->guest, a->addr);
    if (a->range == -2) return 0;
    if (a->range < 0) return 1;
    if (ranges[a->range * MSX_KRANGE_FIELDS + 3] < 0) return 0; /* a device the guest has not used yet */
    double x = a->ts + shift;
    double r = floor(x);
    if (x - r >= 0.5) r += 1; /* Math.round: ties up, exact for every integer */
    if (!(fabs(r) <= TS_LIMIT)) return 0;
    a->ts_ns = r;
    return 1;
}

int32_t msx_scan_kvm(const uint8_t *buf, uint32_t from, uint32_t to, double *io, const double *ranges,
                     uint32_t nranges, uint8_t *batch, uint32_t cap, double *counts, double *open)
{
    const double shift = io[MSX_KIO_SHIFT];
    const uint32_t limit = (uint32_t)io[MSX_KIO_LIMIT];
    const int quiet = io[MSX_KIO_QUIET] != 0;
    uint32_t nopen = (uint32_t)io[MSX_KIO_OPEN_N];
    const uint32_t open_cap = (uint32_t)io[MSX_KIO_OPEN_CAP];
    uint32_t nev = (uint32_t)io[MSX_KIO_N];
    double last_ts = io[MSX_KIO_LAST_TS];
    double lines = 0, kept = 0, malformed = 0, misses = 0;
    int32_t rc = MSX_SCAN_END;

    const batch_out out = batch_out_view(batch, cap);

    const uint8_t *p = buf + from;
    const uint8_t *end = buf + to;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break; /* to is past a newline: not reached */
        const long n = (long)(nl - p) - (nl > p && nl[-1] == '\r'); /* LineScanner drops one CR */
        const uint8_t *s = p;
        if ((size_t)(nl - p) > MSX_SCAN_MAX_LINE || memchr(p, 0, (size_t)(nl - p))) {
            rc = MSX_SCAN_PUNT; /* lines.ts reports these */
            break;
        }
        const uint8_t *ev = memmem(s, (size_t)n, "kvm_mmio:", 9);
        access a[2];
        int na = 0;
        long close = -1;  /* open record this line removes */
        int opens = 0;    /* this line opens a read (an unsatisfied-read) */
        kctx c;
        payload pl = { 0, 0, 0, 0 };
        if (ev) {
            /* FtraceStyleParser.parseLine: the first kvm_mmio with a context; anything else is JavaScript's */
            if (context(s, n, ev - s, &c) != 1 || !c.has_tgid) {
                rc = MSX_SCAN_PUNT;
                break;
            }
            long at = (ev - s) + 9;
            while (at < n && s[at] == ' ') at++;
            int type = parse_payload(s, n, at, &pl);
            if (type == PAYLOAD_PUNT || (type == PAYLOAD_MALFORMED && !quiet)) {
                rc = MSX_SCAN_PUNT;
                break;
            }
            if (type == PAYLOAD_MALFORMED) {
                /* reported on its own line; an open read stays open */
                malformed++;
                lines++;
                p = nl + 1;
                continue;
            }
            /* KvmMmioParser.mmio: the thread's open read, if any, is completed by a matching read
             * or abandoned (handed out first, value as its line had it) */
            close = find_open(open, nopen, c.thread);
            int completes = 0;
            if (close >= 0) {
                const double *w = open + close * MSX_KOPEN_FIELDS;
                completes = type == MMIO_READ && w[4] == pl.addr && w[5] == pl.size;
                if (!completes) a[na++] = abandoned(w);
            }
            if (type == MMIO_UNSATISFIED_READ) {
                opens = 1;
                if (close < 0 && nopen >= open_cap) {
                    rc = MSX_SCAN_PUNT;
                    break;
                }
            } else {
                a[na++] = (access){ .guest = c.guest, .vcpu = c.vcpu, .ts = c.ts, .addr = pl.addr, .size = pl.size,
                                    .lo = pl.lo, .hi = pl.hi, .write = type == MMIO_WRITE };
            }
        } else {
            if (n > 0 && (s[0] == '#' || (s[0] == 'C' && starts(s, n, 0, "CPU:")))) {
                rc = MSX_SCAN_PUNT; /* header and lost-event lines: JavaScript reads them */
                break;
            }
            if (nopen > 0) {
                /* closeOnEntryOrExit: the thread ran again, so its open read will never complete */
                const uint8_t *e = memmem(s, (size_t)n, ": kvm_entry:", 12);
                if (!e) e = memmem(s, (size_t)n, ": kvm_exit:", 11);
                if (e) {
                    int r = context(s, n, (e - s) + 2, &c);
                    if (r < 0) {
                        rc = MSX_SCAN_PUNT;
                        break;
                    }
                    if (r == 1 && (close = find_open(open, nopen, c.thread)) >= 0) a[na++] = abandoned(open + close * MSX_KOPEN_FIELDS);
                }
            }
        }
        int ok = 1;
        for (int k = 0; k < na && ok; k++) ok = plan(&a[k], ranges, nranges, shift);
        if (!ok) {
            rc = MSX_SCAN_PUNT;
            break;
        }
        /* room for the line's events (an abandoned read and its own access at most) */
        uint32_t need = 0;
        for (int k = 0; k < na; k++) need += a[k].range >= 0;
        if (nev + need > limit) {
            rc = MSX_SCAN_FULL;
            break;
        }
        /* commit: the open reads, then the accesses in order */
        if (close >= 0) {
            memmove(open + close * MSX_KOPEN_FIELDS, open + (close + 1) * MSX_KOPEN_FIELDS,
                    (size_t)(nopen - (uint32_t)close - 1) * MSX_KOPEN_FIELDS * sizeof(double));
            nopen--;
        }
        if (opens) {
            double *w = open + nopen * MSX_KOPEN_FIELDS;
            w[0] = c.thread, w[1] = c.guest, w[2] = c.vcpu, w[3] = c.ts;
            w[4] = pl.addr, w[5] = pl.size, w[6] = pl.lo, w[7] = pl.hi;
            nopen++;
        }
        for (int k = 0; k < na; k++) {
            const access *x = &a[k];
            if (x->range < 0) {
                misses++;
                continue;
            }
            const double *rg = ranges + x->range * MSX_KRANGE_FIELDS;
            last_ts = x->ts_ns;
            batch_put(&out, nev, x->ts_ns, (uint32_t)x->lo, (uint32_t)x->hi, (uint32_t)(x->addr - rg[5]), (int32_t)x->guest,
                      (int32_t)x->vcpu, (uint16_t)rg[3], (uint8_t)rg[4], (uint8_t)x->size, (uint8_t)x->write);
            nev++;
            kept++;
            counts[2 * x->range + x->write] += 1;
        }
        lines++;
        p = nl + 1;
    }
    io[MSX_KIO_N] = nev;
    io[MSX_KIO_LAST_TS] = last_ts;
    io[MSX_KIO_POS] = (double)(p - buf);
    io[MSX_KIO_LINES] = lines;
    io[MSX_KIO_KEPT] = kept;
    io[MSX_KIO_MALFORMED] = malformed;
    io[MSX_KIO_MISSES] = misses;
    io[MSX_KIO_OPEN_N] = nopen;
    return rc;
}
