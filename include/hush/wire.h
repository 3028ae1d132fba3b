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
// Frames (session layer, docs/PROTOCOL.md "Frames")
// ---------------------------------------------------------------------------

// The first byte of every frame is its kind/flags byte. The space is split:
//   0x00..0x7F  bit 7 clear: session frames, all plaintext: EDHOC messages
//               and errors, their fragments, discovery, announce, cookie
//               retry and (reserved) wake;
//   0x80..0xDF  protected records (below): data, confirmed data, control;
//   0xE0..0xFF  group records (pre-shared group and its epochs, below).

/// MTU range and default (IEEE 802.15.4 PSDU).
inline constexpr size_t kMinMtu = 32;
inline constexpr size_t kMaxMtu = 1024;
inline constexpr size_t kDefaultMtu = 127;

/// Session frame kinds (bit 7 clear). EDHOC messages carry the receiver's
/// own connection identifier after the kind byte (RFC 9528 §3.4.1
/// correlation), except message_1, which the kind byte marks instead of the
/// CBOR `true` prefix.
///   kind | message_1
///   kind | C_I | message_2
///   kind | C_R | message_3 [| record]      (kFrameWithRecord set)
///   kind | C_I | message_4
///   kind | C_x | error                     (C_x: the receiver's own)
inline constexpr uint8_t kFrameMessage1 = 0x01;
inline constexpr uint8_t kFrameMessage2 = 0x02;
inline constexpr uint8_t kFrameMessage3 = 0x03;
inline constexpr uint8_t kFrameMessage4 = 0x04;
inline constexpr uint8_t kFrameError = 0x05;
/// Set on kFrameMessage3: a protected record follows message_3 in the same
/// frame (first data with message_3, RFC 9668's combined request idea).
inline constexpr uint8_t kFrameWithRecord = 0x08;
/// Set on any EDHOC kind: a fragment of that message.
///   kind | [C_x] | total:12 offset:12 (3 bytes, big-endian) | bytes
inline constexpr uint8_t kFrameFragment = 0x10;
inline constexpr size_t kFragmentHeaderLen = 3;
/// Largest EDHOC message a fragment header can describe (12 bits).
inline constexpr size_t kFragmentMaxTotal = 4095;
/// Discovery, announce, wake and cookie retry frames (whole kind bytes, no flags).
inline constexpr uint8_t kFrameDiscovery = 0x20;
inline constexpr uint8_t kFrameAnnounce = 0x21;
/// WAKE (plaintext, unauthenticated): kind | [cid]. With the receiver's own
/// connection identifier it names one paused session; alone it means every
/// paused session. It only makes the receiver send one authenticated probe
/// per session and wake interval (docs/PROTOCOL.md "WAKE").
inline constexpr uint8_t kFrameWake = 0x22;
inline constexpr size_t kWakeMaxLen = 2;
inline constexpr uint8_t kFrameCookieRetry = 0x23;

// message_1 flags (docs/PROTOCOL.md "message_1 frames"): set on kFrameMessage1
// (whole or fragment), they say what precedes message_1 in the frame body:
//   kind | [key-knowledge MAC (4)] | [cookie (8)] | message_1
/// K: a key-knowledge MAC precedes message_1.
inline constexpr uint8_t kFrameKeyMac = 0x40;
/// C: a cookie (from a cookie retry or an announce) follows the MAC. On
/// message_1 only; the same bit on message_3 is kFrameWithRecord.
inline constexpr uint8_t kFrameWithCookie = 0x08;

/// Key-knowledge MAC: HMAC-SHA256(K_kk, message_1) truncated to 4 bytes,
/// K_kk = HKDF-SHA256(salt = kKeyMacSalt, IKM = CRED_R, info = kKeyMacInfo, L = 16).
inline constexpr size_t kKeyMacLen = 4;
inline constexpr size_t kKeyMacKeyLen = 16;
inline constexpr char kKeyMacSalt[] = "hush key-knowledge MAC";
inline constexpr char kKeyMacInfo[] = "message_1";

/// Cookie: epoch (1) | HMAC-SHA256(secret[epoch mod 2], kCookieLabel | epoch |
/// link address length | link address) truncated to 7 bytes.
inline constexpr size_t kCookieLen = 8;
inline constexpr size_t kCookieSecretLen = 32;
inline constexpr uint8_t kCookieLabel = 0x63;  // 'c': domain separation from any other HMAC of the secret
/// Cookie retry: kind | C_I | cookie.
inline constexpr size_t kCookieRetryLen = 2 + kCookieLen;

/// Discovery request: kind | nonce (4) | window (1) | serial length (1) |
/// serial (0..8) | zero padding up to kDiscoveryRequestLen. Serial length 0
/// asks anyone. Window: the reply window the client asks for, in units of
/// kDiscoveryWindowUnitMs (0: the server's default).
inline constexpr size_t kDiscoveryNonceLen = 4;
inline constexpr size_t kMaxSerialLen = 8;
inline constexpr uint32_t kDiscoveryWindowUnitMs = 20;
inline constexpr size_t kDiscoveryHeaderLen = 1 + kDiscoveryNonceLen + 1 + 1;
/// Announce: kind | nonce (4) | info (1) | serial length (1) | serial |
/// kid length (1) | kid | [cookie (8)].
inline constexpr uint8_t kAnnounceCookie = 0x80;      ///< info bit: a cookie ends the announce
inline constexpr uint8_t kAnnounceKeyMac = 0x40;      ///< info bit: the server demands the key-knowledge MAC
inline constexpr uint8_t kAnnounceMethodMask = 0x0C;  ///< info bits 3..2: the EDHOC method
inline constexpr unsigned kAnnounceMethodShift = 2;
inline constexpr uint8_t kAnnounceSuiteMask = 0x03;  ///< info bits 1..0: the cipher suite
/// Longest announce: kind, nonce, info, serial, kid (kid up to 8 bytes), cookie.
inline constexpr size_t kAnnounceMaxLen = 1 + kDiscoveryNonceLen + 1 + 1 + kMaxSerialLen + 1 + 8 + kCookieLen;
/// Clients pad discovery requests to this length, so that a server's
/// announce is never larger than the request it answers.
inline constexpr size_t kDiscoveryRequestLen = kAnnounceMaxLen;
/// Connection identifiers of a session are one byte on the wire: a one-byte
/// CBOR int (0x00..0x17 = 0..23, 0x20..0x37 = -1..-24), which is also the
/// OSCORE Sender/Recipient ID and the record's connection id.
inline constexpr size_t kConnIdWireLen = 1;

// ---------------------------------------------------------------------------
// Records (hush record layer, docs/PROTOCOL.md "Records")
// ---------------------------------------------------------------------------

// Record kinds, bits 7..5 of the header byte; the AAD covers the whole
// header byte, so the kind is authenticated:
//   100  data record (0x80..0x9F)
//   101  data record, acknowledgement requested (0xA0..0xBF)
//   110  control record: the first payload byte is a RecordControl (0xC0..0xDF)
inline constexpr uint8_t kFrameRecordMask = 0xE0;
inline constexpr uint8_t kFrameRecord = 0x80;
inline constexpr uint8_t kFrameRecordConfirmed = 0xA0;
inline constexpr uint8_t kFrameRecordControl = 0xC0;

/// First payload byte of a control record.
enum class RecordControl : uint8_t {
  /// ack | bitmap (4 bytes, bit i = largest - 1 - i) | largest (1..5 bytes):
  /// the sender's records that the receiver authenticated.
  kAck = 0x01,
  /// No payload; asks for an ack (proof of life both ways).
  kKeepalive = 0x02,
  /// No payload; asks for an ack, then both sides wipe the keys.
  kClose = 0x03,
  /// echo (kEchoLen bytes): a pairwise PSK receiver that has no replay
  /// state for the peer asks it to prove freshness (RFC 9175 Echo).
  kEchoRequest = 0x04,
  /// echo (kEchoLen bytes): the answer, the challenge's value returned in a
  /// record with a new sequence number.
  kEchoResponse = 0x05,
  /// No payload: the session's EDHOC responder asks its initiator to rekey
  /// (a usage or age limit is near on its side).
  kRekeyRequest = 0x06,
  /// n (1..3) | EDHOC message_n: a rekey's EDHOC run, inside the old keys.
  kRekeyMessage = 0x07,
  /// No payload, sealed with the new keys: nothing of the sender's needs
  /// its old keys any more; the receiver wipes them.
  kRekeyRetire = 0x08,
  /// As kAck, for records of the other key phase than the ack's own (a
  /// rekey: acks are always sealed with the sender's current keys, which
  /// the receiver is sure to hold).
  kAckOtherPhase = 0x09,
};
inline constexpr size_t kAckBitmapLen = 4;

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

/// Length of an Echo challenge value (RFC 9175 allows 1..40 bytes; 8 random
/// bytes make a guess succeed with probability 2^-64 per challenge).
inline constexpr size_t kEchoLen = 8;

// ---------------------------------------------------------------------------
// Group records (pre-shared group key, docs/PROTOCOL.md "Group records")
// ---------------------------------------------------------------------------

// Header byte: | 1 1 1 | C | E E | L-1 |, then the sender id (1 byte) and the
// partial sequence number (L = 1..4 bytes). The whole header is in the AAD.
inline constexpr uint8_t kFrameGroupMask = 0xE0;
inline constexpr uint8_t kFrameGroup = 0xE0;
inline constexpr uint8_t kGroupControl = 0x10;    ///< C: the first payload byte is a GroupControl
inline constexpr uint8_t kGroupEpochMask = 0x0C;  ///< E: key epoch mod 4
inline constexpr unsigned kGroupEpochShift = 2;
inline constexpr uint8_t kGroupPsnLenMask = 0x03;  ///< L-1
inline constexpr size_t kGroupSenderIdLen = 1;
inline constexpr size_t kGroupMaxPsnLen = 4;  ///< group sequence numbers are below 2^32
inline constexpr size_t kGroupMaxHeaderLen = 1 + kGroupSenderIdLen + kGroupMaxPsnLen;

/// First payload byte of a group control record (C set).
enum class GroupControl : uint8_t {
  /// target sender id (1) | echo (kEchoLen): the sealing member asks `target`
  /// to prove freshness.
  kEchoRequest = 0x01,
  /// target sender id (1) | echo (kEchoLen): `target`'s challenge answered.
  kEchoResponse = 0x02,
  /// new epoch (4 bytes, big-endian): move the group keys to that epoch.
  kEpoch = 0x03,
};
/// code | target | echo
inline constexpr size_t kGroupEchoMessageLen = 2 + kEchoLen;
/// code | epoch
inline constexpr size_t kGroupEpochMessageLen = 5;

}  // namespace hush::wire
