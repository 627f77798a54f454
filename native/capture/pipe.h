/* msixtrace capture: reading a pipe or socket (`trace_pipe | msixtrace capture -`) on a thread of
 * libuv's pool (src/capture/pipe.ts calls msx_pipe_fill through ffi-napi's async form), so the
 * pipe is drained while the JavaScript thread scans the previous chunk, into the caller's own
 * reused buffer, a whole chunk per call instead of a JavaScript callback per 64 KiB read. */
#ifndef MSIXTRACE_PIPE_H
#define MSIXTRACE_PIPE_H

#include <stdint.h>

#define MSX_PIPE_API __attribute__((visibility("default")))

/* state[] slots (int32), out */
#define MSX_FILL_EOF 0   /* 1 once the writer closed its end (read returned 0) */
#define MSX_FILL_SLOTS 2

/* Reads fd into buf[0, cap) until it holds at least `want` bytes, the writer closes its end, or
 * the call has held data for `hold_ms` (a live tracer's lines go on without waiting for a full
 * chunk); with nothing read it returns 0 after `idle_ms` of silence, so a caller that was stopped
 * is never left with a thread blocked in read(). Returns the bytes read, or -errno. Works with
 * blocking and non-blocking descriptors alike (it polls before every read). */
MSX_PIPE_API int32_t msx_pipe_fill(int32_t fd, uint8_t *buf, uint32_t cap, uint32_t want, uint32_t hold_ms,
    uint32_t idle_ms, int32_t *state);

/* Asks the kernel for a pipe buffer of `bytes` (F_SETPIPE_SZ, capped by fs.pipe-max-size for
 * unprivileged callers) so that the writer can run ahead while a chunk is scanned; returns the
 * pipe's size afterwards, or -errno when fd is no pipe (the caller goes on either way). */
MSX_PIPE_API int32_t msx_pipe_grow(int32_t fd, uint32_t bytes);

#endif
