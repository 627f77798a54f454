/* Event text for `msixtrace dump`: NDJSON and CSV lines written natively, a batch per call. */
#ifndef MSX_FORMAT_H
#define MSX_FORMAT_H

#include <stdint.h>
#include "msixtrace.h"

#define MSX_FORMAT_NDJSON 0
#define MSX_FORMAT_CSV 1

/* Bytes one event's line can take in either format (the longest NDJSON line is under 200). */
#define MSX_FORMAT_EVENT_BOUND 256u

/* Writes events [0, n) of the batch buffer (laid out for cap, msixtrace.h) as lines of `format`
 * into out (out_cap bytes): the bytes written, -1 when out is too small (give it n *
 * MSX_FORMAT_EVENT_BOUND), -2 when an event has a ts_ns that is not an integer below 2^53 (none
 * does in a decoded trace; the caller then formats the batch itself). The text is exactly what
 * src/cli/dump.ts writes for the same events. */
MSX_API int32_t msx_format_events(const uint8_t *batch, uint32_t cap, uint32_t n, int32_t format, uint8_t *out,
                                  uint32_t out_cap);

#endif
