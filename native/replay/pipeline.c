/* Replay pipeline (pipeline.h): native decode + multi-model feed, batch-granular, with persistent
 * worker threads. Scheduling: batch b lives in slot b % NSLOT; a task is (model, batch), and a
 * model's batches run in order, one at a time. Any thread takes the ready task of the oldest batch;
 * the caller decodes ahead until all slots hold unfinished batches, then helps with the feeds. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "decode.h"
#include "feedloop.h"
#include "pipeline.h"

#define NSLOT 3
#define MAX_WORKERS 15

struct geom {
    uint64_t table_gpa, pba_gpa, span_first, span_last;
    uint32_t entries;
};

struct slot {
    uint16_t keys[MAXB];
    uint32_t hist[MAXB];     /* events per dictionary entry (when a stateless model is fed) */
    struct access acc[MAXB]; /* dictionary entry k as the models see it */
    uint32_t n, nkeys;
    uint32_t remaining;      /* tasks of this slot's batch not yet done */
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
};

/* ---- one task -------------------------------------------------------------------------------- */
static void run_task(msx_ctx *c, const struct slot *s)
{
    uint32_t tally[MSX_TALLY];
    memset(tally, 0, sizeof tally);
    if (c->m->stateless) {
        /* The decision is a function of the access alone: once per dictionary entry. */
        for (uint32_t k = 0; k < s->nkeys; k++) {
            uint32_t h = s->hist[k];
            if (!h)
                continue;
            const struct access *a = &s->acc[k];
            uint8_t dec = c->m->decide(c, &c->devs[a->dev], a);
            tally[a->fw * 8u + (dec & 7u)] += h;
        }
    } else {
        c->m->feed_keys(c, s->acc, s->keys, s->n, tally);
    }
    msx_fold_tally(c, tally, s->n);
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
    run_task(p->ctxs[m], s);
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

/* ---- API --------------------------------------------------------------------------------------- */
MSX_API int32_t msx_pipe_submit(msx_pipe *p, const uint8_t *buf, uint32_t start, uint32_t end, double *info)
{
    if (!p || !buf || !info)
        return MSX_DEC_SCRATCH;
    struct slot *s = p->slots[p->published % NSLOT];
    drain(p, s); /* the batch that used this slot is fed everywhere */

    struct msx_dict *dc = NULL;
    uint32_t nkeys = 0;
    int32_t n = msx_decode_keys(buf, start, end, p->ndev, p->scratch, p->scratch_len, info, s->keys, &dc, &nkeys);
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
    if (p->any_stateless) {
        memset(s->hist, 0, nkeys * sizeof s->hist[0]);
        for (uint32_t i = 0; i < s->n; i++)
            s->hist[s->keys[i]]++;
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
    for (uint32_t i = 0; i < NSLOT; i++)
        free(p->slots[i]);
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
    p->geom = calloc(ndev, sizeof *p->geom);
    p->scratch_len = msx_decode_scratch_size();
    p->scratch = malloc(p->scratch_len);
    int ok = p->ctxs && p->order && p->nextb && p->running && p->geom && p->scratch;
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
