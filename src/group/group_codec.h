// SPDX-License-Identifier: Apache-2.0
#pragma once

// The bytes of a group record (docs/PROTOCOL.md "Group records"): header,
// additional data, and the per-sender key and nonce of RFC 8613 §3.2/§5.2.

#include <cstddef>
#include <cstdint>

#include "hush/group.h"

namespace hush::group::detail {

/// header || alg_aead
inline constexpr size_t kMaxAadLen = wire::kGroupMaxHeaderLen + 1;

/// Writes the header of a record with `seq` into `out`; returns its length.
size_t write_header(bool control, uint32_t epoch, uint8_t sender, uint64_t seq, ByteSpan out) noexcept;

/// AAD = header bytes as on the air || COSE alg (1 byte).
size_t build_aad(crypto::Aead alg, ConstByteSpan header, uint8_t (&aad)[kMaxAadLen]) noexcept;

/// ID Context of an epoch: group id || epoch (4 bytes, big-endian).
size_t id_context(ConstByteSpan group_id, uint32_t epoch, uint8_t (&out)[kMaxGroupIdLen + kEpochLen]) noexcept;

/// The Sender Key of `sender` in an epoch (RFC 8613 §3.2.1 with its 1-byte id).
Error sender_key(crypto::Aead alg, ConstByteSpan prk, ConstByteSpan group_id, uint32_t epoch, uint8_t sender,
                 uint8_t (&key)[record::kKeyLen]) noexcept;

/// The nonce `sender` uses for `seq` (RFC 8613 §5.2 with its 1-byte id).
void sender_nonce(const uint8_t (&common_iv)[record::kNonceLen], uint8_t sender, uint64_t seq,
                  uint8_t (&nonce)[record::kNonceLen]) noexcept;

}  // namespace hush::group::detail
