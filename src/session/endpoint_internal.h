// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the session layer's files share. The Endpoint's behaviour is split by
// concern: endpoint.cpp (API, input dispatch, poll), handshake_flow.cpp
// (EDHOC over frames), record_flow.cpp (records, acks, keepalive, close),
// peer_table.cpp, handshake_pool.cpp and tx_queue.cpp (the static tables),
// timers.cpp, frame.cpp and reassembly.cpp.

#include "frame.h"
#include "hush/session.h"
#include "timers.h"

namespace hush::session {

enum class TxState : uint8_t {
  kFree,
  kPending,   ///< payload waiting for keys (sealed when the session is up)
  kUnsent,    ///< sealed; the radio was busy
  kRiding,    ///< sealed into the message_3 flight; resent with it
  kAwaitAck,  ///< sent; resent until acked (confirmed records only)
};

/// The radio's "busy" answer is retried this soon (ms).
inline constexpr uint32_t kBusyRetryMs = 5;
inline constexpr uint8_t kNoSlot = 0xFF;

namespace detail {

struct EndpointAccess {
  using Ep = Endpoint;

  // --- endpoint.cpp ---------------------------------------------------------
  static void emit(Ep& ep, Event& ev) noexcept;
  static void log(Ep& ep, const char* what, Error reason) noexcept;
  static TxResult transmit(Ep& ep, const LinkAddr& to, ConstByteSpan frame) noexcept;
  static LinkAddr addr_of(const PeerSlot& p) noexcept;
  static PeerHandle handle_of(const Ep& ep, uint8_t index) noexcept;
  /// Ends a session: wipes its keys, fails its queued messages, frees its
  /// handshake slot, then emits `ev` (type and reason set by the caller).
  static void end_session(Ep& ep, uint8_t index, const Event& why) noexcept;

  // --- peer_table.cpp -------------------------------------------------------
  static uint8_t peer_alloc(Ep& ep, const LinkAddr& addr, bool initiator, int avoid_id) noexcept;
  static void peer_release(Ep& ep, uint8_t index) noexcept;
  static uint8_t peer_by_own_id(const Ep& ep, uint8_t own_id) noexcept;
  static uint8_t peer_by_handle(const Ep& ep, PeerHandle h) noexcept;
  /// A fresh one-byte connection identifier, unused by any local session, not `avoid`.
  static bool choose_id(Ep& ep, int avoid, uint8_t& id) noexcept;

  // --- handshake_pool.cpp ---------------------------------------------------
  static uint8_t handshake_alloc(Ep& ep, bool initiator, uint8_t peer, uint32_t now) noexcept;
  static void handshake_release(Ep& ep, uint8_t index) noexcept;
  static edhoc::Initiator& initiator(HandshakeSlot& h) noexcept;
  static edhoc::Responder& responder(HandshakeSlot& h) noexcept;
  static bool handshake_needs_compute(const HandshakeSlot& h) noexcept;

  // --- tx_queue.cpp ---------------------------------------------------------
  static uint8_t tx_alloc(Ep& ep) noexcept;
  static void tx_free(Ep& ep, uint8_t index) noexcept;
  static size_t tx_free_count(const Ep& ep) noexcept;

  // --- handshake_flow.cpp ---------------------------------------------------
  static void on_edhoc(Ep& ep, const Frame& f, ConstByteSpan message, const LinkAddr& from, uint32_t now) noexcept;
  static void on_fragment(Ep& ep, const Frame& f, const LinkAddr& from, uint32_t now) noexcept;
  /// One compute step of one handshake (at most one public-key operation).
  /// Returns true if it did something.
  static bool handshake_step(Ep& ep, uint32_t now) noexcept;
  static void handshake_timers(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static void send_flight(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static void handshake_fail(Ep& ep, uint8_t index, HandshakeFailure why, Error error) noexcept;
  static void on_message_1(Ep& ep, uint8_t flags, ConstByteSpan body, const LinkAddr& from, uint32_t now) noexcept;
  static void on_message_1_responder(Ep& ep, const Message1Parts& parts, size_t frame_len, const LinkAddr& from,
                                     uint32_t now) noexcept;
  static bool initiator_step(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static bool responder_step(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static HandshakeSlot* slot_of(Ep& ep, uint8_t peer) noexcept;
  static bool evict_half_open(Ep& ep, uint32_t now) noexcept;
  /// Frees a responder handshake slot and its peer slot (kNoSlot: nothing).
  static void drop_half_open(Ep& ep, uint8_t index) noexcept;
  static ByteSpan flight_body(HandshakeSlot& h, EdhocKind kind) noexcept;
  static void start_flight(Ep& ep, uint8_t index, EdhocKind kind, uint8_t cid, size_t message_len, size_t record_len,
                           uint32_t now) noexcept;
  static void count_drop(Ep& ep, Error e) noexcept;
  /// Simultaneous open: moves an authenticated responder handshake into the
  /// application's connecting slot it answers, if still there. Returns the
  /// peer slot the handshake now belongs to.
  static uint8_t adopt(Ep& ep, uint8_t index) noexcept;
  static void message_3_digest(ConstByteSpan message_3, uint8_t (&digest)[kMessage3DigestLen]) noexcept;
  /// Into `into` (nullptr: the session's current keys) with key phase `phase`.
  static Error derive_context(Ep& ep, edhoc::detail::Handshake& hs, PeerSlot& p,
                              record::SecurityContext* into = nullptr, bool phase = false) noexcept;

  // --- cookie.cpp -----------------------------------------------------------
  /// Checks the key-knowledge MAC of a message_1 (one HMAC). False: dropped
  /// and counted; a slot gathering its fragments is freed.
  static bool key_mac_ok(Ep& ep, const Message1Parts& m, const LinkAddr& from) noexcept;
  /// A MAC-valid message_1 that would start a new handshake: checks its
  /// cookie, answers with a cookie retry when one is needed, and applies the
  /// handshake rate limits. True: it may take a slot.
  static bool admit_message_1(Ep& ep, const Message1Parts& m, size_t frame_len, uint8_t c_i, const LinkAddr& from,
                              uint32_t now) noexcept;
  /// Whether a message_1 from now on must bring a cookie (load or configuration).
  static bool under_load(const Ep& ep) noexcept;
  static bool make_cookie(Ep& ep, const LinkAddr& to, uint32_t now, uint8_t (&out)[wire::kCookieLen]) noexcept;
  /// Initiator: writes the key-knowledge MAC and cookie in front of the
  /// message_1 composed at flight + 1 + message_1_prefix(h). Returns the prefix length.
  static size_t message_1_prefix(const HandshakeSlot& h) noexcept;
  static void fill_message_1_prefix(Ep& ep, uint8_t index, size_t message_len) noexcept;
  static void on_cookie_retry(Ep& ep, const Frame& f, uint32_t now) noexcept;

  // --- discovery.cpp --------------------------------------------------------
  static void on_discovery(Ep& ep, ConstByteSpan body, size_t frame_len, const LinkAddr& from, uint32_t now) noexcept;
  static void on_announce(Ep& ep, ConstByteSpan body, const LinkAddr& from) noexcept;
  static void discovery_timers(Ep& ep, uint32_t now) noexcept;
  static bool own_serial(Ep& ep) noexcept;

  // --- record_flow.cpp ------------------------------------------------------
  static void on_record(Ep& ep, ConstByteSpan record, const LinkAddr& from, uint32_t now) noexcept;
  /// The session's keys are confirmed both ways: it is established.
  static void established(Ep& ep, uint8_t index, uint32_t now, bool release_handshake = true) noexcept;
  /// Seals a control record for the peer and sends it; kOk if transmitted.
  static Error send_control(Ep& ep, uint8_t index, wire::RecordControl type, uint32_t now) noexcept;
  static void peer_timers(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static void tx_timers(Ep& ep, uint32_t now) noexcept;
  /// Seals queued payloads of a peer whose keys are ready, and sends them.
  static void flush_pending(Ep& ep, uint8_t index, uint32_t now) noexcept;
  /// Seals the oldest pending payload of `peer` into `out` if a record of it
  /// fits `room`; the tx slot then rides with the flight. Returns its length.
  static size_t seal_riding(Ep& ep, uint8_t peer, ByteSpan out) noexcept;
  /// `phase`: key phase of the record that carried it.
  static void on_control(Ep& ep, uint8_t index, uint64_t seq, ConstByteSpan payload, bool phase, uint32_t now) noexcept;
  static void on_ack(Ep& ep, uint8_t index, ConstByteSpan payload, bool phase, uint32_t now) noexcept;
  static void note_ack(PeerSlot& p, uint64_t seq) noexcept;
  static void alert(Ep& ep, uint8_t index, Error why) noexcept;
  static ConstByteSpan own_kid(const Ep& ep) noexcept;
  /// Orders kids: by bytes, then by length.
  static int kid_compare(ConstByteSpan a, ConstByteSpan b) noexcept;
  static void finish_riding(Ep& ep, uint8_t peer, uint32_t now) noexcept;
  /// Notes a record to ack; an ack names records of one key phase, so a
  /// pending ack of the other phase goes out first.
  static void ack_record(Ep& ep, uint8_t index, uint64_t seq, bool phase, uint32_t now) noexcept;

  // --- sleep.cpp (pause, resume, WAKE, deep sleep) ---------------------------
  static void on_wake(Ep& ep, ConstByteSpan frame, uint32_t now) noexcept;
  /// A paused session got a fresh authenticated record: the peer is alive.
  static void resume_proven(Ep& ep, uint8_t index, uint32_t now) noexcept;
  /// Sends the one keepalive whose ack proves both sides hold the keys.
  static void send_probe(Ep& ep, uint8_t index, uint32_t now) noexcept;
  // What resume() and a resume proven by the peer share: rekey checks, the
  // retire timer, queued payloads.
  static void after_resume(Ep& ep, uint8_t index, uint32_t now) noexcept;
  // pause() and resume() of a session with a rekey under way (rekey.cpp).
  static void rekey_pause(Ep& ep, uint8_t index) noexcept;
  static void rekey_resume(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static bool is_paused(const PeerSlot& p) noexcept { return (p.flags & kPeerPaused) != 0; }
  /// For an imported session whose replay state is unknown: an ack of our
  /// post-import probe proves a record fresh.
  static bool proves_fresh(void* user, uint64_t seq, ConstByteSpan payload) noexcept;

  // --- rekey.cpp ---------------------------------------------------------------
  /// Starts a rekey (or asks the peer to) if a limit is near; arms the age timer.
  static void rekey_check(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static void rekey_on_control(Ep& ep, uint8_t index, ConstByteSpan payload, uint32_t now) noexcept;
  /// A record opened with the other key phase's keys.
  static void rekey_other_phase(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static bool rekey_step(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static void rekey_timers(Ep& ep, uint8_t index, uint32_t now) noexcept;
  /// The session's kRekey timer fired (retire deadline, re-request, age).
  static void rekey_timer(Ep& ep, uint8_t index, uint32_t now) noexcept;
  /// Abandons a run in progress (pause, failure); the old keys stay.
  static void rekey_abort(Ep& ep, uint8_t index) noexcept;
  /// Wipes the other key phase's keys and accounts the time with two sets.
  static void rekey_retire_old(Ep& ep, uint8_t index, uint32_t now) noexcept;
  /// Sends "done with the old keys" when nothing of ours still needs them.
  static void rekey_maybe_retire(Ep& ep, uint8_t index, uint32_t now) noexcept;
  static void send_retire(Ep& ep, uint8_t index, uint32_t now) noexcept;
  /// kRetiring and the old keys gone and our retire acked: back to one key set.
  static void rekey_settle(Ep& ep, uint8_t index, uint32_t now) noexcept;
  /// An ack under the current keys: does it name our retire?
  static void rekey_on_ack(Ep& ep, uint8_t index, uint32_t bitmap, uint64_t largest, bool phase, uint32_t now) noexcept;
  /// A rekey is under way and the old keys have only the records its own
  /// EDHOC messages may need left: data and acks wait for the new keys.
  static bool rekey_reserved(const Ep& ep, const PeerSlot& p) noexcept;
  static Error send_rekey_flight(Ep& ep, uint8_t index, HandshakeSlot& h) noexcept;
  static bool start_rekey_flight(Ep& ep, uint8_t hindex, uint8_t n, size_t len, uint32_t now) noexcept;
  static void rekey_fail(Ep& ep, uint8_t index, Error why, uint32_t now) noexcept;
  static void rekey_switch(Ep& ep, uint8_t index, uint32_t now) noexcept;
};

}  // namespace detail
}  // namespace hush::session
