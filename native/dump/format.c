/* Native event text for `msixtrace dump` (format.h). Building each line as a JavaScript string
 * cost ~1.2 us an event (the template, the value's hex, joining, encoding to UTF-8, and the
 * garbage of it all), so a 100 M-event trace took minutes to print; here a line is a few dozen
 * stores. The text must stay byte-identical to the JavaScript formatter test/oracles/dump-format.js, which
 * the tests compare it with. */
#include <string.h>
#include "format.h"
#include "textput.h"

/* The value as EventBatch.valueHex gives it: 0x + hi without leading zeros + lo on 8 digits, or
 * 0x + lo without leading zeros when hi is 0. */
static uint8_t *put_value(uint8_t *p, uint32_t lo, uint32_t hi)
{
    *p++ = '0';
    *p++ = 'x';
    if (!hi)
        return put_hex(p, lo, 0);
    p = put_hex(p, hi, 0);
    return put_hex(p, lo, 8);
}

MSX_API int32_t msx_format_events(const uint8_t *batch, uint32_t cap, uint32_t n, int32_t format, uint8_t *out,
                                  uint32_t out_cap)
{
    if (!batch || !out || n > cap || (format != MSX_FORMAT_NDJSON && format != MSX_FORMAT_CSV))
        return -1;
    if ((uint64_t)n * MSX_FORMAT_EVENT_BOUND > out_cap)
        return -1;
    msx_batch b;
    msx_batch_view(&b, batch, cap);
    uint8_t *p = out;
    for (uint32_t i = 0; i < n; i++) {
        const double ts = b.ts_ns[i];
        /* Integral and below 2^53 in magnitude: then JavaScript prints exactly these digits
         * (-0 prints as 0, and the cast gives 0). */
        if (!(ts >= -9007199254740992.0 && ts <= 9007199254740992.0) || ts != (double)(int64_t)ts)
            return -2;
        const char *region = b.region[i] == MSX_REGION_PBA ? "pba" : "table";
        const size_t rlen = b.region[i] == MSX_REGION_PBA ? 3 : 5;
        const char dir = b.dir[i] == MSX_DIR_WRITE ? 'w' : 'r';
        if (format == MSX_FORMAT_CSV) {
            p = put_i64(p, (int64_t)ts);
            *p++ = ',';
            p = put_i64(p, b.guest[i]);
            *p++ = ',';
            p = put_i64(p, b.vcpu[i]);
            *p++ = ',';
            p = put_u64(p, b.device[i]);
            *p++ = ',';
            p = put(p, region, rlen);
            *p++ = ',';
            p = put_u64(p, b.offset[i]);
            *p++ = ',';
            p = put_u64(p, b.size[i]);
            *p++ = ',';
            *p++ = (uint8_t)dir;
            *p++ = ',';
            p = put_value(p, b.value_lo[i], b.value_hi[i]);
            *p++ = '\n';
        } else {
            p = PUT(p, "{\"ts_ns\":");
            p = put_i64(p, (int64_t)ts);
            p = PUT(p, ",\"guest\":");
            p = put_i64(p, b.guest[i]);
            p = PUT(p, ",\"vcpu\":");
            p = put_i64(p, b.vcpu[i]);
            p = PUT(p, ",\"device\":");
            p = put_u64(p, b.device[i]);
            p = PUT(p, ",\"region\":\"");
            p = put(p, region, rlen);
            p = PUT(p, "\",\"offset\":");
            p = put_u64(p, b.offset[i]);
            p = PUT(p, ",\"size\":");
            p = put_u64(p, b.size[i]);
            p = PUT(p, ",\"dir\":\"");
            *p++ = (uint8_t)dir;
            p = PUT(p, "\",\"value\":\"");
            p = put_value(p, b.value_lo[i], b.value_hi[i]);
            p = PUT(p, "\"}\n");
        }
    }
    return (int32_t)(p - out);
}
