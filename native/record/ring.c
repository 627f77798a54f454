#define _GNU_SOURCE
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Ring-buffer event header type_len values (kernel/trace/ring_buffer.c). */
#define RB_TYPE_DATA_MAX 28
#define RB_TYPE_PADDING 29
#define RB_TYPE_TIME_EXTEND 30
#define RB_TYPE_TIME_STAMP 31
#define RB_TS_SHIFT 27

/* Flags in the top bits of the page's commit word. */
#define RB_MISSED_EVENTS (1ul << 31)
#define RB_MISSED_STORED (1ul << 30)
#define RB_MISSED_MASK (RB_MISSED_EVENTS | RB_MISSED_STORED)

/* kvm_mmio payload: common_type u16 @0, common_pid s32 @4, type u32 @8, len u32 @12, gpa u64 @16,
 * val u64 @24 (checked against the format file by the caller). */
#define MMIO_PAYLOAD 32

struct cpu_buf {
	int fd;
	uint8_t *page;
	uint32_t data_end;  /* end of the event data in page (header + commit length) */
	uint32_t pos;       /* next event header; pos >= data_end: page done */
	uint64_t ts;        /* timestamp of the previous event in this page */
};

struct ring {
	uint32_t ncpu, subbuf, commit_size, hdr;
	int32_t event_id;
	struct cpu_buf *cpu;
};

void *msx_ring_open(const char *instance_dir, uint32_t ncpu, uint32_t subbuf, int32_t event_id, uint32_t commit_size)
{
	if (ncpu == 0 || subbuf < 64 || (commit_size != 4 && commit_size != 8)) return NULL;
	struct ring *r = calloc(1, sizeof *r);
	if (!r) return NULL;
	r->ncpu = ncpu;
	r->subbuf = subbuf;
	r->commit_size = commit_size;
	r->hdr = 8 + commit_size;
	r->event_id = event_id;
	r->cpu = calloc(ncpu, sizeof *r->cpu);
	int opened = 0;
	char path[4096];
	for (uint32_t c = 0; r->cpu && c < ncpu; c++) {
		struct cpu_buf *b = &r->cpu[c];
		snprintf(path, sizeof path, "%s/per_cpu/cpu%u/trace_pipe_raw", instance_dir, c);
		b->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		b->page = malloc(subbuf);
		if (b->fd >= 0 && b->page) opened++;
	}
	if (!opened) {
		msx_ring_close(r);
		return NULL;
	}
	return r;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Reads the next page of one CPU; 1 when a page with data is loaded, 0 when there is none now. */
static int load_page(struct ring *r, struct cpu_buf *b, double *io)
{
	for (;;) {
		ssize_t n = read(b->fd, b->page, r->subbuf);
		if (n < 0) {
			if (errno == EINTR) continue;
			if (errno == EAGAIN) return 0;
			io[3] = errno;
			return -1;
		}
		if (n < (ssize_t)r->hdr) return 0;
		io[MSX_RING_IO_PAGES] += 1;
		uint64_t commit = r->commit_size == 8 ? rd64(b->page + 8) : rd32(b->page + 8);
		uint64_t len = commit & ~(uint64_t)RB_MISSED_MASK & 0xffffffffull;
		if (commit & RB_MISSED_EVENTS) {
			/* With MISSED_STORED the count sits just past the data; without it the kernel only
			 * knows that some were lost: count one. */
			if ((commit & RB_MISSED_STORED) && r->hdr + len + 8 <= (uint64_t)n)
				io[MSX_RING_IO_LOST] += (double)rd64(b->page + r->hdr + len);
			else
				io[MSX_RING_IO_LOST] += 1;
		}
		if (r->hdr + len > (uint64_t)n) len = (uint64_t)n - r->hdr;
		b->ts = rd64(b->page);
		b->pos = r->hdr;
		b->data_end = (uint32_t)(r->hdr + len);
		if (b->pos < b->data_end) return 1;
	}
}

/* Decodes events of one CPU's current page into out until the page or out ends. */
static uint32_t decode(struct ring *r, struct cpu_buf *b, uint16_t cpu, msx_mmio_rec *out, uint32_t cap, double *io)
{
	uint32_t n = 0;
	while (n < cap && b->pos + 4 <= b->data_end) {
		const uint8_t *e = b->page + b->pos;
		uint32_t h = rd32(e);
		uint32_t type_len = h & 0x1f, delta = h >> 5;
		uint32_t size;
		const uint8_t *payload;
		uint32_t plen;
		switch (type_len) {
		case RB_TYPE_PADDING:
			if (delta == 0) { b->pos = b->data_end; continue; }   /* rest of the page is padding */
			if (b->pos + 8 > b->data_end) { b->pos = b->data_end; continue; }
			b->pos += 4 + rd32(e + 4);
			continue;
		case RB_TYPE_TIME_EXTEND:
			if (b->pos + 8 > b->data_end) { b->pos = b->data_end; continue; }
			b->ts += ((uint64_t)rd32(e + 4) << RB_TS_SHIFT) + delta;
			b->pos += 8;
			continue;
		case RB_TYPE_TIME_STAMP:
			if (b->pos + 8 > b->data_end) { b->pos = b->data_end; continue; }
			/* Absolute stamp of the low 59 bits; the top bits stay those of the page. */
			b->ts = (b->ts & ~((1ull << 59) - 1)) | (((uint64_t)rd32(e + 4) << RB_TS_SHIFT) + delta);
			b->pos += 8;
			continue;
		case 0:
			if (b->pos + 8 > b->data_end) { b->pos = b->data_end; continue; }
			size = 4 + rd32(e + 4);
			payload = e + 8;
			plen = rd32(e + 4) >= 4 ? rd32(e + 4) - 4 : 0;
			break;
		default:
			size = 4 + type_len * 4;
			payload = e + 4;
			plen = type_len * 4;
			break;
		}
		if (size < 4 || b->pos + size > b->data_end) { io[MSX_RING_IO_OTHER] += 1; b->pos = b->data_end; continue; }
		b->pos += size;
		b->ts += delta;
		if (plen < MMIO_PAYLOAD || (int32_t)(payload[0] | payload[1] << 8) != r->event_id) {
			io[MSX_RING_IO_OTHER] += 1;
			continue;
		}
		msx_mmio_rec *o = &out[n++];
		uint64_t val = rd64(payload + 24);
		o->ts = (double)b->ts;
		o->gpa = (double)rd64(payload + 16);
		o->val_lo = (uint32_t)val;
		o->val_hi = (uint32_t)(val >> 32);
		o->tid = (int32_t)rd32(payload + 4);
		o->type = (uint8_t)rd32(payload + 8);
		o->len = (uint8_t)rd32(payload + 12);
		o->cpu = cpu;
	}
	return n;
}

int32_t msx_ring_read(void *ctx, msx_mmio_rec *out, uint32_t cap, double *io)
{
	struct ring *r = ctx;
	uint32_t n = 0;
	for (uint32_t c = 0; c < r->ncpu && n < cap; c++) {
		struct cpu_buf *b = &r->cpu[c];
		if (b->fd < 0) continue;
		while (n < cap) {
			if (b->pos >= b->data_end) {
				int got = load_page(r, b, io);
				if (got < 0) return -1;
				if (got == 0) break;
			}
			n += decode(r, b, (uint16_t)c, out + n, cap - n, io);
		}
	}
	return (int32_t)n;
}

void msx_ring_close(void *ctx)
{
	struct ring *r = ctx;
	if (!r) return;
	for (uint32_t c = 0; r->cpu && c < r->ncpu; c++) {
		if (r->cpu[c].fd >= 0) close(r->cpu[c].fd);
		free(r->cpu[c].page);
	}
	free(r->cpu);
	free(r);
}
