/* Random-feed driver for the native models, built with the sanitizers by scripts/sanitize.sh.
 *
 *   random_feed [-q] [-x wrap,unaligned] SEED EVENTS
 *
 * Generates EVENTS random events (seeded xoshiro256**, so a seed reproduces a run exactly) in
 * rounds. Each round draws a random device set (1..8 devices, now and then up to 300; entry counts
 * 1..2048; PBA on/off, on the table's page, inside the table, on its own page; table addresses
 * aligned or not, near page boundaries and near 2^64) and creates a context for EVERY model and
 * both starts (cold and warm). Each batch (random size 1..65536, now and then with a device index
 * the header does not list) is fed to all of them, most with decision bytes and a quarter without;
 * after every call the invariants of invariants.h are checked. In 30% of the rounds every context
 * also has a twin fed the same batches without decisions, whose counters must stay equal. The first violation prints what failed, with the seed, round, batch, model and
 * geometry, and exits 1. Memory errors and undefined behaviour are the sanitizers' to report.
 *
 * Geometry no PCI device can have (a table crossing 2^64, or not 8-byte aligned) may be refused by
 * msx_create, as long as every model refuses it alike; such rounds are counted and skipped.
 *
 * -x excludes geometry classes (for bisecting a report, or while a known bug is open):
 *   wrap       no table crossing 2^64 (table_gpa + entries*16 > 2^64)
 *   unaligned  table_gpa a multiple of 8, as the PCI BIR/offset encoding guarantees
 * -q prints only the final summary line.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "invariants.h"
#include "msixtrace.h"

#define EVENT_BYTES 33u /* 8 + 4*5 + 2 + 1*3: one event across all columns */
#define MAX_BATCH 65536u
#define MAX_DEV 300u

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---- */
static uint64_t rs[4];
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rnd(void)
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}
static uint32_t below(uint32_t n) { return n ? (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32) : 0; } /* 0..n-1 */
static int chance(uint32_t percent) { return below(100) < percent; }

/* ---- options ---- */
static int quiet, no_wrap, no_unaligned;

/* ---- geometry ---- */
static const uint64_t TOP = 0; /* 2^64 mod 2^64 */

static uint64_t table_base(uint32_t entries)
{
    uint64_t len = (uint64_t)entries * 16, page, in_page;
    switch (below(10)) {
    case 0: page = TOP - 4096 * (1 + (uint64_t)below(16)); break; /* top pages of the address space */
    case 1: page = 0; break;
    case 2: page = (rnd() & ~0xfffull); break;                      /* anywhere */
    default: page = ((uint64_t)(0xe0000u + below(0x20000u)) << 12); /* the usual 32-bit MMIO hole */
    }
    switch (below(10)) {
    case 0: case 1: case 2: case 3: in_page = 0; break;
    case 4: in_page = (4096 - len % 4096) % 4096; break;           /* ends exactly on a page boundary */
    case 5: in_page = 4096 - 16 * (1 + (uint64_t)below(4)); break; /* crosses into the next page */
    case 6: in_page = (uint64_t)below(512) * 8; break;             /* 8-aligned, as PCI allows */
    case 7: in_page = (uint64_t)below(256) * 16; break;
    case 8: in_page = 4096 - 8; break;
    default: in_page = below(4096); break;                         /* not even 8-aligned */
    }
    uint64_t t = page + in_page;
    if (chance(3))
        t = TOP - len; /* the table ends exactly at 2^64 */
    else if (chance(3))
        t = TOP - 16 * (1 + (uint64_t)below(entries)); /* crosses 2^64 unless it's short enough */
    if (no_unaligned)
        t &= ~7ull;
    if (no_wrap && t != 0 && t > TOP - len) /* t + len > 2^64 */
        t = TOP - len;                      /* then aligned too: len is a multiple of 16 */
    return t;
}

static void make_device(msx_device_cfg *d)
{
    uint32_t entries;
    switch (below(10)) {
    case 0: entries = 1; break;
    case 1: entries = 2048; break;
    case 2: case 3: case 4: entries = 1 + below(16); break;
    default: entries = 1 + below(2048); break;
    }
    memset(d, 0, sizeof *d);
    d->entries = entries;
    d->table_gpa = table_base(entries);
    uint64_t t = d->table_gpa, len = (uint64_t)entries * 16, pba_len = ((entries + 63) / 64) * 8;
    switch (below(8)) {
    case 0: d->pba_gpa = t + len; break;                                       /* right after the table */
    case 1: d->pba_gpa = ((t + len - 1) & ~0xfffull) + 4096 - pba_len; break;  /* end of the table's last page */
    case 2: d->pba_gpa = (t & ~0xfffull) + below(4096) ; break;                /* table's first page, maybe inside */
    case 3: d->pba_gpa = ((t + len + 4095) & ~0xfffull) + 4096 * below(4); break; /* a page of its own */
    case 4: d->pba_gpa = t + 8 * below(entries * 2); break;                    /* overlapping the table */
    case 5: d->pba_gpa = TOP - 8 * (1 + below(64)); break;                     /* near 2^64 */
    case 6: d->pba_gpa = rnd(); break;
    default: d->pba_gpa = ((uint64_t)(0xe0000u + below(0x20000u)) << 12); break;
    }
    d->has_pba = chance(50) ? (chance(90) ? 1 : (uint32_t)rnd() | 1) : 0; /* any non-zero means yes */
    if (chance(10)) {
        d->reserved[0] = (uint32_t)rnd();
        d->reserved[1] = (uint32_t)rnd();
    }
}

/* ---- events ---- */
struct cols {
    double *ts;
    uint32_t *vlo, *vhi, *off;
    int32_t *guest, *vcpu;
    uint16_t *dev;
    uint8_t *region, *size, *dir;
};

static void view(struct cols *c, uint8_t *buf, uint32_t cap)
{
    msx_batch b;
    msx_batch_view(&b, buf, cap);
    c->ts = (double *)(void *)(uintptr_t)b.ts_ns;
    c->vlo = (uint32_t *)(uintptr_t)b.value_lo;
    c->vhi = (uint32_t *)(uintptr_t)b.value_hi;
    c->off = (uint32_t *)(uintptr_t)b.offset;
    c->guest = (int32_t *)(uintptr_t)b.guest;
    c->vcpu = (int32_t *)(uintptr_t)b.vcpu;
    c->dev = (uint16_t *)(uintptr_t)b.device;
    c->region = (uint8_t *)(uintptr_t)b.region;
    c->size = (uint8_t *)(uintptr_t)b.size;
    c->dir = (uint8_t *)(uintptr_t)b.dir;
}

static double ts_now;

static uint8_t rand_size(void)
{
    uint32_t r = below(100);
    if (r < 45) return 4;
    if (r < 70) return 8;
    if (r < 80) return 1;
    if (r < 90) return 2;
    static const uint8_t bad[] = {0, 3, 5, 6, 7, 16, 32, 64, 128, 255};
    return r < 97 ? bad[below(sizeof bad)] : (uint8_t)rnd();
}

static int32_t rand_vcpu(void)
{
    uint32_t r = below(100);
    if (r < 70) return (int32_t)below(4);
    if (r < 80) return -1;
    static const int32_t odd[] = {-2, 4093, 4094, 4095, 4096, 4097, 65535, INT32_MAX, INT32_MIN, INT32_MIN + 1};
    if (r < 95) return odd[below(sizeof odd / sizeof odd[0])];
    return (int32_t)(uint32_t)rnd();
}

static uint32_t rand_value(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 0xffffffffu;
    case 3: return 0xfee00000u | (below(256) << 12);
    default: return (uint32_t)rnd();
    }
}

static uint32_t rand_entry(uint32_t entries)
{
    uint32_t r = below(100);
    if (r < 40) return below(entries < 4 ? entries : 4);
    if (r < 55) return entries - 1;
    return below(entries);
}

static uint32_t rand_table_off(uint32_t entries)
{
    uint32_t r = below(100), len = entries * 16;
    if (r < 60) {
        static const uint32_t fo[] = {0, 4, 8, 12};
        uint32_t o = chance(85) ? fo[below(4)] : below(16);
        return rand_entry(entries) * 16 + o;
    }
    if (r < 75) return len + below(4096 + 64);      /* beyond the table, often on its last page */
    if (r < 85) return below(len);                   /* anywhere inside, any alignment */
    if (r < 90) return 0xffffffffu - below(64);       /* the very end of the offset range */
    if (r < 95) return len - 1 - below(len < 16 ? len : 16); /* the table's last bytes */
    return (uint32_t)rnd();
}

static uint32_t rand_pba_off(uint32_t entries)
{
    uint32_t r = below(100), plen = ((entries + 63) / 64) * 8;
    if (r < 70) return below(plen) & (chance(80) ? ~7u : ~0u);
    if (r < 85) return plen + below(4096);
    if (r < 90) return 0xffffffffu - below(64);
    return (uint32_t)rnd();
}

/* One event at index i for device `dev` (geometry g). */
static void put(struct cols *c, uint32_t i, uint16_t dev, const msx_device_cfg *g, uint8_t region, uint32_t off,
                uint8_t size, uint8_t dir, uint32_t vlo, uint32_t vhi, int32_t vcpu)
{
    (void)g;
    ts_now += 1 + below(1000);
    c->ts[i] = ts_now;
    c->vlo[i] = vlo;
    c->vhi[i] = vhi;
    c->off[i] = off;
    c->guest[i] = chance(95) ? 7 : (int32_t)(uint32_t)rnd();
    c->vcpu[i] = vcpu;
    c->dev[i] = dev;
    c->region[i] = region;
    c->size[i] = size;
    c->dir[i] = dir;
}

/* Fills events [0, n): mostly independent random accesses, now and then a whole entry programming
 * sequence (address, data, then an unmask; dwords or qwords) so the cold-start binds happen. */
static void fill_batch(struct cols *c, uint32_t n, const msx_device_cfg *devs, uint32_t ndev)
{
    uint32_t i = 0;
    while (i < n) {
        uint16_t dev = (uint16_t)(ndev <= 4 || chance(60) ? below(ndev < 4 ? ndev : 4) : below(ndev));
        const msx_device_cfg *g = &devs[dev];
        int32_t vcpu = rand_vcpu();
        if (chance(4) && n - i >= 4) {
            uint32_t e = rand_entry(g->entries) * 16;
            if (chance(50)) { /* dwords: addr_lo, addr_hi, data, vector_ctrl unmask */
                put(c, i++, dev, g, 0, e + 0, 4, 1, rand_value(), 0, vcpu);
                put(c, i++, dev, g, 0, e + 4, 4, 1, rand_value(), 0, vcpu);
                put(c, i++, dev, g, 0, e + 8, 4, 1, rand_value(), 0, vcpu);
                put(c, i++, dev, g, 0, e + 12, 4, 1, chance(80) ? 0 : 1, 0, vcpu);
            } else { /* qwords: address, then data + vector_ctrl (unmask in the high half) */
                put(c, i++, dev, g, 0, e + 0, 8, 1, rand_value(), rand_value(), vcpu);
                put(c, i++, dev, g, 0, e + 8, 8, 1, rand_value(), chance(80) ? 0 : 1, vcpu);
                put(c, i++, dev, g, 0, e + 12, 4, 0, 0, 0, vcpu);
                put(c, i++, dev, g, 0, e + 8, 8, 0, 0, 0, vcpu);
            }
            continue;
        }
        uint8_t region = chance(75) ? MSX_REGION_TABLE : chance(90) ? MSX_REGION_PBA : (uint8_t)(2 + below(254));
        uint32_t off = region == MSX_REGION_PBA ? rand_pba_off(g->entries) : rand_table_off(g->entries);
        uint8_t dir = chance(98) ? (uint8_t)below(2) : (uint8_t)(2 + below(254));
        put(c, i++, dev, g, region, off, rand_size(), dir, rand_value(), rand_value(), vcpu);
    }
}

/* ---- contexts ---- */
struct run {
    int32_t model;
    const char *name;
    int32_t start;
    msx_ctx *with, *without; /* fed with decisions / without */
};

static unsigned long long g_seed;
static uint64_t g_round, g_batch;

static void dump_devices(const msx_device_cfg *devs, uint32_t ndev)
{
    for (uint32_t k = 0; k < ndev && k < 16; k++)
        fprintf(stderr, "  dev %u: table_gpa 0x%016" PRIx64 " entries %u pba_gpa 0x%016" PRIx64 " has_pba %u\n", k,
                devs[k].table_gpa, devs[k].entries, devs[k].pba_gpa, devs[k].has_pba);
    if (ndev > 16)
        fprintf(stderr, "  ... %u devices\n", ndev);
}

static void violation(const struct run *r, const msx_device_cfg *devs, uint32_t ndev, const char *what)
{
    fprintf(stderr, "VIOLATION (seed %llu, round %llu, batch %llu, model %s, %s start): %s\n", g_seed,
            (unsigned long long)g_round, (unsigned long long)g_batch, r ? r->name : "-",
            r ? (r->start == MSX_START_WARM ? "warm" : "cold") : "-", what);
    if (devs)
        dump_devices(devs, ndev);
    exit(1);
}

/* API edges that need no randomness: bad arguments, NULLs, partial counter copies. */
static void api_edges(void)
{
    int32_t nm = msx_model_count();
    if (nm < 1)
        violation(NULL, NULL, 0, "msx_model_count < 1");
    for (int32_t m = 0; m < nm; m++) {
        const char *nmname = msx_model_name(m);
        if (!nmname || msx_model_find(nmname) != m)
            violation(NULL, NULL, 0, "model name/find do not round-trip");
    }
    if (msx_model_name(-1) || msx_model_name(nm) || msx_model_find(NULL) != -1 || msx_model_find("") != -1 ||
        msx_model_find("kvm") != msx_model_find("forward-all"))
        violation(NULL, NULL, 0, "model name/find edge cases");
    for (int32_t r = -2; r < 40; r++)
        if (!msx_reason_text(r))
            violation(NULL, NULL, 0, "msx_reason_text returned NULL");

    msx_device_cfg d;
    memset(&d, 0, sizeof d);
    d.entries = 4;
    d.table_gpa = 0xfebc0000;
    if (msx_create(-1, 0, &d, 1, 0) || msx_create(nm, 0, &d, 1, 0) || msx_create(0, 2, &d, 1, 0) ||
        msx_create(0, -1, &d, 1, 0) || msx_create(0, 0, NULL, 1, 0) || msx_create(0, 0, &d, 0, 0))
        violation(NULL, NULL, 0, "msx_create accepted bad arguments");
    d.entries = 0;
    if (msx_create(0, 0, &d, 1, 0))
        violation(NULL, NULL, 0, "msx_create accepted 0 entries");
    d.entries = 2049;
    if (msx_create(0, 0, &d, 1, 0))
        violation(NULL, NULL, 0, "msx_create accepted 2049 entries");
    d.entries = 4;
    msx_destroy(NULL);
    msx_counters(NULL, NULL, 0);

    msx_ctx *c = msx_create(nm - 1, MSX_START_WARM, &d, 1, 0);
    if (!c)
        violation(NULL, NULL, 0, "msx_create refused a good device");
    uint8_t *buf = calloc(8, EVENT_BYTES);
    if (msx_feed(NULL, buf, 8, 1, NULL) != -1 || msx_feed(c, NULL, 8, 1, NULL) != -1 ||
        msx_feed(c, buf, 8, 9, NULL) != -1 || msx_feed(c, buf, 0, 0, NULL) != 0 || msx_feed(c, buf, 8, 0, NULL) != 0)
        violation(NULL, NULL, 0, "msx_feed argument checks");
    uint64_t cnt[MSX_COUNTERS + 1];
    for (uint32_t k = 0; k <= MSX_COUNTERS; k++)
        cnt[k] = 0xa5a5a5a5a5a5a5a5ull;
    msx_counters(c, cnt, 3);
    if (cnt[3] != 0xa5a5a5a5a5a5a5a5ull)
        violation(NULL, NULL, 0, "msx_counters wrote past n");
    msx_counters(c, cnt, MSX_COUNTERS + 1000);
    if (cnt[MSX_COUNTERS] != 0xa5a5a5a5a5a5a5a5ull || cnt[MSX_C_EVENTS] != 0)
        violation(NULL, NULL, 0, "msx_counters wrote past MSX_COUNTERS or counted events that were not fed");
    free(buf);
    msx_destroy(c);
}

static void parse_excludes(const char *s)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", s);
    for (char *tok = strtok(tmp, ","); tok; tok = strtok(NULL, ",")) {
        if (!strcmp(tok, "wrap"))
            no_wrap = 1;
        else if (!strcmp(tok, "unaligned"))
            no_unaligned = 1;
        else {
            fprintf(stderr, "random_feed: unknown -x class '%s' (wrap, unaligned)\n", tok);
            exit(2);
        }
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: random_feed [-q] [-x wrap,unaligned] SEED EVENTS\n");
    exit(2);
}

static unsigned long long parse_u64(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || !*s || *end)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    int ai = 1;
    for (; ai < argc && argv[ai][0] == '-' && argv[ai][1]; ai++) {
        if (!strcmp(argv[ai], "-q"))
            quiet = 1;
        else if (!strcmp(argv[ai], "-x") && ai + 1 < argc)
            parse_excludes(argv[++ai]);
        else
            usage();
    }
    if (argc - ai != 2)
        usage();
    g_seed = parse_u64(argv[ai]);
    unsigned long long total = parse_u64(argv[ai + 1]);
    uint64_t sm = g_seed;
    for (int k = 0; k < 4; k++)
        rs[k] = splitmix(&sm);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    api_edges();

    const int32_t nm = msx_model_count();
    const uint32_t nruns = (uint32_t)nm * 2;
    struct run *runs = calloc(nruns, sizeof *runs);
    msx_device_cfg *devs = calloc(MAX_DEV, sizeof *devs);
    if (!runs || !devs)
        return 2;
    for (int32_t m = 0; m < nm; m++)
        for (int s = 0; s < 2; s++) {
            struct run *r = &runs[m * 2 + s];
            r->model = m;
            r->name = msx_model_name(m);
            r->start = s ? MSX_START_WARM : MSX_START_COLD;
        }

    unsigned long long generated = 0, fed_per_ctx = 0, bad_dev_batches = 0, decided = 0, twin_rounds = 0,
                       refused_rounds = 0;
    unsigned long long outcomes[4] = {0, 0, 0, 0}, crashes = 0, deferred = 0;
    char err[512];

    while (generated < total) {
        /* New round: new geometry, fresh contexts for every model x start x decisions on/off. */
        g_round++;
        uint32_t ndev = chance(95) ? 1 + below(8) : 1 + below(MAX_DEV);
        for (uint32_t k = 0; k < ndev; k++)
            make_device(&devs[k]);
        uint32_t options = chance(50) ? MSX_OPT_XEN34_MOD_QUIRK : 0;
        if (chance(5))
            options |= (uint32_t)rnd() & ~1u; /* unknown option bits are ignored */
        /* In some rounds every context gets a twin fed the same batches without decisions, whose
         * counters must match; in the others a quarter of the batches go without decisions. */
        int twins = chance(30);
        int refused = 0;
        for (uint32_t k = 0; k < nruns; k++) {
            struct run *r = &runs[k];
            r->with = msx_create(r->model, r->start, devs, ndev, options);
            r->without = twins ? msx_create(r->model, r->start, devs, ndev, options) : NULL;
            refused += !r->with + (twins && !r->without);
        }
        if (refused) {
            /* Geometry no PCI device can have may be refused, by every model alike; anything
             * else must be accepted. */
            if (!msxck_may_refuse(devs, ndev))
                violation(NULL, devs, ndev, "msx_create refused a valid device set");
            if (refused != (int)nruns * (twins ? 2 : 1))
                violation(NULL, devs, ndev, "msx_create refused the device set for some models only");
            refused_rounds++;
            continue;
        }
        twin_rounds += twins;
        unsigned long long round_left = 1000 + below(chance(20) ? 500000 : 50000);
        ts_now = 0;

        while (round_left > 0 && generated < total) {
            g_batch++;
            /* batch size: log-uniform 1..65536 */
            uint32_t n = 1u << below(17);
            n = n / 2 + 1 + below(n / 2 + 1);
            if (n > MAX_BATCH)
                n = MAX_BATCH;
            if (n > round_left)
                n = (uint32_t)round_left;
            if (n > total - generated)
                n = (uint32_t)(total - generated);
            uint32_t cap = (n + 7) & ~7u;
            if (chance(10))
                cap += 8 * below(16); /* a buffer laid out for more than it holds */
            /* Exactly cap*33 bytes, so a read past the last column is a heap overflow. */
            uint8_t *buf = malloc((size_t)cap * EVENT_BYTES);
            uint8_t *dec = malloc(n ? n : 1), *scratch = malloc(n ? n : 1);
            if (!buf || !dec || !scratch)
                return 2;
            memset(buf, 0xee, (size_t)cap * EVENT_BYTES); /* padding slots hold garbage */
            struct cols c;
            view(&c, buf, cap);
            fill_batch(&c, n, devs, ndev);
            if (chance(2)) { /* a device index the header does not list: the batch stops there */
                c.dev[below(n)] = (uint16_t)(ndev + below(65536 - ndev));
                bad_dev_batches++;
            }
            msx_batch b;
            msx_batch_view(&b, buf, cap);
            int no_dec = chance(25);
            struct msxck_prep prep;
            msxck_prepare(&prep, devs, ndev, &b, n, scratch);

            for (uint32_t k = 0; k < nruns; k++) {
                struct run *r = &runs[k];
                uint64_t before[MSX_COUNTERS], after[MSX_COUNTERS], twin[MSX_COUNTERS];
                msx_counters(r->with, before, MSX_COUNTERS);
                uint8_t *d = twins || !no_dec ? dec : NULL;
                if (d)
                    memset(d, 0xff, n ? n : 1);
                int32_t rc = msx_feed(r->with, buf, cap, n, d);
                msx_counters(r->with, after, MSX_COUNTERS);
                if (msxck_batch(r->name, &prep, rc, d, before, after, err, sizeof err))
                    violation(r, devs, ndev, err);
                if (twins) {
                    int32_t rc2 = msx_feed(r->without, buf, cap, n, NULL);
                    msx_counters(r->without, twin, MSX_COUNTERS);
                    if (rc2 != rc || memcmp(twin, after, sizeof twin))
                        violation(r, devs, ndev, "counters differ between the contexts fed with and without decisions");
                }
                uint64_t fed = after[MSX_C_EVENTS] - before[MSX_C_EVENTS];
                if (d) {
                    for (uint64_t i = 0; i < fed; i++)
                        outcomes[MSX_OUTCOME(d[i])]++;
                    decided += fed;
                }
                crashes += after[MSX_C_GUEST_CRASH] - before[MSX_C_GUEST_CRASH];
                deferred += after[MSX_C_DEFERRED_UNMASKS] - before[MSX_C_DEFERRED_UNMASKS];
                if (k == 0)
                    fed_per_ctx += fed;
            }
            free(buf);
            free(dec);
            free(scratch);
            generated += n;
            round_left -= n;
        }

        for (uint32_t k = 0; k < nruns; k++) {
            msx_destroy(runs[k].with);
            msx_destroy(runs[k].without);
            runs[k].with = runs[k].without = NULL;
        }
        if (!quiet)
            fprintf(stderr, "round %llu: %u devices, %llu events so far\n", (unsigned long long)g_round, ndev,
                    generated);
    }

    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("random_feed OK: seed %llu, %llu events generated (%llu fed to each of %u contexts), %llu rounds "
           "(%llu with twins fed without decisions, %llu refused by msx_create), "
           "%llu batches (%llu with a bad device), %llu decisions checked: absorbed %llu forwarded %llu both %llu, "
           "crashes %llu, deferred unmasks %llu, %.1f s\n",
           g_seed, generated, fed_per_ctx, nruns, (unsigned long long)g_round, twin_rounds, refused_rounds, (unsigned long long)g_batch,
           bad_dev_batches, decided, outcomes[0], outcomes[1], outcomes[2], crashes, deferred, secs);
    free(runs);
    free(devs);
    return 0;
}
