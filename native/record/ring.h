/* msixtrace record: reader of a tracefs instance's per-CPU raw ring buffers
 * (per_cpu/cpuN/trace_pipe_raw), decoding kvm:kvm_mmio events into fixed records that JavaScript
 * takes a batch at a time (one call per batch, never one per event).
 *
 * trace_pipe_raw hands out one ring-buffer sub-buffer ("page") per read: a header (u64 timestamp,
 * a commit word holding the data length and the missed-events flags) and the events, each with a
 * 4-byte header (type_len:5, time_delta:27) and its payload (the event's fields as the format file
 * lists them). Consumed pages are gone from the kernel buffer, so a page that does not fit in one
 * call's batch stays here and the next call continues it.
 */
#ifndef MSIXTRACE_RING_H
#define MSIXTRACE_RING_H

#include <stdint.h>

#define MSX_RING_API __attribute__((visibility("default")))

/* One decoded kvm_mmio event (32 bytes, what JavaScript reads through typed-array views). */
typedef struct msx_mmio_rec {
	double ts;          /* ns of the instance's trace clock */
	double gpa;         /* guest-physical address (exact below 2^53) */
	uint32_t val_lo;
	uint32_t val_hi;
	int32_t tid;        /* common_pid: the thread (vCPU) that exited */
	uint8_t type;       /* 0 unsatisfied-read, 1 read, 2 write (the kernel's KVM_TRACE_MMIO_*) */
	uint8_t len;
	uint16_t cpu;
} msx_mmio_rec;

/* io[] slots (doubles) msx_ring_read adds to. */
#define MSX_RING_IO_LOST 0    /* events the kernel reported dropped (missed-events page flags) */
#define MSX_RING_IO_PAGES 1   /* pages read */
#define MSX_RING_IO_OTHER 2   /* events of other types (or truncated) skipped */
#define MSX_RING_IO_SLOTS 4

/* Opens per_cpu/cpu0..cpu(ncpu-1)/trace_pipe_raw under instance_dir, non-blocking. subbuf is the
 * sub-buffer size in bytes, event_id the kvm_mmio format ID, commit_size the header_page's commit
 * field size (8 on 64-bit kernels). NULL when no CPU buffer could be opened. */
MSX_RING_API void *msx_ring_open(const char *instance_dir, uint32_t ncpu, uint32_t subbuf, int32_t event_id,
                                 uint32_t commit_size);

/* Decodes what the buffers hold now, up to cap records into out; returns the number written, or -1
 * on a read error other than "nothing to read" (errno left in io slot 3). Returns without waiting. */
MSX_RING_API int32_t msx_ring_read(void *ctx, msx_mmio_rec *out, uint32_t cap, double *io);

/* Closes the CPU buffers (the instance can be removed only once nothing holds them) and frees ctx. */
MSX_RING_API void msx_ring_close(void *ctx);

#endif
