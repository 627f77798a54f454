/* `replay --explain` text, written natively a batch at a time (pipeline.c): one NDJSON line per
 * event per model with the access, the outcome and the reason in words. Building each line in
 * JavaScript (an object, JSON.stringify, a call for the reason text) had cost ~35 us an event and
 * garbage that grew with the output; here a line is a few dozen stores into a caller's buffer. The
 * text is exactly what the JavaScript line had been (test/replay-explain.test.js compares them). */
#ifndef MSX_EXPLAIN_H
#define MSX_EXPLAIN_H

#include <stdint.h>
#include "state.h"

/* Bytes a line takes beyond the caller's prefix, at most. */
#define MSX_EXPLAIN_LINE_BOUND 512u

/* One decoded batch as the pipeline holds it: event i is dictionary entry keys[i]. */
struct msx_explain_batch {
    const uint16_t *keys;
    const struct access *acc; /* per entry */
    const int32_t *guest;     /* per entry */
    const double *ts;         /* per event */
    const uint8_t *dec;       /* per event: the model's decision bytes */
    uint32_t n;
};

/* Writes the lines of events [from, n) into out while a whole line fits (cap - prefix_len >=
 * MSX_EXPLAIN_LINE_BOUND is left), each `prefix` (the JSON up to the value of "index", e.g.
 * {"trace":"t","model":"xen-4.7","index":) then index0 + i and the rest. Returns the bytes written;
 * *next is the first event not written. */
uint32_t msx_explain_lines(const struct msx_explain_batch *b, uint32_t from, double index0, const uint8_t *prefix,
                           uint32_t prefix_len, uint8_t *out, uint32_t cap, uint32_t *next);

#endif
