/* msixtrace capture fast path for host traces: whole-buffer scanning of ftrace's kvm_mmio lines
 *   "<comm>-<pid> (<tgid>) [<cpu>] <flags> <secs>.<usec>: kvm_mmio: mmio <type> len N gpa 0x.. val 0x.."
 * (/sys/kernel/tracing/trace, trace_pipe, with options/record-tgid), so that no JavaScript runs per
 * line on a long host trace of many VMs.
 *
 * As msx_scan_qemu does for QEMU logs, it takes only what it decides exactly as the JavaScript
 * reference does (src/capture/formats/kvm-ftrace.ts and kvm-mmio.ts, then capture.ts access()),
 * and hands every other line back (a punt): lost-event and header lines, lines without a tgid,
 * contexts or payloads of another shape, guests or devices the range table does not hold yet,
 * malformed lines until JavaScript has its first few places. It also pairs a read KVM could not
 * satisfy (`mmio unsatisfied-read`, then `mmio read` on the same thread when the VMM answered) as
 * kvm-mmio.ts does, on reads it keeps in the caller's `open` records between calls: JavaScript and
 * this scan hand those records to each other, so each side sees every open read. */
#ifndef MSIXTRACE_SCAN_KVM_H
#define MSIXTRACE_SCAN_KVM_H

#include <stdint.h>

#define MSX_SCAN_KVM_API __attribute__((visibility("default")))

/* io[] slots (doubles). in: set by the caller; out: set by the scan. */
#define MSX_KIO_SHIFT 0     /* in: the source's shift (ns added to a line's stamp) */
#define MSX_KIO_LIMIT 1     /* in: events the batch may hold (at least 2: a line may give two) */
#define MSX_KIO_N 2         /* in/out: events in the batch */
#define MSX_KIO_LAST_TS 3   /* in/out: ts of the last kept event */
#define MSX_KIO_POS 4       /* out: offset where the scan stopped (always a line start) */
#define MSX_KIO_LINES 5     /* out: complete lines consumed */
#define MSX_KIO_KEPT 6      /* out: events written */
#define MSX_KIO_QUIET 7     /* in: 1 = count malformed lines here instead of handing them back */
#define MSX_KIO_MALFORMED 8 /* out: malformed lines counted */
#define MSX_KIO_MISSES 9    /* out: accesses outside their guest's geometry (skipped, not MSI-X) */
#define MSX_KIO_OPEN_N 10   /* in/out: open reads in open[] */
#define MSX_KIO_OPEN_CAP 11 /* in: records open[] has room for */
#define MSX_KIO_SLOTS 16

/* Doubles per range record: guest, start, end (exclusive), header device (-1: not one yet, the
 * line goes back to JavaScript, which adds it), region, base (the address of the region's offset
 * 0). Records are sorted by guest, then start; a guest without records is not known yet. */
#define MSX_KRANGE_FIELDS 6

/* Doubles per open read: thread, guest, vcpu, ts_ns (the line's own stamp, ns), address, size, the
 * value's low and high 32 bits; oldest first. */
#define MSX_KOPEN_FIELDS 8

/* Return values, as msx_scan_qemu's (scan.h): END every line consumed, FULL the batch has no room
 * for the events of the line at pos (one, or two when it abandons an open read: flush it, even
 * when it is not full, and call again from pos), PUNT the line at pos is JavaScript's. */

/* Scans the complete lines of buf[from, to) (to is just past a newline). counts[] holds two doubles
 * per range record (reads, writes) incremented per kept event. */
MSX_SCAN_KVM_API int32_t msx_scan_kvm(const uint8_t *buf, uint32_t from, uint32_t to, double *io, const double *ranges,
                                      uint32_t nranges, uint8_t *batch, uint32_t cap, double *counts, double *open);

#endif
