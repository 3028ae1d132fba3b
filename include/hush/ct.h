// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

#include "hush/span.h"

namespace hush::ct {

/// Constant-time equality of two byte strings. Time depends only on the
/// lengths, which are public. Use it for every tag, MAC or cookie compare.
bool equal(ConstByteSpan a, ConstByteSpan b) noexcept;

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
