// SPDX-License-Identifier: Apache-2.0
#pragma once

// Every constant that appears on the air, in one place. docs/PROTOCOL.md
// explains each one; a new frame byte starts here.

#include <cstddef>
#include <cstdint>

namespace hush::wire {

// ---------------------------------------------------------------------------
// EDHOC (RFC 9528)
// ---------------------------------------------------------------------------

/// METHOD (§3.2): who authenticates with a signature and who with static DH.
enum class Method : uint8_t {
  kSigSig = 0,    ///< Initiator signature, Responder signature
  kSigStat = 1,   ///< Initiator signature, Responder static DH
  kStatSig = 2,   ///< Initiator static DH, Responder signature
  kStatStat = 3,  ///< Initiator static DH, Responder static DH
};

/// Cipher suites (§10.2) that hush implements.
inline constexpr uint8_t kSuite0 = 0;  ///< AES-CCM-16-64-128, SHA-256, 8, X25519, EdDSA
inline constexpr uint8_t kSuite1 = 1;  ///< AES-CCM-16-128-128, SHA-256, 16, X25519, EdDSA
inline constexpr uint8_t kSuite2 = 2;  ///< AES-CCM-16-64-128, SHA-256, 8, P-256, ES256
inline constexpr uint8_t kSuite3 = 3;  ///< AES-CCM-16-128-128, SHA-256, 16, P-256, ES256

/// EDHOC_KDF info labels (§4.1.2, §4.2).
enum class KdfLabel : uint8_t {
  kKeystream2 = 0,
  kSalt3e2m = 1,
  kMac2 = 2,
  kK3 = 3,
  kIv3 = 4,
  kSalt4e3m = 5,
  kMac3 = 6,
  kPrkOut = 7,
  kK4 = 8,
  kIv4 = 9,
  kPrkExporter = 10,
  kKeyUpdate = 11,
};

/// EDHOC_Exporter labels for OSCORE (RFC 9528 Appendix A.1).
inline constexpr uint8_t kExporterOscoreMasterSecret = 0;
inline constexpr uint8_t kExporterOscoreMasterSalt = 1;
inline constexpr size_t kOscoreMasterSaltLen = 8;

/// ERR_CODE (§6.2).
enum class ErrCode : int8_t {
  kSuccess = 0,           ///< never sent
  kUnspecified = 1,       ///< ERR_INFO: tstr diagnostic
  kWrongSelectedSuite = 2,///< ERR_INFO: SUITES_R
  kUnknownCredential = 3, ///< ERR_INFO: true
};

/// COSE header label of 'kid' (RFC 9052), used for compact ID_CRED.
inline constexpr int64_t kCoseHeaderKid = 4;
/// EAD label 0 is padding (§3.8.1) and is always ignored.
inline constexpr int64_t kEadPadding = 0;

// CCS / COSE_Key labels used to build credentials at run time (RFC 8392, RFC 9052/9053).
inline constexpr int64_t kCwtSub = 2;
inline constexpr int64_t kCwtCnf = 8;
inline constexpr int64_t kCnfCoseKey = 1;
inline constexpr int64_t kCoseKeyKty = 1;
inline constexpr int64_t kCoseKeyKid = 2;
inline constexpr int64_t kCoseKeyCrv = -1;
inline constexpr int64_t kCoseKeyX = -2;
inline constexpr int64_t kCoseKeyY = -3;
inline constexpr int64_t kCoseKtyOkp = 1;
inline constexpr int64_t kCoseKtyEc2 = 2;
inline constexpr int64_t kCoseCrvP256 = 1;
inline constexpr int64_t kCoseCrvX25519 = 4;
inline constexpr int64_t kCoseCrvEd25519 = 6;

// ---------------------------------------------------------------------------
// Records (hush record layer, docs/PROTOCOL.md "Records")
// ---------------------------------------------------------------------------

}  // namespace hush::wire
