// SPDX-License-Identifier: Apache-2.0
#pragma once

// A pre-shared-key node: one group context and a few pairwise PSK contexts,
// no handshake, driven like the tunnel's Endpoint (hush/session.h):
//
//   input(frame, now)   for every received frame;
//   poll(now)           at or after next_deadline(): ends grace periods;
//   send_* / repeat_last / command_epoch / rotate_*   from the application.
//
// Frames leave through Platform::transmit and events through Platform::event;
// nothing blocks, allocates or reads a clock. A record from a sender whose
// freshness is unknown (after a reboot, an eviction, or a first meeting) is
// not delivered until that sender answers an Echo challenge, which the node
// sends and answers by itself (RFC 9175 style; FreshnessPolicy chooses
// between strict and accept-once-then-challenge).
//
// Group records use the 0xE0..0xFF format (hush/group.h). Pairwise records
// are the tunnel's records (hush/record.h) with a 1-byte connection id: a
// pairwise PSK context is the same two-party RFC 8613 context as a tunnel's,
// only its master secret comes from provisioning instead of EDHOC, so it
// reuses that format, its 11-byte overhead and its tests.

#include <cstddef>
#include <cstdint>

#include "hush/error.h"
#include "hush/group.h"
#include "hush/record.h"
#include "hush/security_context.h"
#include "hush/span.h"
#include "hush/wire.h"

/// Pairwise PSK peers a node holds.
#ifndef HUSH_PSK_MAX_PAIRWISE
#define HUSH_PSK_MAX_PAIRWISE 2
#endif
/// Largest frame a node sends or receives.
#ifndef HUSH_PSK_MAX_FRAME
#define HUSH_PSK_MAX_FRAME 127
#endif

namespace hush::psk {

inline constexpr size_t kMaxPairwise = HUSH_PSK_MAX_PAIRWISE;
inline constexpr size_t kMaxFrame = HUSH_PSK_MAX_FRAME;
static_assert(kMaxPairwise >= 1 && kMaxPairwise <= 16, "hush: 1..16 pairwise peers");
static_assert(kMaxFrame >= wire::kMinMtu && kMaxFrame <= wire::kMaxMtu, "hush: HUSH_PSK_MAX_FRAME out of range");

using group::FreshnessPolicy;

enum class TxResult : uint8_t {
  kSent,  ///< Taken by the radio.
  kBusy,  ///< Not sent; a send reports kBufferTooSmall, a challenge is retried on the next trigger.
};

enum class Source : uint8_t { kGroup, kPairwise };

enum class EventType : uint8_t {
  kData,          ///< `data` (valid during the callback) from `peer`; see `provisional`
  kFresh,         ///< `peer` answered the challenge: its records are accepted again
  kEpochChanged,  ///< the group moved to `epoch` (persist it now, before any record of it)
  kLimitNear,     ///< a key passed 7/8 of q or v: rotate soon (`error` kOk)
  kLimitReached,  ///< a key refuses to seal or open any more (`error` kLimitReached)
  kGraceEnded,    ///< the previous group epoch or pairwise key was wiped
};

struct Event {
  EventType type = EventType::kData;
  Source source = Source::kGroup;
  uint8_t peer = 0;  ///< group: the sender id; pairwise: the handle
  ConstByteSpan data{};
  /// kData under kAcceptOnceThenChallenge from a sender not yet proven: an
  /// old record replayed after a reboot looks exactly like this. Act on it
  /// only if the command is idempotent.
  bool provisional = false;
  uint32_t epoch = 0;
  Error error = Error::kOk;
};

struct Platform {
  TxResult (*transmit)(void* user, ConstByteSpan frame) = nullptr;
  void (*event)(void* user, const Event& event) = nullptr;
  void* user = nullptr;
};

struct Settings {
  FreshnessPolicy policy = FreshnessPolicy::kStrict;
  /// How long the previous group epoch (or pairwise key) still opens records.
  uint32_t grace_ms = 60000;
  /// At most one challenge per unproven sender per interval, and at most
  /// one Echo answer per interval per node: replayed frames cannot make a
  /// node transmit faster than this.
  uint32_t challenge_interval_ms = 2000;
  /// Follow authenticated kEpoch commands from proven group members.
  bool accept_epoch_command = true;
};

struct Counters {
  uint32_t frames_in = 0;
  uint32_t frames_out = 0;
  uint32_t delivered = 0;
  uint32_t challenges_sent = 0;
  uint32_t echo_answers = 0;
  uint32_t freshness_proven = 0;
  uint32_t tx_busy = 0;
  struct Drops {
    uint32_t malformed = 0;
    uint32_t replay = 0;  ///< duplicates (sleepy repeats land here), before any AES
    uint32_t too_old = 0;
    uint32_t auth_fail = 0;  ///< the only drops that count against v
    uint32_t unknown_context = 0;
    uint32_t reflected = 0;  ///< the node's own group records coming back
    uint32_t freshness_unknown = 0;
    uint32_t limit = 0;
    uint32_t rate_limited = 0;  ///< challenges or answers held back by challenge_interval_ms
  } drops;
};

namespace detail {
struct NodeAccess;

/// One pairwise peer: its keys (and the previous ones during a grace
/// period), and its freshness as seen from here.
struct PairwiseSlot {
  record::SecurityContext ctx[2];
  uint32_t grace_start = 0;
  uint32_t challenged_at = 0;
  uint32_t held_seq = 0;
  uint8_t echo[wire::kEchoLen] = {};
  uint8_t current = 0;
  uint8_t limit_level = 0;
  bool used = false;
  bool grace = false;
  bool challenged = false;
  bool held = false;
  bool provisional = false;
};
}  // namespace detail

class Node {
 public:
  Node() noexcept = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// kInvalidArgument without transmit and event hooks.
  Error begin(const Platform& platform, const Settings& settings) noexcept;

  /// Joins the group (also after a reboot, with the stored values).
  /// options.policy is taken from Settings.
  Error join_group(const group::GroupSecrets& secrets, group::GroupOptions options) noexcept;
  /// Adds a pairwise peer. Its Sender and Recipient IDs must be 1 byte (the
  /// record's connection id routes it); both persistence hooks are needed.
  Error add_pairwise(const record::PskSecrets& secrets, record::ContextOptions options, uint8_t& handle) noexcept;

  /// Seals and transmits one group record. kBufferTooSmall: the radio was
  /// busy (the sequence number is used; send again). kLimitReached: the key
  /// refuses (an event says so).
  Error send_group(ConstByteSpan payload, uint32_t now) noexcept;
  Error send_pairwise(uint8_t handle, ConstByteSpan payload, uint32_t now) noexcept;
  /// Transmits the last frame this node sent again, byte for byte, with no
  /// new sequence number: a sleepy receiver that wakes in the window gets it
  /// once, and drops the other copies as duplicates.
  Error repeat_last(uint32_t now) noexcept;

  /// Asks a group sender (or a pairwise peer) for proof of freshness now,
  /// before any of its records arrives: a node that lost its replay state
  /// in a reboot calls these at boot, so that under kStrict the first
  /// command after the reboot is not the one sacrificed to the challenge.
  /// kOk: the Echo request left. kInvalidState: already proven, or
  /// challenged less than challenge_interval_ms ago (the same rate limit as
  /// challenges triggered by records). kBufferTooSmall: the radio was busy.
  Error challenge_group(uint8_t sender, uint32_t now) noexcept;
  Error challenge_pairwise(uint8_t handle, uint32_t now) noexcept;

  /// Sends an authenticated kEpoch command under the current group key, then
  /// moves to `epoch` itself (the old keys stay for grace_ms).
  Error command_epoch(uint32_t epoch, uint32_t now) noexcept;
  /// Moves the group to `epoch` on the application's word (e.g. a new
  /// master secret delivered through a tunnel; empty: same secret).
  Error rotate_group(uint32_t epoch, ConstByteSpan master_secret, uint32_t now) noexcept;
  /// Replaces a pairwise peer's keys; the old ones open records for
  /// grace_ms. The new keys take the other key phase.
  Error rekey_pairwise(uint8_t handle, const record::PskSecrets& secrets, record::ContextOptions options,
                       uint32_t now) noexcept;

  /// A frame from the radio. Bad frames are dropped and counted.
  void input(ConstByteSpan frame, uint32_t now) noexcept;
  /// Ends grace periods that are over.
  Error poll(uint32_t now) noexcept;
  /// When poll() must next run (absolute ms), UINT32_MAX if never.
  uint32_t next_deadline(uint32_t now) const noexcept;

  const group::GroupContext& group() const noexcept { return group_; }
  const record::SecurityContext* pairwise(uint8_t handle) const noexcept;
  group::Freshness pairwise_freshness(uint8_t handle) const noexcept;
  const Counters& counters() const noexcept { return counters_; }
  /// The last frame sent (what repeat_last() sends).
  ConstByteSpan last_frame() const noexcept { return ConstByteSpan(last_, last_len_); }

 private:
  friend struct detail::NodeAccess;
  Platform platform_{};
  Settings settings_{};
  Counters counters_{};
  group::GroupContext group_{};
  detail::PairwiseSlot pairs_[kMaxPairwise];
  uint32_t group_grace_start_ = 0;
  uint32_t answered_at_ = 0;
  size_t last_len_ = 0;
  uint8_t group_limit_level_ = 0;
  bool group_grace_ = false;
  bool answered_ = false;
  bool begun_ = false;
  uint8_t last_[kMaxFrame] = {};
  uint8_t scratch_[kMaxFrame] = {};
};

/// RAM of a pairwise peer (two key sets and its freshness) and of a node.
inline constexpr size_t kPairwiseSize = sizeof(detail::PairwiseSlot);
inline constexpr size_t kNodeSize = sizeof(Node);

}  // namespace hush::psk
