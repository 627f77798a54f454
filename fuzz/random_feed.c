/* Random-feed driver for the native models, built with the sanitizers by scripts/sanitize.sh.
 *
 *   random_feed [-q] [-x wrap,unaligned] [-P PERCENT] SEED EVENTS
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
 * Pipeline rounds (PERCENT of the rounds msx_create accepts, default 30): replay's default path,
 * native/replay/pipeline.h, checked against msx_feed. A second context is created for a random subset of
 * the models x starts (usually all of them, in random order) and a pipeline built over them
 * (msx_pipe_create; 1 thread in 30% of the rounds, 2 in 55%, 3..5 otherwise). Every batch is made
 * representable in a trace (sizes 1/2/4/8, region and direction 0/1; timestamps drawn per round
 * from one of several step patterns, including huge, negative, zero and coarse steps; now and
 * then a batch of few distinct accesses), encoded with msx_encode_batch (or msx_encode_start/
 * finish) into an exactly sized buffer at a random offset, then
 *   - decoded with msx_decode_batch, which must give back every column exactly and the ts range;
 *   - submitted with msx_pipe_submit (and the buffer freed at once: the pipeline must not keep it),
 *     which must return the same count and ts range.
 * 10% of the messages are damaged (1..3 flipped bytes or bits with the crc32 trailer recomputed,
 * so that the structural checks are what fails; flips without the recomputation; truncations), and
 * a batch given a bad device index is encoded for a larger device count: msx_pipe_submit and
 * msx_decode_batch must return the same code with the same info[0]; a failed submit must feed
 * nothing (the pipeline is drained and its contexts' counters compared before and after it), and a
 * damaged message that still decodes is fed to the msx_feed contexts as decoded. Besides, half of
 * the batches are followed by 1..3 damaged copies of their message, submitted while the pipeline
 * is still feeding when msx_decode_batch refuses them (which msx_pipe_submit must then do alike).
 * The msx_feed contexts skip the messages the pipeline refused, so after msx_pipe_finish (at the
 * end of every round, after every damaged message, and after 2% of the batches) every pipeline
 * context's counters must equal its msx_feed twin's exactly. API edges of the pipeline, encoder and
 * decoder (NULLs, bad context tables, refused events, short buffers) are checked once at startup.
 * Half of the pipeline rounds also count what replay's --by, --interval, --explain and the
 * report's heat map need (msx_pipe_configure with small random bounds, so the overflow and the
 * interval doubling of msx_pipe_fit_interval run too; --explain text written to /dev/null after
 * every batch); at the end of the round every context's group counts, and the bucket and heat
 * counts when nothing overflowed, must add up to the events it was fed.
 *
 * Geometry no PCI device can have (a table crossing 2^64, or not 8-byte aligned) may be refused by
 * msx_create, as long as every model refuses it alike; such rounds are counted and skipped.
 *
 * -x excludes geometry classes (for bisecting a report, or while a known bug is open):
 *   wrap       no table crossing 2^64 (table_gpa + entries*16 > 2^64)
 *   unaligned  table_gpa a multiple of 8, as the PCI BIR/offset encoding guarantees
 * -P sets the share of pipeline rounds (0..100).
 * -q prints only the final summary line.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "crc32.h"
#include "decode.h"
#include "encode.h"
#include "invariants.h"
#include "msixtrace.h"
#include "pipeline.h"

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
static uint32_t pipe_percent = 30;

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
        d->start = (uint32_t)rnd(); /* read only under MSX_START_PER_DEVICE, which this driver never passes */
        d->reserved = (uint32_t)rnd();
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
/* Timestamp steps: 0 the usual 1..1000 ns; in pipeline rounds also 1 coarse (multiples of 1000),
 * 2 a common unit with zero steps, 3 small steps of both signs with now and then a huge jump,
 * 4 all equal, 5 anywhere in +-2^53 (so both the small-step and the big-step encodings and the
 * decoder's slow path are used). Always integral with |ts| <= 2^53, as a trace holds them. */
static int ts_mode;
#define TS_MAX 9007199254740992.0 /* 2^53 */

static double ts_next(void)
{
    double s;
    switch (ts_mode) {
    case 1: s = 1000.0 * (1 + below(chance(10) ? 100000 : 10)); break;
    case 2: s = 7.0 * below(40); break;
    case 3:
        if (chance(1)) {
            uint32_t bits = 1 + below(46);
            s = (double)(rnd() >> (64 - bits)); /* < 2^46 */
        } else {
            s = (double)below(3000);
        }
        if (chance(30))
            s = -s;
        break;
    case 4: s = 0; break;
    case 5: return (double)((int64_t)(rnd() >> 10) - ((int64_t)1 << 53)); /* [-2^53, 2^53) */
    default: s = 1 + below(1000); break;
    }
    double t = ts_now + s;
    if (t > TS_MAX || t < -TS_MAX)
        t = ts_now - s; /* |s| <= 2^46, so this one is in range */
    return t;
}

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
    ts_now = ts_next();
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
    msx_ctx *piped;          /* pipeline rounds: the context the pipeline feeds (or NULL) */
};

static unsigned long long g_seed;
static uint64_t g_round, g_batch;
/* the pipeline of a pipeline round */
static msx_pipe *g_pipe;
static uint32_t g_pipe_threads, g_pipe_nctx;

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
    if (g_pipe)
        fprintf(stderr, "  pipeline round: %u contexts, %u threads, ts mode %d\n", g_pipe_nctx, g_pipe_threads, ts_mode);
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
    if (msx_create(-1, 0, &d, 1, 0) || msx_create(nm, 0, &d, 1, 0) || msx_create(0, MSX_START_PER_DEVICE + 1, &d, 1, 0) ||
        msx_create(0, -1, &d, 1, 0) || msx_create(0, 0, NULL, 1, 0) || msx_create(0, 0, &d, 0, 0))
        violation(NULL, NULL, 0, "msx_create accepted bad arguments");
    d.start = 2; /* per-device starts are cold or warm only */
    if (msx_create(0, MSX_START_PER_DEVICE, &d, 1, 0))
        violation(NULL, NULL, 0, "msx_create accepted a bad per-device start");
    d.start = MSX_START_WARM;
    msx_ctx *per_device = msx_create(0, MSX_START_PER_DEVICE, &d, 1, 0);
    if (!per_device)
        violation(NULL, NULL, 0, "msx_create refused a warm per-device start");
    msx_destroy(per_device);
    d.start = 0;
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

/* ---- pipeline rounds ---------------------------------------------------------------------------- */
#define MAX_MODELS 64
static int pipelinable[MAX_MODELS]; /* msx_pipe_create takes a context of this model (probed once) */
static void *g_enc;                 /* msx_encoder_create */
static uint8_t *g_scratch;          /* msx_decode_batch's */
static uint32_t g_scratch_len;
static uint8_t *g_probe_out;        /* msx_decode_batch's columns for damaged copies, MAX_BATCH */
static uint64_t *g_snap;            /* counters of the pipeline's contexts, nruns * MSX_COUNTERS */

enum { DMG_NONE, DMG_DEVICE, DMG_FLIP_CRC, DMG_FLIP, DMG_TRUNC, DMG_KINDS };
static const char *const dmg_name[DMG_KINDS] = { "none", "bad device", "flip, crc recomputed", "flip", "truncated" };

static struct {
    unsigned long long rounds, threads[4], ctxs, batches, events, roundtrips, damaged[DMG_KINDS], refused, fed_damaged,
        compares, by_code[32], probes, probe_decoded;
} ps;

/* What the msx_feed contexts get for a batch of a pipeline round. */
struct feed {
    int skip;          /* the pipeline refused the message: skip the batch */
    const uint8_t *buf;
    uint32_t cap, n;
    uint8_t *owned;    /* buf when it is ours to free */
};

static void violationf(const struct run *r, const msx_device_cfg *devs, uint32_t ndev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));
static void violationf(const struct run *r, const msx_device_cfg *devs, uint32_t ndev, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    violation(r, devs, ndev, what);
    exit(1);
}

/* Pipeline, encoder and decoder argument checks; which models a pipeline takes. */
static void pipe_api_edges(void)
{
    int32_t nm = msx_model_count();
    if (nm > MAX_MODELS)
        violation(NULL, NULL, 0, "more models than the driver knows how to track");
    double info[3] = { 0, 0, 0 };
    uint8_t one = 0;
    if (msx_pipe_create(NULL, 1, 1, 1) || msx_pipe_submit(NULL, &one, 0, 1, info) != MSX_DEC_SCRATCH ||
        msx_pipe_finish(NULL) != -1)
        violation(NULL, NULL, 0, "msx_pipe_* accepted a NULL pipeline or context table");
    msx_pipe_destroy(NULL);

    msx_device_cfg d[2];
    memset(d, 0, sizeof d);
    d[0].entries = d[1].entries = 4;
    d[0].table_gpa = 0xfebc0000;
    d[1].table_gpa = 0xfebd0000;
    int any = 0;
    for (int32_t m = 0; m < nm; m++) {
        msx_ctx *c[3] = { msx_create(m, MSX_START_COLD, d, 1, 0), msx_create(m, MSX_START_WARM, &d[1], 1, 0),
                          msx_create(m, MSX_START_WARM, d, 2, 0) };
        if (!c[0] || !c[1] || !c[2])
            violation(NULL, NULL, 0, "msx_create refused a good device");
        msx_pipe *p = msx_pipe_create(c, 1, 1, 2);
        pipelinable[m] = p != NULL;
        any |= pipelinable[m];
        if (p) {
            msx_ctx *dup[2] = { c[0], c[0] }, *geo[2] = { c[0], c[1] };
            if (msx_pipe_create(c, 1, 2, 1) || msx_pipe_create(dup, 2, 1, 1) || msx_pipe_create(geo, 2, 1, 1) ||
                msx_pipe_create(c, 0, 1, 1) || msx_pipe_create(c, 1, 0, 1) || msx_pipe_create(&c[2], 1, 1, 1))
                violation(NULL, NULL, 0, "msx_pipe_create accepted a bad context table (ndev mismatch, a context "
                                         "twice, two geometries, nctx or ndev 0)");
            if (msx_pipe_submit(p, NULL, 0, 1, info) != MSX_DEC_SCRATCH || msx_pipe_submit(p, &one, 0, 1, NULL) != MSX_DEC_SCRATCH)
                violation(NULL, NULL, 0, "msx_pipe_submit accepted a NULL buffer or info");
            if (msx_pipe_finish(p) != 0)
                violation(NULL, NULL, 0, "msx_pipe_finish of an idle pipeline failed");
            msx_pipe_destroy(p);
        }
        for (int k = 0; k < 3; k++)
            msx_destroy(c[k]);
    }
    if (!any)
        violation(NULL, NULL, 0, "msx_pipe_create took no model at all");

    /* encoder: one good event, then one bad property at a time */
    uint8_t *b = calloc(8, EVENT_BYTES), out[MSX_ENCODE_BOUND(8)];
    struct cols c;
    if (!b)
        exit(2);
    view(&c, b, 8);
    c.size[0] = 4;
    if (msx_encode_batch(g_enc, b, 8, 1, 1, out, sizeof out) <= 0)
        violation(NULL, NULL, 0, "msx_encode_batch refused a good event");
    struct { const char *what; int32_t want; } bad[] = {
        { "n 0", MSX_ENC_REFUSED }, { "n > cap", MSX_ENC_REFUSED }, { "outcap", MSX_ENC_SPACE }, { "size 3", MSX_ENC_REFUSED },
        { "region 2", MSX_ENC_REFUSED }, { "dir 2", MSX_ENC_REFUSED }, { "ts 0.5", MSX_ENC_REFUSED },
        { "ts 2^53+2", MSX_ENC_REFUSED }, { "device >= ndev", MSX_ENC_REFUSED }, { "NULL encoder", MSX_ENC_REFUSED },
    };
    for (uint32_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        uint32_t n = 1, cap = 8, outcap = sizeof out;
        void *e = g_enc;
        switch (k) {
        case 0: n = 0; break;
        case 1: n = 9; break;
        case 2: outcap = MSX_ENCODE_BOUND(1) - 1; break;
        case 3: c.size[0] = 3; break;
        case 4: c.region[0] = 2; break;
        case 5: c.dir[0] = 2; break;
        case 6: c.ts[0] = 0.5; break;
        case 7: c.ts[0] = TS_MAX + 2; break;
        case 8: c.dev[0] = 1; break;
        case 9: e = NULL; break;
        }
        int32_t rc = msx_encode_batch(e, b, cap, n, 1, out, outcap);
        if (rc != bad[k].want)
            violationf(NULL, NULL, 0, "msx_encode_batch with %s returned %d, expected %d", bad[k].what, rc, bad[k].want);
        memset(b, 0, 8 * EVENT_BYTES);
        c.size[0] = 4;
    }
    if (msx_encode_finish(g_enc) != MSX_ENC_BUSY)
        violation(NULL, NULL, 0, "msx_encode_finish without a job did not say busy");

    /* decoder: the good event back; a scratch buffer too small; a cap below the count */
    int32_t len = msx_encode_batch(g_enc, b, 8, 1, 1, out, sizeof out);
    uint8_t *o = malloc(8 * EVENT_BYTES);
    if (!o)
        exit(2);
    if (msx_decode_batch(out, 0, (uint32_t)len, o, 8, 1, g_scratch, g_scratch_len, info) != 1 ||
        msx_decode_batch(out, 0, (uint32_t)len, o, 8, 1, g_scratch, g_scratch_len - 17, info) != MSX_DEC_SCRATCH ||
        msx_decode_batch(out, 0, (uint32_t)len, o, 0, 1, g_scratch, g_scratch_len, info) != MSX_DEC_COUNT)
        violation(NULL, NULL, 0, "msx_decode_batch: a good message, a short scratch buffer or a cap below the count");
    free(o);
    free(b);
}

static void legalize(struct cols *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint8_t z = c->size[i];
        if (z != 1 && z != 2 && z != 4 && z != 8)
            c->size[i] = (uint8_t)(1u << below(4));
        c->region[i] &= 1;
        c->dir[i] &= 1;
    }
}

/* Few distinct accesses (a dictionary under 128 entries, or of one): events from a small pool. */
static void repeat_pool(struct cols *c, uint32_t n)
{
    uint32_t pool = 1 + below(chance(50) ? 8 : 300);
    for (uint32_t i = pool; i < n; i++) {
        uint32_t j = below(pool);
        c->vlo[i] = c->vlo[j];
        c->vhi[i] = c->vhi[j];
        c->off[i] = c->off[j];
        c->guest[i] = c->guest[j];
        c->vcpu[i] = c->vcpu[j];
        c->dev[i] = c->dev[j];
        c->region[i] = c->region[j];
        c->size[i] = c->size[j];
        c->dir[i] = c->dir[j];
    }
}

/* The first column where decoded events [0, n) differ from the batch's, or NULL. */
static const char *cols_differ(const struct cols *a, const struct cols *b, uint32_t n, uint32_t *at)
{
    for (uint32_t i = 0; i < n; i++) {
        *at = i;
        if (a->ts[i] != b->ts[i]) return "ts_ns";
        if (a->vlo[i] != b->vlo[i]) return "value_lo";
        if (a->vhi[i] != b->vhi[i]) return "value_hi";
        if (a->off[i] != b->off[i]) return "offset";
        if (a->guest[i] != b->guest[i]) return "guest";
        if (a->vcpu[i] != b->vcpu[i]) return "vcpu";
        if (a->dev[i] != b->dev[i]) return "device";
        if (a->region[i] != b->region[i]) return "region";
        if (a->size[i] != b->size[i]) return "size";
        if (a->dir[i] != b->dir[i]) return "dir";
    }
    return NULL;
}

static void ts_range(const double *ts, uint32_t n, double *lo, double *hi)
{
    *lo = *hi = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i == 0 || ts[i] < *lo) *lo = ts[i];
        if (i == 0 || ts[i] > *hi) *hi = ts[i];
    }
}

/* The counting of msx_pipe_configure (replay --by/--interval/--explain, the report's heat map). */
static int g_counting, g_explain, g_fit, g_devnull = -1;
static unsigned long long g_counting_rounds, g_counting_checked, g_explain_rounds;
static double g_piped_events;

static void counting_configure(uint32_t take)
{
    g_counting = chance(50);
    g_explain = g_fit = 0;
    g_piped_events = 0;
    if (!g_counting)
        return;
    static const double intervals[] = { 0, 1, 1000, 1e6, 1e9, 7777777 };
    const int32_t by = (int32_t)below(4);
    const double interval = intervals[below(6)];
    const uint32_t max_groups = 1 + below(64), max_buckets = 1 + below(64), heat = chance(50) ? 1 + below(64) : 0;
    g_explain = chance(30);
    g_counting_rounds++;
    g_explain_rounds += (unsigned long long)g_explain;
    if (msx_pipe_configure(g_pipe, by, max_groups, interval, max_buckets, heat, g_explain) != 0)
        violation(NULL, NULL, 0, "msx_pipe_configure refused a good configuration");
    if (msx_pipe_configure(g_pipe, by, max_groups, interval, max_buckets, heat, g_explain) == 0)
        violation(NULL, NULL, 0, "msx_pipe_configure accepted a second call");
    if (interval > 0 && chance(50)) {
        g_fit = 1;
        if (msx_pipe_fit_interval(g_pipe) != 0)
            violation(NULL, NULL, 0, "msx_pipe_fit_interval refused");
    }
    if (g_explain) {
        uint8_t prefixes[64 * 16];
        uint32_t ends[64], at = 0;
        for (uint32_t k = 0; k < take && k < 64; k++) {
            at += (uint32_t)snprintf((char *)prefixes + at, sizeof prefixes - at, "{\"m\":%u,\"index\":", k);
            ends[k] = at;
        }
        if (take > 64 || msx_pipe_explain_setup(g_pipe, prefixes, ends) != 0)
            violation(NULL, NULL, 0, "msx_pipe_explain_setup refused");
        if (g_devnull < 0 && (g_devnull = open("/dev/null", O_WRONLY)) < 0)
            exit(2);
    }
}

/* After a submit that decoded n events. */
static void counting_batch(int32_t n)
{
    if (n < 0)
        return;
    if (g_explain && msx_pipe_explain_write(g_pipe, g_devnull, g_piped_events) != 0)
        violation(NULL, NULL, 0, "msx_pipe_explain_write to /dev/null failed");
    g_piped_events += n;
}

static double sum(const double *v, int32_t n)
{
    double s = 0;
    for (int32_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

/* End of a round: every count adds up to the events fed. */
static void counting_check(msx_ctx *const *pctx, const msx_device_cfg *devs, uint32_t ndev)
{
    if (!g_counting)
        return;
    g_counting_checked++;
    double sizes[7];
    if (msx_pipe_result(g_pipe, MSX_RESULT_SIZES, 0, sizes, 7) != 7)
        violation(NULL, devs, ndev, "msx_pipe_result refused the sizes");
    const uint32_t rows = (uint32_t)(sizes[0] + sizes[1]), buckets = (uint32_t)sizes[2], heat = (uint32_t)sizes[4];
    double *v = malloc(((size_t)(rows > buckets ? rows : buckets) + heat + 1) * 16 * sizeof *v);
    if (!v)
        exit(2);
    if (sizes[2] > 0 && msx_pipe_result(g_pipe, MSX_RESULT_BUCKET_KEYS, 0, v, buckets) != (int32_t)buckets)
        violation(NULL, devs, ndev, "msx_pipe_result refused the bucket keys");
    if (heat && msx_pipe_result(g_pipe, MSX_RESULT_HEAT, 0, v, heat * MSX_HEAT_COLUMNS) == (int32_t)(heat * MSX_HEAT_COLUMNS) &&
        !sizes[5] && sum(v, (int32_t)(heat * MSX_HEAT_COLUMNS)) != g_piped_events)
        violationf(NULL, devs, ndev, "heat map counts %.0f accesses, %.0f were fed", sum(v, (int32_t)(heat * MSX_HEAT_COLUMNS)), g_piped_events);
    for (uint32_t m = 0; m < g_pipe_nctx; m++) {
        const struct run *r = NULL;
        uint64_t c[MSX_COUNTERS];
        msx_counters(pctx[m], c, MSX_COUNTERS);
        int32_t got = msx_pipe_result(g_pipe, MSX_RESULT_GROUPS, m, v, rows * 8);
        if (got >= 0 && sum(v, got) != (double)c[MSX_C_EVENTS])
            violationf(r, devs, ndev, "group counts add up to %.0f, the context was fed %llu", sum(v, got), (unsigned long long)c[MSX_C_EVENTS]);
        got = msx_pipe_result(g_pipe, MSX_RESULT_BUCKETS, m, v, buckets * 2);
        if (got >= 0 && (g_fit || !sizes[3]) && sum(v, got) != (double)c[MSX_C_EVENTS])
            violationf(r, devs, ndev, "bucket counts add up to %.0f, the context was fed %llu (interval %.0f)", sum(v, got), (unsigned long long)c[MSX_C_EVENTS], sizes[6]);
    }
    free(v);
}

static void pipe_snapshot(const struct run *runs, uint32_t nruns)
{
    for (uint32_t k = 0; k < nruns; k++)
        if (runs[k].piped)
            msx_counters(runs[k].piped, g_snap + (size_t)k * MSX_COUNTERS, MSX_COUNTERS);
}

/* After msx_pipe_finish every pipeline context's counters must equal its msx_feed twin's. */
static void pipe_compare(const struct run *runs, uint32_t nruns, const msx_device_cfg *devs, uint32_t ndev, const char *when)
{
    if (msx_pipe_finish(g_pipe) != 0)
        violation(NULL, devs, ndev, "msx_pipe_finish failed");
    ps.compares++;
    for (uint32_t k = 0; k < nruns; k++) {
        const struct run *r = &runs[k];
        if (!r->piped)
            continue;
        uint64_t a[MSX_COUNTERS], b[MSX_COUNTERS];
        msx_counters(r->piped, a, MSX_COUNTERS);
        msx_counters(r->with, b, MSX_COUNTERS);
        for (int i = 0; i < MSX_COUNTERS; i++)
            if (a[i] != b[i])
                violationf(r, devs, ndev, "%s: pipeline counter %d is %llu, msx_feed's %llu (events %llu vs %llu)", when,
                           i, (unsigned long long)a[i], (unsigned long long)b[i],
                           (unsigned long long)a[MSX_C_EVENTS], (unsigned long long)b[MSX_C_EVENTS]);
    }
}

static int random_damage(void) { return chance(60) ? DMG_FLIP_CRC : chance(50) ? DMG_FLIP : DMG_TRUNC; }

/* A copy of the message m[0, len), damaged as dmg says, at a random offset *start of an exactly
 * sized buffer (garbage before it); *mlen its length. */
static uint8_t *place(const uint8_t *m, uint32_t len, int dmg, uint32_t *start, uint32_t *mlen)
{
    *start = chance(50) ? 0 : below(61);
    *mlen = dmg == DMG_TRUNC ? below(len) : len;
    uint32_t end = *start + *mlen;
    uint8_t *buf = malloc(end ? end : 1);
    if (!buf)
        exit(2);
    for (uint32_t i = 0; i < *start; i++)
        buf[i] = (uint8_t)rnd();
    uint8_t *q = buf + *start;
    memcpy(q, m, *mlen);
    if (dmg == DMG_FLIP_CRC || dmg == DMG_FLIP) {
        for (uint32_t k = 1 + below(3); k > 0; k--) {
            uint32_t pos = below(dmg == DMG_FLIP_CRC ? len - 6 : len);
            q[pos] ^= chance(50) ? (uint8_t)(1u << below(8)) : (uint8_t)(1 + below(255));
        }
        if (dmg == DMG_FLIP_CRC) { /* the trailer: 0xfd 0x01, then the crc32 of what comes before */
            uint32_t crc = msx_crc32(0, q, len - 6);
            memcpy(q + len - 4, &crc, 4); /* little-endian hosts (x86-64, aarch64), as the encoder */
        }
    }
    return buf;
}

/* Damaged copies of an encoded message submitted while the pipeline is still feeding earlier
 * batches: each that msx_decode_batch refuses must be refused by msx_pipe_submit alike (the
 * msx_feed contexts skip it, so feeding anything of it shows at the next counter comparison);
 * those that still decode are not submitted (the batch's own message covers that case). */
static void probe_damaged(const msx_device_cfg *devs, uint32_t ndev, const uint8_t *m, uint32_t len)
{
    for (uint32_t k = chance(50) ? 1 + below(3) : 0; k > 0; k--) {
        int dmg = random_damage();
        uint32_t start, mlen;
        uint8_t *msg = place(m, len, dmg, &start, &mlen);
        double id[3] = { -1.5, -1.5, -1.5 }, ip[3] = { -2.5, -2.5, -2.5 };
        int32_t rd = msx_decode_batch(msg, start, start + mlen, g_probe_out, MAX_BATCH, ndev, g_scratch, g_scratch_len, id);
        if (rd >= 0) {
            ps.probe_decoded++;
            free(msg);
            continue;
        }
        int32_t rp = msx_pipe_submit(g_pipe, msg, start, start + mlen, ip);
        free(msg);
        if (rp != rd || ip[0] != id[0])
            violationf(NULL, devs, ndev, "damaged message (%s, %u bytes at %u): msx_pipe_submit %d at byte %.0f, "
                       "msx_decode_batch %d at byte %.0f", dmg_name[dmg], mlen, start, rp, ip[0], rd, id[0]);
        ps.damaged[dmg]++;
        ps.refused++;
        ps.probes++;
        ps.by_code[-rd < 32 ? -rd : 0]++;
    }
}

/* One batch of a pipeline round: encode, maybe damage, decode both ways, submit; f says what the
 * msx_feed contexts get. bad_dev: the batch names a device >= ndev. */
static void pipe_batch(const struct run *runs, uint32_t nruns, const msx_device_cfg *devs, uint32_t ndev,
                       const uint8_t *buf, uint32_t cap, uint32_t n, int bad_dev, struct feed *f)
{
    struct cols c;
    view(&c, (uint8_t *)(uintptr_t)buf, cap);
    *f = (struct feed){ 0, buf, cap, n, NULL };

    /* encode */
    uint32_t bound = MSX_ENCODE_BOUND(n), endev = bad_dev ? 65536 : ndev;
    uint8_t *enc = malloc(bound);
    if (!enc)
        exit(2);
    int32_t len;
    if (chance(25)) { /* on the encoder's own thread */
        int32_t rc = msx_encode_start(g_enc, buf, cap, n, endev, enc, bound);
        len = rc == 0 ? msx_encode_finish(g_enc) : rc == MSX_ENC_NO_THREAD ? msx_encode_batch(g_enc, buf, cap, n, endev, enc, bound) : rc;
    } else {
        len = msx_encode_batch(g_enc, buf, cap, n, endev, enc, bound);
    }
    if (len < 8 || (uint32_t)len > bound)
        violationf(NULL, devs, ndev, "msx_encode_batch returned %d for %u events a trace can hold (bound %u)", len, n, bound);
    uint32_t crc = msx_crc32(0, enc, (uint32_t)len - 6), got;
    memcpy(&got, enc + len - 4, 4);
    if (enc[len - 6] != 0xfd || enc[len - 5] != 0x01 || got != crc)
        violation(NULL, devs, ndev, "the encoded message does not end in field 31 fixed32 holding the crc32 of the bytes before it");

    /* damage */
    int dmg = bad_dev ? DMG_DEVICE : !chance(10) ? DMG_NONE : random_damage();
    uint32_t start, mlen, end;
    uint8_t *msg = place(enc, (uint32_t)len, dmg, &start, &mlen);
    end = start + mlen;

    /* decode into columns */
    uint32_t dcap = dmg ? MAX_BATCH : ((n + 7) & ~7u) + (chance(10) ? 8 * below(4) : 0);
    uint8_t *dout = malloc((size_t)dcap * EVENT_BYTES);
    if (!dout)
        exit(2);
    memset(dout, 0xcc, (size_t)dcap * EVENT_BYTES);
    double id[3] = { -1.5, -1.5, -1.5 }, ip[3] = { -2.5, -2.5, -2.5 };
    int32_t rd = msx_decode_batch(msg, start, end, dout, dcap, ndev, g_scratch, g_scratch_len, id);

    /* submit (the pipeline must not keep the buffer) */
    if (dmg) {
        pipe_compare(runs, nruns, devs, ndev, "before a damaged message");
        pipe_snapshot(runs, nruns);
    }
    int32_t rp = msx_pipe_submit(g_pipe, msg, start, end, ip);
    counting_batch(rp);
    memset(msg, 0xa5, end ? end : 1);
    free(msg);
    if (!bad_dev)
        probe_damaged(devs, ndev, enc, (uint32_t)len);
    free(enc);

    if (rp != rd)
        violationf(NULL, devs, ndev, "msx_pipe_submit returned %d, msx_decode_batch %d (message of %u events, %u bytes at "
                   "%u, damage: %s)", rp, rd, n, mlen, start, dmg_name[dmg]);
    if (rd < 0) {
        if (ip[0] != id[0])
            violationf(NULL, devs, ndev, "%d: msx_pipe_submit says byte %.0f, msx_decode_batch byte %.0f (message %u bytes "
                       "at %u, damage: %s)", rd, ip[0], id[0], mlen, start, dmg_name[dmg]);
        if (dmg == DMG_NONE)
            violationf(NULL, devs, ndev, "an encoded batch of %u events failed to decode: %d at byte %.0f", n, rd, id[0]);
        if (dmg == DMG_DEVICE && rd != MSX_DEC_DEVICE)
            violationf(NULL, devs, ndev, "a batch with a device index >= ndev failed to decode with %d, not MSX_DEC_DEVICE", rd);
        if (msx_pipe_finish(g_pipe) != 0)
            violation(NULL, devs, ndev, "msx_pipe_finish failed");
        for (uint32_t k = 0; k < nruns; k++) {
            uint64_t a[MSX_COUNTERS];
            if (!runs[k].piped)
                continue;
            msx_counters(runs[k].piped, a, MSX_COUNTERS);
            if (memcmp(a, g_snap + (size_t)k * MSX_COUNTERS, sizeof a))
                violationf(&runs[k], devs, ndev, "msx_pipe_submit failed with %d but its contexts' counters changed", rd);
        }
        ps.damaged[dmg]++;
        ps.refused++;
        ps.by_code[-rd < 32 ? -rd : 0]++;
        free(dout);
        f->skip = 1;
        return;
    }
    if (dmg == DMG_DEVICE)
        violationf(NULL, devs, ndev, "a batch with a device index >= ndev decoded (%d events)", rd);
    if (ip[1] != id[1] || ip[2] != id[2])
        violationf(NULL, devs, ndev, "ts range: msx_pipe_submit [%.0f, %.0f], msx_decode_batch [%.0f, %.0f]", ip[1], ip[2],
                   id[1], id[2]);
    struct cols dc;
    view(&dc, dout, dcap);
    double lo, hi;
    ts_range(dc.ts, (uint32_t)rd, &lo, &hi);
    if (id[1] != lo || id[2] != hi)
        violationf(NULL, devs, ndev, "msx_decode_batch's ts range [%.0f, %.0f] is not its columns' [%.0f, %.0f]", id[1],
                   id[2], lo, hi);
    ps.batches++;
    ps.events += (uint32_t)rd;
    if (dmg == DMG_NONE) {
        uint32_t at = 0;
        const char *col = (uint32_t)rd != n ? "count" : cols_differ(&c, &dc, n, &at);
        if (col)
            violationf(NULL, devs, ndev, "msx_decode_batch of the encoded batch: %s differs at event %u of %u (got %d events)",
                       col, at, n, rd);
        ps.roundtrips++;
        free(dout);
    } else {
        /* still a well-formed message: the msx_feed contexts get what it says */
        *f = (struct feed){ 0, dout, dcap, (uint32_t)rd, dout };
        ps.damaged[dmg]++;
        ps.fed_damaged++;
    }
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
    fprintf(stderr, "usage: random_feed [-q] [-x wrap,unaligned] [-P PERCENT] SEED EVENTS\n");
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
        else if (!strcmp(argv[ai], "-P") && ai + 1 < argc) {
            unsigned long long v = parse_u64(argv[++ai]);
            if (v > 100)
                usage();
            pipe_percent = (uint32_t)v;
        } else
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
    g_enc = msx_encoder_create();
    g_scratch_len = msx_decode_scratch_size();
    g_scratch = malloc(g_scratch_len);
    g_probe_out = malloc((size_t)MAX_BATCH * EVENT_BYTES);
    if (!g_enc || !g_scratch || !g_probe_out)
        return 2;
    pipe_api_edges();

    const int32_t nm = msx_model_count();
    const uint32_t nruns = (uint32_t)nm * 2;
    struct run *runs = calloc(nruns, sizeof *runs);
    msx_device_cfg *devs = calloc(MAX_DEV, sizeof *devs);
    msx_ctx **pctx = calloc(nruns, sizeof *pctx);
    uint32_t *cand = calloc(nruns, sizeof *cand);
    g_snap = calloc((size_t)nruns * MSX_COUNTERS, sizeof *g_snap);
    if (!runs || !devs || !pctx || !cand || !g_snap)
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
        ts_mode = 0;

        if (chance(pipe_percent)) {
            /* A pipeline over second contexts of some (usually all) models x starts, in random order. */
            uint32_t nc = 0;
            for (uint32_t k = 0; k < nruns; k++)
                if (pipelinable[runs[k].model])
                    cand[nc++] = k;
            for (uint32_t k = nc; k > 1; k--) {
                uint32_t j = below(k), t = cand[k - 1];
                cand[k - 1] = cand[j];
                cand[j] = t;
            }
            uint32_t take = chance(70) ? nc : 1 + below(nc);
            for (uint32_t k = 0; k < take; k++) {
                struct run *r = &runs[cand[k]];
                r->piped = pctx[k] = msx_create(r->model, r->start, devs, ndev, options);
                if (!r->piped)
                    violation(r, devs, ndev, "msx_create refused for the pipeline a device set it took before");
            }
            uint32_t tr = below(100);
            uint32_t threads = tr < 30 ? 1 : tr < 85 ? 2 : 3 + below(3);
            if (take > 0 && chance(10)) {
                msx_ctx *keep = pctx[take - 1];
                if (msx_pipe_create(pctx, take, ndev + 1, threads))
                    violation(NULL, devs, ndev, "msx_pipe_create accepted contexts of another device count");
                pctx[take - 1] = pctx[0];
                if (take > 1 && msx_pipe_create(pctx, take, ndev, threads))
                    violation(NULL, devs, ndev, "msx_pipe_create accepted a context twice");
                pctx[take - 1] = keep;
            }
            g_pipe = take ? msx_pipe_create(pctx, take, ndev, threads) : NULL;
            if (take && !g_pipe)
                violation(NULL, devs, ndev, "msx_pipe_create refused contexts of models it takes one by one");
            if (g_pipe) {
                g_pipe_threads = threads;
                g_pipe_nctx = take;
                ps.rounds++;
                ps.threads[threads < 3 ? threads : 3]++;
                ps.ctxs += take;
                counting_configure(take);
                ts_mode = (int)below(6);
                if (chance(10)) { /* near one end of the ts range (two statements: a fixed draw order) */
                    ts_now = TS_MAX - below(1000000);
                    if (chance(50))
                        ts_now = -ts_now;
                }
            }
        }

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
            if (g_pipe) { /* what a trace can hold */
                legalize(&c, n);
                if (chance(40))
                    repeat_pool(&c, n);
            }
            int bad_dev = chance(2);
            if (bad_dev) { /* a device index the header does not list: the batch stops there */
                c.dev[below(n)] = (uint16_t)(ndev + below(65536 - ndev));
                bad_dev_batches += !g_pipe;
            }
            struct feed f = { 0, buf, cap, n, NULL };
            if (g_pipe)
                pipe_batch(runs, nruns, devs, ndev, buf, cap, n, bad_dev, &f);
            if (f.n > n) { /* a damaged message that decoded to more events */
                free(dec);
                free(scratch);
                dec = malloc(f.n);
                scratch = malloc(f.n);
                if (!dec || !scratch)
                    return 2;
            }
            msx_batch b;
            msx_batch_view(&b, f.buf, f.cap);
            int no_dec = chance(25);
            struct msxck_prep prep;
            msxck_prepare(&prep, devs, ndev, &b, f.n, scratch);

            for (uint32_t k = 0; k < nruns && !f.skip; k++) {
                struct run *r = &runs[k];
                uint64_t before[MSX_COUNTERS], after[MSX_COUNTERS], twin[MSX_COUNTERS];
                msx_counters(r->with, before, MSX_COUNTERS);
                uint8_t *d = twins || !no_dec ? dec : NULL;
                if (d)
                    memset(d, 0xff, f.n ? f.n : 1);
                int32_t rc = msx_feed(r->with, f.buf, f.cap, f.n, d);
                msx_counters(r->with, after, MSX_COUNTERS);
                if (msxck_batch(r->name, &prep, rc, d, before, after, err, sizeof err))
                    violation(r, devs, ndev, err);
                if (twins) {
                    int32_t rc2 = msx_feed(r->without, f.buf, f.cap, f.n, NULL);
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
            if (g_pipe && (f.owned || chance(2)))
                pipe_compare(runs, nruns, devs, ndev, f.owned ? "after a damaged message that decoded" : "mid-round");
            free(f.owned);
            free(buf);
            free(dec);
            free(scratch);
            generated += n;
            round_left -= n;
        }

        if (g_pipe) {
            pipe_compare(runs, nruns, devs, ndev, "end of round");
            counting_check(pctx, devs, ndev);
            msx_pipe_destroy(g_pipe); /* before the contexts it feeds */
            g_pipe = NULL;
        }
        for (uint32_t k = 0; k < nruns; k++) {
            msx_destroy(runs[k].with);
            msx_destroy(runs[k].without);
            msx_destroy(runs[k].piped);
            runs[k].with = runs[k].without = runs[k].piped = NULL;
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
           "crashes %llu, deferred unmasks %llu; pipeline: %llu events in %llu batches over %llu rounds "
           "(threads 1/2/3+: %llu/%llu/%llu, %llu contexts), %llu batches round-tripped through msx_decode_batch, "
           "%llu counter comparisons, %llu damaged messages checked (%llu refused alike, %llu of them submitted in flight, "
           "%llu decoded alike and fed; bad device %llu, flip+crc %llu, flip %llu, truncated %llu), %llu more damaged "
           "copies still decoded; counting rounds %llu (%llu checked, %llu with --explain); %.1f s\n",
           g_seed, generated, fed_per_ctx, nruns, (unsigned long long)g_round, twin_rounds, refused_rounds, (unsigned long long)g_batch,
           bad_dev_batches, decided, outcomes[0], outcomes[1], outcomes[2], crashes, deferred, ps.events, ps.batches,
           ps.rounds, ps.threads[1], ps.threads[2], ps.threads[3], ps.ctxs, ps.roundtrips, ps.compares,
           ps.refused + ps.fed_damaged, ps.refused, ps.probes, ps.fed_damaged, ps.damaged[DMG_DEVICE],
           ps.damaged[DMG_FLIP_CRC], ps.damaged[DMG_FLIP], ps.damaged[DMG_TRUNC], ps.probe_decoded, g_counting_rounds, g_counting_checked, g_explain_rounds, secs);
    if (!quiet) {
        fprintf(stderr, "refused damaged messages by code:");
        for (int k = 0; k < 32; k++)
            if (ps.by_code[k])
                fprintf(stderr, " %d: %llu", -k, ps.by_code[k]);
        fprintf(stderr, "\n");
    }
    msx_encoder_destroy(g_enc);
    free(g_scratch);
    free(g_probe_out);
    free(g_snap);
    free(pctx);
    free(cand);
    free(runs);
    free(devs);
    return 0;
}
