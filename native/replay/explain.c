/* --explain lines (explain.h). */
#include <string.h>
#include "explain.h"
#include "reasons.h"
#include "textput.h"

static const char *const FIELD[MSX_FIELDS] = { "addr_lo", "addr_hi", "data", "vector_ctrl", "pba", "other" };
static const char *const OUTCOME[4] = { "absorbed", "forwarded", "both", "invalid" };

/* The reason texts as JSON string bodies, escaped once (they are plain ASCII today; escaping keeps
 * the line valid JSON whatever a text holds). */
static struct {
    int ready;
    uint8_t len[MSX_REASONS + 1];
    char text[MSX_REASONS + 1][160];
} reasons;

static void reasons_init(void)
{
    if (reasons.ready)
        return;
    for (int32_t r = 0; r <= MSX_REASONS; r++) {
        const char *s = msx_reason_text(r); /* r == MSX_REASONS: "unknown reason" */
        uint32_t k = 0;
        for (; *s && k < sizeof reasons.text[0] - 7; s++) {
            unsigned char c = (unsigned char)*s;
            if (c == '"' || c == '\\') {
                reasons.text[r][k++] = '\\';
                reasons.text[r][k++] = (char)c;
            } else if (c < 0x20) {
                k += (uint32_t)(put((uint8_t *)&reasons.text[r][k], "\\u00", 4) - (uint8_t *)&reasons.text[r][k]);
                reasons.text[r][k++] = "0123456789abcdef"[c >> 4];
                reasons.text[r][k++] = "0123456789abcdef"[c & 15];
            } else {
                reasons.text[r][k++] = (char)c;
            }
        }
        reasons.len[r] = (uint8_t)k;
    }
    reasons.ready = 1;
}

uint32_t msx_explain_lines(const struct msx_explain_batch *b, uint32_t from, double index0, const uint8_t *prefix,
                           uint32_t prefix_len, uint8_t *out, uint32_t cap, uint32_t *next)
{
    reasons_init();
    uint8_t *p = out;
    const uint8_t *const stop = cap >= prefix_len + MSX_EXPLAIN_LINE_BOUND ? out + cap - prefix_len - MSX_EXPLAIN_LINE_BOUND
                                                                           : NULL;
    uint32_t i = from;
    for (; i < b->n && stop && p <= stop; i++) {
        const struct access *a = &b->acc[b->keys[i]];
        const uint8_t d = b->dec[i];
        p = put(p, (const char *)prefix, prefix_len);
        p = put_u64(p, (uint64_t)(index0 + i));
        p = PUT(p, ",\"ts_ns\":");
        p = put_i64(p, (int64_t)b->ts[i]);
        p = PUT(p, ",\"guest\":");
        p = put_i64(p, b->guest[b->keys[i]]);
        p = PUT(p, ",\"vcpu\":");
        p = put_i64(p, a->vcpu);
        p = PUT(p, ",\"device\":");
        p = put_u64(p, a->dev);
        if (a->region == MSX_REGION_PBA)
            p = PUT(p, ",\"region\":\"pba\",\"offset\":");
        else
            p = PUT(p, ",\"region\":\"table\",\"offset\":");
        p = put_u64(p, a->off);
        if (a->region == MSX_REGION_PBA) {
            p = PUT(p, ",\"entry\":null");
        } else {
            p = PUT(p, ",\"entry\":");
            p = put_u64(p, a->off >> 4);
        }
        p = PUT(p, ",\"field\":\"");
        const char *f = FIELD[a->fw >> 1];
        p = put(p, f, strlen(f));
        p = PUT(p, "\",\"size\":");
        p = put_u64(p, a->size);
        p = a->write ? PUT(p, ",\"dir\":\"w\",\"value\":\"0x") : PUT(p, ",\"dir\":\"r\",\"value\":\"0x");
        if (a->vhi) {
            p = put_hex(p, a->vhi, 0);
            p = put_hex(p, a->vlo, 8);
        } else {
            p = put_hex(p, a->vlo, 0);
        }
        p = PUT(p, "\",\"outcome\":\"");
        const char *o = OUTCOME[d & 3];
        p = put(p, o, strlen(o));
        p = (d & 4) ? PUT(p, "\",\"guest_crash\":true,\"reason\":\"") : PUT(p, "\",\"guest_crash\":false,\"reason\":\"");
        const uint32_t r = (uint32_t)(d >> 3) < MSX_REASONS ? (uint32_t)(d >> 3) : MSX_REASONS;
        p = put(p, reasons.text[r], reasons.len[r]);
        p = PUT(p, "\"}\n");
    }
    *next = i;
    return (uint32_t)(p - out);
}
