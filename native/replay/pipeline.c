/* Replay pipeline (pipeline.h): native decode + multi-model feed, batch-granular, with persistent
 * worker threads. Scheduling: batch b lives in slot b % NSLOT; a task is (model, batch), and a
 * model's batches run in order, one at a time. Any thread takes the ready task of the oldest batch;
 * the caller decodes ahead until all slots hold unfinished batches, then helps with the feeds. */
#define _POSIX_C_SOURCE 200809L /* write, poll under -std=c11 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "decode.h"
#include "explain.h"
#include "feedloop.h"
#include "ids.h"
#include "pipeline.h"

#define NSLOT 3
#define MAX_WORKERS 15

struct geom {
    uint64_t table_gpa, pba_gpa, span_first, span_last;
    uint32_t entries;
};

struct slot {
    uint16_t keys[MAXB];
    uint32_t hist[MAXB];     /* events per dictionary entry (when a stateless model is fed, or the heat map) */
    struct access acc[MAXB]; /* dictionary entry k as the models see it */
    uint32_t n, nkeys;
    uint32_t remaining;      /* tasks of this slot's batch not yet done */
    /* The columns of msx_pipe_configure, allocated only when asked for: */
    double *ts;              /* per event (--interval, --explain) */
    uint32_t *grow;          /* per entry: its group's first counter, group id * 8 + write * 4 (--by) */
    uint32_t *bid;           /* per event: bucket id (--interval) */
    int32_t *guest;          /* per entry (--explain) */
    uint8_t *dec;            /* per model, MAXB each: the decision bytes (any of the above) */
};

/* Per model: what its tasks count besides the counters (msx_pipe_configure). */
struct model_tally {
    uint64_t *groups;  /* (max_groups + 1) * 8: [group][write][outcome] */
    uint64_t *buckets; /* (max_buckets + 1) * 2: [bucket][absorbed, forwarded] */
    uint8_t *kdec;     /* a stateless model's decision per dictionary entry */
};

struct msx_pipe {
    msx_ctx **ctxs;
    uint32_t nctx, ndev;
    uint32_t *order;    /* models in the order idle threads take them: stateful first */
    uint32_t *nextb;    /* per model: next batch to feed */
    uint8_t *running;
    int any_stateless;
    struct geom *geom;
    uint8_t *scratch;
    uint32_t scratch_len;
    struct slot *slots[NSLOT];
    uint32_t published; /* batches queued so far */
    int quit;
    pthread_mutex_t mu;
    pthread_cond_t work; /* a batch was published, or quit */
    pthread_cond_t done; /* a task finished */
    pthread_t tid[MAX_WORKERS];
    uint32_t nworkers;
    /* msx_pipe_configure */
    int32_t by;
    double interval_ns;
    int configured, explain, decisions, heat_on, fit_interval;
    struct msx_ids groups, buckets, heat;
    uint64_t *heat_counts; /* (heat max + 1) * MSX_HEAT_COLUMNS */
    struct model_tally *tally;
    /* --explain: each model's line prefix (ex_prefix[ex_ends[m-1], ex_ends[m])) and the text buffer */
    uint8_t *ex_prefix, *ex_text;
    uint32_t *ex_ends;
    uint32_t ex_cap;
};

/* ---- one task -------------------------------------------------------------------------------- */
static void run_task(struct msx_pipe *p, uint32_t m, const struct slot *s)
{
    msx_ctx *c = p->ctxs[m];
    struct model_tally *t = &p->tally[m];
    uint8_t *dec = s->dec ? s->dec + (size_t)m * MAXB : NULL;
    uint32_t tally[MSX_TALLY];
    memset(tally, 0, sizeof tally);
    if (c->m->stateless) {
        /* The decision is a function of the access alone: once per dictionary entry. */
        for (uint32_t k = 0; k < s->nkeys; k++) {
            uint32_t h = s->hist[k];
            if (!h)
                continue;
            const struct access *a = &s->acc[k];
            uint8_t d = c->m->decide(c, &c->devs[a->dev], a);
            tally[a->fw * 8u + (d & 7u)] += h;
            if (dec)
                t->kdec[k] = d;
        }
        if (dec)
            for (uint32_t i = 0; i < s->n; i++)
                dec[i] = t->kdec[s->keys[i]];
    } else {
        c->m->feed_keys(c, s->acc, s->keys, s->n, tally, dec);
    }
    msx_fold_tally(c, tally, s->n);
    if (s->grow) {
        uint64_t *g = t->groups;
        for (uint32_t i = 0; i < s->n; i++)
            g[s->grow[s->keys[i]] + (dec[i] & 3u)]++;
    }
    if (s->bid) {
        uint64_t *b = t->buckets;
        for (uint32_t i = 0; i < s->n; i++)
            b[s->bid[i] * 2u + ((dec[i] & 3u) != MSX_ABSORB)]++;
    }
}

/* ---- scheduling (under p->mu) ------------------------------------------------------------------ */
/* The ready task of the oldest batch: a model not being fed with a queued batch left. */
static int pick(struct msx_pipe *p, uint32_t *model)
{
    uint32_t best = UINT32_MAX;
    int found = 0;
    for (uint32_t j = 0; j < p->nctx; j++) {
        uint32_t m = p->order[j];
        if (!p->running[m] && p->nextb[m] < p->published && p->nextb[m] < best) {
            best = p->nextb[m];
            *model = m;
            found = 1;
        }
    }
    return found;
}

/* Runs the picked task with the lock dropped; returns with the lock held. */
static void run_locked(struct msx_pipe *p, uint32_t m)
{
    uint32_t b = p->nextb[m];
    struct slot *s = p->slots[b % NSLOT];
    p->running[m] = 1;
    pthread_mutex_unlock(&p->mu);
    run_task(p, m, s);
    pthread_mutex_lock(&p->mu);
    p->running[m] = 0;
    p->nextb[m] = b + 1;
    s->remaining--;
    pthread_cond_broadcast(&p->done);
}

static void *worker(void *arg)
{
    struct msx_pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->quit) {
        uint32_t m;
        if (pick(p, &m))
            run_locked(p, m);
        else
            pthread_cond_wait(&p->work, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Helps (or waits) until slot s is free; with s NULL, until every queued batch is fed. */
static void drain(struct msx_pipe *p, const struct slot *s)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int busy = 0;
        if (s) {
            busy = s->remaining > 0;
        } else {
            for (uint32_t i = 0; i < NSLOT; i++)
                busy |= p->slots[i]->remaining > 0;
        }
        if (!busy)
            break;
        uint32_t m;
        if (pick(p, &m))
            run_locked(p, m);
        else
            pthread_cond_wait(&p->done, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Doubles the --interval bucket (fit_interval): bucket b becomes b >> 1 (floor(ts / 2i) =
 * floor(floor(ts / i) / 2)), and every model's counts of the two halves are summed. The new ids
 * come in the order of the old ones, so each count moves down or stays, in place. */
static int coarsen_buckets(struct msx_pipe *p)
{
    drain(p, NULL); /* no task is tallying: the ids and counts can move */
    struct msx_ids next;
    const struct msx_ids *old = &p->buckets;
    uint32_t *map = malloc(((size_t)old->n + 1) * sizeof *map);
    if (!map || msx_ids_init(&next, old->max) != 0) {
        free(map);
        return -1;
    }
    for (uint32_t i = 0; i < old->n; i++)
        map[i] = msx_ids_get(&next, (uint64_t)((int64_t)old->keys[i] >> 1));
    for (uint32_t m = 0; m < p->nctx; m++) {
        uint64_t *c = p->tally[m].buckets;
        for (uint32_t i = 0; i < old->n; i++) {
            const uint32_t j = map[i];
            if (j == i)
                continue;
            c[j * 2] += c[i * 2];
            c[j * 2 + 1] += c[i * 2 + 1];
            c[i * 2] = c[i * 2 + 1] = 0;
        }
    }
    free(map);
    msx_ids_free(&p->buckets);
    p->buckets = next;
    p->interval_ns *= 2;
    return 0;
}

/* ---- API --------------------------------------------------------------------------------------- */
MSX_API int32_t msx_pipe_submit(msx_pipe *p, const uint8_t *buf, uint32_t start, uint32_t end, double *info)
{
    if (!p || !buf || !info)
        return MSX_DEC_SCRATCH;
    struct slot *s = p->slots[p->published % NSLOT];
    drain(p, s); /* the batch that used this slot is fed everywhere */

    struct msx_dict *dc = NULL;
    uint32_t nkeys = 0;
    int32_t n = msx_decode_keys(buf, start, end, p->ndev, p->scratch, p->scratch_len, info, s->keys, &dc, &nkeys, s->ts);
    if (n < 0)
        return n;
    s->n = (uint32_t)n;
    s->nkeys = nkeys;
    for (uint32_t k = 0; k < nkeys; k++) {
        struct access *a = &s->acc[k];
        const uint8_t ac = dc->access[k];
        const uint16_t dev = dc->device[k];
        const struct geom *g = &p->geom[dev];
        memset(a, 0, sizeof *a);
        a->off = dc->offset[k];
        a->vlo = dc->lo[k];
        a->vhi = dc->hi[k];
        a->vcpu = dc->vcpu[k];
        a->size = (uint8_t)(1u << ((ac >> 2) & 3));
        a->write = (ac & 1) == MSX_DIR_WRITE;
        a->region = (ac >> 1) & 1;
        uint32_t field;
        if (a->region == MSX_REGION_PBA) {
            a->addr = g->pba_gpa + a->off;
            uint64_t page = a->addr >> MSX_PAGE_SHIFT;
            a->kind = page >= g->span_first && page <= g->span_last ? K_PBA_NEAR : K_PBA_OWN;
            field = MSX_F_PBA;
        } else {
            a->addr = g->table_gpa + a->off;
            a->kind = a->off < g->entries * 16 ? K_TABLE : K_TABLE_BEYOND;
            field = msx_field_of_o(a->off);
        }
        a->dev = dev;
        a->fw = (uint8_t)(field * 2 + a->write);
    }
    if (p->any_stateless || p->heat_on) {
        memset(s->hist, 0, nkeys * sizeof s->hist[0]);
        for (uint32_t i = 0; i < s->n; i++)
            s->hist[s->keys[i]]++;
    }
    if (s->guest)
        memcpy(s->guest, dc->guest, nkeys * sizeof s->guest[0]);
    if (s->grow)
        for (uint32_t k = 0; k < nkeys; k++) {
            const struct access *a = &s->acc[k];
            uint64_t key;
            if (p->by == MSX_BY_ENTRY)
                key = (uint64_t)a->dev << 32 | (a->region == MSX_REGION_PBA ? MSX_ENTRY_PBA : a->off >> 4);
            else if (p->by == MSX_BY_GUEST)
                key = (uint32_t)dc->guest[k];
            else
                key = (uint64_t)(uint32_t)dc->guest[k] << 32 | (uint32_t)a->vcpu;
            s->grow[k] = msx_ids_get(&p->groups, key) * 8u + a->write * 4u;
        }
    while (s->bid) {
        /* Buckets as JavaScript numbered them: floor(ts / interval). Events come mostly in time
         * order, so runs of one bucket skip the map. When the interval may grow (fit_interval) and
         * a bucket would not fit, the interval doubles and this batch is bucketed again. */
        int64_t last = 0;
        uint32_t last_id = UINT32_MAX;
        uint32_t i;
        for (i = 0; i < s->n; i++) {
            const double q = s->ts[i] / p->interval_ns; /* |q| <= 2^53: ts is checked by the decoder */
            int64_t b = (int64_t)q;
            if ((double)b > q)
                b--; /* floor, without libm */
            if (b != last || last_id == UINT32_MAX) {
                last = b;
                last_id = msx_ids_get(&p->buckets, (uint64_t)b);
                if (last_id == p->buckets.max && p->fit_interval)
                    break;
            }
            s->bid[i] = last_id;
        }
        if (i == s->n)
            break;
        if (coarsen_buckets(p) != 0)
            return MSX_PIPE_NOMEM;
    }
    if (p->heat_on)
        for (uint32_t k = 0; k < nkeys; k++) {
            const struct access *a = &s->acc[k];
            if (!s->hist[k])
                continue;
            const int pba = a->region == MSX_REGION_PBA;
            uint32_t row = msx_ids_get(&p->heat, (uint64_t)a->dev << 32 | (pba ? MSX_ENTRY_PBA : a->off >> 4));
            /* columns: addr_lo, addr_hi, data, vector_ctrl, other (an access off a dword field start), x read/write */
            uint32_t col = pba ? 0 : (a->off & 3) ? 4 : (a->off & 15) >> 2;
            p->heat_counts[(size_t)row * MSX_HEAT_COLUMNS + col * 2 + a->write] += s->hist[k];
        }

    pthread_mutex_lock(&p->mu);
    s->remaining = p->nctx;
    p->published++;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    if (p->nworkers == 0)
        drain(p, NULL); /* no workers: feed now */
    return n;
}

MSX_API int32_t msx_pipe_finish(msx_pipe *p)
{
    if (!p)
        return -1;
    drain(p, NULL);
    return 0;
}

MSX_API void msx_pipe_destroy(msx_pipe *p)
{
    if (!p)
        return;
    if (p->nworkers) {
        drain(p, NULL);
        pthread_mutex_lock(&p->mu);
        p->quit = 1;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->mu);
        for (uint32_t i = 0; i < p->nworkers; i++)
            pthread_join(p->tid[i], NULL);
    }
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    for (uint32_t i = 0; i < NSLOT; i++) {
        struct slot *s = p->slots[i];
        if (!s)
            continue;
        free(s->ts);
        free(s->grow);
        free(s->bid);
        free(s->guest);
        free(s->dec);
        free(s);
    }
    if (p->tally)
        for (uint32_t m = 0; m < p->nctx; m++) {
            free(p->tally[m].groups);
            free(p->tally[m].buckets);
            free(p->tally[m].kdec);
        }
    free(p->tally);
    msx_ids_free(&p->groups);
    msx_ids_free(&p->buckets);
    msx_ids_free(&p->heat);
    free(p->heat_counts);
    free(p->ex_prefix);
    free(p->ex_text);
    free(p->ex_ends);
    free(p->scratch);
    free(p->geom);
    free(p->ctxs);
    free(p->order);
    free(p->nextb);
    free(p->running);
    free(p);
}

MSX_API msx_pipe *msx_pipe_create(msx_ctx *const *ctxs, uint32_t nctx, uint32_t ndev, uint32_t threads)
{
    if (!ctxs || nctx < 1 || ndev < 1)
        return NULL;
    for (uint32_t i = 0; i < nctx; i++) {
        const msx_ctx *c = ctxs[i];
        if (!c || c->ndev != ndev || !c->m->feed_keys || (c->m->stateless && c->m->has_qemu))
            return NULL;
        for (uint32_t j = 0; j < i; j++)
            if (ctxs[j] == c)
                return NULL; /* one context fed twice per batch, from two threads */
        for (uint32_t d = 0; d < ndev; d++) {
            const struct dev_state *a = &c->devs[d], *b = &ctxs[0]->devs[d];
            if (a->table_gpa != b->table_gpa || a->pba_gpa != b->pba_gpa || a->entries != b->entries ||
                a->has_pba != b->has_pba)
                return NULL; /* the prepared accesses hold addresses: one geometry for all */
        }
    }
    struct msx_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->nctx = nctx;
    p->ndev = ndev;
    p->ctxs = calloc(nctx, sizeof *p->ctxs);
    p->order = calloc(nctx, sizeof *p->order);
    p->nextb = calloc(nctx, sizeof *p->nextb);
    p->running = calloc(nctx, 1);
    p->tally = calloc(nctx, sizeof *p->tally);
    p->geom = calloc(ndev, sizeof *p->geom);
    p->scratch_len = msx_decode_scratch_size();
    p->scratch = malloc(p->scratch_len);
    int ok = p->ctxs && p->order && p->nextb && p->running && p->tally && p->geom && p->scratch;
    for (uint32_t i = 0; i < NSLOT; i++)
        ok = ok && (p->slots[i] = calloc(1, sizeof(struct slot))) != NULL;
    if (!ok) {
        msx_pipe_destroy(p);
        return NULL;
    }
    uint32_t j = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < nctx; i++)
            if (ctxs[i]->m->stateless == pass)
                p->order[j++] = i;
    for (uint32_t i = 0; i < nctx; i++) {
        p->ctxs[i] = ctxs[i];
        p->any_stateless |= ctxs[i]->m->stateless;
    }
    for (uint32_t d = 0; d < ndev; d++) {
        const struct dev_state *s = &ctxs[0]->devs[d];
        p->geom[d] = (struct geom){ s->table_gpa, s->pba_gpa, s->span_first, s->span_last, s->entries };
    }
    if (threads > MAX_WORKERS + 1)
        threads = MAX_WORKERS + 1;
    uint32_t want = threads > 1 ? threads - 1 : 0;
    if (want > nctx)
        want = nctx;
    for (uint32_t i = 0; i < want; i++) {
        if (pthread_create(&p->tid[i], NULL, worker, p) != 0)
            break; /* fewer workers; the caller feeds what they leave */
        p->nworkers++;
    }
    return p;
}

/* ---- grouped counts, buckets, heat map and --explain (pipeline.h) ------------------------------ */
MSX_API int32_t msx_pipe_configure(msx_pipe *p, int32_t by, uint32_t max_groups, double interval_ns,
                                   uint32_t max_buckets, uint32_t heat_rows, int32_t explain)
{
    if (!p || p->published || p->configured || by < MSX_BY_NONE || by > MSX_BY_VCPU ||
        !(interval_ns == 0 || interval_ns >= 1) || (interval_ns > 0 && !max_buckets) || (by && !max_groups) ||
        max_groups > MSX_PIPE_MAX_IDS || max_buckets > MSX_PIPE_MAX_IDS || heat_rows > MSX_PIPE_MAX_IDS)
        return -1;
    p->configured = 1;
    p->by = by;
    p->interval_ns = interval_ns;
    p->explain = explain != 0;
    p->decisions = by != MSX_BY_NONE || interval_ns > 0 || p->explain;
    int ok = 1;
    if (by)
        ok = ok && msx_ids_init(&p->groups, max_groups) == 0;
    if (interval_ns > 0)
        ok = ok && msx_ids_init(&p->buckets, max_buckets) == 0;
    if (heat_rows) {
        ok = ok && msx_ids_init(&p->heat, heat_rows) == 0 &&
             (p->heat_counts = calloc(((size_t)heat_rows + 1) * MSX_HEAT_COLUMNS, sizeof *p->heat_counts)) != NULL;
        p->heat_on = 1;
    }
    for (uint32_t i = 0; ok && i < NSLOT; i++) {
        struct slot *s = p->slots[i];
        if (interval_ns > 0 || p->explain)
            ok = ok && (s->ts = malloc(MAXB * sizeof *s->ts)) != NULL;
        if (by)
            ok = ok && (s->grow = malloc(MAXB * sizeof *s->grow)) != NULL;
        if (interval_ns > 0)
            ok = ok && (s->bid = malloc(MAXB * sizeof *s->bid)) != NULL;
        if (p->explain)
            ok = ok && (s->guest = malloc(MAXB * sizeof *s->guest)) != NULL;
        if (p->decisions)
            ok = ok && (s->dec = malloc((size_t)p->nctx * MAXB)) != NULL;
    }
    for (uint32_t m = 0; ok && m < p->nctx; m++) {
        struct model_tally *t = &p->tally[m];
        if (by)
            ok = ok && (t->groups = calloc(((size_t)max_groups + 1) * 8, sizeof *t->groups)) != NULL;
        if (interval_ns > 0)
            ok = ok && (t->buckets = calloc(((size_t)max_buckets + 1) * 2, sizeof *t->buckets)) != NULL;
        if (p->decisions && p->ctxs[m]->m->stateless)
            ok = ok && (t->kdec = malloc(MAXB)) != NULL;
    }
    return ok ? 0 : -2; /* -2: out of memory; destroy the pipeline */
}

/* Writes all of buf to fd, waiting while a non-blocking fd is full: 0, or -errno. */
static int32_t write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w >= 0) {
            buf += w;
            len -= (size_t)w;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd pf = { fd, POLLOUT, 0 };
            (void)poll(&pf, 1, -1); /* the reader's pace: backpressure, no spinning */
        } else if (errno != EINTR) {
            return -errno;
        }
    }
    return 0;
}

MSX_API int32_t msx_pipe_fit_interval(msx_pipe *p)
{
    if (!p || p->published || !(p->interval_ns > 0))
        return -1;
    p->fit_interval = 1;
    return 0;
}

MSX_API int32_t msx_pipe_explain_setup(msx_pipe *p, const uint8_t *prefixes, const uint32_t *ends)
{
    if (!p || !p->explain || !prefixes || !ends || p->ex_text)
        return -1;
    uint32_t longest = 0;
    for (uint32_t m = 0; m < p->nctx; m++) {
        uint32_t from = m ? ends[m - 1] : 0;
        if (ends[m] < from)
            return -1;
        if (ends[m] - from > longest)
            longest = ends[m] - from;
    }
    p->ex_prefix = malloc(ends[p->nctx - 1] + 1u);
    p->ex_ends = malloc(p->nctx * sizeof *p->ex_ends);
    p->ex_cap = (1u << 20) + 2 * (longest + MSX_EXPLAIN_LINE_BOUND);
    p->ex_text = malloc(p->ex_cap);
    if (!p->ex_prefix || !p->ex_ends || !p->ex_text)
        return -2;
    memcpy(p->ex_prefix, prefixes, ends[p->nctx - 1]);
    memcpy(p->ex_ends, ends, p->nctx * sizeof *p->ex_ends);
    return 0;
}

MSX_API int32_t msx_pipe_explain_write(msx_pipe *p, int32_t fd, double index0)
{
    if (!p || !p->ex_text || !p->published)
        return -EINVAL;
    drain(p, NULL); /* the last batch is fed everywhere: its decision bytes are there */
    const struct slot *s = p->slots[(p->published - 1) % NSLOT];
    for (uint32_t m = 0; m < p->nctx; m++) {
        const uint32_t from = m ? p->ex_ends[m - 1] : 0;
        struct msx_explain_batch b = { s->keys, s->acc, s->guest, s->ts, s->dec + (size_t)m * MAXB, s->n };
        for (uint32_t at = 0; at < s->n;) {
            uint32_t len = msx_explain_lines(&b, at, index0, p->ex_prefix + from, p->ex_ends[m] - from, p->ex_text,
                                             p->ex_cap, &at);
            int32_t rc = write_all(fd, p->ex_text, len);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Group and heat keys as two doubles each (the high and low 32 bits, exact); bucket numbers as one
 * (signed, below 2^53 in magnitude). */
static int32_t copy_ids(const struct msx_ids *m, int pairs, double *out, uint32_t cap)
{
    if (cap < m->n * (pairs ? 2u : 1u))
        return -1;
    for (uint32_t i = 0; i < m->n; i++) {
        if (pairs) {
            out[2 * i] = (double)(m->keys[i] >> 32);
            out[2 * i + 1] = (double)(m->keys[i] & 0xffffffffu);
        } else {
            out[i] = (double)(int64_t)m->keys[i];
        }
    }
    return (int32_t)(m->n * (pairs ? 2u : 1u));
}

static int32_t copy_counts(const uint64_t *c, uint32_t count, double *out, uint32_t cap)
{
    if (!c || cap < count)
        return -1;
    for (uint32_t i = 0; i < count; i++)
        out[i] = (double)c[i];
    return (int32_t)count;
}

MSX_API int32_t msx_pipe_result(msx_pipe *p, int32_t what, uint32_t model, double *out, uint32_t cap)
{
    if (!p || !out || model >= p->nctx)
        return -1;
    drain(p, NULL);
    const struct model_tally *t = &p->tally[model];
    switch (what) {
    case MSX_RESULT_SIZES:
        if (cap < 7)
            return -1;
        out[6] = p->interval_ns;
        out[0] = p->groups.n;
        out[1] = p->groups.overflow;
        out[2] = p->buckets.n;
        out[3] = p->buckets.overflow;
        out[4] = p->heat.n;
        out[5] = p->heat.overflow;
        return 7;
    case MSX_RESULT_GROUP_KEYS:
        return copy_ids(&p->groups, 1, out, cap);
    case MSX_RESULT_GROUPS:
        return copy_counts(t->groups, (p->groups.n + p->groups.overflow) * 8, out, cap);
    case MSX_RESULT_BUCKET_KEYS:
        return copy_ids(&p->buckets, 0, out, cap);
    case MSX_RESULT_BUCKETS:
        return copy_counts(t->buckets, p->buckets.n * 2, out, cap);
    case MSX_RESULT_HEAT_KEYS:
        return copy_ids(&p->heat, 1, out, cap);
    case MSX_RESULT_HEAT:
        return copy_counts(p->heat_counts, p->heat.n * MSX_HEAT_COLUMNS, out, cap);
    default:
        return -1;
    }
}
