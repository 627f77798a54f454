/* The ABI record: every number the JavaScript side (src/native/library.ts) and this library must agree
 * on, exported by one function so a library built from other sources is refused at load with the name
 * of the first number that differs, instead of misreading batches. Bump MSX_ABI_VERSION when a
 * function's signature or meaning changes; the record's order is fixed, new entries go at the end
 * (and into ABI_RECORD in src/native/library.ts, in the same place). */
#ifndef MSX_ABI_H
#define MSX_ABI_H

#include <stdint.h>
#include "msixtrace.h"

#ifndef MSX_ABI_VERSION /* -D only to build a mismatching library for the tests */
#define MSX_ABI_VERSION 1
#endif

/* Writes up to cap entries of the record into out and returns the record's full length. */
MSX_API int32_t msx_abi(int32_t *out, uint32_t cap);

#endif
