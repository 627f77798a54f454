/* Writing text a few stores at a time, for the lines C prints instead of JavaScript (dump's NDJSON
 * and CSV, replay's --explain): the numbers as JavaScript prints them, so both stay byte-identical
 * to their JavaScript references. Each returns the byte after what it wrote. */
#ifndef MSX_TEXTPUT_H
#define MSX_TEXTPUT_H
#include <stdint.h>
#include <string.h>

static inline uint8_t *put(uint8_t *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}
#define PUT(p, lit) put((p), (lit), sizeof(lit) - 1)

/* Decimal digits of v, as JavaScript prints an integer. */
static inline uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    char tmp[20];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        *p++ = (uint8_t)tmp[--k];
    return p;
}

static inline uint8_t *put_i64(uint8_t *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(p, (uint64_t)v);
}

/* v in lowercase hex, no leading zeros (at least one digit), or exactly `width` digits. */
static inline uint8_t *put_hex(uint8_t *p, uint32_t v, int width)
{
    static const char hex[16] = "0123456789abcdef";
    int k = width;
    if (!k)
        for (k = 8; k > 1 && !(v >> (4 * (k - 1)));)
            k--;
    for (int i = k - 1; i >= 0; i--)
        *p++ = (uint8_t)hex[(v >> (4 * i)) & 15];
    return p;
}

#endif
