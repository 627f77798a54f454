/* Pipe reading for capture (pipe.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include "pipe.h"

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

MSX_PIPE_API int32_t msx_pipe_fill(int32_t fd, uint8_t *buf, uint32_t cap, uint32_t want, uint32_t hold_ms,
    uint32_t idle_ms, int32_t *state)
{
    uint32_t fill = 0;
    int64_t first = 0; /* when this call's first bytes arrived */
    state[MSX_FILL_EOF] = 0;
    if (want > cap) want = cap;
    while (fill < want || fill == 0) {
        int timeout = (int)idle_ms;
        if (fill) {
            int64_t held = now_ms() - first;
            if (held >= hold_ms) break;
            timeout = (int)(hold_ms - held);
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, timeout);
        if (r < 0) {
            if (errno == EINTR) continue;
            return fill ? (int32_t)fill : -errno;
        }
        if (r == 0) break; /* quiet: hand over what there is (maybe nothing) */
        ssize_t n = read(fd, buf + fill, cap - fill);
        if (n > 0) {
            if (!fill) first = now_ms();
            fill += (uint32_t)n;
        } else if (n == 0) {
            state[MSX_FILL_EOF] = 1;
            break;
        } else if (errno != EAGAIN && errno != EINTR) {
            /* what was read is kept: the error shows again on the next call */
            return fill ? (int32_t)fill : -errno;
        }
        if (fill == cap) break;
    }
    return (int32_t)fill;
}

MSX_PIPE_API int32_t msx_pipe_grow(int32_t fd, uint32_t bytes)
{
#ifdef F_SETPIPE_SZ
    int got = fcntl(fd, F_SETPIPE_SZ, (int)bytes);
    if (got < 0) got = fcntl(fd, F_GETPIPE_SZ);
    return got < 0 ? -errno : got;
#else
    (void)fd;
    (void)bytes;
    return -ENOSYS;
#endif
}
