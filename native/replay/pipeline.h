/* Replay pipeline: one call per EventBatch packet decodes it and feeds it to every model context,
 * with no per-event work in the caller. Decoding runs on the calling thread; the feeds run on
 * persistent worker threads (the caller joins in when it would otherwise wait), so decoding
 * batch k+1 overlaps feeding batch k, and several models are fed in parallel.
 *
 * The feed here works on the batch's dictionary: each distinct access of the batch is prepared
 * once (address, region kind, counter row), each event is just its index, and each model runs a
 * loop with its decide function inlined (feedloop.h). Models without state (forward-all,
 * xen-vpci) are decided once per distinct access and counted by a key histogram. Counters equal
 * msx_feed's exactly. msx_pipe_configure adds what --by, --interval, --explain and the report's heat
 * map need: each model's decision bytes per batch, tallied per group and time bucket on the feeding
 * thread, and the --explain text written natively a batch at a time, all in memory fixed when the
 * pipeline is configured, whatever the trace's length. */
#ifndef MSX_PIPELINE_H
#define MSX_PIPELINE_H

#include <stdint.h>
#include "msixtrace.h"

typedef struct msx_pipe msx_pipe;

/* A pipeline over nctx contexts (ctxs: nctx pointers, kept by the caller and not used by anyone
 * else until msx_pipe_destroy) that all have the same ndev devices with the same geometry, using
 * up to `threads` threads in all (the caller's included; threads - 1 workers are started). NULL on
 * bad arguments or when out of memory. */
MSX_API msx_pipe *msx_pipe_create(msx_ctx *const *ctxs, uint32_t nctx, uint32_t ndev, uint32_t threads);

/* Decodes the EventBatch message buf[start, end) exactly as msx_decode_batch does (same checks,
 * same negative MSX_DEC_* codes with info[0] the byte offset of the damage) and queues it for every
 * context. Returns the event count with info[1], info[2] the batch's smallest and largest ts_ns.
 * buf is not used after the call returns. A batch that fails to decode is not fed. */
MSX_API int32_t msx_pipe_submit(msx_pipe *p, const uint8_t *buf, uint32_t start, uint32_t end, double *info);

/* Waits until every queued batch has been fed to every context; then the contexts' counters are
 * complete (msx_counters). Returns 0, or -1 for a NULL pipe. */
MSX_API int32_t msx_pipe_finish(msx_pipe *p);

/* What msx_pipe_configure can count per group (--by). */
#define MSX_BY_NONE 0
#define MSX_BY_ENTRY 1 /* key: device << 32 | entry (MSX_ENTRY_PBA for the PBA) */
#define MSX_BY_GUEST 2 /* key: guest as 32 bits */
#define MSX_BY_VCPU 3  /* key: guest << 32 | vcpu, both as 32 bits */
#define MSX_ENTRY_PBA 0xffffffffu
#define MSX_PIPE_MAX_IDS (1u << 24)
/* Heat map: per (device, entry) row, reads and writes of addr_lo, addr_hi, data, vector_ctrl and
 * other (off a dword field start); the PBA row of a device counts in the first two. */
#define MSX_HEAT_COLUMNS 10

/* Before the first submit: count each model's outcomes per group `by` (at most max_groups groups in
 * order of first appearance; events of later groups are summed in one more, the overflow group),
 * per time bucket floor(ts_ns / interval_ns) when interval_ns > 0 (at most max_buckets; later
 * buckets are not counted and the overflow is flagged), accesses per (device, entry) x field for
 * the heat map when heat_rows > 0 (at most heat_rows rows, the rest not counted, flagged), and keep
 * each batch's decision bytes for msx_pipe_explain when explain is not 0. 0, -1 on bad arguments or
 * a second call, -2 when out of memory (destroy the pipeline then). */
MSX_API int32_t msx_pipe_configure(msx_pipe *p, int32_t by, uint32_t max_groups, double interval_ns,
                                   uint32_t max_buckets, uint32_t heat_rows, int32_t explain);

/* After msx_pipe_configure with an interval, before the first submit: instead of flagging the
 * overflow, double the interval whenever more than max_buckets buckets would be needed, summing
 * the counts of bucket pairs (the final interval is in the MSX_RESULT_SIZES). 0, or -1. */
MSX_API int32_t msx_pipe_fit_interval(msx_pipe *p);

/* msx_pipe_submit's code when fit_interval could not get memory to merge buckets. */
#define MSX_PIPE_NOMEM -21

/* --explain, after msx_pipe_configure(..., explain 1): the line prefix of each context (the JSON up
 * to the value of "index", explain.h), context m's in prefixes[ends[m - 1], ends[m]) (from 0 for
 * m = 0). Once, before the first msx_pipe_explain_write. 0, -1 on bad arguments, -2 out of memory. */
MSX_API int32_t msx_pipe_explain_setup(msx_pipe *p, const uint8_t *prefixes, const uint32_t *ends);

/* Waits until the last submitted batch is fed, then writes its NDJSON lines to fd, every context's
 * in turn, event i's index being index0 + i. A buffer at a time through write(2): when fd is a
 * full non-blocking pipe it waits in poll() for the reader, so memory stays fixed and the output
 * runs at the reader's pace. One call per batch: 0, or -errno of the failed write (-EPIPE when the
 * reader went away). */
MSX_API int32_t msx_pipe_explain_write(msx_pipe *p, int32_t fd, double index0);

/* Results, once every batch is submitted (waits for the feeds): the doubles written to out, -1 on
 * bad arguments or when cap is too small. */
#define MSX_RESULT_SIZES 0       /* groups, group overflow (0/1), buckets, bucket overflow, heat rows, heat overflow, interval_ns */
#define MSX_RESULT_GROUP_KEYS 1  /* per group: key >> 32, key & 0xffffffff */
#define MSX_RESULT_GROUPS 2      /* model's: per group (and the overflow group), [write][outcome 0..3] */
#define MSX_RESULT_BUCKET_KEYS 3 /* per bucket: floor(ts_ns / interval_ns) */
#define MSX_RESULT_BUCKETS 4     /* model's: per bucket, absorbed, forwarded */
#define MSX_RESULT_HEAT_KEYS 5   /* per row: device, entry (MSX_ENTRY_PBA for the PBA) */
#define MSX_RESULT_HEAT 6        /* per row, MSX_HEAT_COLUMNS counts */
MSX_API int32_t msx_pipe_result(msx_pipe *p, int32_t what, uint32_t model, double *out, uint32_t cap);

/* Finishes, stops the workers and frees the pipeline (not the contexts). */
MSX_API void msx_pipe_destroy(msx_pipe *p);

#endif
