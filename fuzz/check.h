/* CHECK for the capture harnesses (fuzz_gunzip.c, fuzz_scan_kvm.c): a violated invariant prints
 * where and what, then aborts, which libFuzzer reports as a crash and saves the input. */
#ifndef MSX_FUZZ_CHECK_H
#define MSX_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "VIOLATION %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                \
        }                                                                           \
    } while (0)

#endif
