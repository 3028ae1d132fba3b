// SPDX-License-Identifier: Apache-2.0
#pragma once

// The responder's denial-of-service defence, in pieces that need no
// endpoint: the key-knowledge MAC of message_1, token buckets, and the size
// a message_2 will have (docs/SECURITY.md "Denial of service").

#include <cstddef>
#include <cstdint>

#include "hush/edhoc.h"
#include "hush/error.h"
#include "hush/session.h"
#include "hush/span.h"

namespace hush::session {

// K_kk = HKDF-SHA256(salt = wire::kKeyMacSalt, IKM = the server's CRED_R,
// info = wire::kKeyMacInfo), 16 bytes. CRED_R holds the serial (as the CCS
// subject) and the public key, so the key is "keyed from both".
Error key_mac_key(ConstByteSpan cred_r, uint8_t (&key)[wire::kKeyMacKeyLen]) noexcept;

// HMAC-SHA256(K_kk, message_1), first wire::kKeyMacLen bytes.
Error key_mac(ConstByteSpan key, ConstByteSpan message_1, uint8_t (&mac)[wire::kKeyMacLen]) noexcept;

// Takes one token if the bucket has one (`limit.every_ms == 0`: unlimited).
bool bucket_take(detail::Bucket& b, const RateLimit& limit, uint32_t now) noexcept;

// The length of the message_2 frame this responder will send (kind, C_I and
// message_2 with no EAD), known before any public-key work: G_Y is 32
// bytes in every suite, the responder's MAC_2 is the suite's MAC length
// with static DH and a 64-byte signature otherwise.
size_t message_2_frame_len(edhoc::Method method, uint8_t suite, ConstByteSpan own_kid) noexcept;

}  // namespace hush::session
