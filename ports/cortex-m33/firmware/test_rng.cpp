// SPDX-License-Identifier: Apache-2.0
// THE RANDOM SOURCE OF THE QEMU TEST IMAGE. IT IS NOT RANDOM.
//
// mbed TLS is built with MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG, so the firmware
// supplies every random byte PSA uses (ephemeral keys, ECDSA nonces, ECP
// blinding). QEMU's mps2-an505 has no TRNG, so this image expands a fixed
// seed with SHA-256 in counter mode: runs are reproducible, and the output
// is predictable to anyone. A product on an EFR32 Series 2 implements this
// function with the Secure Engine's TRNG instead; never ship this file.

#include <cstring>

#include "mbedtls/sha256.h"
#include "psa/crypto.h"

namespace {

constexpr char kSeed[] = "hush qemu test rng: deterministic, NOT for products";

}  // namespace

extern "C" psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t* context, uint8_t* output,
                                                        size_t output_size, size_t* output_length) {
  // context->opaque[0] counts blocks across calls (PSA zeroes it at init).
  size_t done = 0;
  while (done < output_size) {
    uint8_t block[32];
    const uint32_t counter = static_cast<uint32_t>(context->opaque[0]++);
    const uint8_t ctr[4] = {static_cast<uint8_t>(counter >> 24), static_cast<uint8_t>(counter >> 16),
                            static_cast<uint8_t>(counter >> 8), static_cast<uint8_t>(counter)};
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    int rc = mbedtls_sha256_starts_ret(&sha, 0);
    if (rc == 0) rc = mbedtls_sha256_update_ret(&sha, reinterpret_cast<const uint8_t*>(kSeed), sizeof(kSeed));
    if (rc == 0) rc = mbedtls_sha256_update_ret(&sha, ctr, sizeof(ctr));
    if (rc == 0) rc = mbedtls_sha256_finish_ret(&sha, block);
    mbedtls_sha256_free(&sha);
    if (rc != 0) return PSA_ERROR_INSUFFICIENT_ENTROPY;
    const size_t n = output_size - done < sizeof(block) ? output_size - done : sizeof(block);
    std::memcpy(output + done, block, n);
    done += n;
  }
  *output_length = output_size;
  return PSA_SUCCESS;
}
