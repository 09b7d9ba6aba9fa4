// SHA-256 block compression with the x86 SHA extensions (SHA-NI).
//
// Swift cannot emit the SHA-NI instructions, so this is the one piece of
// vadprep written in C. VADShards.SHA256 calls it when the processor has
// the extensions and falls back to its portable Swift code otherwise; the
// tests check that both give the same digests.
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// The 64 round constants K of FIPS 180-4, 4.2.2 (shared with the portable Swift code).
const uint32_t *csha256_round_constants(void);

/// 1 when this processor has the SHA extensions (and SSSE3 and SSE4.1), else 0.
int csha256_has_sha_extensions(void);

/// Runs `blocks` 64-byte blocks of `data` through the compression function,
/// updating `state` (the eight words A..H). Only call it when
/// csha256_has_sha_extensions() returns 1.
void csha256_compress_sha_extensions(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
