// SPDX-License-Identifier: Apache-2.0
#pragma once

// A pre-shared group: one master secret, many members (docs/PROTOCOL.md
// "Group records", docs/SECURITY.md "Pre-shared keys and groups").
//
// Keys are RFC 8613 §3.2 keys with the group's ID Context = group id ||
// epoch (4 bytes, big-endian): every member's Sender Key is derived with its
// own 1-byte Sender ID, as in Group OSCORE, and every nonce carries the
// sealing member's Sender ID (RFC 8613 §5.2), so no two members ever use the
// same (key, nonce) pair, and each key has exactly one sealer, whose
// sequence number counts its encryptions (q).
//
// The sealing half of each epoch is a record::SecurityContext derived from
// the pre-shared secret: its reserve-ahead hook, restore and usage limits
// apply unchanged. The receiving half is a bounded table of per-sender replay
// state (SenderTable) with a documented eviction policy; a sender without an
// entry is "freshness unknown" and must answer an Echo challenge first.
//
// GroupContext seals and opens group records; psk::Node (hush/psk.h) drives
// it with input()/poll() and sends the challenges. Nothing here allocates.

#include <cstddef>
#include <cstdint>

#include "hush/crypto.h"
#include "hush/error.h"
#include "hush/replay_window.h"
#include "hush/security_context.h"
#include "hush/span.h"
#include "hush/wire.h"

/// Senders whose replay state a group receiver keeps at once (both epochs
/// of a grace period together).
#ifndef HUSH_GROUP_MAX_SENDERS
#define HUSH_GROUP_MAX_SENDERS 8
#endif

namespace hush::group {

inline constexpr size_t kMaxSenders = HUSH_GROUP_MAX_SENDERS;
static_assert(kMaxSenders >= 1 && kMaxSenders <= 64, "hush: 1..64 group senders");
inline constexpr size_t kMaxGroupIdLen = 8;
inline constexpr size_t kMaxMasterSecretLen = 32;
inline constexpr size_t kMaxMasterSaltLen = 16;
inline constexpr size_t kEchoLen = wire::kEchoLen;
/// Group sequence numbers fit the 4-byte partial sequence number.
inline constexpr uint64_t kMaxGroupSequence = UINT32_MAX;
/// ID Context = group id || epoch.
inline constexpr size_t kEpochLen = 4;

/// Bytes of the minimal group partial sequence number of `seq` (1..4).
constexpr size_t psn_len(uint64_t seq) noexcept {
  size_t n = 1;
  while (n < wire::kGroupMaxPsnLen && (seq >> (8 * n)) != 0) ++n;
  return n;
}

/// Everything a group record adds to its payload: kind byte, sender id, PSN, tag.
constexpr size_t overhead(uint64_t seq, crypto::Aead alg = crypto::Aead::kAesCcm16_64_128) noexcept {
  return 1 + wire::kGroupSenderIdLen + psn_len(seq) + crypto::tag_len(alg);
}
static_assert(overhead(255) == 11, "hush: group record overhead over budget");

/// What a receiver knows about a sender's freshness.
enum class Freshness : uint8_t {
  kUnknown,      ///< No replay state (never seen, evicted, or lost in a reboot): nothing is accepted.
  kProvisional,  ///< Accept-once policy: one record was delivered; proof still pending.
  kFresh,        ///< Proven by an Echo answer, or inherited within one boot: the window applies.
};

/// How a receiver treats an authentic record from a sender of unknown freshness.
enum class FreshnessPolicy : uint8_t {
  /// Drop it and challenge the sender. Nothing old can ever be replayed.
  kStrict,
  /// Deliver that one record (marked provisional), then challenge; drop the
  /// sender's other records until the answer. An attacker who recorded one
  /// frame can make a rebooted receiver act on it once more: only for
  /// idempotent commands (docs/SECURITY.md).
  kAcceptOnceThenChallenge,
};

/// One sender's receive state under one epoch.
struct SenderEntry {
  record::ContextReplayWindow window{};
  uint32_t epoch = 0;
  uint32_t last_auth = 0;  ///< table clock when it last authenticated a record (LRU)
  /// The authentic record this unproven sender sent last (kUnknown: the one
  /// refused; kProvisional: the one delivered): its repeats are dropped
  /// before any AES. Meaningful when `held`.
  uint32_t held_seq = 0;
  uint32_t challenged_at = 0;   ///< ms of the last challenge (psk::Node's rate limit)
  uint8_t echo[kEchoLen] = {};  ///< the challenge value it must return
  uint8_t id = 0;
  bool used = false;
  bool challenged = false;  ///< `echo` is outstanding
  bool held = false;
  Freshness freshness = Freshness::kUnknown;
};

/// The bounded per-sender table. Eviction policy: a free entry if any; else
/// the least recently authenticated entry that is not kFresh (senders still
/// to be proven go first, so replayed old frames of unknown senders cannot
/// push proven ones out); else the least recently authenticated entry. An
/// entry is claimed only for an authentic record, so forgeries evict nothing.
/// An evicted sender comes back as kUnknown.
class SenderTable {
 public:
  SenderEntry* find(uint8_t id, uint32_t epoch) noexcept;
  const SenderEntry* find(uint8_t id, uint32_t epoch) const noexcept;
  /// The entry for (id, epoch), evicting one if the table is full. A new
  /// entry is kUnknown with an unknown window.
  SenderEntry& claim(uint8_t id, uint32_t epoch) noexcept;
  /// Marks an entry as just authenticated (for the eviction order).
  void touch(SenderEntry& e) noexcept;
  /// Frees every entry of `epoch`.
  void drop_epoch(uint32_t epoch) noexcept;
  /// Frees everything (a reboot loses the table in the same way).
  void clear() noexcept;
  size_t used() const noexcept;
  uint32_t evictions() const noexcept { return evictions_; }
  Span<const SenderEntry> entries() const noexcept { return Span<const SenderEntry>(entries_); }

 private:
  SenderEntry entries_[kMaxSenders] = {};
  uint32_t clock_ = 0;
  uint32_t evictions_ = 0;
};

/// A member's group secrets, as provisioned or as stored before a reboot.
struct GroupSecrets {
  crypto::Aead alg = crypto::Aead::kAesCcm16_64_128;
  ConstByteSpan master_secret{};  ///< 1..32 bytes
  ConstByteSpan master_salt{};    ///< 0..16 bytes; empty: RFC 8613 default
  ConstByteSpan group_id{};       ///< 0..8 bytes, the first part of the ID Context
  uint32_t epoch = 0;
  uint8_t sender_id = 0;  ///< unique within the group
  /// The value the reserve hook last stored for this epoch (0 when new).
  uint64_t sender_sequence = 0;
  /// The value the reserve_failures hook last stored for this epoch (0 when new).
  uint32_t failed_decryptions = 0;
};

struct GroupOptions {
  record::UsageLimits limits{};  ///< per key; zero fields: the AEAD's defaults
  /// Mandatory, both hooks (a pre-shared key returns after every reboot).
  /// The stored values belong to the current epoch: the application
  /// persists the epoch before the first record of a new one (psk::Node
  /// fires kEpochChanged first).
  record::Persistence persistence{};
  FreshnessPolicy policy = FreshnessPolicy::kStrict;
};

struct GroupSealed {
  size_t size = 0;
  uint64_t seq = 0;
  record::LimitState limit = record::LimitState::kOk;  ///< own sender key after this record
};

/// What open() found. Valid on every return.
struct GroupOpened {
  size_t size = 0;  ///< payload bytes (0 on a drop)
  uint64_t seq = 0;
  uint32_t epoch = 0;
  uint8_t sender = 0;
  bool control = false;
  /// The sender's state after this record. Only kFresh records (and the
  /// provisional one of kAcceptOnceThenChallenge) may be acted on; a
  /// kUnknown kOk is an Echo request, which may only be answered.
  Freshness freshness = Freshness::kUnknown;
  bool proved = false;                                 ///< this record answered the sender's challenge
  bool challenge = false;                              ///< the caller should challenge the sender
  record::LimitState limit = record::LimitState::kOk;  ///< recipient keys of this epoch
};

namespace detail {
struct GroupAccess;
}

/// The group keys of the current epoch and, during a grace period, the
/// previous one, with the per-sender table. Not copyable (nonces).
class GroupContext {
 public:
  GroupContext() noexcept = default;
  ~GroupContext() { reset(); }
  GroupContext(const GroupContext&) = delete;
  GroupContext& operator=(const GroupContext&) = delete;

  /// Derives the current epoch's keys. The sender table starts empty, so
  /// every sender is freshness unknown (after a reboot that is the truth).
  /// kInvalidArgument for a missing hook, bad lengths or limits.
  Error begin(const GroupSecrets& secrets, const GroupOptions& options) noexcept;
  /// Moves to `epoch` (greater than the current one): same master secret
  /// unless `master_secret` is given. The current keys become the previous
  /// ones and still open records until retire_previous(); only the new keys
  /// seal. The new epoch's sequence number starts at 0 (new keys), and its
  /// senders inherit the freshness they had in this boot.
  Error rotate(uint32_t epoch, ConstByteSpan master_secret = {}) noexcept;
  /// Ends the grace period: wipes the previous keys and their senders.
  void retire_previous() noexcept;
  /// Wipes everything.
  void reset() noexcept;

  /// Seals `payload` as a group record (`control`: C set). `out` needs
  /// overhead(next_sequence()) + payload.size() bytes. kLimitReached once
  /// the sender key's q is used up or the reserve hook fails.
  Error seal(ConstByteSpan payload, ByteSpan out, GroupSealed& sealed, bool control = false) noexcept;
  /// Opens a group record into `out` (record.size() bytes are enough).
  /// Drops: kMalformed; kUnknownContext (epoch not held, or the member's
  /// own id: a reflected record); kReplay / kTooOld (before any AES, and not
  /// counted against v); kLimitReached; kAuthFailed (counted against v);
  /// kFreshnessUnknown (authentic, but the sender is not proven: set
  /// `challenge`). On a drop `out` holds no plaintext.
  Error open(ConstByteSpan record, ByteSpan out, GroupOpened& opened) noexcept;
  /// The control payload (wire::kGroupEchoMessageLen bytes, into `out`)
  /// that challenges `sender` under the current epoch. The echo value is
  /// random and stays the same until answered, so a late answer to an
  /// earlier copy still counts. kInvalidState (nothing to send) if the
  /// sender is proven, or was challenged less than `min_interval_ms` ago:
  /// replayed frames of an unknown sender cost at most one challenge per
  /// interval.
  Error make_challenge(uint8_t sender, uint32_t now, uint32_t min_interval_ms, ByteSpan out, size_t& len) noexcept;

  bool ready() const noexcept;
  uint32_t epoch() const noexcept;
  bool has_previous() const noexcept;
  uint32_t previous_epoch() const noexcept;
  uint8_t sender_id() const noexcept { return sender_id_; }
  FreshnessPolicy policy() const noexcept { return policy_; }
  /// The current epoch's sealing context (sequence number, q, v, hooks).
  const record::SecurityContext& current() const noexcept;
  const SenderTable& senders() const noexcept { return table_; }
  /// State of `sender` under the current epoch (kUnknown without an entry).
  Freshness freshness(uint8_t sender) const noexcept;
  /// Simulates the loss of all receive state (what a reboot does).
  void forget_senders() noexcept { table_.clear(); }

 private:
  friend struct detail::GroupAccess;

  struct Slot {
    record::SecurityContext ctx;
    uint8_t prk[crypto::kHashLen] = {};
    uint8_t common_iv[record::kNonceLen] = {};
    uint32_t epoch = 0;
    bool active = false;
  };

  Error derive_slot(Slot& slot, uint32_t epoch, uint64_t sequence, uint32_t failures) noexcept;
  static void wipe_slot(Slot& slot) noexcept;

  Slot slots_[2];
  uint8_t current_ = 0;
  uint8_t sender_id_ = 0;
  uint8_t secret_[kMaxMasterSecretLen] = {};
  uint8_t salt_[kMaxMasterSaltLen] = {};
  uint8_t group_id_[kMaxGroupIdLen] = {};
  uint8_t secret_len_ = 0;
  uint8_t salt_len_ = 0;
  uint8_t group_id_len_ = 0;
  crypto::Aead alg_ = crypto::Aead::kAesCcm16_64_128;
  FreshnessPolicy policy_ = FreshnessPolicy::kStrict;
  record::UsageLimits limits_{};
  record::Persistence persistence_{};
  SenderTable table_{};
};

/// RAM of one per-sender entry, of the table, and of a whole group context.
inline constexpr size_t kSenderEntrySize = sizeof(SenderEntry);
inline constexpr size_t kSenderTableSize = sizeof(SenderTable);
inline constexpr size_t kGroupContextSize = sizeof(GroupContext);

/// The clear part of a group record.
struct GroupHeader {
  bool control = false;
  uint8_t epoch_bits = 0;  ///< epoch mod 4
  uint8_t sender = 0;
  uint8_t psn_len = 0;
  uint64_t seq = 0;
  size_t size = 0;  ///< header bytes
};

/// Parses the header of a group record (kind bits 111, minimal PSN, enough
/// bytes for the header and a tag of `tag_len`). kMalformed otherwise.
Error parse_header(ConstByteSpan record, size_t tag_len, GroupHeader& header) noexcept;

}  // namespace hush::group
