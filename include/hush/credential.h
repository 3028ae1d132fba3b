// SPDX-License-Identifier: Apache-2.0
#pragma once

// Credentials built at run time from what a device stores: a serial number
// (up to 8 bytes), a kid and a public key. No X.509, no ASN.1: a CCS
// (RFC 8392 claims set) holding a COSE_Key, exactly as RFC 9528 §3.5.2 uses
// it, so that both ends derive byte-identical CRED_x for the transcript.

#include <cstddef>
#include <cstdint>

#include "hush/crypto.h"
#include "hush/error.h"
#include "hush/span.h"

namespace hush::credential {

inline constexpr size_t kMaxSerialLen = 8;
inline constexpr size_t kMaxKidLen = 8;
/// {2: tstr(16), 8: {1: {1, 2: kid, -1, -2: x, -3: y}}} at most.
inline constexpr size_t kMaxCcsLen = 1 + 1 + 1 + 2 * kMaxSerialLen + 1 + 1 + 1 + 1 + 2 + 1 + 1 + kMaxKidLen + 2 + 1 +
                                     2 + crypto::kCoordLen + 1 + 2 + crypto::kCoordLen;
/// {4: kid}
inline constexpr size_t kMaxIdCredLen = 3 + kMaxKidLen;

inline constexpr size_t kMaxSubjectLen = 2 * kMaxSerialLen;

/// CCS = {2 (sub): subject, 8 (cnf): {1 (COSE_Key): {1 (kty): OKP/EC2,
/// 2 (kid): kid, -1 (crv): X25519/Ed25519/P-256, -2 (x): ..., -3 (y): ...
/// for P-256}}}. `subject` is UTF-8 text of at most kMaxSubjectLen bytes;
/// `public_key` is 32 bytes, or for P-256 64 bytes (x||y).
Error build_ccs(ConstByteSpan subject, ConstByteSpan kid, crypto::KeyType type, ConstByteSpan public_key, ByteSpan out,
                size_t& out_len) noexcept;

/// The subject hush uses for a device: its serial number as lowercase hex.
Error serial_subject(ConstByteSpan serial, uint8_t (&out)[kMaxSubjectLen], size_t& out_len) noexcept;

/// ID_CRED_x = {4 (kid): kid}; EDHOC sends it in compact form.
Error build_id_cred_kid(ConstByteSpan kid, ByteSpan out, size_t& out_len) noexcept;

/// A CCS and its ID_CRED in fixed storage.
struct Ccs {
  uint8_t cred[kMaxCcsLen];
  size_t cred_len = 0;
  uint8_t id_cred[kMaxIdCredLen];
  size_t id_cred_len = 0;

  /// The credential of the device with this serial number.
  Error build(ConstByteSpan serial, ConstByteSpan kid, crypto::KeyType type, ConstByteSpan public_key) noexcept {
    uint8_t subject[kMaxSubjectLen];
    size_t subject_len = 0;
    HUSH_TRY(serial_subject(serial, subject, subject_len));
    HUSH_TRY(
        build_ccs(ConstByteSpan(subject, subject_len), kid, type, public_key, ByteSpan(cred, sizeof(cred)), cred_len));
    return build_id_cred_kid(kid, ByteSpan(id_cred, sizeof(id_cred)), id_cred_len);
  }
  ConstByteSpan cred_view() const noexcept { return ConstByteSpan(cred, cred_len); }
  ConstByteSpan id_cred_view() const noexcept { return ConstByteSpan(id_cred, id_cred_len); }
};

}  // namespace hush::credential
