/* sha256.h — SHA-256 (FIPS 180-4), one-shot and incremental.
 *
 * Used for the hash of a rule file stored with each run, and anywhere a content digest is
 * needed. Byte-oriented: messages are whole bytes (FIPS 180-4 also allows bit strings; doudi
 * never hashes those). No allocation, no global state; a Sha256 context is plain data and
 * may be copied to fork a digest ("hash of prefix" and "hash of prefix + more"). */
#ifndef DOUDI_SHA256_H
#define DOUDI_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 64      /* lowercase hex digits, without the NUL */

typedef struct Sha256 {
    uint32_t h[8];             /* chaining state */
    uint64_t total;            /* message bytes so far */
    uint8_t block[64];         /* pending partial block */
    size_t used;               /* bytes in block, < 64 */
} Sha256;

void sha256_init(Sha256 *ctx);
void sha256_update(Sha256 *ctx, const void *data, size_t len);
/* Writes the digest and wipes the context; call sha256_init before reusing it. */
void sha256_final(Sha256 *ctx, uint8_t out[SHA256_DIGEST_LEN]);

/* One shot. `data` may be NULL when len is 0. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);
/* One shot, as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
/* A digest as 64 lowercase hex digits and a NUL. */
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_LEN], char out[SHA256_HEX_LEN + 1]);

#endif
