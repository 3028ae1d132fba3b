// SPDX-License-Identifier: Apache-2.0
#pragma once

// RFC 8613 §3.2 and §5.2 building blocks shared by the pairwise security
// context (security_context.cpp) and the group context (src/group/), so that
// both derive keys and build nonces with one piece of code.

#include <cstddef>
#include <cstdint>

#include "hush/security_context.h"

namespace hush::record::detail {

/// Bytes of the Partial IV inside a nonce (RFC 8613 §5.2: 5).
inline constexpr size_t kPivLen = 5;

/// One HKDF-Expand output of RFC 8613 §3.2.1 from an already extracted PRK.
Error expand(crypto::Aead alg, ConstByteSpan prk, ConstByteSpan id, const IdContext& idc, bool iv,
             ByteSpan out) noexcept;

/// Common IV XOR (S || zero padding || ID), RFC 8613 §5.2 steps 2 to 4 without
/// the Partial IV, which stays zero here.
void nonce_base(const uint8_t (&common_iv)[kNonceLen], ConstByteSpan id, uint8_t (&base)[kNonceLen]) noexcept;

/// A nonce base with the Partial IV `seq` XORed in.
void nonce_for(const uint8_t (&base)[kNonceLen], uint64_t seq, uint8_t (&nonce)[kNonceLen]) noexcept;

}  // namespace hush::record::detail
