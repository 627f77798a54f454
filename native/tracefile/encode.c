/* Native EventBatch encoder (see encode.h). Every step mirrors test/oracles/batch-encode.js
 * BatchEncoder.encode; the comments name the JS step each block reproduces. */
#define _POSIX_C_SOURCE 200809L
#include "crc32.h"
#include "encode.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum {
    F_COUNT = 1, F_TS_UNIT = 2, F_TS_COARSE = 3, F_TS_CODE = 4, F_KEY = 5, F_KEYS = 6,
    F_K_GUEST = 7, F_K_VCPU = 8, F_K_DEVICE = 9, F_K_ACCESS = 10, F_K_OFFSET = 11, F_K_VALUE = 12,
    F_GUEST_ALL = 13, F_VCPU_ALL = 14, F_DEVICE_ALL = 15, F_ACCESS_ALL = 16, F_OFFSET_ALL = 17, F_CRC = 31
};

#define N MSX_ENC_MAX_BATCH
#define HBITS 17
#define HSIZE (1u << HBITS)
#define TS_LIMIT 9007199254740992.0 /* 2^53 */
#define BIG_STEP (INT64_C(1) << 50)

typedef struct encoder {
    int64_t steps[N];
    int32_t key_of[N];
    /* dictionary in first-appearance order */
    int32_t e_guest[N];
    int32_t e_vcpu[N];
    uint16_t e_device[N];
    uint8_t e_access[N];
    uint32_t e_offset[N];
    uint32_t e_lo[N];
    uint32_t e_hi[N];
    uint32_t e_count[N];
    int32_t rank[N];  /* first-appearance index -> written index */
    int32_t order[N]; /* written index -> first-appearance index */
    /* distinct tuples: open addressing, generation-stamped */
    int32_t hslot[HSIZE];
    uint32_t hstamp[HSIZE];
    /* last value per (device, PBA bit, offset) */
    uint64_t vkey[HSIZE];
    uint64_t vval[HSIZE];
    uint32_t vstamp[HSIZE];
    uint32_t stamp;
    uint8_t col[16u * N + 64u]; /* one column: at most 10 bytes per value */
    /* the encoding thread (msx_encode_start/msx_encode_finish), started at the first job */
    int thread_started;
    int state; /* JOB_* */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const uint8_t *j_batch;
    uint32_t j_cap, j_n, j_ndev, j_outcap;
    uint8_t *j_out;
    int32_t j_result;
} encoder;

enum { JOB_IDLE = 0, JOB_QUEUED = 1, JOB_DONE = 2, JOB_QUIT = 3 };

/* ---- wire helpers ------------------------------------------------------------------------------- */

static inline uint8_t *put_varint(uint8_t *p, uint64_t v) {
    while (v > 0x7f) {
        *p++ = (uint8_t)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline uint64_t zz(int64_t q) { return q >= 0 ? (uint64_t)q * 2u : (uint64_t)(-(q + 1)) * 2u + 1u; }

static inline uint8_t *put_tag(uint8_t *p, unsigned field, unsigned wire) { return put_varint(p, (uint64_t)field * 8u + wire); }

static inline int vsize(uint64_t v) {
    int n = 1;
    while (v >= 128) {
        v >>= 7;
        n++;
    }
    return n;
}

/* The JS flushColumn: tag, length, then the column bytes (nothing when the column is empty). */
static uint8_t *flush_col(uint8_t *p, unsigned field, const uint8_t *col, const uint8_t *col_end) {
    size_t len = (size_t)(col_end - col);
    if (len == 0) return p;
    p = put_tag(p, field, 2);
    p = put_varint(p, len);
    memcpy(p, col, len);
    return p + len;
}

static int log2_size(uint8_t s) {
    switch (s) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    default: return -1;
    }
}

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

MSX_ENC_API void *msx_encoder_create(void) {
    encoder *e = calloc(1, sizeof *e);
    return e;
}

static void *encode_thread(void *arg);

MSX_ENC_API void msx_encoder_destroy(void *enc) {
    encoder *e = enc;
    if (e == NULL) return;
    if (e->thread_started) {
        pthread_mutex_lock(&e->mu);
        while (e->state == JOB_QUEUED) pthread_cond_wait(&e->cv, &e->mu);
        e->state = JOB_QUIT;
        pthread_cond_broadcast(&e->cv);
        pthread_mutex_unlock(&e->mu);
        pthread_join(e->thread, NULL);
        pthread_cond_destroy(&e->cv);
        pthread_mutex_destroy(&e->mu);
    }
    free(e);
}

/* BatchEncoder.timestamps(). Returns NULL when a ts is refused. */
static uint8_t *timestamps(encoder *e, const double *ts, uint32_t n, uint8_t *w) {
    int64_t *steps = e->steps;
    int64_t prev = 0;
    uint64_t g = 0;
    int big = 0, all_zero = 1;
    for (uint32_t i = 0; i < n; i++) {
        double t = ts[i];
        if (!(fabs(t) <= TS_LIMIT) || t != trunc(t)) return NULL;
        int64_t ti = (int64_t)t;
        int64_t d = ti - prev; /* exact; the JS double difference is exact whenever it is used */
        prev = ti;
        steps[i] = d;
        if (d != 0) {
            all_zero = 0;
            uint64_t a = d < 0 ? (uint64_t)(-d) : (uint64_t)d;
            if (!(a < (uint64_t)BIG_STEP)) big = 1;
            else if (g != 1) g = gcd_u64(a, g); /* only used when no step is big */
        }
    }
    if (all_zero) return w;
    int64_t unit = big ? 1 : (int64_t)g;
    int64_t coarse = 0;
    int small = !big;
    if (small) {
        for (uint32_t i = 0; i < n; i++) {
            int64_t q = steps[i] / unit;
            if (q > 0x3fffffff || q < -0x3fffffff) {
                small = 0;
                break;
            }
        }
    }
    if (small) {
        static const int64_t COARSE[6] = { 0, 10, 100, 1000, 10000, 100000 };
        int64_t s[6] = { 0, 0, 0, 0, 0, 0 };
        for (uint32_t i = 0; i < n; i++) {
            int64_t q = steps[i] / unit;
            uint64_t z = zz(q);
            s[0] += vsize(z);
            int vo = vsize(z * 2 + 1);
            if (q % 10 != 0) { s[1] += vo; s[2] += vo; s[3] += vo; s[4] += vo; s[5] += vo; continue; }
            s[1] += vsize(zz(q / 10) * 2);
            if (q % 100 != 0) { s[2] += vo; s[3] += vo; s[4] += vo; s[5] += vo; continue; }
            s[2] += vsize(zz(q / 100) * 2);
            if (q % 1000 != 0) { s[3] += vo; s[4] += vo; s[5] += vo; continue; }
            s[3] += vsize(zz(q / 1000) * 2);
            if (q % 10000 != 0) { s[4] += vo; s[5] += vo; continue; }
            s[4] += vsize(zz(q / 10000) * 2);
            s[5] += q % 100000 == 0 ? vsize(zz(q / 100000) * 2) : vo;
        }
        int best = 0;
        for (int k = 1; k < 6; k++) if (s[k] < s[best]) best = k;
        coarse = COARSE[best];
    }
    if (unit != 1) {
        w = put_tag(w, F_TS_UNIT, 0);
        w = put_varint(w, (uint64_t)unit);
    }
    if (coarse != 0) {
        w = put_tag(w, F_TS_COARSE, 0);
        w = put_varint(w, (uint64_t)coarse);
    }
    uint8_t *c = e->col;
    if (coarse == 0) {
        for (uint32_t i = 0; i < n; i++) c = put_varint(c, zz(steps[i] / unit));
    } else {
        for (uint32_t i = 0; i < n; i++) {
            int64_t q = steps[i] / unit;
            c = put_varint(c, q % coarse == 0 ? zz(q / coarse) * 2 : zz(q) * 2 + 1);
        }
    }
    return flush_col(w, F_TS_CODE, e->col, c);
}

/* BatchEncoder.dictionary(): distinct tuples in first-appearance order, with their counts.
 * Returns the size, or -1 when an event is refused. */
static int32_t dictionary(encoder *e, uint32_t n, uint32_t ndev, const uint32_t *vlo, const uint32_t *vhi,
                          const uint32_t *off, const int32_t *guest, const int32_t *vcpu, const uint16_t *dev,
                          const uint8_t *region, const uint8_t *size, const uint8_t *dir) {
    uint32_t stamp = ++e->stamp;
    if (stamp == 0xffffffffu) {
        memset(e->hstamp, 0, sizeof e->hstamp);
        memset(e->vstamp, 0, sizeof e->vstamp);
        stamp = e->stamp = 1;
    }
    int32_t d = 0;
    for (uint32_t i = 0; i < n; i++) {
        int l2 = log2_size(size[i]);
        if (l2 < 0 || dev[i] >= ndev || region[i] > 1 || dir[i] > 1) return -1;
        const int32_t gu = guest[i], vc = vcpu[i];
        const uint16_t dv = dev[i];
        const uint8_t access = (uint8_t)(dir[i] | (region[i] << 1) | (l2 << 2));
        const uint32_t of = off[i], lo = vlo[i], hi = vhi[i];
        uint64_t k1 = ((uint64_t)(uint32_t)gu << 32) ^ ((uint64_t)(uint32_t)vc << 7) ^ ((uint64_t)dv << 17) ^ ((uint64_t)access << 26);
        uint64_t k2 = ((uint64_t)hi << 32 | lo) ^ ((uint64_t)of * 0x9E3779B97F4A7C15ull);
        uint64_t hh = (k1 * 0xff51afd7ed558ccdull) ^ k2;
        hh ^= hh >> 29;
        hh *= 0xc4ceb9fe1a85ec53ull;
        uint32_t h = (uint32_t)(hh >> (64 - HBITS));
        int32_t k = -1;
        for (;;) {
            if (e->hstamp[h] != stamp) break;
            int32_t s = e->hslot[h];
            if (e->e_lo[s] == lo && e->e_offset[s] == of && e->e_access[s] == access && e->e_vcpu[s] == vc &&
                e->e_hi[s] == hi && e->e_guest[s] == gu && e->e_device[s] == dv) {
                k = s;
                break;
            }
            h = (h + 1) & (HSIZE - 1);
        }
        if (k < 0) {
            k = d++;
            e->hstamp[h] = stamp;
            e->hslot[h] = k;
            e->e_guest[k] = gu;
            e->e_vcpu[k] = vc;
            e->e_device[k] = dv;
            e->e_access[k] = access;
            e->e_offset[k] = of;
            e->e_lo[k] = lo;
            e->e_hi[k] = hi;
            e->e_count[k] = 0;
        }
        e->e_count[k]++;
        e->key_of[i] = k;
    }
    return d;
}

static int by_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The last value at a (device, PBA bit, offset) slot in this batch (0 before the first). */
static uint64_t *value_slot(encoder *e, uint64_t key, uint32_t stamp) {
    uint32_t h = (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - HBITS));
    for (;;) {
        if (e->vstamp[h] != stamp) {
            e->vstamp[h] = stamp;
            e->vkey[h] = key;
            e->vval[h] = 0;
            return &e->vval[h];
        }
        if (e->vkey[h] == key) return &e->vval[h];
        h = (h + 1) & (HSIZE - 1);
    }
}

MSX_ENC_API int32_t msx_encode_batch(void *enc, const uint8_t *batch, uint32_t cap, uint32_t n, uint32_t ndev,
                                     uint8_t *out, uint32_t outcap) {
    encoder *e = enc;
    if (e == NULL || n < 1 || n > N || n > cap) return MSX_ENC_REFUSED;
    if (outcap < MSX_ENCODE_BOUND(n)) return MSX_ENC_SPACE;
    const double *ts = (const double *)batch;
    const uint32_t *vlo = (const uint32_t *)(batch + 8u * cap);
    const uint32_t *vhi = (const uint32_t *)(batch + 12u * cap);
    const uint32_t *off = (const uint32_t *)(batch + 16u * cap);
    const int32_t *guest = (const int32_t *)(batch + 20u * cap);
    const int32_t *vcpu = (const int32_t *)(batch + 24u * cap);
    const uint16_t *dev = (const uint16_t *)(batch + 28u * cap);
    const uint8_t *region = batch + 30u * cap;
    const uint8_t *size = batch + 31u * cap;
    const uint8_t *dir = batch + 32u * cap;

    uint8_t *w = out;
    w = put_tag(w, F_COUNT, 0);
    w = put_varint(w, n);
    w = timestamps(e, ts, n, w);
    if (w == NULL) return MSX_ENC_REFUSED;

    int32_t d = dictionary(e, n, ndev, vlo, vhi, off, guest, vcpu, dev, region, size, dir);
    if (d < 0) return MSX_ENC_REFUSED;
    int32_t *order = e->order, *rank = e->rank;
    if (d > 128) {
        /* Most frequent first, ties by first appearance (a total order, so it is the JS sort's):
         * sort (complemented count, index) pairs, in the steps scratch (no longer needed). */
        uint64_t *pairs = (uint64_t *)e->steps;
        for (int32_t k = 0; k < d; k++) pairs[k] = ((uint64_t)(0xffffffffu - e->e_count[k]) << 32) | (uint32_t)k;
        qsort(pairs, (size_t)d, sizeof *pairs, by_u64);
        for (int32_t k = 0; k < d; k++) {
            order[k] = (int32_t)(pairs[k] & 0xffffffffu);
            rank[order[k]] = k;
        }
    } else {
        for (int32_t k = 0; k < d; k++) order[k] = rank[k] = k;
    }
    uint8_t *c;
    if (d > 1) {
        c = e->col;
        for (uint32_t i = 0; i < n; i++) c = put_varint(c, (uint64_t)rank[e->key_of[i]]);
        w = flush_col(w, F_KEY, e->col, c);
    }
    w = put_tag(w, F_KEYS, 0);
    w = put_varint(w, (uint64_t)d);

#define CONSTANT(arr, out_const)                                                                    \
    do {                                                                                            \
        out_const = 1;                                                                              \
        for (int32_t k = 1; k < d; k++)                                                             \
            if (e->arr[order[k]] != e->arr[order[0]]) { out_const = 0; break; }                     \
    } while (0)
    int same;

    CONSTANT(e_guest, same);
    if (same) {
        int32_t g = e->e_guest[order[0]];
        if (g != 0) { w = put_tag(w, F_GUEST_ALL, 0); w = put_varint(w, zz(g)); }
    } else {
        int64_t g = 0;
        c = e->col;
        for (int32_t k = 0; k < d; k++) {
            int64_t v = e->e_guest[order[k]];
            c = put_varint(c, zz(v - g));
            g = v;
        }
        w = flush_col(w, F_K_GUEST, e->col, c);
    }
    CONSTANT(e_vcpu, same);
    if (same) {
        int32_t v = e->e_vcpu[order[0]];
        if (v != 0) { w = put_tag(w, F_VCPU_ALL, 0); w = put_varint(w, zz(v)); }
    } else {
        c = e->col;
        for (int32_t k = 0; k < d; k++) c = put_varint(c, zz(e->e_vcpu[order[k]]));
        w = flush_col(w, F_K_VCPU, e->col, c);
    }
    CONSTANT(e_device, same);
    if (same) {
        uint16_t v = e->e_device[order[0]];
        if (v != 0) { w = put_tag(w, F_DEVICE_ALL, 0); w = put_varint(w, v); }
    } else {
        c = e->col;
        for (int32_t k = 0; k < d; k++) c = put_varint(c, e->e_device[order[k]]);
        w = flush_col(w, F_K_DEVICE, e->col, c);
    }
    CONSTANT(e_access, same);
    if (same) {
        uint8_t v = e->e_access[order[0]];
        if (v != 0) { w = put_tag(w, F_ACCESS_ALL, 0); w = put_varint(w, v); }
    } else {
        c = e->col;
        for (int32_t k = 0; k < d; k++) c = put_varint(c, e->e_access[order[k]]);
        w = flush_col(w, F_K_ACCESS, e->col, c);
    }
    CONSTANT(e_offset, same);
    if (same) {
        uint32_t v = e->e_offset[order[0]];
        if (v != 0) { w = put_tag(w, F_OFFSET_ALL, 0); w = put_varint(w, v); }
    } else {
        c = e->col;
        for (int32_t k = 0; k < d; k++) c = put_varint(c, e->e_offset[order[k]]);
        w = flush_col(w, F_K_OFFSET, e->col, c);
    }
#undef CONSTANT

    /* Values: XOR the previous entry at the same (device, PBA bit, offset). */
    uint32_t vstamp = e->stamp; /* fresh for this batch (dictionary() advanced it) */
    int any = 0;
    c = e->col;
    for (int32_t k = 0; k < d; k++) {
        int32_t x = order[k];
        uint64_t key = ((uint64_t)e->e_device[x] << 33) | ((uint64_t)(e->e_access[x] & 2) << 31) | e->e_offset[x];
        uint64_t v = ((uint64_t)e->e_hi[x] << 32) | e->e_lo[x];
        uint64_t *last = value_slot(e, key, vstamp);
        uint64_t xv = v ^ *last;
        if (xv != 0) any = 1;
        c = put_varint(c, xv);
        *last = v;
    }
    if (any) w = flush_col(w, F_K_VALUE, e->col, c);

    uint32_t crc = msx_crc32(0, out, (uint32_t)(w - out));
    w = put_tag(w, F_CRC, 5);
    memcpy(w, &crc, 4); /* little-endian (x86-64, aarch64) */
    w += 4;
    return (int32_t)(w - out);
}

/* ---- encoding on a second thread ---------------------------------------------------------------- */

static void *encode_thread(void *arg) {
    encoder *e = arg;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (e->state != JOB_QUEUED && e->state != JOB_QUIT) pthread_cond_wait(&e->cv, &e->mu);
        if (e->state == JOB_QUIT) break;
        pthread_mutex_unlock(&e->mu);
        int32_t r = msx_encode_batch(e, e->j_batch, e->j_cap, e->j_n, e->j_ndev, e->j_out, e->j_outcap);
        pthread_mutex_lock(&e->mu);
        e->j_result = r;
        e->state = JOB_DONE;
        pthread_cond_broadcast(&e->cv);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

MSX_ENC_API int32_t msx_encode_start(void *enc, const uint8_t *batch, uint32_t cap, uint32_t n, uint32_t ndev,
                                     uint8_t *out, uint32_t outcap) {
    encoder *e = enc;
    if (e == NULL) return MSX_ENC_REFUSED;
    if (!e->thread_started) {
        if (pthread_mutex_init(&e->mu, NULL) != 0) return MSX_ENC_NO_THREAD;
        if (pthread_cond_init(&e->cv, NULL) != 0) {
            pthread_mutex_destroy(&e->mu);
            return MSX_ENC_NO_THREAD;
        }
        e->state = JOB_IDLE;
        if (pthread_create(&e->thread, NULL, encode_thread, e) != 0) {
            pthread_cond_destroy(&e->cv);
            pthread_mutex_destroy(&e->mu);
            return MSX_ENC_NO_THREAD;
        }
        e->thread_started = 1;
    }
    pthread_mutex_lock(&e->mu);
    if (e->state == JOB_QUEUED || e->state == JOB_DONE) {
        pthread_mutex_unlock(&e->mu);
        return MSX_ENC_BUSY;
    }
    e->j_batch = batch;
    e->j_cap = cap;
    e->j_n = n;
    e->j_ndev = ndev;
    e->j_out = out;
    e->j_outcap = outcap;
    e->state = JOB_QUEUED;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    return 0;
}

MSX_ENC_API int32_t msx_encode_finish(void *enc) {
    encoder *e = enc;
    if (e == NULL || !e->thread_started) return MSX_ENC_BUSY;
    pthread_mutex_lock(&e->mu);
    while (e->state == JOB_QUEUED) pthread_cond_wait(&e->cv, &e->mu);
    int32_t r = e->state == JOB_DONE ? e->j_result : MSX_ENC_BUSY;
    if (e->state == JOB_DONE) e->state = JOB_IDLE;
    pthread_mutex_unlock(&e->mu);
    return r;
}
