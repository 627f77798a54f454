/* CRC-32 (zlib's polynomial 0xEDB88320, bit-reflected). Replay checks the CRC of every batch on the
 * thread that decodes, so at ~3.3 bytes per event a table CRC was a sixth of that thread's time.
 * With PCLMULQDQ the bytes are folded 64 at a time by carry-less multiplication (Gopal et al.,
 * "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", Intel 2009); the fold constants
 * below are x^k mod P for that polynomial, bit-reflected, as that paper derives them. Slice-by-8
 * tables take the short buffers, the tails, and CPUs without the instruction. */
#include <stdlib.h>
#include <string.h>
#include "crc32.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static uint32_t table[8][256];

static uint32_t crc_tables(uint32_t crc, const uint8_t *p, size_t len)
{
    while (len >= 8) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + 4, 4);
        a ^= crc;
        crc = table[7][a & 0xff] ^ table[6][(a >> 8) & 0xff] ^ table[5][(a >> 16) & 0xff] ^ table[4][a >> 24] ^
              table[3][b & 0xff] ^ table[2][(b >> 8) & 0xff] ^ table[1][(b >> 16) & 0xff] ^ table[0][b >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
/* x * C, where the two 64-bit halves of x are multiplied by the two constants of C and summed. */
__attribute__((target("pclmul,sse4.1"))) static inline __m128i fold(__m128i x, __m128i c)
{
    return _mm_xor_si128(_mm_clmulepi64_si128(x, c, 0x00), _mm_clmulepi64_si128(x, c, 0x11));
}

/* The CRC register after len bytes (len >= 64, a multiple of 16) starting from register crc. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc_clmul(uint32_t crc, const uint8_t *p, size_t len)
{
    const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596ll, 0x154442bd4ll); /* x^(4*128+32), x^(4*128-32) */
    const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009ell, 0x1751997d0ll); /* x^(128+32), x^(128-32) */
    const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124ll);                /* x^64 */
    const __m128i pu = _mm_set_epi64x(0x1f7011641ll, 0x1db710641ll);   /* Barrett: u = x^64 / P, and P */
    const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    p += 64;
    len -= 64;
    /* Four independent lanes, each folded 512 bits forward per round. */
    for (; len >= 64; p += 64, len -= 64) {
        x1 = _mm_xor_si128(fold(x1, k1k2), _mm_loadu_si128((const __m128i *)(const void *)p));
        x2 = _mm_xor_si128(fold(x2, k1k2), _mm_loadu_si128((const __m128i *)(const void *)(p + 16)));
        x3 = _mm_xor_si128(fold(x3, k1k2), _mm_loadu_si128((const __m128i *)(const void *)(p + 32)));
        x4 = _mm_xor_si128(fold(x4, k1k2), _mm_loadu_si128((const __m128i *)(const void *)(p + 48)));
    }
    /* The lanes into one, then the remaining 16-byte blocks, 128 bits forward each. */
    x1 = _mm_xor_si128(fold(x1, k3k4), x2);
    x1 = _mm_xor_si128(fold(x1, k3k4), x3);
    x1 = _mm_xor_si128(fold(x1, k3k4), x4);
    for (; len >= 16; p += 16, len -= 16)
        x1 = _mm_xor_si128(fold(x1, k3k4), _mm_loadu_si128((const __m128i *)(const void *)p));
    /* 128 -> 64 bits (appending the 32 zero bits of the CRC definition), 64 -> 32 by Barrett. */
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x10), _mm_srli_si128(x1, 8));
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, low32), k5, 0x00), _mm_srli_si128(x1, 4));
    __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x1, low32), pu, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), pu, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x1, t), 1);
}
#endif

/* Folding with PCLMULQDQ where the CPU has it; msx_crc32_tables gives the tests the other path. */
static int use_clmul;

__attribute__((constructor)) static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
#if defined(__x86_64__)
    __builtin_cpu_init();
    use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
}

MSX_API uint32_t msx_crc32(uint32_t crc, const uint8_t *p, uint32_t len)
{
    crc = ~crc;
#if defined(__x86_64__)
    if (use_clmul && len >= 64) {
        size_t bulk = len & ~(size_t)15;
        crc = crc_clmul(crc, p, bulk);
        p += bulk;
        len -= (uint32_t)bulk;
    }
#endif
    return ~crc_tables(crc, p, len);
}

MSX_API uint32_t msx_crc32_tables(uint32_t crc, const uint8_t *p, uint32_t len)
{
    return ~crc_tables(~crc, p, len);
}
