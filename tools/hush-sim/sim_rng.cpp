// SPDX-License-Identifier: Apache-2.0
#include "sim_rng.h"

#include <atomic>
#include <cstring>

#include "radio.h"

#if defined(HUSH_SIM_OPENSSL_RNG)
// RAND_set_rand_method is deprecated in OpenSSL 3 but still honoured by
// RAND_bytes and RAND_priv_bytes (and so by key generation and ECDSA nonces).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rand.h>
#endif

namespace hush::sim {

namespace {
// Per thread, so that parallel runs (loss-sweep) each follow their own seed.
thread_local Prng g_rng(0);
std::atomic<bool> g_seeded{false};

#if defined(HUSH_SIM_OPENSSL_RNG)
int sim_bytes(unsigned char* buf, int num) {
  int i = 0;
  while (i < num) {
    const uint64_t v = g_rng.next();
    const int n = num - i < 8 ? num - i : 8;
    std::memcpy(buf + i, &v, static_cast<size_t>(n));
    i += n;
  }
  return 1;
}
int sim_seed(const void*, int) {
  return 1;
}
int sim_add(const void*, int, double) {
  return 1;
}
int sim_status() {
  return 1;
}

const RAND_METHOD kSimRand = {sim_seed, sim_bytes, nullptr, sim_add, sim_bytes, sim_status};
#endif
}  // namespace

bool seed_crypto_rng(uint64_t seed) {
  // A different stream from the radio's for the same seed.
  g_rng = Prng(seed ^ 0x6873682D73696D00ull);
#if defined(HUSH_SIM_OPENSSL_RNG)
  static const bool installed = RAND_set_rand_method(&kSimRand) == 1;
  g_seeded = installed;
  return installed;
#else
  return false;
#endif
}

bool crypto_rng_seeded() {
  return g_seeded;
}

}  // namespace hush::sim
