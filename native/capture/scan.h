/* msixtrace capture fast path: whole-buffer scanning of QEMU `log` backend lines, so that no
 * JavaScript runs per line (the batches it fills are encoded by encode.c, also natively).
 *
 * The scan only handles the lines it can decide exactly as the JavaScript reference does
 * (src/capture/formats/qemu-log.ts); everything else is handed back to JavaScript (a "punt"),
 * which then handles that one line itself. The exceptions are floods: lines JavaScript would only
 * count (malformed ones, accesses outside the ranges) are counted here once it asks for that
 * (MSX_IO_QUIET below). The JS side
 * (src/native/scan.ts, src/capture/fastpath.ts) owns all the policy: when the fast path may run,
 * what a punted line means, the summary, --strict.
 */
#ifndef MSIXTRACE_SCAN_H
#define MSIXTRACE_SCAN_H

#include <stdint.h>

#define MSX_SCAN_API __attribute__((visibility("default")))

/* io[] slots (doubles, shared with JS). in: set by the caller; out: set by the scan. */
#define MSX_IO_EPOCH 0    /* in: whole Unix seconds of tsNs = 0 (the parser's epochSec) */
#define MSX_IO_SHIFT 1    /* in: the source's shift (ns added to tsNs) */
#define MSX_IO_GUEST 2    /* in: guest id written into every event (already ToInt32) */
#define MSX_IO_LIMIT 3    /* in: events the batch may hold (TraceWriter.batchLimit) */
#define MSX_IO_N 4        /* in/out: events in the batch */
#define MSX_IO_LAST_TS 5  /* in/out: ts of the last kept event */
#define MSX_IO_POS 6      /* out: offset where the scan stopped (always a line start) */
#define MSX_IO_LINES 7    /* out: complete lines consumed */
#define MSX_IO_KEPT 8     /* out: events written */
#define MSX_IO_QUIET 9    /* in: MSX_QUIET_* bits: what the scan may count itself instead of punting */
#define MSX_IO_MALFORMED 10 /* out: malformed lines counted (with MSX_QUIET_MALFORMED) */
#define MSX_IO_OUTSIDE 11 /* out: MSI-X accesses outside every range counted (with MSX_QUIET_OUTSIDE) */
#define MSX_IO_SLOTS 16

/* Doubles per range record (src/capture/geometry.ts RANGE_FIELDS). */
#define MSX_RANGE_FIELDS 5

/* io[MSX_IO_QUIET] bits. Once JavaScript holds the first few places of malformed lines (or of
 * accesses outside the geometry) for the summary, and --strict is off, it needs only their count:
 * the scan then counts such lines itself instead of handing each back (a flood of them would
 * otherwise cost an ffi round trip per line). */
#define MSX_QUIET_MALFORMED 1u
#define MSX_QUIET_OUTSIDE 2u
/* Before the first kept access (no clock, no open file yet): the scan writes no event and hands
 * back the first line that would be one; it still counts what the bits above allow, so a flood of
 * bad lines before any good one does not go line by line through JavaScript either. */
#define MSX_QUIET_NO_EVENTS 4u

/* Return values of msx_scan_qemu. */
#define MSX_SCAN_END 0   /* every line in [from, to) consumed */
#define MSX_SCAN_FULL 1  /* the batch holds `limit` events; flush it and call again from pos */
#define MSX_SCAN_PUNT 2  /* the line at pos needs the JavaScript parser; handle it, call again after it */

/* Longest line (without its newline) the line scanner accepts: src/capture/lines.ts MAX_LINE. */
#define MSX_SCAN_MAX_LINE (1u << 20)

/* Scans the complete lines in buf[from, to) (to is just past a newline) of a QEMU log that names
 * regions (the parser's needle is "msix"): lines without "msix" are only counted; lines with it
 * are parsed and, when they are plain MSI-X table/PBA accesses with a tid@sec.usec timestamp that
 * fall inside a range, written to the batch. ranges[] holds nranges records of MSX_RANGE_FIELDS
 * doubles (start, end exclusive, device, region, base: the address of the region's offset 0, which
 * is start except for a PBA cut by its own table), sorted by start and disjoint; counts[r * 2 + dir] counts
 * the events kept per range and direction. */
MSX_SCAN_API int32_t msx_scan_qemu(const uint8_t *buf, uint32_t from, uint32_t to, double *io,
                                   const double *ranges, uint32_t nranges, uint8_t *batch, uint32_t cap,
                                   double *counts);

#endif
