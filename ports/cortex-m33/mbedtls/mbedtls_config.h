/* SPDX-License-Identifier: Apache-2.0
 *
 * mbed TLS 2.28 configuration for hush on a Cortex-M33 (EFR32 Series 2
 * class). Only what hush's psa crypto port needs: the PSA Crypto API over
 * SHA-256, HMAC, HKDF, AES-128-CCM, X25519 and P-256 (ECDH and ECDSA).
 * mbed TLS 2.28 has no EdDSA, so cipher suites 0 and 1 can do method 3
 * (static DH) but no Ed25519 signature on this image.
 *
 * No file system, sockets, clock or platform entropy. Random numbers come
 * from mbedtls_psa_external_get_random(), which the firmware provides: a real
 * EFR32 feeds it from its TRNG; the QEMU test image uses a deterministic
 * generator that is labelled as test-only (firmware/test_rng.cpp).
 * Memory for PSA key slots comes from a static buffer that the firmware hands
 * to mbedtls_memory_buffer_alloc_init(), so nothing needs malloc.
 */
#ifndef HUSH_M33_MBEDTLS_CONFIG_H
#define HUSH_M33_MBEDTLS_CONFIG_H

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_NO_UDBL_DIVISION /* no 64-by-32 division helper pulled in from libgcc */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS /* no calloc/exit/printf from libc */
#define MBEDTLS_PLATFORM_EXIT_ALT         /* the firmware sets mbedtls_exit (heap corruption) */
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_DEPRECATED_REMOVED

/* PSA Crypto core, with an external RNG and no storage */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#define MBEDTLS_PSA_KEY_SLOT_COUNT 6

/* Hash, MAC, KDF */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_HKDF_C

/* AES-128-CCM, tables in flash */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_CCM_C

/* Elliptic curves: X25519 and P-256 for ECDH, P-256 for ECDSA */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_NO_INTERNAL_RNG /* PSA always passes its own RNG for blinding */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

/* Size and RAM trimming: 256-bit curves only, small windows, no fixed-point
 * precomputation in RAM. */
#define MBEDTLS_MPI_WINDOW_SIZE 1
#define MBEDTLS_MPI_MAX_SIZE 32
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0

#include "mbedtls/check_config.h"

#endif /* HUSH_M33_MBEDTLS_CONFIG_H */
