// SPDX-License-Identifier: Apache-2.0
#pragma once

// The session layer's state, visible only so that an Endpoint can be
// allocated statically with its size known at compile time. Applications
// use hush/session.h, which includes this file after the types it needs;
// nothing here is an interface.

#include <cstddef>
#include <cstdint>

#include "hush/edhoc.h"
#include "hush/security_context.h"
#include "hush/wire.h"

namespace hush::session::detail {

/// Timers of one peer or handshake, in one place (src/session/timers.cpp).
enum class TimerId : uint8_t {
  kRetransmit,  ///< handshake flight, or the oldest unacknowledged confirmed record / close
  kAck,         ///< a delayed ack is due
  kKeepalive,   ///< send a keepalive: no authenticated record for an interval
  kReassembly,  ///< give up a fragmented message
  kRekey,       ///< rekeying: retry a stalled run, or retire the old keys (src/session/rekey.cpp)
  kCount,
};

struct Timers {
  uint32_t at[static_cast<size_t>(TimerId::kCount)] = {};
  uint8_t armed = 0;  // bit per TimerId
};

/// What a handshake slot must do next in poll().
enum class HandshakeStep : uint8_t {
  kFree,
  kSendMessage1,     ///< initiator: prepare_message_1 (1 PK op)
  kAwaitMessage2,    ///< initiator: message_1 sent
  kProcessMessage2,  ///< initiator: message_2 received, decrypt it (1 PK op)
  kVerifyMessage2,   ///< initiator: credential lookup and verify (1 PK op)
  kSendMessage3,     ///< initiator: prepare_message_3 (1 PK op)
  kAwaitConfirm,     ///< initiator: message_3 sent, waiting for any record from the responder
  kReassemble1,      ///< responder: fragments of message_1 arriving
  kSendMessage2,     ///< responder: prepare_message_2 (resumable, 1 PK op a call)
  kAwaitMessage3,    ///< responder: message_2 sent
  kProcessMessage3,  ///< responder: message_3 received: decrypt, look up, verify (1 PK op)
};

inline constexpr size_t kMaxEdhocMessage = config::kMaxMessageLen;
/// Bytes of SHA-256(message_3) a responder keeps to recognise a resent message_3.
inline constexpr size_t kMessage3DigestLen = 8;
/// Stored flight: a whole EDHOC message with its frame header, or a
/// message_3 frame with the record riding in it.
inline constexpr size_t kFlightLen =
    (kMaxEdhocMessage + 2 > HUSH_SESSION_MAX_FRAME) ? kMaxEdhocMessage + 2 : HUSH_SESSION_MAX_FRAME;

/// Reassembly of one fragmented EDHOC message (src/session/reassembly.cpp).
struct Reassembly {
  uint8_t buf[kMaxEdhocMessage] = {};
  uint16_t total = 0;     // 0: nothing in progress
  uint16_t received = 0;  // bytes covered so far
  uint8_t kind = 0;       // EDHOC frame kind being reassembled
  // One bit per byte received, so overlaps are found exactly.
  uint8_t have[(kMaxEdhocMessage + 7) / 8] = {};
};

/// One handshake in progress, from a small pool (src/session/handshake_pool.cpp).
struct HandshakeSlot {
  HandshakeStep step = HandshakeStep::kFree;
  bool initiator = false;
  uint8_t peer = 0;  // index in the peer table
  uint8_t retries = 0;
  uint32_t rto = 0;      // current retransmission timeout
  uint32_t started = 0;  // when the slot was taken: the oldest half-open one is evicted first
  Timers timers{};
  int64_t last_peer_error = 0;
  Error last_failure = Error::kOk;  // why the last candidate message was refused, for the failure report

  // The EDHOC engine of the slot's role over `work`, constructed in place.
  alignas(8) uint8_t engine[sizeof(edhoc::Initiator) > sizeof(edhoc::Responder) ? sizeof(edhoc::Initiator)
                                                                                : sizeof(edhoc::Responder)] = {};
  uint8_t work[edhoc::kDefaultWorkLen] = {};

  // G_X of message_1: duplicate detection (responder) and the RFC 9528 §9.8
  // tie-break of simultaneous opens (initiator).
  uint8_t g_x[crypto::kCoordLen] = {};
  // The received message waiting for poll() (message_2 or message_3).
  // message_3 may bring a record in the same frame: it waits here too.
  uint8_t rx[kMaxEdhocMessage + HUSH_SESSION_MAX_FRAME] = {};
  uint16_t rx_len = 0;
  uint16_t rx_record_len = 0;  // the record at rx[rx_len ..]
  // The last flight sent, resent byte for byte (never regenerated, RFC 9528 §7).
  uint8_t flight[kFlightLen] = {};
  uint16_t flight_len = 0;
  uint8_t flight_kind = 0;  // EDHOC frame kind of `flight` (fragmented if it does not fit)
  bool flight_has_cid = false;
  uint8_t flight_cid = 0;
  Reassembly reassembly{};
  edhoc::PeerCredential peer_cred{};
  uint32_t last_reply = 0;  // rate limit for answers to duplicates
  bool replied = false;
  bool flight_pending = false;  // the radio was busy: send the flight from poll()
  // message_1 (initiator): the key-knowledge MAC key from the server's
  // credential, the flags of the stored flight and the cookie it carries.
  uint8_t key_mac_key[wire::kKeyMacKeyLen] = {};
  bool key_mac = false;
  uint8_t flight_flags = 0;  // wire::kFrameKeyMac / kFrameWithCookie of a message_1 flight
  uint8_t cookie[wire::kCookieLen] = {};
  bool has_cookie = false;
  // A rekey runs EDHOC inside the established session's records
  // (src/session/rekey.cpp): its messages never appear as plaintext frames.
  bool rekey = false;
};

/// A token bucket in credit-milliseconds (src/session/cookie.cpp).
struct Bucket {
  uint32_t credit = 0;
  uint32_t last = 0;
  bool started = false;
};

/// Handshake rate per link address: a small table, the least recently used entry gives way.
inline constexpr size_t kRateTableSize = 8;
struct AddrBucket {
  uint8_t addr_len = 0xFF;  // 0xFF: unused
  uint8_t addr[8] = {};
  Bucket bucket{};
  uint32_t used = 0;
};

/// The responder's DoS state (src/session/cookie.cpp): nothing in it is per
/// client except the bounded rate table.
struct DosState {
  uint8_t key_mac_key[wire::kKeyMacKeyLen] = {};   // from our own credential
  uint8_t secret[2][wire::kCookieSecretLen] = {};  // cookie secrets: by epoch parity
  uint8_t epoch = 0;
  bool secrets_ready = false;
  uint32_t rotated_at = 0;
  Bucket handshakes{};
  Bucket cookie_retries{};
  Bucket announces{};
  AddrBucket per_addr[kRateTableSize];
};

/// Discovery (src/session/discovery.cpp): our serial, one announce waiting
/// for its jittered moment, and the nonce of our own open request.
struct DiscoveryState {
  uint8_t serial[wire::kMaxSerialLen] = {};
  uint8_t serial_len = 0;
  bool pending = false;
  uint32_t due = 0;
  uint8_t to_len = 0;
  uint8_t to[8] = {};
  uint8_t nonce[wire::kDiscoveryNonceLen] = {};  // of the request the pending announce answers
  uint8_t request_len = 0;                       // that request's length: the announce's bound
  bool asking = false;
  uint8_t own_nonce[wire::kDiscoveryNonceLen] = {};  // of our own latest request
};

/// Where a session is in a rekey (src/session/rekey.cpp).
enum class RekeyState : uint8_t {
  kNone,       ///< one key set
  kRequested,  ///< EDHOC responder side: asked the initiator to rekey
  kRunning,    ///< an EDHOC run is under way inside the old keys
  kNextReady,  ///< EDHOC initiator: new keys derived, old ones still seal until the peer uses the new
  kRetiring,   ///< sealing with the new keys; the old ones only open, until retired
};

/// PeerSlot::flags.
enum PeerFlags : uint8_t {
  kPeerPaused = 1,        ///< pause(): no keepalive, no liveness check, nothing sent
  kPeerWakeProbe = 2,     ///< paused, and a WAKE's one probe is out
  kPeerImported = 4,      ///< restored from a blob; freshness unknown until the probe is acked
  kPeerRetireSent = 8,    ///< rekey: told the peer it may wipe our old keys
  kPeerRekeyAsked = 16,   ///< rekey: the peer asked for one (its limit is near)
  kPeerRetireAcked = 32,  ///< rekey: the peer acked our retire (it resends no more)
  kPeerProbeDue = 64,     ///< resume(): the next record asks for an ack, or a keepalive goes alone
};

/// One session: what an established tunnel keeps (src/session/peer_table.cpp).
struct PeerSlot {
  uint8_t state = 0;        // PeerState
  uint16_t generation = 0;  // advances when a handle the application held dies
  uint8_t own_id = 0;       // our connection identifier: the records' cid to us
  uint8_t peer_id = 0;      // the peer's: our records' cid
  bool initiator = false;
  bool app_known = false;    // the application holds a handle to it (connect() or kConnected)
  uint8_t adopt_for = 0xFF;  // simultaneous open: the connecting slot this responder handshake may take over
  uint16_t adopt_generation = 0;
  uint8_t handshake = 0xFF;  // handshake slot while connecting / confirming
  uint8_t kid_len = 0;
  uint8_t kid[edhoc::kMaxKidLen] = {};
  uint8_t addr_len = 0;
  uint8_t addr[8] = {};
  uint8_t silent_intervals = 0;
  bool ack_pending = false;      // an ack is owed (kAck timer armed)
  bool ack_has_records = false;  // ...and it names records (else: proof of life only)
  bool ack_phase = false;        // key phase of the records the pending ack names
  uint32_t ack_bitmap = 0;
  uint64_t ack_largest = 0;
  uint32_t last_auth_rx = 0;    // last authenticated record from the peer
  uint32_t probe_rto = 0;       // keepalive resend interval while the peer is silent (0: none sent yet)
  uint32_t last_reconfirm = 0;  // rate limit: answers to a repeated message_3
  bool reconfirmed = false;
  bool m3_digest_set = false;  // responder: a resent message_3 may still come
  uint8_t m3_digest[kMessage3DigestLen] = {};
  Timers timers{};
  uint8_t flags = 0;  // PeerFlags
  uint8_t rekey = 0;  // RekeyState
  uint8_t rekey_attempts = 0;
  uint8_t cur = 0;               // keys[cur] seal; keys[cur ^ 1] hold the other key phase during a rekey
  uint32_t keys_born = 0;        // when keys[cur] were derived (age limit, awake time)
  uint32_t bytes_sealed = 0;     // payload bytes sealed with keys[cur] (byte limit)
  uint32_t last_wake = 0;        // the last WAKE that caused a probe (rate limit)
  uint32_t dual_since = 0;       // when a second key set appeared
  uint32_t retire_deadline = 0;  // kRetiring: the old keys go by then, acked or not
  uint64_t retire_seq = 0;       // sequence number of the last retire sent (its ack ends the resends)
  uint64_t probe_seq = 0;        // imported: our first sequence number; an ack naming it proves freshness
  // After freshness was proven (a twice-restored blob), records of the peer
  // below this number in keys[fresh_floor_slot] were refused, never
  // delivered: the window calls them replays, but they are never acked.
  uint64_t fresh_floor = 0;
  uint8_t fresh_floor_slot = 0xFF;
  record::SecurityContext keys[2]{};
  record::SecurityContext& ctx() noexcept { return keys[cur]; }
  const record::SecurityContext& ctx() const noexcept { return keys[cur]; }
};

/// A queued or unacknowledged outgoing message (src/session/tx_queue.cpp).
struct TxSlot {
  uint8_t state = 0;  // TxState
  uint8_t peer = 0;
  uint16_t generation = 0;
  uint8_t retries = 0;
  bool confirmed = false;  // retransmitted until acked
  uint8_t control = 0;     // 0: data; else the wire::RecordControl it carries
  uint16_t message = 0;
  uint16_t len = 0;
  uint32_t order = 0;  // enqueue order: records go out as the application queued them
  uint64_t seq = 0;    // sequence number once sealed
  uint32_t rto = 0;
  uint32_t resend_at = 0;
  uint8_t bytes[HUSH_SESSION_MAX_FRAME] = {};  // payload before sealing, the record after
};

struct EndpointState {
  bool ready = false;
  uint16_t next_message = 1;
  uint32_t next_order = 0;
  uint8_t next_id = 0;
  Platform platform{};
  Settings settings{};
  edhoc::LocalCredential self{};
  uint8_t own_kid[edhoc::kMaxKidLen] = {};  // from self.id_cred: settles duplicate sessions
  uint8_t own_kid_len = 0;
  HandshakeSlot handshakes[HUSH_SESSION_MAX_HANDSHAKES];
  PeerSlot peers[HUSH_SESSION_MAX_PEERS];
  TxSlot tx[HUSH_SESSION_TX_SLOTS];
  uint8_t rx_scratch[HUSH_SESSION_MAX_FRAME] = {};
  uint8_t frame_scratch[HUSH_SESSION_MAX_FRAME] = {};
  DosState dos{};
  DiscoveryState discovery{};
};

}  // namespace hush::session::detail
