/* CRC-32 with zlib's polynomial: the checksum that ends every EventBatch (proto/msixtrace.proto). */
#ifndef MSX_CRC32_H
#define MSX_CRC32_H

#include <stdint.h>
#include "msixtrace.h"

/* CRC-32 of buf[0, len), continuing from crc (0 to start); equal to zlib's crc32(crc, buf, len). */
MSX_API uint32_t msx_crc32(uint32_t crc, const uint8_t *buf, uint32_t len);
/* The same by tables alone: what msx_crc32 does on CPUs without PCLMULQDQ (the tests compare both
 * with zlib on a CPU that has it). */
MSX_API uint32_t msx_crc32_tables(uint32_t crc, const uint8_t *buf, uint32_t len);

#endif
