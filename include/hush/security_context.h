// SPDX-License-Identifier: Apache-2.0
#pragma once

// The security context of a record layer: RFC 8613 §3 without CoAP. Keys and
// the common IV are derived as in RFC 8613 §3.2 (HKDF-SHA-256 with the CBOR
// `info` array), either from EDHOC's exported OSCORE master secret and salt
// (RFC 9528 Appendix A.1) or from a pre-shared master secret. The context
// also owns everything that must never repeat or be exceeded for those keys:
// the sender sequence number (with its persistence hook, RFC 8613
// Appendix B.1.1), the replay window and the AEAD usage counters q and v
// (draft-ietf-core-oscore-key-limits), which hold over a key's life: q is the
// sequence number and v has a persistence hook of its own.
//
// Sealing and opening records is in hush/record.h; this header only builds,
// holds and wipes the context.

#include <cstddef>
#include <cstdint>

#include "hush/crypto.h"
#include "hush/error.h"
#include "hush/replay_window.h"
#include "hush/span.h"

namespace hush::group::detail {
struct GroupAccess;  // src/group/: a group epoch seals with a SecurityContext
}

namespace hush::record {

inline constexpr size_t kKeyLen = crypto::kAesKeyLen;
inline constexpr size_t kNonceLen = crypto::kCcmNonceLen;
/// RFC 8613 §3.3: a Sender/Recipient ID fits the nonce, minus S and the PIV.
inline constexpr size_t kMaxIdLen = kNonceLen - 6;
/// Longest ID Context accepted (RFC 8613 allows any; hush bounds it).
inline constexpr size_t kMaxIdContextLen = 64;
/// Largest `info` array (RFC 8613 §3.2.1) for the bounds above.
inline constexpr size_t kMaxInfoLen = 1 + (1 + kMaxIdLen) + (2 + kMaxIdContextLen) + 2 + 4 + 1;

/// COSE algorithm identifier of an AEAD (RFC 9053): 10 or 30.
constexpr int64_t cose_alg(crypto::Aead a) noexcept {
  return a == crypto::Aead::kAesCcm16_64_128 ? 10 : 30;
}

/// The application AEAD of an EDHOC cipher suite, which RFC 9528 Appendix A.1
/// makes the OSCORE AEAD. RFC 9528 §10.2 gives every suite hush implements
/// (0 to 3) AES-CCM-16-64-128 (COSE alg 10), also suites 1 and 3, whose
/// 16-byte-tag AES-CCM-16-128-128 is only the EDHOC AEAD of message_3/4.
constexpr crypto::Aead aead_for_suite(uint8_t /*suite*/) noexcept {
  return crypto::Aead::kAesCcm16_64_128;
}

/// How close a key is to its usage limit.
enum class LimitState : uint8_t {
  kOk,
  kNear,     ///< Past the warning threshold: rekey soon.
  kReached,  ///< The key refuses to work any more.
};

/// AEAD usage limits per key (draft-ietf-core-oscore-key-limits §2.1.1):
/// q = encryptions with the sender key, v = failed decryptions with the
/// recipient key. A zero max means "the default for the algorithm". Both
/// counts outlive a reboot: q is the sender sequence number (every record
/// takes a new one, so it bounds the encryptions under the key, including
/// those before a restore), and v is reserved in storage like the sequence
/// number (Persistence::reserve_failures).
struct UsageLimits {
  uint32_t max_encryptions = 0;          ///< limit_q
  uint32_t near_encryptions = 0;         ///< report kNear from here on
  uint32_t max_failed_decryptions = 0;   ///< limit_v
  uint32_t near_failed_decryptions = 0;  ///< report kNear from here on

  /// q = 2^20 for both; v = 2^14 for CCM_8 (8-byte tag), 2^20 for the
  /// 16-byte tag. The warning comes at 7/8 of each limit.
  static constexpr UsageLimits defaults(crypto::Aead alg) noexcept {
    const uint32_t q = uint32_t{1} << 20;
    const uint32_t v = alg == crypto::Aead::kAesCcm16_64_128 ? (uint32_t{1} << 14) : (uint32_t{1} << 20);
    return UsageLimits{q, q - q / 8, v, v - v / 8};
  }
};

/// Called before the sender uses a sequence number at or above the last
/// reservation. It must store `reserved_until` durably (no sequence number at
/// or above it has been used) and return true only once the value is safe in
/// non-volatile memory. Returning false makes seal() refuse.
using ReserveHook = bool (*)(void* user, uint64_t reserved_until) noexcept;

/// Called before a decryption whenever the failed-decryption count v has
/// reached the last reservation. It must store `reserved_until` durably (v
/// is below it) and return true only once the value is safe in non-volatile
/// memory. Returning false makes open() refuse to decrypt.
using FailureReserveHook = bool (*)(void* user, uint32_t reserved_until) noexcept;

/// RFC 8613 Appendix B.1.1: sequence numbers are reserved `ahead` (K) at a
/// time, so storage is written once per K records. After a reboot the device
/// passes the stored value back as the starting sequence number. Failed
/// decryptions are reserved the same way, `failures_ahead` at a time, so v
/// survives a reboot too; storage is then written at most
/// limit_v / failures_ahead times in the life of a key, however many forged
/// records arrive.
struct Persistence {
  ReserveHook reserve = nullptr;
  void* user = nullptr;
  uint32_t ahead = 0;  ///< K, at least 1
  FailureReserveHook reserve_failures = nullptr;
  uint32_t failures_ahead = 0;  ///< at least 1 when reserve_failures is set
};

/// Per-context settings common to both ways of deriving a context.
struct ContextOptions {
  UsageLimits limits{};
  /// Put the 1-byte sender id on the wire as the record's connection id.
  /// Needs a sender id (and, on the receiving side, a recipient id) of 1 byte.
  bool send_cid = false;
  /// Key phase this context seals with and accepts (header flag K).
  bool key_phase = false;
  Persistence persistence{};
};

/// Optional ID Context (RFC 8613 §3.1): absent is encoded as CBOR nil, which
/// differs from present-but-empty.
struct IdContext {
  ConstByteSpan value{};
  bool present = false;
};

enum class Side : uint8_t { kInitiator, kResponder };

/// A context from an EDHOC session (RFC 9528 Appendix A.1). The initiator
/// sends with C_R as its Sender ID and receives with C_I; the responder the
/// other way round (RFC 9528 §3.3.3). Connection identifiers are given in
/// their OSCORE byte-string form: a one-byte CBOR integer C_x is that byte.
struct EdhocSecrets {
  crypto::Aead alg = crypto::Aead::kAesCcm16_64_128;
  ConstByteSpan master_secret{};  ///< EDHOC_Exporter(0, h'', key length)
  ConstByteSpan master_salt{};    ///< EDHOC_Exporter(1, h'', 8)
  ConstByteSpan c_i{};
  ConstByteSpan c_r{};
  Side side = Side::kInitiator;
};

/// A context from a pre-shared master secret. Because the same keys come
/// back after every reboot, both persistence hooks are mandatory and the
/// replay window starts unknown unless the caller knows these keys were
/// never used.
struct PskSecrets {
  crypto::Aead alg = crypto::Aead::kAesCcm16_64_128;
  ConstByteSpan master_secret{};
  ConstByteSpan master_salt{};  ///< empty: RFC 8613 default
  ConstByteSpan sender_id{};
  ConstByteSpan recipient_id{};
  IdContext id_context{};
  /// The value the reserve hook last stored, or 0 when freshly provisioned.
  uint64_t sender_sequence = 0;
  /// The value the reserve_failures hook last stored, or 0 when freshly
  /// provisioned: v starts there, so a reboot gives no new forgery budget.
  uint32_t failed_decryptions = 0;
  /// True only if no record was ever received under these keys.
  bool replay_state_fresh = false;
};

/// RFC 8613 §3.2.1 `info` = [id, id_context / nil, alg_aead, "Key"/"IV", L].
Error encode_info(crypto::Aead alg, ConstByteSpan id, const IdContext& id_context, bool iv, ByteSpan out,
                  size_t& len) noexcept;

/// Bytes of SecurityContext::save(): alg, flags, both ids, both keys, both
/// nonce bases, sequence number, v, limits, replay window edge.
/// Replay-window bitmap words in a snapshot: the widest window (128 records).
inline constexpr size_t kSnapshotWindowWords = 4;
inline constexpr size_t kContextSnapshotLen =
    2 + 2 * (1 + kMaxIdLen) + 2 * kKeyLen + 2 * kNonceLen + 8 + 4 + 16 + 8 + 4 * kSnapshotWindowWords;

/// The restart sequence number a snapshot holds (save()'s `sequence`), read
/// without loading it. `snapshot` is kContextSnapshotLen bytes.
uint64_t snapshot_sequence(ConstByteSpan snapshot) noexcept;

/// How load() treats the replay window it finds in a snapshot.
enum class WindowRestore : uint8_t {
  kEdge,     ///< the saved window: its edge and which records below it were received
  kUnknown,  ///< the snapshot may have been restored before: refuse all until start_at()
};

/// Sender key, recipient key, common IV, sequence number, replay window and
/// usage counters. Not copyable: a copy would reuse nonces.
class SecurityContext {
 public:
  SecurityContext() noexcept = default;
  ~SecurityContext() { reset(); }
  SecurityContext(const SecurityContext&) = delete;
  SecurityContext& operator=(const SecurityContext&) = delete;

  /// Derives the context of one side of an EDHOC session. The replay window
  /// starts empty: these keys are new.
  Error derive(const EdhocSecrets& in, const ContextOptions& options = {}) noexcept;
  /// Derives a context from a pre-shared master secret. Needs both hooks of
  /// options.persistence. On failure the context is left reset.
  Error derive(const PskSecrets& in, const ContextOptions& options) noexcept;
  /// Wipes every secret; the context accepts and seals nothing until derived again.
  void reset() noexcept;

  /// Deep sleep: writes the context, keys included, to `out`
  /// (kContextSnapshotLen bytes). `sequence` is the sequence number to
  /// restart from (at least next_sequence()). The replay window keeps its
  /// edge and its bitmap. The caller must keep the bytes confidential.
  Error save(ByteSpan out, uint64_t sequence) const noexcept;
  /// The opposite of save(). The sender restarts at max(saved, `skip_to`)
  /// and counts [that, reserved_until) as already reserved by `persistence`.
  /// On failure the context is left reset.
  Error load(ConstByteSpan in, const Persistence& persistence, uint64_t skip_to, uint64_t reserved_until,
             WindowRestore window) noexcept;

  bool ready() const noexcept { return ready_; }
  crypto::Aead alg() const noexcept { return alg_; }
  size_t tag_len() const noexcept { return crypto::tag_len(alg_); }
  ConstByteSpan sender_id() const noexcept { return ConstByteSpan(sender_id_, sender_id_len_); }
  ConstByteSpan recipient_id() const noexcept { return ConstByteSpan(recipient_id_, recipient_id_len_); }
  bool key_phase() const noexcept { return key_phase_; }
  bool sends_cid() const noexcept { return send_cid_; }

  /// The sequence number the next seal() will use.
  uint64_t next_sequence() const noexcept { return ssn_; }
  /// First sequence number not yet reserved in storage (persistence only).
  uint64_t reserved_until() const noexcept { return reserved_; }
  /// Skips the sender sequence number forward to `stored` (a value the
  /// reserve hook stored before a reboot or deep sleep). Never moves back.
  Error restore_sequence(uint64_t stored) noexcept;

  /// q: an upper bound on the encryptions ever made with the sender key,
  /// which is the next sequence number (see UsageLimits).
  uint64_t encryptions() const noexcept { return ssn_; }
  /// v: failed decryptions with the recipient key, including those before
  /// a restore (PskSecrets::failed_decryptions).
  uint32_t failed_decryptions() const noexcept { return count_v_; }
  const UsageLimits& limits() const noexcept { return limits_; }
  /// Sender key: q. limit_q < 2^32, so it ends the sender's use of the key
  /// long before the 40-bit sequence space.
  LimitState sender_limit() const noexcept;
  /// Recipient key: v.
  LimitState recipient_limit() const noexcept;

  /// RFC 8613 §5.2 nonce for a record this side seals with `seq` (the
  /// Partial IV), or for one the peer sealed. Nonces are not secret.
  Error sender_nonce(uint64_t seq, uint8_t (&nonce)[kNonceLen]) const noexcept;
  Error recipient_nonce(uint64_t seq, uint8_t (&nonce)[kNonceLen]) const noexcept;

  ContextReplayWindow& replay_window() noexcept { return window_; }
  const ContextReplayWindow& replay_window() const noexcept { return window_; }

 private:
  friend struct RecordAccess;                // src/record/record.cpp
  friend struct ContextProbe;                // tests and hush-trace only (tools/context_probe.h): keys against vectors
  friend struct group::detail::GroupAccess;  // src/group/: seal with its sender half, count v for its senders

  Error derive_common(crypto::Aead alg, ConstByteSpan master_secret, ConstByteSpan master_salt, ConstByteSpan sender_id,
                      ConstByteSpan recipient_id, const IdContext& id_context, const ContextOptions& options) noexcept;
  /// Reserves the next sequence number for one encryption, or refuses.
  Error take_sequence(uint64_t& seq) noexcept;
  /// Makes sure one more failed decryption is covered by storage, or refuses.
  Error reserve_failure() noexcept;
  /// Counts one failed decryption (after reserve_failure()).
  void note_failure() noexcept;

  uint8_t sender_key_[kKeyLen] = {};
  uint8_t recipient_key_[kKeyLen] = {};
  // Common IV XOR (S || padded ID), per direction; the PIV is XORed in per record.
  uint8_t sender_nonce_base_[kNonceLen] = {};
  uint8_t recipient_nonce_base_[kNonceLen] = {};
  uint8_t sender_id_[kMaxIdLen] = {};
  uint8_t recipient_id_[kMaxIdLen] = {};
  uint8_t sender_id_len_ = 0;
  uint8_t recipient_id_len_ = 0;
  crypto::Aead alg_ = crypto::Aead::kAesCcm16_64_128;
  bool key_phase_ = false;
  bool send_cid_ = false;
  bool ready_ = false;
  uint64_t ssn_ = 0;
  uint64_t reserved_ = 0;
  uint32_t count_v_ = 0;
  uint32_t reserved_v_ = 0;
  UsageLimits limits_{};
  Persistence persistence_{};
  ContextReplayWindow window_{};
};

/// Size of a security context on this target, for static allocation budgets.
inline constexpr size_t kSecurityContextSize = sizeof(SecurityContext);

}  // namespace hush::record
