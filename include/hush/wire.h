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

/// Cipher suites (§10.2) that hush implements: EDHOC AEAD, hash, MAC length,
/// ECDH curve, signature, application AEAD, application hash.
inline constexpr uint8_t kSuite0 = 0;  ///< AES-CCM-16-64-128, SHA-256, 8, X25519, EdDSA, AES-CCM-16-64-128, SHA-256
inline constexpr uint8_t kSuite1 = 1;  ///< AES-CCM-16-128-128, SHA-256, 16, X25519, EdDSA, AES-CCM-16-64-128, SHA-256
inline constexpr uint8_t kSuite2 = 2;  ///< AES-CCM-16-64-128, SHA-256, 8, P-256, ES256, AES-CCM-16-64-128, SHA-256
inline constexpr uint8_t kSuite3 = 3;  ///< AES-CCM-16-128-128, SHA-256, 16, P-256, ES256, AES-CCM-16-64-128, SHA-256

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
  kSuccess = 0,             ///< never sent
  kUnspecified = 1,         ///< ERR_INFO: tstr diagnostic
  kWrongSelectedSuite = 2,  ///< ERR_INFO: SUITES_R
  kUnknownCredential = 3,   ///< ERR_INFO: true
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

// The first byte of every frame is its kind/flags byte. The space is split:
//   0x00..0x7F  bit 7 clear: session-layer frames (discovery, announce, wake,
//               EDHOC messages and errors, cookie retries), defined there;
//   0x80..0x9F  protected record, format 1 (bits 7..5 = 100);
//   0xA0..0xFF  reserved for other protected formats; dropped as malformed.
inline constexpr uint8_t kFrameRecordMask = 0xE0;
inline constexpr uint8_t kFrameRecord = 0x80;

// Record header byte: | 1 0 0 | K | C | L-1 (3 bits) |
inline constexpr uint8_t kRecordKeyPhase = 0x10;    ///< K: key phase of the sender's keys
inline constexpr uint8_t kRecordCid = 0x08;         ///< C: a 1-byte connection id follows
inline constexpr uint8_t kRecordPsnLenMask = 0x07;  ///< L-1: partial sequence number is L bytes
inline constexpr size_t kRecordCidLen = 1;
inline constexpr size_t kRecordMinPsnLen = 1;
inline constexpr size_t kRecordMaxPsnLen = 5;  ///< 40-bit sequence numbers (RFC 8613 §7.2.1)
/// Header byte + connection id + longest partial sequence number.
inline constexpr size_t kRecordMaxHeaderLen = 1 + kRecordCidLen + kRecordMaxPsnLen;
/// Largest record, tag included: the largest MTU. It also keeps every record
/// far below the CCM_8 per-message limit l = 2^8 blocks (4096 bytes).
inline constexpr size_t kRecordMaxLen = 1024;

}  // namespace hush::wire
