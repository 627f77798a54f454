/* Native EventBatch decoder: the reader's hot path (src/native/decode.ts). The encoding is
 * documented in proto/msixtrace.proto; test/oracles/batch-decode.js holds the reference decoder
 * and the tests cross-check the two on random batches. */
#include <string.h>
#include "crc32.h"
#include "decode.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- varints ------------------------------------------------------------------------------------ */
/* Reads an unsigned varint at *pp (< end); 0 or a negative MSX_DEC_* code. */
static inline int get_u64(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (p < end && *p < 0x80) {
        *v = *p;
        *pp = p + 1;
        return 0;
    }
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (p >= end)
            return MSX_DEC_TRUNCATED;
        uint8_t c = *p++;
        if (shift == 63 && c > 1)
            return MSX_DEC_VARINT;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80) {
            *v = r;
            *pp = p;
            return 0;
        }
    }
    return MSX_DEC_VARINT;
}

/* get_u64 with the 2- and 3-byte cases unrolled (ts deltas, keys past 127); the rest, and every
 * error, is get_u64's from the same position, so results and error offsets are the same. */
static inline int get_u64_short(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (end - p >= 3) {
        uint32_t c0 = p[0], c1 = p[1], c2 = p[2];
        if (c0 < 0x80) {
            *v = c0;
            *pp = p + 1;
            return 0;
        }
        if (c1 < 0x80) {
            *v = (c0 & 0x7f) | c1 << 7;
            *pp = p + 2;
            return 0;
        }
        if (c2 < 0x80) {
            *v = (c0 & 0x7f) | (c1 & 0x7f) << 7 | c2 << 14;
            *pp = p + 3;
            return 0;
        }
    }
    return get_u64(pp, end, v);
}

static inline int64_t unzigzag(uint64_t z)
{
    return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

#define TS_LIMIT ((int64_t)1 << 53)

/* ---- the event columns -------------------------------------------------------------------------- */
/* The key and ts columns are one value per event, so they are where decoding spends its time; each
 * has its own function so the compiler keeps the loop state in registers (inside decode_core the
 * FAIL stores through info[] forced reloads). Both return 0 or an MSX_DEC_* code with *at set to
 * the same byte decode_core always reported. */

/* Keys: keyout[i] = the i-th key, every key < d. Runs of 8 one-byte keys in range (the common case:
 * most batches have under 128 distinct accesses) are checked and widened 8 at a time; any other key
 * is read alone the general way, so every error names the same byte as before. */
__attribute__((noinline)) static int keys_column(const uint8_t *q, const uint8_t *qe, uint32_t n, uint32_t d, uint16_t *restrict keyout,
                       const uint8_t **at)
{
#if defined(__SSE2__)
    /* A byte b < 0x80 is >= d (d < 128) exactly when b + (0x80 - d) sets its top bit; no carry
     * crosses bytes because b + 0x80 - d <= 0xfe. With d >= 128 every one-byte key is in range. */
    const uint64_t top = 0x8080808080808080ull;
    const uint64_t bias = d >= 128 ? 0 : (0x80u - d) * 0x0101010101010101ull;
    const uint64_t range_top = d >= 128 ? 0 : top;
    const __m128i zero = _mm_setzero_si128();
#endif
    uint32_t i = 0;
    while (i < n) {
#if defined(__SSE2__)
        while (i + 8 <= n && qe - q >= 8) {
            uint64_t w;
            memcpy(&w, q, 8);
            if ((w & top) | ((w + bias) & range_top))
                break;
            _mm_storeu_si128((__m128i *)(void *)(keyout + i), _mm_unpacklo_epi8(_mm_cvtsi64_si128((long long)w), zero));
            q += 8;
            i += 8;
        }
        if (i == n)
            break;
#endif
        uint32_t k;
        if (q < qe && *q < 0x80) {
            k = *q++;
        } else {
            uint64_t v;
            int rc;
            if (q >= qe) {
                *at = q;
                return MSX_DEC_FEW;
            }
            const uint8_t *kat = q;
            if ((rc = get_u64_short(&q, qe, &v)) < 0) {
                *at = q;
                return rc;
            }
            if (v >= d) {
                *at = kat;
                return MSX_DEC_KEY;
            }
            k = (uint32_t)v;
        }
        if (k >= d) {
            *at = q - 1;
            return MSX_DEC_KEY;
        }
        keyout[i++] = (uint16_t)k;
    }
    if (q != qe) {
        *at = q;
        return MSX_DEC_MANY;
    }
    return 0;
}

/* ts: the running sum of the ts codes (proto/msixtrace.proto: ts_unit, ts_coarse), every partial sum
 * within +-2^53 ns; stored in ts[i] unless ts is NULL; the batch's smallest and largest in *lo, *hi. */
__attribute__((noinline)) static int ts_column(const uint8_t *q, const uint8_t *qe, uint32_t n, uint64_t unit, uint64_t coarse,
                     double *restrict ts, int64_t *lo, int64_t *hi, const uint8_t **at)
{
    const uint64_t mul = coarse ? coarse : 1;
    /* Products below 2^62 need no overflow checks: unit, mul, unit * mul and the code under 2^31. */
    const int fast = unit < ((uint64_t)1 << 31) && mul < ((uint64_t)1 << 31) && unit * mul < ((uint64_t)1 << 31);
    /* With ts_coarse a code's low bit says fine (1: ts_unit steps) or coarse (0: ts_coarse steps). */
    const unsigned shift = coarse ? 1 : 0;
    const uint64_t fine_bit = coarse ? 1 : 0;
    const int64_t step[2] = { (int64_t)(mul * unit), (int64_t)unit };
    int64_t t = 0, tmin = INT64_MAX, tmax = INT64_MIN;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *vat = q;
        uint64_t v;
        uint32_t w, stop;
        /* Codes of 1, 2 and 3 bytes mix unpredictably (short and long gaps), so they are read
         * without a branch on their length: the first byte below 0x80 ends the code. */
        if (qe - q >= 4 && (memcpy(&w, q, 4), stop = ~w & 0x00808080u) != 0) {
            const unsigned len = ((unsigned)__builtin_ctz(stop) >> 3) + 1;
            const uint32_t x = (w & 0x7fu) | ((w >> 1) & 0x3f80u) | ((w >> 2) & 0x1fc000u);
            v = x & ((1u << (7 * len)) - 1);
            q += len;
        } else if (q < qe && *q < 0x80) {
            v = *q++;
        } else {
            int rc;
            if (q >= qe) {
                *at = q;
                return MSX_DEC_FEW;
            }
            if ((rc = get_u64_short(&q, qe, &v)) < 0) {
                *at = q;
                return rc;
            }
        }
        const int64_t qq = unzigzag(v >> shift);
        if (fast && v < ((uint64_t)1 << 31)) {
            t += qq * step[v & fine_bit];
        } else {
            const uint64_t k = coarse && !(v & 1) ? coarse : 1;
            __int128 s = qq;
            if (s > ((__int128)1 << 54) || s < -((__int128)1 << 54))
                goto bad_ts;
            s *= (__int128)k;
            if (s > ((__int128)1 << 54) || s < -((__int128)1 << 54))
                goto bad_ts;
            s *= (__int128)unit;
            if (s > ((__int128)1 << 54) || s < -((__int128)1 << 54))
                goto bad_ts;
            t += (int64_t)s;
        }
        if (t > TS_LIMIT || t < -TS_LIMIT)
            goto bad_ts;
        if (ts)
            ts[i] = (double)t;
        tmin = t < tmin ? t : tmin;
        tmax = t > tmax ? t : tmax;
        continue;
    bad_ts:
        *at = vat;
        return MSX_DEC_TS;
    }
    if (q != qe) {
        *at = q;
        return MSX_DEC_MANY;
    }
    *lo = tmin;
    *hi = tmax;
    return 0;
}

/* ---- the decoder -------------------------------------------------------------------------------- */

enum { C_TS, C_KEY, C_GUEST, C_VCPU, C_DEVICE, C_ACCESS, C_OFFSET, C_VALUE, NCOLS };
static const int8_t col_of_field[13] = { -1, -1, -1, -1, C_TS, C_KEY, -1, C_GUEST, C_VCPU, C_DEVICE, C_ACCESS,
                                         C_OFFSET, C_VALUE };


MSX_API uint32_t msx_decode_scratch_size(void)
{
    return (uint32_t)sizeof(struct msx_dict) + 16;
}

#define FAIL(code, at)                                  \
    do {                                                \
        info[0] = (double)((at) - buf);                 \
        return (code);                                  \
    } while (0)

/* The decoder proper. With `keyout` NULL it expands every event into the column buffer `out`; with
 * `keyout` it writes only each event's dictionary index to keyout[i] (leaving the dictionary in the
 * scratch for the caller, *dict_out) and ts_ns is checked and bounded but not stored. Both modes
 * run the same checks in the same order, so they fail alike, at the same byte. */
static int32_t decode_core(const uint8_t *buf, uint32_t start, uint32_t end, uint8_t *out, uint32_t cap,
                           uint32_t ndev, uint8_t *scratch, uint32_t scratch_len, double *info, uint16_t *keyout,
                           struct msx_dict **dict_out, uint32_t *nkeys, double *ts_keys)
{
    const uint8_t *p = buf + start, *e = buf + end, *m0 = p;
    const uint8_t *cs[NCOLS] = { 0 }, *ce[NCOLS] = { 0 };
    uint64_t count = 0, keys = 0, unit = 1, coarse = 0, device_all = 0, access_all = 0, offset_all = 0;
    int64_t guest_all = 0, vcpu_all = 0;
    int have_count = 0, crc_seen = 0, rc;
    uint64_t v;

    info[0] = (double)start;
    if (scratch_len < msx_decode_scratch_size())
        return MSX_DEC_SCRATCH;
    struct msx_dict *dc = (struct msx_dict *)(void *)(scratch + ((16 - ((uintptr_t)scratch & 15)) & 15));

    while (p < e) {
        const uint8_t *tag_at = p;
        if ((rc = get_u64(&p, e, &v)) < 0)
            FAIL(rc, p);
        uint64_t field = v >> 3;
        uint32_t wire = (uint32_t)(v & 7);
        if (field == 31 && wire == 5) {
            if (e - p < 4)
                FAIL(MSX_DEC_TRUNCATED, p);
            uint32_t got = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            if (got != msx_crc32(0, m0, (uint32_t)(tag_at - m0)))
                FAIL(MSX_DEC_CRC_MISMATCH, m0);
            p += 4;
            if (p != e)
                FAIL(MSX_DEC_AFTER_CRC, p);
            crc_seen = 1;
            break;
        }
        int col = field < 13 ? col_of_field[field] : -1;
        if (col >= 0) {
            if (wire != 2)
                FAIL(MSX_DEC_NOT_PACKED, p);
            if ((rc = get_u64(&p, e, &v)) < 0)
                FAIL(rc, p);
            if (v > (uint64_t)(e - p))
                FAIL(MSX_DEC_TRUNCATED, p);
            if (cs[col])
                FAIL(MSX_DEC_TWICE, tag_at);
            cs[col] = p;
            ce[col] = p + v;
            p += v;
            continue;
        }
        if (wire == 0) {
            const uint8_t *at = p;
            switch (field) {
            case 1: case 2: case 3: case 6: case 13: case 14: case 15: case 16: case 17:
                if ((rc = get_u64(&p, e, &v)) < 0)
                    FAIL(rc, p);
                switch (field) {
                case 1: count = v; have_count = 1; break;
                case 6: keys = v; break;
                case 2: if (v > (uint64_t)TS_LIMIT) FAIL(MSX_DEC_TS, at); unit = v ? v : 1; break;
                case 3: if (v > (uint64_t)TS_LIMIT) FAIL(MSX_DEC_TS, at); coarse = v; break;
                case 13: guest_all = unzigzag(v); if (guest_all != (int32_t)guest_all) FAIL(MSX_DEC_GUEST, at); break;
                case 14: vcpu_all = unzigzag(v); if (vcpu_all != (int32_t)vcpu_all) FAIL(MSX_DEC_VCPU, at); break;
                case 15: device_all = v; if (v >= ndev || v > 0xffff) FAIL(MSX_DEC_DEVICE, at); break;
                case 16: access_all = v; if (v > 15) FAIL(MSX_DEC_ACCESS, at); break;
                case 17: offset_all = v; if (v > 0xffffffffu) FAIL(MSX_DEC_OFFSET, at); break;
                }
                continue;
            default:
                break;
            }
        }
        /* unknown field: skip */
        switch (wire) {
        case 0:
            if ((rc = get_u64(&p, e, &v)) < 0)
                FAIL(rc, p);
            break;
        case 1:
            if (e - p < 8)
                FAIL(MSX_DEC_TRUNCATED, p);
            p += 8;
            break;
        case 2:
            if ((rc = get_u64(&p, e, &v)) < 0)
                FAIL(rc, p);
            if (v > (uint64_t)(e - p))
                FAIL(MSX_DEC_TRUNCATED, p);
            p += v;
            break;
        case 5:
            if (e - p < 4)
                FAIL(MSX_DEC_TRUNCATED, p);
            p += 4;
            break;
        default:
            FAIL(MSX_DEC_WIRETYPE, p);
        }
    }
    if (!crc_seen)
        FAIL(MSX_DEC_CRC_MISSING, m0);
    if (!have_count || count > MAXB || count > cap)
        FAIL(MSX_DEC_COUNT, m0);
    if (count > 0 ? keys < 1 || keys > count : keys != 0)
        FAIL(MSX_DEC_KEYS, m0);
    const uint32_t n = (uint32_t)count, d = (uint32_t)keys;

    /* ---- dictionary ---- */
#define COLUMN(c, len, body, absent)                                  \
    do {                                                              \
        if (cs[c]) {                                                  \
            const uint8_t *q = cs[c], *qe = ce[c];                    \
            for (uint32_t k = 0; k < (len); k++) {                    \
                const uint8_t *at = q;                                \
                if (q >= qe)                                          \
                    FAIL(MSX_DEC_FEW, q);                             \
                if ((rc = get_u64(&q, qe, &v)) < 0)                   \
                    FAIL(rc, q);                                      \
                (void)at;                                             \
                body;                                                 \
            }                                                         \
            if (q != qe)                                              \
                FAIL(MSX_DEC_MANY, q);                                \
        } else {                                                      \
            for (uint32_t k = 0; k < (len); k++) {                    \
                absent;                                               \
            }                                                         \
        }                                                             \
    } while (0)

    int64_t g = 0;
    COLUMN(C_GUEST, d, { g += unzigzag(v); if (g != (int32_t)g) FAIL(MSX_DEC_GUEST, at); dc->guest[k] = (int32_t)g; },
           { dc->guest[k] = (int32_t)guest_all; });
    COLUMN(C_VCPU, d, { int64_t x = unzigzag(v); if (x != (int32_t)x) FAIL(MSX_DEC_VCPU, at); dc->vcpu[k] = (int32_t)x; },
           { dc->vcpu[k] = (int32_t)vcpu_all; });
    COLUMN(C_DEVICE, d, { if (v >= ndev || v > 0xffff) FAIL(MSX_DEC_DEVICE, at); dc->device[k] = (uint16_t)v; },
           { dc->device[k] = (uint16_t)device_all; });
    COLUMN(C_ACCESS, d, { if (v > 15) FAIL(MSX_DEC_ACCESS, at); dc->access[k] = (uint8_t)v; },
           { dc->access[k] = (uint8_t)access_all; });
    COLUMN(C_OFFSET, d, { if (v > 0xffffffffu) FAIL(MSX_DEC_OFFSET, at); dc->offset[k] = (uint32_t)v; },
           { dc->offset[k] = (uint32_t)offset_all; });
    if (cs[C_VALUE]) {
        /* value XOR the previous entry at the same (device, region, offset): a slot hash. */
        uint32_t hs = 16;
        while (hs < 2 * d)
            hs <<= 1;
        memset(dc->hslot, 0, hs * sizeof dc->hslot[0]);
        COLUMN(C_VALUE, d, {
            uint64_t slot = (uint64_t)dc->device[k] << 33 | (uint64_t)((dc->access[k] >> 1) & 1) << 32 | dc->offset[k];
            uint64_t h = (slot * 0x9E3779B97F4A7C15ull) >> 32;
            uint32_t i = (uint32_t)h & (hs - 1);
            uint64_t prev = 0;
            for (;;) {
                uint32_t s = dc->hslot[i];
                if (!s)
                    break;
                uint32_t j = s - 1;
                if (dc->offset[j] == dc->offset[k] && dc->device[j] == dc->device[k] &&
                    ((dc->access[j] ^ dc->access[k]) & 2) == 0) {
                    prev = (uint64_t)dc->hi[j] << 32 | dc->lo[j];
                    break;
                }
                i = (i + 1) & (hs - 1);
            }
            dc->hslot[i] = k + 1;
            uint64_t val = v ^ prev;
            dc->lo[k] = (uint32_t)val;
            dc->hi[k] = (uint32_t)(val >> 32);
        }, { (void)0; });
    } else {
        memset(dc->lo, 0, d * sizeof dc->lo[0]);
        memset(dc->hi, 0, d * sizeof dc->hi[0]);
    }

    if (dict_out)
        *dict_out = dc;
    if (nkeys)
        *nkeys = d;

    /* ---- events ---- */
    uint8_t *o = keyout ? NULL : out; /* keys mode: no columns; ts is checked, and stored in ts_keys if given */
    double *ts = keyout ? ts_keys : NULL;
    uint32_t *vlo = NULL, *vhi = NULL, *off = NULL;
    int32_t *guest = NULL, *vcpu = NULL;
    uint16_t *dev = NULL;
    uint8_t *region = NULL, *size = NULL, *dir = NULL;
    if (o) {
        ts = (double *)(void *)o;
        o += 8u * cap;
        vlo = (uint32_t *)(void *)o;
        o += 4u * cap;
        vhi = (uint32_t *)(void *)o;
        o += 4u * cap;
        off = (uint32_t *)(void *)o;
        o += 4u * cap;
        guest = (int32_t *)(void *)o;
        o += 4u * cap;
        vcpu = (int32_t *)(void *)o;
        o += 4u * cap;
        dev = (uint16_t *)(void *)o;
        o += 2u * cap;
        region = o;
        o += cap;
        size = o;
        o += cap;
        dir = o;
    }

#define SET_EVENT(i, k)                                  \
    do {                                                 \
        uint8_t a_ = dc->access[k];                      \
        vlo[i] = dc->lo[k];                              \
        vhi[i] = dc->hi[k];                              \
        off[i] = dc->offset[k];                          \
        guest[i] = dc->guest[k];                         \
        vcpu[i] = dc->vcpu[k];                           \
        dev[i] = dc->device[k];                          \
        region[i] = (a_ >> 1) & 1;                       \
        size[i] = (uint8_t)(1u << ((a_ >> 2) & 3));      \
        dir[i] = a_ & 1;                                 \
    } while (0)

    const uint8_t *at = NULL;
    if (cs[C_KEY]) {
        /* Column mode reads the keys the way keys mode does, then expands them. */
        uint16_t *keys_of = keyout ? keyout : dc->keys;
        if ((rc = keys_column(cs[C_KEY], ce[C_KEY], n, d, keys_of, &at)) < 0)
            FAIL(rc, at);
        if (!keyout)
            for (uint32_t i = 0; i < n; i++)
                SET_EVENT(i, keys_of[i]);
    } else if (keyout) {
        memset(keyout, 0, n * sizeof *keyout);
    } else {
        for (uint32_t i = 0; i < n; i++)
            SET_EVENT(i, 0);
    }

    int64_t tmin = 0, tmax = 0;
    if (cs[C_TS]) {
        if ((rc = ts_column(cs[C_TS], ce[C_TS], n, unit, coarse, ts, &tmin, &tmax, &at)) < 0)
            FAIL(rc, at);
    } else if (ts) {
        for (uint32_t i = 0; i < n; i++)
            ts[i] = 0;
    }
    info[1] = (double)tmin;
    info[2] = (double)tmax;
    return (int32_t)n;
}

MSX_API int32_t msx_decode_batch(const uint8_t *buf, uint32_t start, uint32_t end, uint8_t *out, uint32_t cap,
                                 uint32_t ndev, uint8_t *scratch, uint32_t scratch_len, double *info)
{
    return decode_core(buf, start, end, out, cap, ndev, scratch, scratch_len, info, NULL, NULL, NULL, NULL);
}

int32_t msx_decode_keys(const uint8_t *buf, uint32_t start, uint32_t end, uint32_t ndev, uint8_t *scratch,
                        uint32_t scratch_len, double *info, uint16_t *keys, struct msx_dict **dict, uint32_t *nkeys,
                        double *ts)
{
    return decode_core(buf, start, end, NULL, MAXB, ndev, scratch, scratch_len, info, keys, dict, nkeys, ts);
}
