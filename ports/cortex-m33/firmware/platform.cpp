// SPDX-License-Identifier: Apache-2.0
// mbed TLS allocates PSA key slots and bignum limbs with calloc. On the
// target that memory is one static buffer owned by the application, not the
// C library's heap, so its size is fixed and visible in the memory map.

#include "platform.h"

#include <cstddef>
#include <cstdint>

#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "psa/crypto.h"
#include "semihost.h"

#ifndef HUSH_M33_CRYPTO_HEAP
#define HUSH_M33_CRYPTO_HEAP (12 * 1024)
#endif

namespace hush::m33 {
namespace {

alignas(8) unsigned char crypto_heap[HUSH_M33_CRYPTO_HEAP];

// mbed TLS calls this only when it finds its heap corrupted.
void crypto_fatal(int) {
  write("mbed TLS: heap corrupted\n");
  exit(4);
}

}  // namespace

bool platform_init() noexcept {
  mbedtls_platform_set_exit(crypto_fatal);
  mbedtls_memory_buffer_alloc_init(crypto_heap, sizeof(crypto_heap));
  return psa_crypto_init() == PSA_SUCCESS;
}

}  // namespace hush::m33
