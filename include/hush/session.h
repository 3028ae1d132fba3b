// SPDX-License-Identifier: Apache-2.0
#pragma once

// The session layer: one Endpoint runs EDHOC handshakes and protected
// records with many peers over a radio that loses, duplicates, reorders and
// forges frames (docs/PROTOCOL.md "Frames", docs/SECURITY.md "Sessions").
//
// The caller pumps the engine; nothing inside blocks, allocates, spawns a
// thread or reads a clock:
//
//   input(frame, from, now)   for every received frame; never runs a
//                             public-key operation, so it returns fast;
//   poll(now)                 at or after next_deadline(); runs at most one
//                             public-key operation (ECDH, sign or verify) per
//                             call, then returns kNeedMore if it has more;
//   connect / send / close    from the application, at any time, also from
//                             inside the event callback.
//
// `now` is the caller's millisecond clock: it never goes back and wraps at
// 2^32 (49.7 days). Deadlines are compared within 2^31 ms of it; rate
// limits and cookie epochs take the time since their last use modulo 2^32.
//
// Frames leave through Platform::transmit, events through Platform::event.
// Link addresses are routing hints only: a session is found by the
// connection identifier in the frame, never by who sent it.

#include <cstddef>
#include <cstdint>

#include "hush/config.h"
#include "hush/edhoc.h"
#include "hush/error.h"
#include "hush/record.h"
#include "hush/security_context.h"
#include "hush/span.h"
#include "hush/wire.h"

/// Sessions an endpoint holds at once (established or being set up).
#ifndef HUSH_SESSION_MAX_PEERS
#define HUSH_SESSION_MAX_PEERS 4
#endif
/// Handshakes in progress at once; their EDHOC state comes from this pool.
#ifndef HUSH_SESSION_MAX_HANDSHAKES
#define HUSH_SESSION_MAX_HANDSHAKES 2
#endif
/// Largest frame the endpoint can send or receive; the run-time MTU is at most this.
#ifndef HUSH_SESSION_MAX_FRAME
#define HUSH_SESSION_MAX_FRAME 127
#endif
/// Outgoing messages queued or awaiting an ack, over all peers.
#ifndef HUSH_SESSION_TX_SLOTS
#define HUSH_SESSION_TX_SLOTS 4
#endif

namespace hush::session {

inline constexpr size_t kMaxPeers = HUSH_SESSION_MAX_PEERS;
inline constexpr size_t kMaxHandshakes = HUSH_SESSION_MAX_HANDSHAKES;
inline constexpr size_t kMaxFrame = HUSH_SESSION_MAX_FRAME;
inline constexpr size_t kTxSlots = HUSH_SESSION_TX_SLOTS;
static_assert(kMaxPeers >= 1 && kMaxPeers <= 48, "hush: 1..48 peers (one-byte connection identifiers)");
static_assert(kMaxHandshakes >= 1 && kMaxHandshakes <= kMaxPeers, "hush: 1..kMaxPeers handshakes");
static_assert(kMaxFrame >= wire::kMinMtu && kMaxFrame <= wire::kMaxMtu, "hush: HUSH_SESSION_MAX_FRAME out of range");
static_assert(kTxSlots >= 1 && kTxSlots <= 32, "hush: 1..32 transmit slots");

/// A radio's link-layer address, opaque to hush (802.15.4 short or extended,
/// a proprietary node id, ...). hush never trusts it for security.
struct LinkAddr {
  static constexpr size_t kMaxLen = 8;
  uint8_t len = 0;
  uint8_t bytes[kMaxLen] = {};

  static LinkAddr from_bytes(ConstByteSpan b) noexcept;
  static LinkAddr from_u32(uint32_t v) noexcept;
  /// The broadcast marker handed to transmit for frames meant for anyone.
  static LinkAddr broadcast() noexcept;
  bool is_broadcast() const noexcept { return len == 0; }
  bool operator==(const LinkAddr& o) const noexcept;
  bool operator!=(const LinkAddr& o) const noexcept { return !(*this == o); }
};

/// A peer as the application sees it: a session slot and its generation.
/// The generation advances whenever a handle the application held dies, so a
/// handle to a closed session never reaches its successor (until 65536
/// sessions have used that one slot).
struct PeerHandle {
  uint8_t slot = 0xFF;
  uint16_t generation = 0;
  bool valid() const noexcept { return slot != 0xFF; }
  bool operator==(const PeerHandle& o) const noexcept { return slot == o.slot && generation == o.generation; }
};

/// What transmit answered.
enum class TxResult : uint8_t {
  kSent,  ///< Taken by the radio (it may still be lost on air).
  kBusy,  ///< Try again later; hush keeps the frame and retries from poll().
};

enum class EventType : uint8_t {
  kConnected,        ///< Handshake done; `peer_kid` names the authenticated peer.
  kData,             ///< `data` is a payload from the peer (valid during the callback).
  kDelivered,        ///< A confirmed send was acknowledged; `message` is its handle.
  kDeliveryFailed,   ///< A confirmed send ran out of retries (or the session ended).
  kClosed,           ///< The session ended by close(), an authenticated close, or a replacement.
  kPeerDead,         ///< No authenticated record for `dead_after` keepalive intervals.
  kHandshakeFailed,  ///< See `failure` (and `peer_error_code` / `error`).
  kSecurityAlert,    ///< Something an honest peer never does, or keys past a hard limit; see `error`.
  kPaused,           ///< pause() took effect: no keepalive, no liveness check, nothing sent.
  kResumed,          ///< The session runs again: resume(), or a paused session the peer proved alive.
  kRekeyed,          ///< A new EDHOC run replaced the session's keys; the handle stays the same.
  /// An announce answered our discover(): `from` is the server's link
  /// address, `peer_kid` its kid, `data` its serial, `cookie` (maybe empty)
  /// a cookie for connect(), `announce_info` its method and suite
  /// (wire::kAnnounce*). Unauthenticated: the handshake proves who it is.
  kDiscovered,
};

enum class HandshakeFailure : uint8_t {
  kNone,
  kTimeout,       ///< Retry budget used up (with `peer_error_code` if an error message was seen).
  kPeerError,     ///< Reserved for an authenticated peer error; EDHOC errors are not authenticated.
  kVerification,  ///< The peer's message did not verify, or its credential is unknown.
  kLocal,         ///< A local failure (crypto backend, no slot).
};

struct Event {
  EventType type = EventType::kData;
  PeerHandle peer{};
  LinkAddr from{};
  uint16_t message = 0;  ///< kDelivered / kDeliveryFailed: the handle send() gave
  ConstByteSpan data{};
  HandshakeFailure failure = HandshakeFailure::kNone;
  int64_t peer_error_code = 0;  ///< last EDHOC error code seen during the handshake (0: none)
  Error error = Error::kOk;
  ConstByteSpan peer_kid{};   ///< kConnected: the authenticated peer's kid; kDiscovered: the announced kid
  ConstByteSpan cookie{};     ///< kDiscovered: a cookie to pass to connect() (ConnectOptions::cookie)
  uint8_t announce_info = 0;  ///< kDiscovered: the announce's info byte
};

/// Per-endpoint counters. Drops count frames hush refused, by reason.
struct Counters {
  // Frames and bytes by kind (index: FrameClass).
  uint32_t frames_in[8] = {};
  uint32_t frames_out[8] = {};
  uint32_t bytes_in[8] = {};
  uint32_t bytes_out[8] = {};
  uint32_t retransmissions = 0;
  uint32_t handshakes_started = 0;
  uint32_t handshakes_completed = 0;
  uint32_t pk_operations = 0;
  uint32_t simultaneous_opens = 0;  ///< message_1 from a peer we were connecting to (RFC 9528 §9.8)
  uint32_t rekeys = 0;              ///< key switches (this side started sealing with new keys)
  uint32_t dual_key_ms = 0;         ///< time spent holding two key sets for one session, summed
  uint32_t wakes = 0;               ///< WAKE frames received
  uint32_t wake_probes = 0;         ///< probes those WAKEs caused (at most one per session and interval)
  struct Drops {
    uint32_t malformed = 0;        ///< not a well-formed frame, or bad EDHOC content
    uint32_t replay = 0;           ///< record already received
    uint32_t too_old = 0;          ///< record below the replay window
    uint32_t auth_fail = 0;        ///< record tag, EDHOC MAC or signature did not verify
    uint32_t unknown_context = 0;  ///< no session or handshake for the connection identifier
    uint32_t duplicate = 0;        ///< an EDHOC message already processed
    uint32_t rate_limited = 0;     ///< a reply that the rate limit refused
    uint32_t fragment = 0;         ///< overlapping, oversized, out-of-range or timed-out fragment
    uint32_t no_resources = 0;     ///< no free handshake or session slot
    uint32_t key_mac = 0;          ///< message_1 without a valid key-knowledge MAC (one HMAC spent)
    uint32_t cookie = 0;           ///< message_1 with a cookie that is stale, foreign or forged
  } drops;
  uint32_t cookie_retries_sent = 0;  ///< message_1 answered with a cookie retry (no state kept)
  uint32_t announces_sent = 0;
  uint32_t discovery_requests_seen = 0;  ///< discovery requests addressed to us (by serial or anyone)
};

/// Frame classes for the per-kind counters.
enum class FrameClass : uint8_t {
  kMessage1,
  kMessage2,
  kMessage3,
  kMessage4,
  kError,
  kFragment,
  kRecord,
  kOther,
};

/// Looks up a peer's credential from its ID_CRED. Fill `out` (the spans must
/// stay valid until the handshake completes or fails, e.g. point into a
/// table the application owns) and return true, or return false for an
/// unknown peer, which fails that handshake.
using CredentialLookup = bool (*)(void* user, const edhoc::IdCredView& id_cred, edhoc::PeerCredential& out);

/// What the application gives the endpoint. Randomness comes from the crypto
/// port (crypto::random_bytes).
struct Platform {
  TxResult (*transmit)(void* user, const LinkAddr& to, ConstByteSpan frame) = nullptr;
  void (*event)(void* user, const Event& event) = nullptr;
  CredentialLookup lookup = nullptr;
  /// Optional. Never receives key material, only what happened and why.
  void (*log)(void* user, const char* what, Error reason) = nullptr;
  void* user = nullptr;
};

/// Retransmission timing for handshake flights and confirmed records.
/// Defaults are for a ~100 kbit/s radio: a 127-byte frame takes ~10 ms on
/// air, so a first timeout of 1 s leaves room for the peer's public-key
/// operations (tens of ms on a Cortex-M33 with hardware ECC, more without)
/// without resending early, and doubling to 8 s bounds the wait.
struct RetransmitSettings {
  uint32_t initial_ms = 1000;
  uint32_t max_ms = 8000;
  /// Random extra delay, 0..jitter_ms, so that peers that lost the same frame do not collide again.
  uint32_t jitter_ms = 250;
  /// Sends of one flight or record after the first, before giving up.
  uint8_t retries = 8;
};

/// When a session's keys are replaced by a new EDHOC run (docs/SECURITY.md
/// "Rekeying"). Records sent and failed decryptions start a rekey at the
/// `near_*` thresholds of Settings::limits (default 7/8 of q = 2^20 and, for
/// CCM_8, v = 2^14); past `max_*` the keys refuse.
struct RekeySettings {
  /// Age of the keys, in time the endpoint was awake; 0: no age limit.
  /// A paused session whose keys age out rekeys when it resumes.
  uint32_t after_ms = 24u * 3600u * 1000u;
  /// Payload bytes sealed with the keys; 0: no byte limit.
  uint32_t after_bytes = 1u << 30;
  /// The old keys open records for at most this long after the switch, in
  /// case the peer's word that it is done with them is lost; 0: the budget
  /// of a confirmed record's retransmissions.
  uint32_t retire_after_ms = 0;
};

/// A token bucket: `burst` tokens, one more every `every_ms` (0: no limit).
struct RateLimit {
  uint8_t burst = 1;
  uint32_t every_ms = 0;
};

/// Denial-of-service defence of the responder (docs/SECURITY.md "Denial of service").
struct DosSettings {
  /// Send (initiator) and demand (responder) the key-knowledge MAC on
  /// message_1. Both sides must agree, like method and suite.
  bool key_mac = true;
  /// Answer message_1 with a cookie retry when this many responder
  /// handshakes are in progress (0: always).
  uint8_t cookie_load = HUSH_SESSION_MAX_HANDSHAKES;
  /// The cookie secret rotates this often; a cookie lives one to two periods.
  uint32_t cookie_rotate_ms = 30000;
  /// Without a cookie, message_2 may exceed the message_1 frame it answers by
  /// at most this many bytes; a larger one (signature methods) needs a cookie first.
  uint8_t unverified_slack = 8;
  /// New handshakes, over all peers and per link address.
  RateLimit handshakes{8, 250};
  RateLimit handshakes_per_addr{3, 1000};
  /// Cookie retries, over all peers: a cap on what a flood of spoofed
  /// message_1 makes this side transmit (10 bytes each, 8 kbit/s at most).
  /// Above it a genuine message_1 gets its retry only by chance, so the cap
  /// sits well above a plausible attack rate; the retries themselves are
  /// never larger than what asked for them.
  RateLimit cookie_retries{16, 10};
};

/// Discovery (docs/PROTOCOL.md "Discovery").
struct DiscoverySettings {
  /// Answer discovery requests (responders only).
  bool answer = true;
  /// Announces go out after a random delay in 0..window, unless the request asks for another window.
  uint32_t window_ms = 200;
  /// Longest window a request may ask for.
  uint32_t max_window_ms = 5000;
  /// Announces, over all requesters.
  RateLimit announces{4, 500};
};

/// What connect() knows about the server beforehand.
struct ConnectOptions {
  /// The server's kid: Platform::lookup gives its credential, which keys
  /// the key-knowledge MAC. Without it (or `peer_cred`) message_1 carries no
  /// MAC, and a server that demands one drops it.
  ConstByteSpan peer_kid{};
  /// Or the server's credential (CRED_R) itself; it wins over `peer_kid`.
  ConstByteSpan peer_cred{};
  /// A cookie from the server's announce (Event::cookie), saving the cookie retry round trip.
  ConstByteSpan cookie{};
};

struct Settings {
  uint16_t mtu = wire::kDefaultMtu;  ///< wire::kMinMtu .. kMaxFrame
  edhoc::Method method = edhoc::Method::kStatStat;
  uint8_t suite = wire::kSuite0;
  RetransmitSettings retransmit{};
  /// Send a keepalive after this long without authenticated traffic from the peer.
  uint32_t keepalive_ms = 15000;
  /// Declare the peer dead after this many keepalive intervals without any authenticated record.
  uint8_t dead_after = 4;
  /// Reassembly of a fragmented EDHOC message is abandoned after this long.
  uint32_t reassembly_timeout_ms = 4000;
  /// Accept handshakes from peers (responder role).
  bool accept_incoming = true;
  record::UsageLimits limits{};  ///< zero fields: the AEAD's defaults
  DosSettings dos{};
  DiscoverySettings discovery{};
  RekeySettings rekey{};
  /// A paused session answers WAKE frames with at most one probe per this interval.
  uint32_t wake_interval_ms = 4000;
  /// After resume(), the probe that proves both sides still hold the keys
  /// waits this long for a data record to ride on (that record asks for an
  /// ack) before a keepalive carries it alone.
  uint32_t probe_ride_ms = 100;
};

/// What export_session() and import_session() need from the application
/// (docs/SECURITY.md "Deep sleep").
struct SleepStore {
  /// 16-byte key unique to this device, kept by the application: the blob
  /// is sealed under it with AES-CCM-16-128-128 (confidential and integrity-checked).
  ConstByteSpan key{};
  /// Stores the session's sequence high-water mark durably, as
  /// record::ReserveHook: hush calls it at export, at import and every
  /// `ahead` records after, and refuses to seal if it fails.
  record::ReserveHook reserve = nullptr;
  void* user = nullptr;
  uint32_t ahead = 64;
  /// import_session(): the value `reserve` last stored for this session.
  uint64_t stored_sequence = 0;
};

/// Flags for send().
enum SendFlags : uint8_t {
  kSendDefault = 0,
  kSendConfirmed = 1,  ///< retransmit until acknowledged; kDelivered / kDeliveryFailed follows
};

/// Session state as reported by state().
enum class PeerState : uint8_t {
  kFree,
  kConnecting,   ///< handshake in progress (either role)
  kEstablished,  ///< keys in use
  kClosing,      ///< close sent, waiting for its ack
};

class Endpoint;

namespace detail {
struct EndpointAccess;
}

}  // namespace hush::session

#include "hush/session_state.h"  // IWYU pragma: export

namespace hush::session {

/// One device's end of any number of tunnels.
class Endpoint {
 public:
  Endpoint() noexcept = default;
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  /// Sets the endpoint up. `self` is this device's credential (its spans
  /// must outlive the endpoint). kInvalidArgument for an MTU outside
  /// wire::kMinMtu..kMaxFrame, a method or suite not compiled in, or a
  /// missing hook.
  Error begin(const Platform& platform, const edhoc::LocalCredential& self, const Settings& settings) noexcept;

  /// Starts a handshake with the device at `to`. The handle is valid at
  /// once: send() queues data for it, which rides with message_3 when it fits.
  Error connect(const LinkAddr& to, PeerHandle& peer, uint32_t now) noexcept {
    return connect(to, peer, now, ConnectOptions{});
  }
  /// The same, with what the client knows of the server: its kid or
  /// credential (for the key-knowledge MAC) and a cookie from its announce.
  /// kUnknownCredential if Platform::lookup does not know `peer_kid`.
  Error connect(const LinkAddr& to, PeerHandle& peer, uint32_t now, const ConnectOptions& options) noexcept;

  /// Broadcasts a discovery request for the server with this serial (empty:
  /// anyone). Announces that answer it raise kDiscovered until the next
  /// discover(). `window_ms` asks servers to spread their answers over that
  /// long (0: their default); rounded up to wire::kDiscoveryWindowUnitMs.
  Error discover(ConstByteSpan serial, uint32_t window_ms, uint32_t now) noexcept;

  /// Queues `payload` and returns at once. kPayloadTooLarge (as
  /// kInvalidLength) over max_payload(), kBufferTooSmall when the transmit
  /// queue is full ("would block"); neither changes any state.
  Error send(PeerHandle peer, ConstByteSpan payload, uint8_t flags, uint16_t& message, uint32_t now) noexcept;
  Error send(PeerHandle peer, ConstByteSpan payload, uint8_t flags, uint32_t now) noexcept {
    uint16_t unused = 0;
    return send(peer, payload, flags, unused, now);
  }

  /// Stops keepalives and liveness checks and keeps the keys: a paused
  /// session sends nothing and never renegotiates. Records the peer sends
  /// still arrive; a fresh authenticated one resumes the session.
  Error pause(PeerHandle peer, uint32_t now) noexcept;
  /// Runs the session again with the same keys (or starts a rekey if a limit
  /// passed while paused). The first data record sent within
  /// Settings::probe_ride_ms asks for an ack (else a keepalive asks alone);
  /// that ack proves both sides still hold the keys.
  Error resume(PeerHandle peer, uint32_t now) noexcept;
  bool paused(PeerHandle peer) const noexcept;

  /// Deep sleep: writes the established session into `out` as a blob
  /// sealed under store.key and ends it in RAM (no event, nothing sent).
  /// kInvalidState while a handshake, rekey, close or confirmed send is
  /// under way; kBufferTooSmall if `out` is shorter than kSessionBlobLen.
  Error export_session(PeerHandle peer, const SleepStore& store, ByteSpan out, size_t& len, uint32_t now) noexcept;
  /// Restores a session from a blob, paused; resume() it. kMalformed (not a
  /// hush session blob), kInvalidLength (truncated), kUnsupported (another
  /// blob version), kAuthFailed (corrupted, or sealed by another device or
  /// key), kInvalidState (its connection identifier is in use), kLimitReached
  /// (store.reserve failed).
  Error import_session(ConstByteSpan blob, const SleepStore& store, PeerHandle& peer, uint32_t now) noexcept;

  /// Sends an authenticated close; both sides wipe the session's keys.
  Error close(PeerHandle peer, uint32_t now) noexcept;

  /// A frame from the radio. Never runs a public-key operation; work that
  /// needs one is left for poll(). Bad frames are dropped and counted.
  void input(ConstByteSpan frame, const LinkAddr& from, uint32_t now) noexcept;

  /// Timers and pending work. At most one public-key operation per call;
  /// returns kNeedMore when more work is ready now, kOk otherwise.
  Error poll(uint32_t now) noexcept;

  /// When poll() must next be called (absolute ms); `now` if work is pending,
  /// UINT32_MAX when nothing is scheduled.
  uint32_t next_deadline(uint32_t now) const noexcept;

  /// Largest payload send() takes for this peer under the MTU.
  size_t max_payload(PeerHandle peer) const noexcept;

  PeerState state(PeerHandle peer) const noexcept;
  /// Handshakes in progress in the responder role (what DosSettings::cookie_load compares).
  size_t responder_handshakes() const noexcept;
  const Counters& counters() const noexcept { return counters_; }
  /// Sequence numbers and usage of a peer's keys (for tests and reports).
  const record::SecurityContext* context(PeerHandle peer) const noexcept;

 private:
  friend struct detail::EndpointAccess;
  detail::EndpointState s_{};
  Counters counters_{};
};

/// Session blob (docs/PROTOCOL.md "Session blob"): magic "hS", version,
/// 13-byte nonce, then sealed: ids, role, kid, link address, key age and
/// bytes, the security context; then a 16-byte tag.
/// 2: the replay window's bitmap joined its edge.
inline constexpr uint8_t kSessionBlobVersion = 2;
inline constexpr size_t kSessionBlobHeaderLen = 3 + crypto::kCcmNonceLen;
inline constexpr size_t kSessionBlobBodyLen =
    4 + edhoc::kMaxKidLen + 1 + LinkAddr::kMaxLen + 8 + 1 + record::kContextSnapshotLen;
inline constexpr size_t kSessionBlobLen = kSessionBlobHeaderLen + kSessionBlobBodyLen + 16;

/// RAM an established session costs (its slot in the peer table).
inline constexpr size_t kSessionSize = sizeof(detail::PeerSlot);
/// RAM of one handshake slot (EDHOC engine, work buffer, stored flight, reassembly).
inline constexpr size_t kHandshakeSlotSize = sizeof(detail::HandshakeSlot);
/// RAM of a whole endpoint with its compile-time bounds.
inline constexpr size_t kEndpointSize = sizeof(Endpoint);

}  // namespace hush::session
