/* The columns of an EventBatch buffer (native/common/msixtrace.h: per event of capacity cap, ts_ns
 * 8 bytes, value_lo, value_hi, offset, guest, vcpu 4 each, device 2, region, size, dir 1 each), as
 * the capture scans write them: one view per call, one store per column per kept event. The ABI
 * record (native/common/abi.c) checks the layout against src/events.ts. */
#ifndef MSIXTRACE_BATCH_OUT_H
#define MSIXTRACE_BATCH_OUT_H

#include <stdint.h>

typedef struct {
    double *ts;
    uint32_t *lo, *hi, *off;
    int32_t *guest, *vcpu;
    uint16_t *dev;
    uint8_t *region, *size, *dir;
} batch_out;

static inline batch_out batch_out_view(uint8_t *batch, uint32_t cap)
{
    return (batch_out){
        .ts = (double *)batch,
        .lo = (uint32_t *)(batch + 8u * cap),
        .hi = (uint32_t *)(batch + 12u * cap),
        .off = (uint32_t *)(batch + 16u * cap),
        .guest = (int32_t *)(batch + 20u * cap),
        .vcpu = (int32_t *)(batch + 24u * cap),
        .dev = (uint16_t *)(batch + 28u * cap),
        .region = batch + 30u * cap,
        .size = batch + 31u * cap,
        .dir = batch + 32u * cap,
    };
}

/* Writes event i. */
static inline void batch_put(const batch_out *o, uint32_t i, double ts, uint32_t lo, uint32_t hi, uint32_t off,
                             int32_t guest, int32_t vcpu, uint16_t dev, uint8_t region, uint8_t size, uint8_t dir)
{
    o->ts[i] = ts;
    o->lo[i] = lo;
    o->hi[i] = hi;
    o->off[i] = off;
    o->guest[i] = guest;
    o->vcpu[i] = vcpu;
    o->dev[i] = dev;
    o->region[i] = region;
    o->size[i] = size;
    o->dir[i] = dir;
}

#endif
