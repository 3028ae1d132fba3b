// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>

#include "hush/span.h"

namespace hush::ct {

/// Constant-time equality of two byte strings. Time depends only on the
/// lengths, which are public. Use it for every tag, MAC or cookie compare.
bool equal(ConstByteSpan a, ConstByteSpan b) noexcept;

/// True when every byte is zero, in time that depends only on the length
/// (an all-zero X25519 result must be detected without leaking where).
bool is_zero(ConstByteSpan a) noexcept;

/// True when two buffers overlap other than by starting at the same address
/// (in-place AEAD is allowed, a shifted overlap is not).
bool partially_overlaps(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) noexcept;

/// Overwrites memory in a way the optimiser may not remove. Every secret
/// (keys, PRKs, shared secrets, decrypted plaintext on failure) goes through it.
void wipe(void* p, size_t n) noexcept;

inline void wipe(ByteSpan s) noexcept {
  wipe(s.data(), s.size());
}

/// Wipes a whole object (array or struct) that held a secret.
template <typename T>
void wipe_object(T& obj) noexcept {
  wipe(&obj, sizeof(obj));
}

}  // namespace hush::ct
