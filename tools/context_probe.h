// SPDX-License-Identifier: Apache-2.0
#pragma once

// Reads what a security context derived, for known-answer checks in the
// tests and in hush-trace. SecurityContext declares ContextProbe a friend
// for this alone: nothing in the library may hand keys out. Host only.

#include <cstddef>
#include <cstdint>

#include "hush/security_context.h"

namespace hush::record {

struct ContextProbe {
  static ConstByteSpan sender_key(const SecurityContext& c) { return ConstByteSpan(c.sender_key_); }
  static ConstByteSpan recipient_key(const SecurityContext& c) { return ConstByteSpan(c.recipient_key_); }

  // The Common IV: the nonce for sequence number 0 XOR (S || padded Sender
  // ID), RFC 8613 §5.2 run backwards. False if the context is not ready.
  static bool common_iv(const SecurityContext& c, uint8_t (&iv)[kNonceLen]) {
    if (!ok(c.sender_nonce(0, iv))) return false;
    const ConstByteSpan id = c.sender_id();
    iv[0] = static_cast<uint8_t>(iv[0] ^ id.size());
    const size_t id_end = kNonceLen - 5;  // the ID ends where the 5-byte PIV starts
    for (size_t i = 0; i < id.size(); ++i) iv[id_end - id.size() + i] ^= id[i];
    return true;
  }
};

}  // namespace hush::record
