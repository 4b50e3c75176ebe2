#ifndef BLOTTER_COPENSSL_SHIM_H
#define BLOTTER_COPENSSL_SHIM_H

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/sha.h>

/* BIO_get_mem_data is a macro; Swift cannot call it. */
static inline long blotter_BIO_get_mem_data(BIO *bio, char **out) {
    return BIO_get_mem_data(bio, out);
}

/* SHA-256 in one call through the low-level context functions. Both EVP_Digest and, in OpenSSL 3.0,
   the one-shot SHA256() look the algorithm up in the provider table on every call, which costs more
   than hashing a 65-byte Merkle node. The low-level functions are deprecated in OpenSSL 3.0 but remain
   supported for the 3.x series. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline void blotter_sha256(const void *data, size_t length, unsigned char *out) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, length);
    SHA256_Final(out, &ctx);
}

typedef struct { SHA256_CTX ctx; } blotter_sha256_ctx;

static inline void blotter_sha256_init(blotter_sha256_ctx *c) { SHA256_Init(&c->ctx); }
static inline void blotter_sha256_update(blotter_sha256_ctx *c, const void *data, size_t length) {
    SHA256_Update(&c->ctx, data, length);
}
static inline void blotter_sha256_final(blotter_sha256_ctx *c, unsigned char *out) {
    SHA256_Final(out, &c->ctx);
}
#pragma GCC diagnostic pop

#endif
