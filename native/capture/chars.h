/* Byte classes and decimal scales shared by the capture scans (scan.c for QEMU logs, scan_kvm.c
 * for ftrace kvm_mmio lines): both read digits as the JavaScript parsers do. */
#ifndef MSIXTRACE_CHARS_H
#define MSIXTRACE_CHARS_H

#include <stdint.h>

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Hex digit values; -1 for every other byte. */
static const int8_t HEX[256] = {
    ['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1, ['4'] = 4 + 1, ['5'] = 5 + 1, ['6'] = 6 + 1,
    ['7'] = 7 + 1, ['8'] = 8 + 1, ['9'] = 9 + 1, ['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1, ['d'] = 13 + 1,
    ['e'] = 14 + 1, ['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1,
    ['F'] = 15 + 1,
};
/* (the table holds value + 1 so that the zero-filled rest means "not a digit") */
static inline __attribute__((always_inline)) int hex_val(uint8_t c) { return HEX[c] - 1; }

/* 10^k for the k missing digits of a fraction of a second (9 digits: ns). */
static const double POW10[10] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };

#endif
