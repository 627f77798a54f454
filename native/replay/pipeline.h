/* Replay pipeline: one call per EventBatch packet decodes it and feeds it to every model context,
 * with no per-event work in the caller. Decoding runs on the calling thread; the feeds run on
 * persistent worker threads (the caller joins in when it would otherwise wait), so decoding
 * batch k+1 overlaps feeding batch k, and several models are fed in parallel.
 *
 * The feed here works on the batch's dictionary: each distinct access of the batch is prepared
 * once (address, region kind, counter row), each event is just its index, and each model runs a
 * loop with its decide function inlined (feedloop.h). Models without state (forward-all,
 * xen-vpci) are decided once per distinct access and counted by a key histogram. Counters equal
 * msx_feed's exactly; no decision bytes are produced (use msx_feed for --explain and the like). */
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

/* Finishes, stops the workers and frees the pipeline (not the contexts). */
MSX_API void msx_pipe_destroy(msx_pipe *p);

#endif
