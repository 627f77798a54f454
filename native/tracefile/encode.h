/* msixtrace native EventBatch encoder: the bytes of test/oracles/batch-encode.js BatchEncoder.encode
 * (the reference; proto/msixtrace.proto documents the encoding), byte for byte, including the
 * trailing crc32 field. test/tracefile-encode.test.js encodes random batches both ways and
 * compares the bytes.
 *
 * An encoder is a context holding the per-batch scratch memory (~8 MB, allocated once and touched
 * as needed), so encoding allocates nothing and two encoders may run on two threads at once.
 */
#ifndef MSIXTRACE_ENCODE_H
#define MSIXTRACE_ENCODE_H

#include <stdint.h>

#define MSX_ENC_API __attribute__((visibility("default")))

#define MSX_ENC_MAX_BATCH 65536u

/* Output bytes msx_encode_batch may need for n events: per event a timestamp code (<= 10 bytes)
 * and a key (<= 3), per dictionary entry (<= n) at most 34 bytes of columns, plus the fixed fields. */
#define MSX_ENCODE_BOUND(n) (48u * (uint32_t)(n) + 256u)

/* Return values below 0 of msx_encode_batch. */
#define MSX_ENC_REFUSED (-1) /* n outside 1..min(cap, 65536), a ts that is not an integer with |ts| <= 2^53,
                                a size other than 1/2/4/8, or a device >= ndev: the JS encoder reports it */
#define MSX_ENC_SPACE (-2)   /* outcap < MSX_ENCODE_BOUND(n) */
#define MSX_ENC_BUSY (-3)    /* msx_encode_start with a job not finished, msx_encode_finish with none */
#define MSX_ENC_NO_THREAD (-4) /* the encoding thread could not be started: encode synchronously */

MSX_ENC_API void *msx_encoder_create(void);
MSX_ENC_API void msx_encoder_destroy(void *enc);

/* Encodes events [0, n) of a batch buffer laid out for `cap` (native/msixtrace.h) as one EventBatch
 * message, crc32 field included, into out[0, outcap). Returns the byte count or MSX_ENC_*. */
MSX_ENC_API int32_t msx_encode_batch(void *enc, const uint8_t *batch, uint32_t cap, uint32_t n, uint32_t ndev,
                                     uint8_t *out, uint32_t outcap);

/* The same on the encoder's own thread (started at the first call), so that the caller can go on
 * filling another batch: msx_encode_start queues the job (0, or MSX_ENC_BUSY / MSX_ENC_NO_THREAD /
 * MSX_ENC_REFUSED without queuing anything); msx_encode_finish waits for it and returns what
 * msx_encode_batch returned. The batch and out must stay untouched in between. One job at a time
 * per encoder; msx_encoder_destroy waits for a queued job and stops the thread. */
MSX_ENC_API int32_t msx_encode_start(void *enc, const uint8_t *batch, uint32_t cap, uint32_t n, uint32_t ndev,
                                     uint8_t *out, uint32_t outcap);
MSX_ENC_API int32_t msx_encode_finish(void *enc);

#endif
