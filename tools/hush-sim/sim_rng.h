// SPDX-License-Identifier: Apache-2.0
#pragma once

// Makes the crypto port's randomness repeatable inside hush-sim, so that a
// seed gives the same run: ephemeral keys, connection identifiers and the
// endpoints' retransmission jitter all come from it.
//
// With the openssl backend this installs a RAND_METHOD fed by a seeded PRNG
// for the whole process. That is only acceptable in a simulator: keys made
// this way are predictable. With other backends it does nothing, and runs
// repeat only as far as the radio model goes (reported by seeded()).

#include <cstdint>

namespace hush::sim {

/// Seeds (or re-seeds) the process-wide crypto randomness. Returns false if
/// the backend's randomness cannot be replaced.
bool seed_crypto_rng(uint64_t seed);

/// True once seed_crypto_rng has replaced the backend's randomness.
bool crypto_rng_seeded();

}  // namespace hush::sim
